import { describe, expect, it } from "vitest";
import { CloudFormationStacks } from "../../src/aws/cloudformation-stacks.js";
import { CreateRuleCommand, DescribeListenersCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
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

describe("ElbV2.headroom", () => {
  it("counts the listener's rules and the target groups its load balancer routes to, across pages", async () => {
    const { fake, elb } = await setup();
    fake.fillLoadBalancer({ rules: 44, targetGroups: 30 });
    const before = fake.calls.length;

    expect(await elb.headroom(BASE_OUTPUTS.ListenerArn)).toEqual({
      loadBalancerArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/berth-base-alb/50dc6c495c0c9188",
      rules: { used: 45, limit: 100 },
      targetGroups: { used: 31, limit: 100 },
    });
    // The rules and the target groups are read side by side; the load balancer is named in the listener's ARN.
    expect(fake.calls.slice(before).map((c) => c.command).sort()).toEqual([
      "DescribeRules", "DescribeRules", "DescribeRules", "DescribeTargetGroups", "DescribeTargetGroups",
    ]);
  });

  it("names the same load balancer as DescribeListeners does", async () => {
    const { fake, elb } = await setup();
    const { Listeners } = await fake.clients.elbv2.send(new DescribeListenersCommand({ ListenerArns: [BASE_OUTPUTS.ListenerArn] }));

    expect((await elb.headroom(BASE_OUTPUTS.ListenerArn)).loadBalancerArn).toBe(Listeners?.[0]?.LoadBalancerArn);
  });

  it("takes a raised rule quota from its options", async () => {
    const fake = createAwsFake();
    const elb = new ElbV2({ client: fake.clients.elbv2, ruleLimit: 200 });
    expect((await elb.headroom(BASE_OUTPUTS.ListenerArn)).rules).toEqual({ used: 0, limit: 200 });
  });
});

describe("the fake load balancer refuses what AWS refuses", () => {
  const second = (fake: ReturnType<typeof createAwsFake>) =>
    new CloudFormationStacks({ client: fake.clients.cloudformation, ownership: { prefix: "berth-", tagKey: "berth:managed" }, pollDelayMs: 1 }).ensure({
      name: "berth-shop-pr-8-acme-1a2b3c",
      template: previewTemplate({ label: "shop-pr-8-acme-1a2b3c", image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:abc1234", priority: 8 }),
      tags: {},
    });

  it.each([
    ["a 101st rule", { rules: 99, targetGroups: 10 }, {}, "TooManyRules"],
    ["a 101st target group, the rule quota raised", { rules: 99, targetGroups: 99 }, { rules: 200 }, "TooManyTargetGroups"],
  ])("a preview stack that would add %s rolls back", async (_name, fill, limits, code) => {
    const { fake } = await setup();
    Object.assign(fake.state.elbv2.limits, limits);
    fake.fillLoadBalancer(fill);
    const error = await second(fake).then(() => undefined, (e: unknown) => e as Error & { userMessage: string; status: string });

    expect(error?.status).toBe("ROLLBACK_COMPLETE");
    expect(error?.userMessage).toContain(code === "TooManyRules" ? "The maximum number of rules on load balancer" : "The maximum number of target groups per load balancer '100' has been reached");
    expect(error?.userMessage).toContain("ServiceLimitExceeded");
  });
});

describe("ElbV2.forwardedTo", () => {
  it("names the target group a weighted rule sends its traffic to, before and after ECS moves the weights", async () => {
    const fake = createAwsFake();
    const blue = fake.state.elbv2.addTargetGroup({ name: "berth-pr-aaaa", port: 80 }).arn;
    const green = fake.state.elbv2.addTargetGroup({ name: "berth-pr-bbbb", port: 80 }).arn;
    const created = await fake.clients.elbv2.send(new CreateRuleCommand({
      ListenerArn: BASE_OUTPUTS.ListenerArn,
      Priority: 7,
      Conditions: [{ Field: "host-header", HostHeaderConfig: { Values: ["shop-pr-7.preview.example.com"] } }],
      Actions: [{ Type: "forward", ForwardConfig: { TargetGroups: [{ TargetGroupArn: blue, Weight: 100 }, { TargetGroupArn: green, Weight: 0 }] } }],
    }));
    const ruleArn = created.Rules?.[0]?.RuleArn ?? "";
    const elb = new ElbV2({ client: fake.clients.elbv2, pollDelayMs: 1 });

    expect(await elb.forwardedTo(ruleArn)).toBe(blue);
    fake.state.elbv2.setWeights(ruleArn, { [green]: 100, [blue]: 0 });
    expect(await elb.forwardedTo(ruleArn)).toBe(green);
    expect(fake.calls.filter((c) => c.command === "DescribeRules").map((c) => c.input)).toEqual([{ RuleArns: [ruleArn] }, { RuleArns: [ruleArn] }]);
  });

  it("names a plain rule's one target group, and nothing for a rule that is gone", async () => {
    const { fake, elb, targetGroupArn } = await setup();
    const rule = [...fake.state.elbv2.rules.values()].find((r) => r.targetGroupArn === targetGroupArn)!;
    expect(await elb.forwardedTo(rule.arn)).toBe(targetGroupArn);
    fake.state.elbv2.rules.delete(rule.arn);
    expect(await elb.forwardedTo(rule.arn)).toBeUndefined();
  });
});
