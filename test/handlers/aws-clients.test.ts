import { describe, expect, it } from "vitest";
import { createAwsClients, withIdleSweep } from "../../handlers/index.js";

describe("createAwsClients", () => {
  it.each(["cloudformation", "ecs", "ecr", "logs", "cloudwatch", "elbv2"] as const)("gives the %s client adaptive retries in the region", async (name) => {
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

describe("withIdleSweep", () => {
  const summary = { checked: 1, pulls: 0, removed: 0, redeployed: 0, concluded: 0, deferred: 0, errors: 0 };

  it("runs the idle sweep after each resync, and a failed sweep does not fail the resync", async () => {
    const order: string[] = [];
    const errors: unknown[] = [];
    const previews = {
      resync: async () => {
        order.push("resync");
        return summary;
      },
      sweepIdle: async () => {
        order.push("sweep");
        throw new Error("CloudWatch is down");
      },
    };
    const scheduled = withIdleSweep(previews, { error: (...args: unknown[]) => void errors.push(args[0]) } as never);

    await expect(scheduled.resync()).resolves.toBe(summary);
    expect(order).toEqual(["resync", "sweep"]);
    expect(errors).toEqual([{ err: new Error("CloudWatch is down") }]);
  });
});
