import { z } from "zod";
import { AWS_REGION_PATTERN } from "../src/util/aws-region.js";
import { TARGET_GROUP_ARN_PATTERN } from "../src/util/target-group-arn.js";

/** Seconds a stop may take by default: below deploy/bot.yml's StopTimeout of 120 s, with time left to close the server and exit. */
export const DEFAULT_DRAIN_SECONDS = 100;

const Settings = z.object({
  AWS_REGION: z
    .string({ error: "AWS_REGION is not set: the AWS region berth deploys previews in, e.g. us-east-1 (AWS_DEFAULT_REGION works too)" })
    .regex(AWS_REGION_PATTERN, "AWS_REGION must look like us-east-1"),
  BERTH_BASE_STACK: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, "BERTH_BASE_STACK must be a CloudFormation stack name").default("berth-base"),
  BERTH_CONCURRENCY: z.coerce.number().int().min(1).max(50).default(4),
  BERTH_IMAGE_TIMEOUT_SECONDS: z.coerce.number().int().min(10).max(7200).default(1800),
  /** Minutes between resyncs that repair missed webhooks; 0 turns them off. */
  BERTH_RESYNC_MINUTES: z.coerce.number().int().min(0).max(1440).default(15),
  /**
   * Seconds berth takes at most to stop after SIGTERM: running deploys stop at their next safe
   * point, then the process exits. Keep it below the container's stop timeout (ECS then sends
   * SIGKILL): deploy/bot.yml sets StopTimeout 120, Fargate's maximum.
   */
  BERTH_DRAIN_SECONDS: z.coerce.number().int().min(1).max(3600).default(DEFAULT_DRAIN_SECONDS),
  /**
   * `on`: a push whose release phase needs no stack update starts its rollout with the release
   * steps, the new version held behind a CloudFormation wait condition until they passed. `off`:
   * the steps, then the rollout.
   */
  BERTH_RELEASE_GATE: z.enum(["on", "off"], { error: "BERTH_RELEASE_GATE must be on or off" }).default("on"),
  /**
   * The key of the HMAC in every preview's host name: without it nobody can derive a preview's
   * address from its repository's name. Changing it moves every preview to a new host on its next
   * deploy. Required in production; elsewhere DEVELOPMENT_HOST_KEY stands in, with a warning.
   */
  /**
   * berth's own target group (deploy/bot.yml sets it): while a preview sleeps its listener rule
   * forwards there, and its URL answers with a page that wakes it. Unset, a sleeping preview's URL
   * answers 503 until `/preview wake` or a push.
   */
  BERTH_WAKE_TARGET_GROUP_ARN: z
    .string()
    .regex(TARGET_GROUP_ARN_PATTERN, "BERTH_WAKE_TARGET_GROUP_ARN must be a target group ARN (arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>)")
    .optional(),
  /**
   * Where people reach berth itself, `https://berth.<Domain>` (deploy/bot.yml sets it): requests
   * with this host get the dashboard of live previews, its sign-in with GitHub calls back to
   * `<this>/auth/callback`. Needs GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET. Unset, there is no
   * dashboard. `http://` only for localhost, in development.
   */
  BERTH_PUBLIC_URL: z
    .string()
    .refine(isPublicUrl, "BERTH_PUBLIC_URL must be berth's own address without a path, such as https://berth.example.com (http:// only for localhost)")
    .transform((url) => new URL(url).origin)
    .optional(),
  /** GitHub's web address, where the dashboard's sign-in goes: https://github.com, or a GitHub Enterprise server's. */
  BERTH_GITHUB_URL: z
    .string()
    .refine((url) => URL.canParse(url) && /^https?:$/.test(new URL(url).protocol), "BERTH_GITHUB_URL must be a URL such as https://github.com")
    .transform((url) => url.replace(/\/+$/, ""))
    .default("https://github.com"),
  GITHUB_CLIENT_ID: z.string().optional(),
  GITHUB_CLIENT_SECRET: z.string().optional(),
  BERTH_HOST_KEY: z
    .string()
    .min(32, "BERTH_HOST_KEY must be at least 32 characters (e.g. the output of openssl rand -hex 32)")
    .default(() => DEVELOPMENT_HOST_KEY),
});

