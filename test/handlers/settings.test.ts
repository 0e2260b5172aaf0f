import { describe, expect, it } from "vitest";
import { checkAppSettings, DEVELOPMENT_HOST_KEY, loadSettings } from "../../handlers/settings.js";

describe("loadSettings", () => {
  it("applies defaults", () => {
    expect(loadSettings({ AWS_REGION: "eu-west-1" })).toEqual({ AWS_REGION: "eu-west-1", BERTH_BASE_STACK: "berth-base", BERTH_CONCURRENCY: 4, BERTH_IMAGE_TIMEOUT_SECONDS: 1800, BERTH_RESYNC_MINUTES: 15, BERTH_DRAIN_SECONDS: 100, BERTH_RELEASE_GATE: "on", BERTH_HOST_KEY: DEVELOPMENT_HOST_KEY, BERTH_GITHUB_URL: "https://github.com" });
  });

  it("serves the dashboard on BERTH_PUBLIC_URL (its origin), signing in with the App's client id and secret", () => {
    const settings = loadSettings({ AWS_REGION: "eu-west-1", BERTH_PUBLIC_URL: "https://berth.example.com/", GITHUB_CLIENT_ID: "Iv1.abc", GITHUB_CLIENT_SECRET: "s3cret" });
    expect(settings).toMatchObject({ BERTH_PUBLIC_URL: "https://berth.example.com", GITHUB_CLIENT_ID: "Iv1.abc", GITHUB_CLIENT_SECRET: "s3cret", BERTH_GITHUB_URL: "https://github.com" });
    expect(loadSettings({ AWS_REGION: "eu-west-1", BERTH_PUBLIC_URL: "http://localhost:3000", GITHUB_CLIENT_ID: "a", GITHUB_CLIENT_SECRET: "b" }).BERTH_PUBLIC_URL).toBe("http://localhost:3000");
    expect(loadSettings({ AWS_REGION: "eu-west-1", BERTH_GITHUB_URL: "https://github.example.com/" }).BERTH_GITHUB_URL).toBe("https://github.example.com");
  });

  it("takes the host key from BERTH_HOST_KEY, in production too", () => {
    const key = "0123456789abcdef0123456789abcdef";
    expect(loadSettings({ AWS_REGION: "eu-west-1", BERTH_HOST_KEY: key }).BERTH_HOST_KEY).toBe(key);
    expect(loadSettings({ AWS_REGION: "eu-west-1", BERTH_HOST_KEY: key, NODE_ENV: "production" }).BERTH_HOST_KEY).toBe(key);
  });

  it("refuses to start in production without BERTH_HOST_KEY, rather than give previews guessable host names", () => {
    expect(() => loadSettings({ AWS_REGION: "eu-west-1", NODE_ENV: "production", BERTH_HOST_KEY: "" })).toThrow(
      "berth cannot start; fix these environment variables:\n- BERTH_HOST_KEY: BERTH_HOST_KEY is not set: the secret preview host names are derived with (deploy/bot.yml keeps one in Secrets Manager); without it anyone could guess a preview's address",
    );
  });

  it("takes berth's own target group, where sleeping previews' rules forward, from BERTH_WAKE_TARGET_GROUP_ARN", () => {
    const arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/berth-Targe-1ABCDEFGHIJK/0123456789abcdef";
    expect(loadSettings({ AWS_REGION: "eu-west-1", BERTH_WAKE_TARGET_GROUP_ARN: arn }).BERTH_WAKE_TARGET_GROUP_ARN).toBe(arn);
    expect(loadSettings({ AWS_REGION: "eu-west-1", BERTH_WAKE_TARGET_GROUP_ARN: "" }).BERTH_WAKE_TARGET_GROUP_ARN).toBeUndefined();
  });

  it("takes the region from AWS_DEFAULT_REGION when AWS_REGION is not set, AWS_REGION first", () => {
    expect(loadSettings({ AWS_DEFAULT_REGION: "ap-southeast-2" }).AWS_REGION).toBe("ap-southeast-2");
    expect(loadSettings({ AWS_REGION: "eu-west-1", AWS_DEFAULT_REGION: "ap-southeast-2" }).AWS_REGION).toBe("eu-west-1");
  });

  it.each([
    [{}, "- AWS_REGION: AWS_REGION is not set: the AWS region berth deploys previews in, e.g. us-east-1 (AWS_DEFAULT_REGION works too)"],
    [{ AWS_REGION: "Frankfurt" }, "- AWS_REGION: AWS_REGION must look like us-east-1"],
    [{ AWS_REGION: "us-east-1", BERTH_BASE_STACK: "1-bad name" }, "- BERTH_BASE_STACK: BERTH_BASE_STACK must be a CloudFormation stack name"],
    [{ AWS_REGION: "us-east-1", BERTH_CONCURRENCY: "0" }, "- BERTH_CONCURRENCY: Too small: expected number to be >=1"],
    [{ AWS_REGION: "us-east-1", BERTH_DRAIN_SECONDS: "0" }, "- BERTH_DRAIN_SECONDS: Too small: expected number to be >=1"],
    [{ AWS_REGION: "us-east-1", BERTH_RELEASE_GATE: "no" }, "- BERTH_RELEASE_GATE: BERTH_RELEASE_GATE must be on or off"],
    [{ AWS_REGION: "us-east-1", BERTH_HOST_KEY: "short" }, "- BERTH_HOST_KEY: BERTH_HOST_KEY must be at least 32 characters (e.g. the output of openssl rand -hex 32)"],
    [
      { AWS_REGION: "us-east-1", BERTH_WAKE_TARGET_GROUP_ARN: "berth-TargetGroup" },
      "- BERTH_WAKE_TARGET_GROUP_ARN: BERTH_WAKE_TARGET_GROUP_ARN must be a target group ARN (arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>)",
    ],
    [
      { AWS_REGION: "us-east-1", BERTH_PUBLIC_URL: "http://berth.example.com", GITHUB_CLIENT_ID: "a", GITHUB_CLIENT_SECRET: "b" },
      "- BERTH_PUBLIC_URL: BERTH_PUBLIC_URL must be berth's own address without a path, such as https://berth.example.com (http:// only for localhost)",
    ],
    [
      { AWS_REGION: "us-east-1", BERTH_PUBLIC_URL: "https://berth.example.com/dashboard", GITHUB_CLIENT_ID: "a", GITHUB_CLIENT_SECRET: "b" },
      "- BERTH_PUBLIC_URL: BERTH_PUBLIC_URL must be berth's own address without a path, such as https://berth.example.com (http:// only for localhost)",
    ],
    [
      { AWS_REGION: "us-east-1", BERTH_PUBLIC_URL: "https://berth.example.com", GITHUB_CLIENT_ID: "a" },
      "- GITHUB_CLIENT_SECRET: GITHUB_CLIENT_SECRET is not set: the dashboard at BERTH_PUBLIC_URL signs people in with the GitHub App's client id and secret (App settings > General); unset BERTH_PUBLIC_URL to run without the dashboard",
    ],
    [{ AWS_REGION: "us-east-1", BERTH_GITHUB_URL: "github.com" }, "- BERTH_GITHUB_URL: BERTH_GITHUB_URL must be a URL such as https://github.com"],
  ])("rejects %j", (env, line) => {
    expect(() => loadSettings(env)).toThrow(`berth cannot start; fix these environment variables:\n${line}`);
  });
});

