import { CreateRuleCommand, DescribeRulesCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { describe, expect, it } from "vitest";
import { BASE_OUTPUTS, createAwsFake } from "./aws-fake.js";

const host = [{ Field: "host-header", HostHeaderConfig: { Values: ["shop-pr-7.preview.example.com"] } }];

async function setup() {
  const fake = createAwsFake();
  const blue = fake.state.elbv2.addTargetGroup({ name: "berth-pr-7-web-80", port: 80 }).arn;
  const green = fake.state.elbv2.addTargetGroup({ name: "berth-pr-7-web-80-alt", port: 80 }).arn;
  const created = await fake.clients.elbv2.send(new CreateRuleCommand({
    ListenerArn: BASE_OUTPUTS.ListenerArn,
    Priority: 7,
    Conditions: host,
    Actions: [{ Type: "forward", ForwardConfig: { TargetGroups: [{ TargetGroupArn: blue, Weight: 100 }, { TargetGroupArn: green, Weight: 0 }] } }],
  }));
  const ruleArn = created.Rules?.[0]?.RuleArn ?? "";
  const actionsOf = async (arn: string) => {
    const out = await fake.clients.elbv2.send(new DescribeRulesCommand({ ListenerArn: BASE_OUTPUTS.ListenerArn }));
    return out.Rules?.find((r) => r.RuleArn === arn)?.Actions;
  };
  return { fake, blue, green, ruleArn, actionsOf };
}

describe("the ELB fake's weighted forward actions", () => {
  it("answers a weighted rule's ForwardConfig with each weight and no TargetGroupArn, as DescribeRules does", async () => {
    const { blue, green, ruleArn, actionsOf } = await setup();

    expect(await actionsOf(ruleArn)).toEqual([{
      Type: "forward",
      Order: 1,
      ForwardConfig: { TargetGroups: [{ TargetGroupArn: blue, Weight: 100 }, { TargetGroupArn: green, Weight: 0 }], TargetGroupStickinessConfig: { Enabled: false } },
    }]);
  });

  it("answers a rule forwarding to one target group with its TargetGroupArn and a ForwardConfig of weight 1", async () => {
    const fake = createAwsFake();
    const group = fake.state.elbv2.addTargetGroup({ name: "berth-pr-8-web-80", port: 80 }).arn;
    const created = await fake.clients.elbv2.send(new CreateRuleCommand({ ListenerArn: BASE_OUTPUTS.ListenerArn, Priority: 8, Conditions: host, Actions: [{ Type: "forward", TargetGroupArn: group }] }));

    const out = await fake.clients.elbv2.send(new DescribeRulesCommand({ ListenerArn: BASE_OUTPUTS.ListenerArn }));

    expect(out.Rules?.find((r) => r.RuleArn === created.Rules?.[0]?.RuleArn)?.Actions).toEqual([{
      Type: "forward",
      Order: 1,
      TargetGroupArn: group,
      ForwardConfig: { TargetGroups: [{ TargetGroupArn: group, Weight: 1 }], TargetGroupStickinessConfig: { Enabled: false } },
    }]);
    expect(out.Rules?.at(-1)).toMatchObject({ IsDefault: true, Actions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "404" } }] });
  });

  it("serves the host from the heaviest target group, before and after the weights shift", async () => {
    const { fake, blue, green, ruleArn, actionsOf } = await setup();
    expect(fake.state.elbv2.rules.get(ruleArn)?.targetGroupArn).toBe(blue);

    fake.state.elbv2.setWeights(ruleArn, { [green]: 100, [blue]: 0 });

    expect(fake.state.elbv2.rules.get(ruleArn)?.targetGroupArn).toBe(green);
    expect((await actionsOf(ruleArn))?.[0]?.ForwardConfig?.TargetGroups).toEqual([{ TargetGroupArn: blue, Weight: 0 }, { TargetGroupArn: green, Weight: 100 }]);
  });

  it("counts both target groups of a weighted rule against the load balancer's 100, as AWS does", async () => {
    const { fake } = await setup();
    fake.fillLoadBalancer({ rules: 97 });
    const third = fake.state.elbv2.addTargetGroup({ name: "berth-pr-9-web-80", port: 80 }).arn;
    const fourth = fake.state.elbv2.addTargetGroup({ name: "berth-pr-9-web-80-alt", port: 80 }).arn;

    const create = fake.clients.elbv2.send(new CreateRuleCommand({
      ListenerArn: BASE_OUTPUTS.ListenerArn,
      Priority: 9,
      Conditions: host,
      Actions: [{ Type: "forward", ForwardConfig: { TargetGroups: [{ TargetGroupArn: third, Weight: 100 }, { TargetGroupArn: fourth, Weight: 0 }] } }],
    }));

    await expect(create).rejects.toMatchObject({ name: "TooManyTargetGroupsException" });
  });
});
