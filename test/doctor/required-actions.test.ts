import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PREVIEW_RESOURCE_TYPES, requiredActions, type PreviewAccount } from "../../src/doctor/required-actions.js";
import { getHandlerPermissions } from "../../src/iam/handler-permissions.js";
import { buildTemplate } from "../../src/stack/build-template.js";
import { BASE_OUTPUTS } from "../fakes/aws-fake.js";
import { BASE, django, node, rails, TARGET } from "../stack/fixtures/projects.js";

const ACCOUNT: PreviewAccount = {
  partition: "aws",
  region: "us-east-1",
  account: "123456789012",
  baseStack: "berth-base",
  outputs: BASE_OUTPUTS,
  repositories: [{ registryId: "123456789012", region: "us-east-1", name: "shop" }],
};
const requests = requiredActions(ACCOUNT);
const actions = new Set(requests.map((r) => r.action));

describe("requiredActions", () => {
  it("knows every resource type a preview template declares", () => {
    const types = new Set(
      [rails, django, node].flatMap((p) => {
        const template = buildTemplate({ ...p, target: TARGET, baseStack: BASE }).template as { Resources: Record<string, { Type: string }> };
        return Object.values(template.Resources).map((r) => r.Type);
      }),
    );
    expect([...types].sort()).toEqual([...PREVIEW_RESOURCE_TYPES].sort());
  });

  it("asks for every permission the resource handlers of those types call", () => {
    const handlerActions = PREVIEW_RESOURCE_TYPES.flatMap((type) => {
      const h = getHandlerPermissions(type);
      return [...h.create, ...h.read, ...h.update, ...h.delete];
    });
    // Cognito: only for listener rules that authenticate, which berth never renders.
    expect([...new Set(handlerActions)].filter((a) => !actions.has(a))).toEqual(["cognito-idp:DescribeUserPoolClient"]);
    expect(actions).toContain("ecs:ListServiceDeployments");
  });

  it("asks for every call berth's deploy adapters make (src/aws, doctor's own reads left out)", () => {
    const PREFIX: Record<string, string> = {
      "client-cloudformation": "cloudformation",
      "client-cloudwatch-logs": "logs",
      "client-ecr": "ecr",
      "client-ecs": "ecs",
      "client-elastic-load-balancing-v2": "elasticloadbalancing",
    };
    const DOCTOR_ONLY = ["ec2-network.ts", "iam-roles.ts", "caller-identity.ts", "ecr-repositories.ts", "target-groups.ts", "aws-doctor-port.ts"];
    const dir = path.join(import.meta.dirname, "../../src/aws");
    const calls = readdirSync(dir)
      .filter((file) => file.endsWith(".ts") && !DOCTOR_ONLY.includes(file))
      .flatMap((file) => {
        const source = readFileSync(path.join(dir, file), "utf8");
        const client = /from "@aws-sdk\/(client-[a-z0-9-]+)"/.exec(source)?.[1];
        if (!client) return [];
        return [
          ...[...source.matchAll(/new ([A-Za-z]+)Command\(/g)].map((m) => `${PREFIX[client] ?? client}:${m[1]}`),
          ...[...source.matchAll(/\bwaitUntil(TasksStopped|ServicesStable)\(/g)].map((m) => `ecs:${m[1] === "TasksStopped" ? "DescribeTasks" : "DescribeServices"}`),
        ];
      });
    expect(calls.length).toBeGreaterThan(15);
    expect([...new Set(calls)].filter((a) => !actions.has(a)).sort()).toEqual([]);
  });

  it.each<[string, string, Record<string, string | string[]>]>([
    ["iam:PassRole", BASE_OUTPUTS.ExecutionRoleArn, { "iam:PassedToService": "ecs-tasks.amazonaws.com" }],
    [
      "ecs:RunTask",
      "arn:aws:ecs:us-east-1:123456789012:task-definition/berth-doctor-pr-1-berth-000000-web:1",
      {
        "aws:RequestedRegion": "us-east-1",
        "ecs:cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/berth-previews",
        "aws:ResourceTag/berth:managed": "true",
        "aws:ResourceTag/aws:cloudformation:stack-name": "berth-doctor-pr-1-berth-000000",
      },
    ],
    // Target groups never carry aws:cloudformation:* tags: only berth's own tag fences them.
    [
      "elasticloadbalancing:DeleteTargetGroup",
      "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/berth-doctor-pr-1/0123456789abcdef",
      { "aws:RequestedRegion": "us-east-1", "aws:ResourceTag/berth:managed": "true" },
    ],
    [
      "ec2:CreateSecurityGroup",
      "arn:aws:ec2:us-east-1:123456789012:security-group/sg-0123456789abcdef0",
      {
        "aws:RequestedRegion": "us-east-1",
        "ec2:Vpc": "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-0abc1234def567890",
        "aws:RequestTag/berth:managed": "true",
        "aws:TagKeys": ["berth:managed"],
      },
    ],
    ["ec2:CreateSecurityGroup", "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-0abc1234def567890", { "aws:RequestedRegion": "us-east-1" }],
    ["servicediscovery:CreateService", "arn:aws:servicediscovery:us-east-1:123456789012:namespace/ns-abcdefgh12345678", { "aws:RequestedRegion": "us-east-1" }],
    ["servicediscovery:TagResource", "*", { "aws:RequestedRegion": "us-east-1" }],
    ["ecr:DescribeImages", "arn:aws:ecr:us-east-1:123456789012:repository/shop", { "aws:RequestedRegion": "us-east-1" }],
    ["cloudformation:DescribeStacks", "arn:aws:cloudformation:us-east-1:123456789012:stack/berth-base/00000000-0000-4000-8000-000000000000", { "aws:RequestedRegion": "us-east-1" }],
  ])("asks %s on %s with the context the real request carries", (action, resource, context) => {
    expect(requests.filter((r) => r.action === action && r.resource === resource)).toEqual([{ action, resource, context }]);
  });

  it("asks ecr:DescribeImages only for the repositories named", () => {
    expect(requiredActions({ ...ACCOUNT, repositories: [] }).filter((r) => r.action.startsWith("ecr:"))).toEqual([]);
  });

  it("asks each request once", () => {
    const keys = requests.map((r) => JSON.stringify([r.action, r.resource]));
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
  });
});