describe("checkAppSettings", () => {
  const KEY = "-----BEGIN RSA PRIVATE KEY-----\nx\n-----END RSA PRIVATE KEY-----";

  it("lets Probot's setup flow run when no app credential is set", () => {
    expect(checkAppSettings({ AWS_REGION: "us-east-1" })).toBe("setup");
  });

  it.each([
    [{ APP_ID: "12", PRIVATE_KEY: KEY, WEBHOOK_SECRET: "s" }],
    [{ APP_ID: "12", PRIVATE_KEY_PATH: "/run/secrets/key.pem", WEBHOOK_SECRET: "s" }],
  ])("accepts a configured app %#", (env) => {
    expect(checkAppSettings(env)).toBe("configured");
  });

  it("names every missing variable of a half-configured app in one message", () => {
    expect(() => checkAppSettings({ APP_ID: "12" })).toThrow(
      [
        "berth cannot start; fix these environment variables:",
        "- WEBHOOK_SECRET: WEBHOOK_SECRET is not set: the app's webhook secret; berth rejects unsigned webhooks",
        "- PRIVATE_KEY: PRIVATE_KEY or PRIVATE_KEY_PATH must be set: the GitHub App's private key (PEM)",
      ].join("\n"),
    );
  });

  it("rejects an app id that is not a number", () => {
    expect(() => checkAppSettings({ APP_ID: "berth", PRIVATE_KEY: KEY, WEBHOOK_SECRET: "s" })).toThrow("- APP_ID: APP_ID must be the numeric app id");
  });
});
