import { describe, expect, it } from "vitest";
import { loadSettings } from "../../handlers/settings.js";

const GOOD = { APP_ID: "12345", PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----\nx\n-----END RSA PRIVATE KEY-----", WEBHOOK_SECRET: "s3cret", AWS_REGION: "eu-west-1" };

describe("loadSettings", () => {
  it("applies defaults", () => {
    expect(loadSettings(GOOD)).toMatchObject({ BERTH_BASE_STACK: "berth-base", BERTH_CONCURRENCY: 4, BERTH_IMAGE_TIMEOUT_SECONDS: 1800 });
  });

  it("accepts PRIVATE_KEY_PATH instead of PRIVATE_KEY", () => {
    const { PRIVATE_KEY: _key, ...rest } = GOOD;
    expect(loadSettings({ ...rest, PRIVATE_KEY_PATH: "/run/secrets/key.pem" }).PRIVATE_KEY_PATH).toBe("/run/secrets/key.pem");
  });

  it("names every missing variable in one message", () => {
    expect(() => loadSettings({})).toThrow(
      [
        "berth cannot start; fix these environment variables:",
        "- APP_ID: APP_ID is not set: the GitHub App's id (App settings > About)",
        "- WEBHOOK_SECRET: WEBHOOK_SECRET is not set: the app's webhook secret; berth rejects unsigned webhooks",
        "- AWS_REGION: AWS_REGION is not set: the AWS region berth deploys previews in, e.g. us-east-1",
      ].join("\n"),
    );
  });

  it.each([
    [{ AWS_REGION: "Frankfurt" }, "- AWS_REGION: AWS_REGION must look like us-east-1"],
    [{ BERTH_BASE_STACK: "1-bad name" }, "- BERTH_BASE_STACK: BERTH_BASE_STACK must be a CloudFormation stack name"],
    [{ APP_ID: "my-app" }, "- APP_ID: APP_ID must be the numeric app id"],
    [{ PRIVATE_KEY: undefined }, "- PRIVATE_KEY: PRIVATE_KEY or PRIVATE_KEY_PATH must be set: the GitHub App's private key (PEM)"],
  ])("rejects %j", (patch, line) => {
    expect(() => loadSettings({ ...GOOD, ...patch })).toThrow(line);
  });
});
