import { describe, expect, it } from "vitest";
import { CloudFormationStacks } from "../../src/aws/cloudformation-stacks.js";
import { ElbV2 } from "../../src/aws/elbv2.js";
import { HealthError } from "../../src/preview/errors.js";
import { BASE_OUTPUTS, createAwsFake, type AwsFakeOptions } from "../fakes/aws-fake.js";
import { previewTemplate } from "../fakes/aws/preview-template.js";

const LABEL = "shop-pr-7-acme-1a2b3c";

async function setup(options: AwsFakeOptions = {}, timeoutMs = 1_000) {
  const fake = createAwsFake(options);
  const stacks = new CloudFormationStacks({ client: fake.clients.cloudformation, ownership: { prefix: "berth-", tagKey: "berth:managed" }, pollDelayMs: 1 });
  const { outputs } = await stacks.ensure({
    name: `berth-${LABEL}`,
    template: previewTemplate({ label: LABEL, image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:abc1234", priority: 7 }),
    tags: {},
  });
  const elb = new ElbV2({ client: fake.clients.elbv2, pollDelayMs: 1, timeoutMs });
  return { fake, elb, targetGroupArn: outputs.TargetGroupArn ?? "" };
}

describe("ElbV2.waitHealthy", () => {
  it("waits through initial health checks until a target is healthy", async () => {
    const { fake, elb, targetGroupArn } = await setup({ healthPolls: 3 });
    const before = fake.calls.length;
    await elb.waitHealthy({ targetGroupArn });

    expect(fake.calls.slice(before).map((c) => c.command)).toEqual(Array(4).fill("DescribeTargetHealth"));
    expect(fake.calls.at(-1)?.input).toEqual({ TargetGroupArn: targetGroupArn });
  });

  it("throws HealthError with the target's reason on timeout", async () => {
    const { fake, elb, targetGroupArn } = await setup({}, 20);
    fake.setTargetHealth("PublicTargetGroup", {
      state: "unhealthy",
      reason: "Target.ResponseCodeMismatch",
      description: "Health checks failed with these codes: [502]",
    });
    const error = await elb.waitHealthy({ targetGroupArn }).then(() => undefined, (e: unknown) => e);

    expect(error).toBeInstanceOf(HealthError);
    expect((error as HealthError).userMessage).toMatch(
      /^The preview did not pass the load balancer's health check within 1 s \(target 10\.0\.1\.\d+:3000\): unhealthy: Target\.ResponseCodeMismatch: Health checks failed with these codes: \[502\]$/,
    );
    expect((error as HealthError).reason).toBe("unhealthy: Target.ResponseCodeMismatch: Health checks failed with these codes: [502]");
  });

  it("says so when no target is registered", async () => {
    const fake = createAwsFake();
    const group = fake.state.elbv2.addTargetGroup({ name: "empty", port: 80 });
    const elb = new ElbV2({ client: fake.clients.elbv2, pollDelayMs: 1, timeoutMs: 10 });
    const error = await elb.waitHealthy({ targetGroupArn: group.arn }).then(() => undefined, (e: unknown) => e);

    expect((error as HealthError).userMessage).toBe("The preview did not pass the load balancer's health check within 1 s: no target registered");
  });
});

describe("ElbV2.usedPriorities", () => {
  it("reads every page of rules and leaves out the default rule", async () => {
    const { fake, elb } = await setup({ rulesPageSize: 4 });
    fake.addListenerRules([12, 3, 50000, 1, 9]);

    expect(await elb.usedPriorities(BASE_OUTPUTS.ListenerArn)).toEqual([1, 3, 7, 9, 12, 50000]);
    expect(fake.commands("elbv2")).toEqual(["DescribeRules", "DescribeRules"]);
  });

  it("is empty on a listener with only its default rule", async () => {
    const fake = createAwsFake();
    const elb = new ElbV2({ client: fake.clients.elbv2 });
    expect(await elb.usedPriorities(BASE_OUTPUTS.ListenerArn)).toEqual([]);
  });
});