/** An https origin, or http on localhost, with no path, query or credentials. */
function isPublicUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  const local = url.hostname === "localhost" || url.hostname === "127.0.0.1";
  return (url.protocol === "https:" || (url.protocol === "http:" && local)) && (url.pathname === "/" || url.pathname === "") && !url.search && !url.hash && !url.username && !url.password;
}

/**
 * The host key of a berth outside production without BERTH_HOST_KEY: public, so preview host
 * names made with it can be derived by anyone. Production refuses to start without a key.
 */
export const DEVELOPMENT_HOST_KEY = "berth-development-host-key-not-secret";

/** berth's own settings, read once when the app loads. */
export type BerthSettings = z.output<typeof Settings>;

/** Parses berth's settings from the environment; throws one message naming every missing or bad variable. */
export function loadSettings(env: NodeJS.ProcessEnv = process.env): BerthSettings {
  // AWS_DEFAULT_REGION is what the AWS CLI reads; accept it when AWS_REGION is not set.
  const parsed = Settings.safeParse({
    ...env,
    AWS_REGION: env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
    BERTH_HOST_KEY: env.BERTH_HOST_KEY || undefined,
    BERTH_WAKE_TARGET_GROUP_ARN: env.BERTH_WAKE_TARGET_GROUP_ARN || undefined,
    BERTH_PUBLIC_URL: env.BERTH_PUBLIC_URL || undefined,
    BERTH_GITHUB_URL: env.BERTH_GITHUB_URL || undefined,
    GITHUB_CLIENT_ID: env.GITHUB_CLIENT_ID || undefined,
    GITHUB_CLIENT_SECRET: env.GITHUB_CLIENT_SECRET || undefined,
  });
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  if (env.BERTH_PUBLIC_URL) {
    for (const name of ["GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET"]) {
      if (!env[name]) problems.push(`${name}: ${name} is not set: the dashboard at BERTH_PUBLIC_URL signs people in with the GitHub App's client id and secret (App settings > General); unset BERTH_PUBLIC_URL to run without the dashboard`);
    }
  }
  if (env.NODE_ENV === "production" && !env.BERTH_HOST_KEY) {
    problems.push("BERTH_HOST_KEY: BERTH_HOST_KEY is not set: the secret preview host names are derived with (deploy/bot.yml keeps one in Secrets Manager); without it anyone could guess a preview's address");
  }
  if (parsed.success && problems.length === 0) return parsed.data;
  throw new Error(settingsMessage(problems));
}

const AppSettings = z.object({
  APP_ID: z.string({ error: "APP_ID is not set: the GitHub App's id (App settings > About)" }).regex(/^\d+$/, "APP_ID must be the numeric app id"),
  PRIVATE_KEY: z.string().optional(),
  PRIVATE_KEY_PATH: z.string().optional(),
  WEBHOOK_SECRET: z.string({ error: "WEBHOOK_SECRET is not set: the app's webhook secret; berth rejects unsigned webhooks" }).min(1, "WEBHOOK_SECRET must not be empty"),
});

/**
 * Probot's own settings at start-up. None of them set means Probot's setup flow (it registers the
 * app and writes them to .env): "setup". Some set means a half-configured app: every missing or
 * bad one is named in one message.
 */
export function checkAppSettings(env: NodeJS.ProcessEnv = process.env): "setup" | "configured" {
  const names = ["APP_ID", "PRIVATE_KEY", "PRIVATE_KEY_PATH", "WEBHOOK_SECRET"];
  if (names.every((name) => !env[name])) return "setup";
  const parsed = AppSettings.safeParse(env);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  if (!env.PRIVATE_KEY && !env.PRIVATE_KEY_PATH) problems.push("PRIVATE_KEY: PRIVATE_KEY or PRIVATE_KEY_PATH must be set: the GitHub App's private key (PEM)");
  if (problems.length > 0) throw new Error(settingsMessage(problems));
  return "configured";
}

function settingsMessage(problems: string[]): string {
  return `berth cannot start; fix these environment variables:\n${problems.map((p) => `- ${p}`).join("\n")}`;
}
