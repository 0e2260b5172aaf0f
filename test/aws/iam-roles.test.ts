import { describe, expect, it } from "vitest";
import { IamRoles } from "../../src/aws/iam-roles.js";
import { BOT_ROLE_ARN, createAwsFake } from "../fakes/aws-fake.js";

describe("IamRoles", () => {
  it("simulates many actions in chunks, follows the simulator's pages, and keeps every verdict", async () => {
    const fake = createAwsFake();
    const actions = Array.from({ length: 60 }, (_, i) => `ecs:Action${i}`);
    fake.state.iam.allowOnly(BOT_ROLE_ARN, actions.slice(0, 59));
    const roles = new IamRoles({ client: fake.clients.iam });

    const results = await roles.simulate(BOT_ROLE_ARN, actions.map((action) => ({ action, resource: "arn:aws:ecs:us-east-1:123456789012:service/c/s" })));

    expect(results).toHaveLength(60);
    expect(results.filter((r) => r.decision !== "allowed")).toEqual([
      { action: "ecs:Action59", resource: "arn:aws:ecs:us-east-1:123456789012:service/c/s", decision: "implicitDeny" },
    ]);
    // 50 actions, then 10; the first call's 50 verdicts come in pages of 25.
    expect(fake.calls.map((c) => [(c.input.ActionNames as string[]).length, c.input.Marker])).toEqual([[50, undefined], [50, "25"], [10, undefined]]);
  });

  it("makes one call per resource and context: the simulator takes one context per call", async () => {
    const fake = createAwsFake();
    const roles = new IamRoles({ client: fake.clients.iam });

    await roles.simulate(BOT_ROLE_ARN, [
      { action: "ec2:DescribeInstances", resource: "*", context: { "aws:RequestedRegion": "us-east-1" } },
      { action: "ec2:DescribeSecurityGroups", resource: "*", context: { "aws:RequestedRegion": "us-east-1" } },
      { action: "iam:GetRole", resource: BOT_ROLE_ARN },
    ]);

    expect(fake.calls.map((c) => c.input)).toEqual([
      {
        PolicySourceArn: BOT_ROLE_ARN,
        ActionNames: ["ec2:DescribeInstances", "ec2:DescribeSecurityGroups"],
        ContextEntries: [{ ContextKeyName: "aws:RequestedRegion", ContextKeyValues: ["us-east-1"], ContextKeyType: "string" }],
      },
      { PolicySourceArn: BOT_ROLE_ARN, ActionNames: ["iam:GetRole"], ResourceArns: [BOT_ROLE_ARN] },
    ]);
  });

  it.each([
    ["berth-bot-TaskRole-0A1B2C3D4E5F", BOT_ROLE_ARN],
    ["no-such-role", undefined],
  ])("finds the ARN, path included, of role %s", async (name, arn) => {
    const fake = createAwsFake();
    expect(await new IamRoles({ client: fake.clients.iam }).findRoleArn(name)).toBe(arn);
  });
});
