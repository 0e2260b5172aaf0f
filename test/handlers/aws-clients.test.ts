import { describe, expect, it } from "vitest";
import { createAwsClients, withIdleSweep } from "../../handlers/index.js";
import { AWS_ATTEMPTS, AwsRetryStrategy } from "../../src/aws/aws-retry-strategy.js";

describe("createAwsClients", () => {
  it.each(["cloudformation", "ecs", "ecr", "logs", "cloudwatch", "elbv2"] as const)("gives the %s client berth's adaptive retries of its own in the region", async (name) => {
    const strategyOf = async (clients: ReturnType<typeof createAwsClients>) => {
      const config = clients[name].config as unknown as { region: () => Promise<string>; retryStrategy: () => Promise<unknown>; maxAttempts: () => Promise<number> };
      return { region: await config.region(), strategy: await config.retryStrategy(), maxAttempts: await config.maxAttempts() };
    };
    const clients = createAwsClients("eu-west-3");
    const { region, strategy, maxAttempts } = await strategyOf(clients);
    const others = await Promise.all((["cloudformation", "ecs"] as const).filter((n) => n !== name).map(async (n) => (await (clients[n].config as unknown as { retryStrategy: () => Promise<unknown> }).retryStrategy())));

    expect(region).toBe("eu-west-3");
    expect(strategy).toBeInstanceOf(AwsRetryStrategy);
    expect((strategy as AwsRetryStrategy).mode).toBe("adaptive");
    expect(maxAttempts).toBe(AWS_ATTEMPTS.throttling);
    // Each client its own retry quota and rate limiter, as the SDK gives each client by default.
    for (const other of others) expect(other).not.toBe(strategy);
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
