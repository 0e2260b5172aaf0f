import { describe, expect, it } from "vitest";
import { createAwsClients } from "../../handlers/index.js";

describe("createAwsClients", () => {
  it.each(["cloudformation", "ecs", "ecr", "logs", "elbv2"] as const)("gives the %s client adaptive retries in the region", async (name) => {
    const client = createAwsClients("eu-west-3")[name];
    const config = client.config as unknown as {
      region: () => Promise<string>;
      retryStrategy: () => Promise<{ mode: string; maxAttemptsProvider: () => Promise<number> }>;
    };
    const strategy = await config.retryStrategy();

    expect(await config.region()).toBe("eu-west-3");
    expect(strategy.mode).toBe("adaptive");
    expect(await strategy.maxAttemptsProvider()).toBe(6);
  });
});
