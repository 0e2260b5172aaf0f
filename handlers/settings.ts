import { z } from "zod";

const Settings = z
  .object({
    APP_ID: z.string({ error: "APP_ID is not set: the GitHub App's id (App settings > About)" }).regex(/^\d+$/, "APP_ID must be the numeric app id"),
    PRIVATE_KEY: z.string().optional(),
    PRIVATE_KEY_PATH: z.string().optional(),
    WEBHOOK_SECRET: z.string({ error: "WEBHOOK_SECRET is not set: the app's webhook secret; berth rejects unsigned webhooks" }).min(1, "WEBHOOK_SECRET must not be empty"),
    AWS_REGION: z
      .string({ error: "AWS_REGION is not set: the AWS region berth deploys previews in, e.g. us-east-1" })
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "AWS_REGION must look like us-east-1"),
    BERTH_BASE_STACK: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, "BERTH_BASE_STACK must be a CloudFormation stack name").default("berth-base"),
    BERTH_CONCURRENCY: z.coerce.number().int().min(1).max(50).default(4),
    BERTH_IMAGE_TIMEOUT_SECONDS: z.coerce.number().int().min(10).max(7200).default(1800),
  })
  .refine((s) => s.PRIVATE_KEY !== undefined || s.PRIVATE_KEY_PATH !== undefined, {
    path: ["PRIVATE_KEY"],
    message: "PRIVATE_KEY or PRIVATE_KEY_PATH must be set: the GitHub App's private key (PEM)",
  });

/** berth's own settings, read once at start-up. */
export type BerthSettings = z.output<typeof Settings>;

/** Parses berth's settings from the environment; throws one message naming every missing or bad variable. */
export function loadSettings(env: NodeJS.ProcessEnv = process.env): BerthSettings {
  const parsed = Settings.safeParse(env);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `- ${i.path.join(".")}: ${i.message}`);
  throw new Error(`berth cannot start; fix these environment variables:\n${lines.join("\n")}`);
}
