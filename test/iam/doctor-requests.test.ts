import { describe, expect, it } from "vitest";
import { buildDoctorRequests } from "../../src/iam/doctor-requests.js";
import { BASE_OUTPUTS, BOT_ROLE_ARN, FAKE_ACCOUNT, FAKE_REGION } from "../fakes/aws-fake.js";

const input = {
  base: { name: "berth-base", outputs: BASE_OUTPUTS },
  botRoleArn: BOT_ROLE_ARN,
  repositories: [{ registryId: FAKE_ACCOUNT, region: "eu-west-1", name: "shop" }],
  account: FAKE_ACCOUNT,
  region: FAKE_REGION,
};
const requests = buildDoctorRequests(input);
const arn = (service: string, resource: string) => `arn:aws:${service}:${FAKE_REGION}:${FAKE_ACCOUNT}:${resource}`;

describe("buildDoctorRequests", () => {
  it.each<[string, string, Record<string, string>]>([
    ["ec2:DescribeVpcAttribute", arn("ec2", `vpc/${BASE_OUTPUTS.VpcId}`), { "aws:RequestedRegion": FAKE_REGION }],
    ["ec2:DescribeSubnets", "*", { "aws:RequestedRegion": FAKE_REGION }],
    ["elasticloadbalancing:DescribeTargetGroups", "*", { "aws:RequestedRegion": FAKE_REGION }],
    ["elasticloadbalancing:DescribeTargetHealth", "*", { "aws:RequestedRegion": FAKE_REGION }],
    ["iam:GetRole", BOT_ROLE_ARN, {}],
    // A repository is read in its own region.
    ["ecr:DescribeRepositories", `arn:aws:ecr:eu-west-1:${FAKE_ACCOUNT}:repository/shop`, { "aws:RequestedRegion": "eu-west-1" }],
  ])("asks %s on %s with the keys the real request carries", (action, resource, context) => {
    expect(requests.filter((r) => r.action === action).map((r) => [r.resource, r.context])).toEqual([[resource, context]]);
  });

  it("simulates the bot role and the execution role, and no other", () => {
    expect(requests.filter((r) => r.action === "iam:SimulatePrincipalPolicy").map((r) => r.resource)).toEqual([BASE_OUTPUTS.ExecutionRoleArn, BOT_ROLE_ARN]);
  });

  it("asks nothing of ECR when no repository is named", () => {
    expect(buildDoctorRequests({ ...input, repositories: [] }).filter((r) => r.action.startsWith("ecr:"))).toEqual([]);
  });

  it("refuses a base stack without the outputs it reads", () => {
    expect(() => buildDoctorRequests({ ...input, base: { name: "berth-base", outputs: {} } })).toThrow("the base stack berth-base has no output VpcId");
  });
});
