import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildBotRoleRequests } from "../../src/doctor/bot-role-requests.js";
import { BASE_OUTPUTS, BOT_ROLE_ARN, BOT_TARGET_GROUP_ARN, createAwsFake, type AwsFake } from "../fakes/aws-fake.js";
import { doctorCli } from "../helpers/doctor-harness.js";

const SHOP = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:{sha}";
/** How many requests the bot role is simulated for, with the shop repository named. */
const REQUESTS = (
  await buildBotRoleRequests({
    partition: "aws",
    region: "us-east-1",
    account: "123456789012",
    baseStack: "berth-base",
    outputs: BASE_OUTPUTS,
    botRoleArn: BOT_ROLE_ARN,
    repositories: [{ registryId: "123456789012", region: "us-east-1", name: "shop" }],
  })
).length;

/** An account where everything a preview needs is in place, the shop repository included. */
function healthy(options: Parameters<typeof createAwsFake>[0] = {}): AwsFake {
  const fake = createAwsFake(options);
  fake.state.ecr.repository("123456789012", "shop");
  return fake;
}

function configFile(text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "berth-doctor-")), "preview.yml");
  writeFileSync(file, text);
  return file;
}

describe("berth doctor", () => {
  it("passes a healthy account: every check ✓, exit 0", async () => {
    const { code, stdout, stderr } = await doctorCli(["doctor", "--image", SHOP], healthy());

    expect(stderr).toBe("");
    expect(stdout).toBe(`✓ Base stack berth-base is CREATE_COMPLETE with all 16 outputs
✓ VPC vpc-0abc1234def567890 has enableDnsSupport and enableDnsHostnames on (compose service names resolve)
✓ Task subnets subnet-0a1b2c3d4e5f60001, subnet-0a1b2c3d4e5f60002 reach ECR, ECR Public and CloudWatch Logs through igw-0a1b2c3d4e5f60001
✓ Listener rules: 0 of 100 used
✓ Target groups on the load balancer: 0 of 100 used
✓ Waking page: target group berth-bot-TargetGroup-1A2B3C routes to berth (1 healthy target)
✓ Execution role reads secrets under preview/
✓ Bot role arn:aws:iam::123456789012:role/berth/berth-bot-TaskRole-0A1B2C3D4E5F is allowed all ${REQUESTS} requests a preview makes
✓ ECR repositories exist: shop

All checks passed (9 passed).
`);
    expect(code).toBe(0);
  });

  it("only reads: every call it makes is a Describe, List, Get or Simulate", async () => {
    const fake = healthy();
    await doctorCli(["doctor", "--image", SHOP], fake);

    const services = new Set(fake.calls.map((c) => c.service));
    expect([...services].sort()).toEqual(["cloudformation", "ec2", "ecr", "elbv2", "iam", "sts"]);
    expect(fake.commands().filter((c) => !/^(Describe|List|Get|Simulate)/.test(c))).toEqual([]);
    expect(fake.mutations()).toEqual([]);
  });

  it("finds the bot role's path with GetRole: an assumed-role session's ARN leaves it out", async () => {
    const fake = healthy();
    await doctorCli(["doctor"], fake);

    expect(fake.state.sts.callerArn).toBe("arn:aws:sts::123456789012:assumed-role/berth-bot-TaskRole-0A1B2C3D4E5F/berth-7f3c9a1e");
    expect(fake.calls.filter((c) => c.command === "GetRole").map((c) => c.input)).toEqual([{ RoleName: "berth-bot-TaskRole-0A1B2C3D4E5F" }]);
    const simulated = new Set(fake.calls.filter((c) => c.command === "SimulatePrincipalPolicy").map((c) => c.input.PolicySourceArn));
    expect([...simulated]).toEqual([BASE_OUTPUTS.ExecutionRoleArn, BOT_ROLE_ARN]);
  });

  const CLUSTER = `arn:aws:ecs:us-east-1:123456789012:cluster/${BASE_OUTPUTS.ClusterName}`;
  it.each<[string, Array<[string[] | undefined, Record<string, string[]>]>]>([
    [
      "iam:PassRole",
      [
        [[BASE_OUTPUTS.ExecutionRoleArn], { "aws:RequestedRegion": ["us-east-1"], "iam:PassedToService": ["ecs-tasks.amazonaws.com"] }],
        [[BASE_OUTPUTS.TaskRoleArn], { "aws:RequestedRegion": ["us-east-1"], "iam:PassedToService": ["ecs-tasks.amazonaws.com"] }],
      ],
    ],
    // A Fargate task runs on no container instance: ListTasks is asked on `*`, fenced by the cluster.
    ["ecs:ListTasks", [[undefined, { "aws:RequestedRegion": ["us-east-1"], "ecs:cluster": [CLUSTER] }]]],
  ])("simulates %s with the condition keys the real request carries", async (action, expected) => {
    const fake = healthy();
    await doctorCli(["doctor"], fake);

    const contexts = fake.calls
      .filter((c) => c.command === "SimulatePrincipalPolicy" && (c.input.ActionNames as string[]).includes(action))
      .map((c) => [
        c.input.ResourceArns,
        Object.fromEntries((c.input.ContextEntries as Array<{ ContextKeyName: string; ContextKeyValues: string[] }>).map((e) => [e.ContextKeyName, e.ContextKeyValues])),
      ]);
    expect(contexts).toEqual(expected);
  });

  it("simulates a target group's deletion with berth's own tag, the only one a target group carries", async () => {
    const fake = healthy();
    await doctorCli(["doctor"], fake);

    const keys = fake.calls
      .filter((c) => c.command === "SimulatePrincipalPolicy" && (c.input.ActionNames as string[]).includes("elasticloadbalancing:DeleteTargetGroup"))
      .flatMap((c) => (c.input.ContextEntries as Array<{ ContextKeyName: string }>).map((e) => e.ContextKeyName))
      .filter((key) => key.startsWith("aws:ResourceTag/"));
    expect(keys).toContain("aws:ResourceTag/berth:managed");
    expect(keys.filter((key) => key.startsWith("aws:ResourceTag/aws:cloudformation:"))).toEqual([]);
  });

  it.each<[string, (fake: AwsFake) => void, string[]]>([
    [
      "the VPC's DNS hostnames are off",
      (fake) => (fake.state.ec2.vpcs.get(BASE_OUTPUTS.VpcId)!.enableDnsHostnames = false),
      [
        "✗ VPC vpc-0abc1234def567890 has enableDnsHostnames off: compose service names will not resolve in previews",
        `    fix: aws ec2 modify-vpc-attribute --vpc-id vpc-0abc1234def567890 --enable-dns-hostnames '{"Value":true}'`,
      ],
    ],
    [
      "the VPC's DNS support and hostnames are both off",
      (fake) => Object.assign(fake.state.ec2.vpcs.get(BASE_OUTPUTS.VpcId)!, { enableDnsSupport: false, enableDnsHostnames: false }),
      [
        "✗ VPC vpc-0abc1234def567890 has enableDnsSupport and enableDnsHostnames off: compose service names will not resolve in previews",
        `    fix: aws ec2 modify-vpc-attribute --vpc-id vpc-0abc1234def567890 --enable-dns-support '{"Value":true}' && aws ec2 modify-vpc-attribute --vpc-id vpc-0abc1234def567890 --enable-dns-hostnames '{"Value":true}'`,
      ],
    ],
    [
      "the task subnets have no NAT, no public IP and no endpoints",
      (fake) => (fake.state.ec2.routeTables[0]!.routes = [{ destination: "10.0.0.0/16", target: "local" }]),
      [
        "✗ Task subnets subnet-0a1b2c3d4e5f60001, subnet-0a1b2c3d4e5f60002 cannot reach ECR or CloudWatch Logs: no NAT, no public IP, VPC endpoints missing: ecr.api, ecr.dkr, logs, s3",
        "    fix: route 0.0.0.0/0 of their route table to a NAT gateway, or use public subnets with AssignPublicIp=ENABLED in the base stack",
        "    - subnet-0a1b2c3d4e5f60001: no internet (route table rtb-0main0000000000001 has no default route (0.0.0.0/0)); VPC endpoints missing: ecr.api, ecr.dkr, logs, s3; ECR Public needs internet",
        "    - subnet-0a1b2c3d4e5f60002: no internet (route table rtb-0main0000000000001 has no default route (0.0.0.0/0)); VPC endpoints missing: ecr.api, ecr.dkr, logs, s3; ECR Public needs internet",
      ],
    ],
    [
      "one task subnet routes to an internet gateway but tasks get no public IP",
      (fake) => {
        fake.state.ec2.addRouteTable({ vpcId: BASE_OUTPUTS.VpcId, subnetIds: ["subnet-0a1b2c3d4e5f60002"], egress: "none" }).id = "rtb-0private000000001";
        fake.state.ec2.addEndpoint({ vpcId: BASE_OUTPUTS.VpcId, service: "ecr.api", type: "Interface" });
        fake.state.ec2.addEndpoint({ vpcId: BASE_OUTPUTS.VpcId, service: "s3", type: "Gateway", routeTableIds: ["rtb-0private000000001"] });
      },
      [
        "✗ Task subnet subnet-0a1b2c3d4e5f60002 cannot reach ECR or CloudWatch Logs: no NAT, no public IP, VPC endpoints missing: ecr.dkr, logs",
        "    fix: route 0.0.0.0/0 of their route table to a NAT gateway, or use public subnets with AssignPublicIp=ENABLED in the base stack",
        "    - subnet-0a1b2c3d4e5f60001: internet through igw-0a1b2c3d4e5f60001",
        "    - subnet-0a1b2c3d4e5f60002: no internet (route table rtb-0private000000001 has no default route (0.0.0.0/0)); VPC endpoints missing: ecr.dkr, logs; ECR Public needs internet",
      ],
    ],
    [
      "the listener is nearly full",
      (fake) => fake.addListenerRules(Array.from({ length: 92 }, (_, i) => i + 1)),
      [
        "✗ Listener rules: 92 of 100 used (92 %)",
        '    fix: close stale previews, or raise the quota "Rules per Application Load Balancer" in Service Quotas',
      ],
    ],
    [
      "the load balancer has 90 target groups",
      (fake) => {
        // Routed from a second listener of the same load balancer, so the previews' listener keeps its headroom.
        const other = BASE_OUTPUTS.ListenerArn.replace(/[^/]+$/, "0123456789abcdef");
        fake.addListenerRules([], other);
        for (let i = 0; i < 90; i++) fake.state.elbv2.addRule(other, i + 1, undefined, fake.state.elbv2.addTargetGroup({ name: `berth-pr-${i}`, port: 3000 }).arn);
      },
      [
        "✗ Target groups on the load balancer: 90 of 100 used (90 %)",
        "    fix: close stale previews, or deploy a second base stack (its own load balancer) for some repositories: this limit cannot be raised",
      ],
    ],
    [
      "the bot role lacks ecs:ListServiceDeployments",
      (fake) => fake.state.iam.deny(BOT_ROLE_ARN, "ecs:ListServiceDeployments"),
      [
        `✗ Bot role arn:aws:iam::123456789012:role/berth/berth-bot-TaskRole-0A1B2C3D4E5F is denied 2 of ${REQUESTS} requests a preview makes`,
        "    fix: allow ecs:ListServiceDeployments in the bot's task role (deploy/bot.yml), then update the bot's stack",
        "    - ecs:ListServiceDeployments on arn:aws:ecs:us-east-1:123456789012:service/berth-previews/berth-sample-pr-1-berth-doctor-f9769b-WebService-JZVORPAIAEC2: explicitDeny",
        "    - ecs:ListServiceDeployments on arn:aws:ecs:us-east-1:123456789012:service/berth-previews/berth-sample-pr-1-berth-doctor-f9769b-DbService-5B7PXV790230: explicitDeny",
      ],
    ],
    [
      "the bot role may not create Cloud Map services in the namespace",
      (fake) => fake.state.iam.deny(BOT_ROLE_ARN, "servicediscovery:CreateService", ":namespace/"),
      [
        `✗ Bot role arn:aws:iam::123456789012:role/berth/berth-bot-TaskRole-0A1B2C3D4E5F is denied 2 of ${REQUESTS} requests a preview makes`,
        "    fix: allow servicediscovery:CreateService in the bot's task role (deploy/bot.yml), then update the bot's stack",
        "    - servicediscovery:CreateService on arn:aws:servicediscovery:us-east-1:123456789012:namespace/ns-abcdefgh12345678: explicitDeny",
      ],
    ],
    [
      "the execution role cannot read the secrets prefix",
      (fake) => fake.state.iam.allowOnly(BASE_OUTPUTS.ExecutionRoleArn, ["ssm:GetParameters"]),
      [
        "✗ Execution role arn:aws:iam::123456789012:role/berth-base-TaskExecutionRole-1A2B3C4D5E6F cannot read 1 of 2 secrets",
        '    fix: keep preview secrets under the prefix "preview/" in us-east-1, or update berth-base with a SecretsPrefix that covers them',
        "    - secretsmanager:GetSecretValue on arn:aws:secretsmanager:us-east-1:123456789012:secret:preview/berth-doctor-sample-AbCdEf: implicitDeny",
      ],
    ],
    [
      "the shop repository does not exist",
      (fake) => fake.state.ecr.repositories.clear(),
      [
        "✗ ECR repository missing: shop (123456789012, us-east-1)",
        "    fix: aws ecr create-repository --region us-east-1 --repository-name shop, or correct image: in .github/preview.yml",
      ],
    ],
  ])("fails when %s: the ✗ line with its fix, exit 1", async (_name, breakIt, lines) => {
    const fake = healthy();
    breakIt(fake);
    const { code, stdout } = await doctorCli(["doctor", "--image", SHOP], fake);

    const failed = stdout.split("\n").filter((line) => line.startsWith("✗") || line.startsWith("    "));
    expect(failed).toEqual(lines);
    expect(stdout).toMatch(/^1 of 9 checks failed \(8 passed\)\.$/m);
    expect(code).toBe(1);
  });

  const BOT_GROUP = "berth-bot-TargetGroup-1A2B3C";
  it.each<[string, (fake: AwsFake) => void, string[]]>([
    [
      "berth's target group is gone",
      (fake) => fake.state.elbv2.targetGroups.delete(BOT_TARGET_GROUP_ARN),
      [
        `✗ Waking page: target group ${BOT_TARGET_GROUP_ARN} does not exist`,
        "    fix: set BERTH_WAKE_TARGET_GROUP_ARN to the TargetGroup of the bot's stack (deploy/bot.yml sets it so)",
      ],
    ],
    [
      "berth's target group is in another VPC",
      (fake) => (fake.state.elbv2.targetGroups.get(BOT_TARGET_GROUP_ARN)!.vpcId = "vpc-0fedcba9876543210"),
      [
        `✗ Waking page: target group ${BOT_GROUP} is in vpc-0fedcba9876543210, not in the base stack's vpc-0abc1234def567890: no listener rule of the base load balancer can forward to it`,
        "    fix: set BERTH_WAKE_TARGET_GROUP_ARN to the TargetGroup of the bot's stack (deploy/bot.yml sets it so)",
      ],
    ],
    [
      "berth's target group takes instances",
      (fake) => (fake.state.elbv2.targetGroups.get(BOT_TARGET_GROUP_ARN)!.targetType = "instance"),
      [
        `✗ Waking page: target group ${BOT_GROUP} takes targets of type instance: berth's Fargate task registers by IP`,
        "    fix: set BERTH_WAKE_TARGET_GROUP_ARN to the TargetGroup of the bot's stack (deploy/bot.yml sets it so)",
      ],
    ],
    [
      "berth is not healthy behind its target group",
      (fake) => (fake.state.elbv2.targetGroups.get(BOT_TARGET_GROUP_ARN)!.health = { state: "unhealthy", reason: "Target.ResponseCodeMismatch" }),
      [
        `✗ Waking page: target group ${BOT_GROUP} has no healthy target (targets unhealthy): a sleeping preview's URL answers 503 instead of waking it`,
        "    fix: run berth's service in the bot's stack until its task answers GET /livez (its logs say why it does not)",
      ],
    ],
    [
      "no berth task is registered",
      (fake) => (fake.state.elbv2.targetGroups.get(BOT_TARGET_GROUP_ARN)!.targets = []),
      [
        `✗ Waking page: target group ${BOT_GROUP} has no healthy target (no target registered): a sleeping preview's URL answers 503 instead of waking it`,
        "    fix: run berth's service in the bot's stack until its task answers GET /livez (its logs say why it does not)",
      ],
    ],
  ])("fails the waking page when %s: the ✗ line with its fix, exit 1", async (_name, breakIt, lines) => {
    const fake = healthy();
    breakIt(fake);
    const { code, stdout } = await doctorCli(["doctor", "--image", SHOP], fake);

    expect(stdout.split("\n").filter((line) => line.startsWith("✗") || line.startsWith("    "))).toEqual(lines);
    expect(stdout).toMatch(/^1 of 9 checks failed \(8 passed\)\.$/m);
    expect(code).toBe(1);
  });

  it("skips the waking page without berth's target group, saying what a sleeping preview then answers", async () => {
    const fake = healthy();
    const { code, stdout } = await doctorCli(["doctor", "--image", SHOP], fake, { AWS_REGION: "us-east-1" });

    expect(stdout).toContain(
      "○ Waking page: skipped (no target group given: pass --wake-target-group (or set BERTH_WAKE_TARGET_GROUP_ARN) with the bot stack's TargetGroup; without it a sleeping preview's URL answers 503 until /preview wake or a push)\n",
    );
    expect(stdout).toMatch(/^All checks passed \(8 passed, 1 skipped\)\.$/m);
    expect(fake.commands("elbv2")).not.toContain("DescribeTargetHealth");
    expect(code).toBe(0);
  });

  it("checks the target group --wake-target-group names over BERTH_WAKE_TARGET_GROUP_ARN", async () => {
    const fake = healthy();
    const other = BOT_TARGET_GROUP_ARN.replace("0123456789abcdef", "fedcba9876543210");
    const { stdout } = await doctorCli(["doctor", "--wake-target-group", other], fake);

    expect(stdout).toContain(`✗ Waking page: target group ${other} does not exist\n`);
    expect(fake.calls.filter((c) => c.command === "DescribeTargetGroups" && c.input.TargetGroupArns).map((c) => c.input.TargetGroupArns)).toEqual([[other]]);
  });

  it("fails on a missing base stack and skips what needs its outputs", async () => {
    const { code, stdout } = await doctorCli(["doctor", "--image", SHOP], healthy({ baseStack: false }));

    expect(stdout).toBe(`✗ Base stack berth-base does not exist in us-east-1
    fix: deploy deploy/base.yml as the stack berth-base (README: Set-up on AWS), or pass --base-stack with its name
○ VPC DNS: skipped (the base stack gives no VpcId)
○ Task subnets: skipped (the base stack gives no VpcId, Subnets, AssignPublicIp)
○ Listener rules: skipped (the base stack gives no ListenerArn)
○ Target groups: skipped (the base stack gives no ListenerArn)
○ Waking page: skipped (the base stack gives no VpcId)
○ Secrets: skipped (the base stack gives no ExecutionRoleArn, ListenerArn)
○ Bot role: skipped (the base stack gives no ClusterName, ListenerArn, VpcId, NamespaceId, LogGroup, SecurityGroup, ExecutionRoleArn, TaskRoleArn)
✓ ECR repositories exist: shop

1 of 9 checks failed (1 passed, 7 skipped).
`);
    expect(code).toBe(1);
  });

  it("fails on a base stack that lacks an output berth needs", async () => {
    const fake = healthy({ baseStack: { outputs: { NamespaceId: "" } } });
    const { code, stdout } = await doctorCli(["doctor"], fake);

    expect(stdout.split("\n").slice(0, 2)).toEqual([
      "✗ Base stack berth-base lacks the output NamespaceId",
      "    fix: update berth-base with the current deploy/base.yml, which exports them",
    ]);
    expect(stdout).toContain("○ Bot role: skipped (the base stack gives no NamespaceId)");
    expect(code).toBe(1);
  });

  it.each<[string, (fake: AwsFake) => void, string[]]>([
    [
      "a base stack stuck in UPDATE_ROLLBACK_FAILED",
      (fake) => (fake.state.cloudformation.stacks.get("berth-base")!.status = "UPDATE_ROLLBACK_FAILED"),
      ["✗ Base stack berth-base is UPDATE_ROLLBACK_FAILED", "    fix: repair or redeploy berth-base from deploy/base.yml until it is CREATE_COMPLETE or UPDATE_COMPLETE"],
    ],
    [
      "a task subnet of another VPC",
      (fake) => fake.state.ec2.subnets.set("subnet-0a1b2c3d4e5f60002", "vpc-0other"),
      ["✗ Task subnet subnet-0a1b2c3d4e5f60002 is not in VPC vpc-0abc1234def567890", "    fix: update berth-base with TaskSubnets of VPC vpc-0abc1234def567890"],
    ],
  ])("fails on %s", async (_name, breakIt, lines) => {
    const fake = healthy();
    breakIt(fake);
    const { code, stdout } = await doctorCli(["doctor"], fake);

    expect(stdout.split("\n").filter((line) => line.startsWith("✗") || line.startsWith("    "))).toEqual(lines);
    expect(code).toBe(1);
  });

  it("reads the base stack named by BERTH_BASE_STACK, and --base-stack over it", async () => {
    const fake = healthy({ baseStack: { name: "previews-base" } });
    const fromEnv = await doctorCli(["doctor"], fake, { AWS_DEFAULT_REGION: "us-east-1", BERTH_BASE_STACK: "previews-base" });
    const fromFlag = await doctorCli(["doctor", "--base-stack", "other"], fake, { AWS_REGION: "us-east-1", BERTH_BASE_STACK: "previews-base" });

    expect(fromEnv.stdout.split("\n")[0]).toBe("✓ Base stack previews-base is CREATE_COMPLETE with all 16 outputs");
    expect(fromEnv.code).toBe(0);
    expect(fromFlag.stdout.split("\n")[0]).toBe("✗ Base stack other does not exist in us-east-1");
    expect(fromFlag.code).toBe(1);
  });

  it("accepts a healthy private network: NAT gateway with AssignPublicIp DISABLED", async () => {
    const { code, stdout } = await doctorCli(["doctor"], healthy({ baseStack: { outputs: { AssignPublicIp: "DISABLED" } } }));

    expect(stdout).toContain("✓ Task subnets subnet-0a1b2c3d4e5f60001, subnet-0a1b2c3d4e5f60002 reach ECR, ECR Public and CloudWatch Logs through nat-0a1b2c3d4e5f60001\n");
    expect(code).toBe(0);
  });

  it("skips the repositories without an image, and asks for --role-arn when the caller is no role", async () => {
    const fake = healthy();
    fake.state.sts.callerArn = "arn:aws:iam::123456789012:user/ops";
    const { code, stdout } = await doctorCli(["doctor"], fake);

    expect(stdout).toContain(`✗ Bot role: not checked
    fix: doctor runs as arn:aws:iam::123456789012:user/ops, not as a role: pass --role-arn with the bot's task role (the TaskRole of the bot's stack)
`);
    expect(stdout).toContain("○ ECR repositories: skipped (no ECR repository named: pass --image or --config)\n");
    expect(code).toBe(1);
  });

  it("says which images it cannot check: outside private ECR, or a repository named per service", async () => {
    const { code, stdout } = await doctorCli(["doctor", "--image", "ghcr.io/acme/shop:{sha}", "--image", "123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/{service}:{sha}"], healthy());

    expect(stdout).toContain(`○ ECR repositories: skipped (no ECR repository named: pass --image or --config)
    - not checked: ghcr.io/acme/shop:{sha} is not in a private ECR registry
    - not checked: 123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/{service}:{sha} names its repository with a placeholder
`);
    expect(code).toBe(0);
  });

  it("simulates the role given with --role-arn", async () => {
    const fake = healthy();
    fake.state.sts.callerArn = "arn:aws:iam::123456789012:user/ops";
    fake.state.iam.addRole("arn:aws:iam::123456789012:role/berth-bot-TaskRole-ZZZ");
    fake.state.iam.deny("arn:aws:iam::123456789012:role/berth-bot-TaskRole-ZZZ", "iam:PassRole", "TaskRole-6F5E");
    const { code, stdout } = await doctorCli(["doctor", "--role-arn", "arn:aws:iam::123456789012:role/berth-bot-TaskRole-ZZZ"], fake);

    expect(stdout).toContain("    - iam:PassRole on arn:aws:iam::123456789012:role/berth-base-TaskRole-6F5E4D3C2B1A: explicitDeny\n");
    expect(fake.commands("sts")).toEqual([]);
    expect(code).toBe(1);
  });

  it("takes images and secrets from --config files, and checks the secrets they name", async () => {
    const fake = healthy();
    fake.state.iam.deny(BASE_OUTPUTS.ExecutionRoleArn, "ssm:GetParameters", "parameter/shop/");
    const file = configFile(`image: ${SHOP}
secrets:
  SECRET_KEY_BASE: arn:aws:ssm:us-east-1:123456789012:parameter/shop/secret_key_base
  STRIPE_KEY: arn:aws:secretsmanager:us-east-1:123456789012:secret:preview/shop/stripe-AbCdEf
`);
    const { code, stdout } = await doctorCli(["doctor", "--config", file], fake);

    expect(stdout).toContain(`✗ Execution role arn:aws:iam::123456789012:role/berth-base-TaskExecutionRole-1A2B3C4D5E6F cannot read 1 of 4 secrets
    fix: keep preview secrets under the prefix "preview/" in us-east-1, or update berth-base with a SecretsPrefix that covers them
    - ssm:GetParameters on arn:aws:ssm:us-east-1:123456789012:parameter/shop/secret_key_base: explicitDeny
`);
    expect(stdout).toContain("✓ ECR repositories exist: shop\n");
    expect(code).toBe(1);
  });

  describe("with fast rollout on in the base stack (output RolloutRoleArn)", () => {
    const ROLE = "arn:aws:iam::123456789012:role/berth-base/us-east-1/berth-base-RolloutRole-1A2B3C4D5E6F";
    const fastOutputs: Record<string, string> = { RolloutRoleArn: ROLE };
    /** The load balancer with `count` target groups, routed from a second listener so the previews' listener keeps its headroom. */
    const withTargetGroups = (fake: AwsFake, count: number) => {
      const other = BASE_OUTPUTS.ListenerArn.replace(/[^/]+$/, "0123456789abcdef");
      fake.addListenerRules([], other);
      for (let i = 0; i < count; i++) fake.state.elbv2.addRule(other, i + 1, undefined, fake.state.elbv2.addTargetGroup({ name: `berth-pr-${i}`, port: 3000 }).arn);
    };

    it("says so, counts two target groups per preview, and simulates the bot role for a blue/green preview", async () => {
      const fastRequests = await buildBotRoleRequests({
        partition: "aws",
        region: "us-east-1",
        account: "123456789012",
        baseStack: "berth-base",
        outputs: { ...BASE_OUTPUTS, ...fastOutputs },
        botRoleArn: BOT_ROLE_ARN,
        repositories: [{ registryId: "123456789012", region: "us-east-1", name: "shop" }],
      });
      // Passing the rollout role to ECS, and continuing the pause, on top of a rolling preview's.
      expect(fastRequests.filter((r) => r.action === "iam:PassRole" && r.resource === ROLE)).toHaveLength(1);
      expect(fastRequests.filter((r) => r.action === "ecs:ContinueServiceDeployment")).toHaveLength(2);
      const fake = healthy({ baseStack: { outputs: fastOutputs } });
      withTargetGroups(fake, 13);
      const { code, stdout } = await doctorCli(["doctor", "--image", SHOP], fake);

      expect(stdout).toContain("\n✓ Target groups on the load balancer: 13 of 100 used; fast rollout is on, 2 per preview: room for 43 more\n");
      expect(stdout).toContain(`\n✓ Bot role ${BOT_ROLE_ARN} is allowed all ${fastRequests.length} requests a preview makes\n`);
      expect(code).toBe(0);
    });

    it("names the denied fast-rollout request when the bot role may not continue a pause", async () => {
      const fake = healthy({ baseStack: { outputs: fastOutputs } });
      fake.state.iam.deny(BOT_ROLE_ARN, "ecs:ContinueServiceDeployment");
      const { code, stdout } = await doctorCli(["doctor", "--image", SHOP], fake);

      expect(stdout).toContain("    fix: allow ecs:ContinueServiceDeployment in the bot's task role (deploy/bot.yml), then update the bot's stack\n");
      expect(code).toBe(1);
    });

    it.each([
      [88, true, "fast"],
      [89, false, "fast"],
      [89, true, "rolling"],
      [90, false, "rolling"],
    ] as const)("with %i target groups used, the target-groups check passes: %s (%s)", async (used, passes, mode) => {
      const fake = healthy(mode === "fast" ? { baseStack: { outputs: fastOutputs } } : {});
      withTargetGroups(fake, used);
      const { stdout } = await doctorCli(["doctor", "--image", SHOP, "--json"], fake);

      const check = (JSON.parse(stdout) as { checks: Array<{ id: string; status: string; title: string; fix?: string }> }).checks.find((c) => c.id === "target-groups")!;
      expect(check.status).toBe(passes ? "pass" : "fail");
      if (mode === "fast" && !passes) {
        expect(check.title).toBe("Target groups on the load balancer: 89 of 100 used; fast rollout is on, 2 per preview: room for 5 more (89 %)");
        expect(check.fix).toBe("close stale previews, or deploy a second base stack (its own load balancer) for some repositories: this limit cannot be raised");
      }
    });
  });

  it("prints the report as JSON with --json", async () => {
    const fake = healthy();
    fake.state.ec2.vpcs.get(BASE_OUTPUTS.VpcId)!.enableDnsSupport = false;
    const { code, stdout } = await doctorCli(["doctor", "--json"], fake);

    const report = JSON.parse(stdout);
    expect(report.ok).toBe(false);
    expect(report.checks.map((c: { id: string; status: string }) => `${c.id}:${c.status}`)).toEqual([
      "base-stack:pass", "vpc-dns:fail", "subnet-egress:pass", "listener-rules:pass", "target-groups:pass", "wake-target:pass", "secrets:pass", "bot-role:pass", "ecr-repositories:skip",
    ]);
    expect(report.checks[1]).toEqual({
      id: "vpc-dns",
      status: "fail",
      title: "VPC vpc-0abc1234def567890 has enableDnsSupport off: compose service names will not resolve in previews",
      fix: `aws ec2 modify-vpc-attribute --vpc-id vpc-0abc1234def567890 --enable-dns-support '{"Value":true}'`,
    });
    expect(code).toBe(1);
  });

  it.each([
    ["UnauthorizedOperation", "You are not authorized to perform this operation.", " (README, berth doctor, lists the permissions doctor needs)"],
    ["RequestLimitExceeded", "Request limit exceeded.", ""],
  ])("fails only the check whose read AWS refuses with %s, naming the call", async (name, message, hint) => {
    const fake = healthy();
    fake.fail("DescribeRouteTables", { error: { name, message } });
    const { code, stdout } = await doctorCli(["doctor"], fake);

    expect(stdout).toContain(`✗ Task subnets: could not check
    fix: AWS DescribeRouteTables failed for route tables of VPC vpc-0abc1234def567890: ${message}${hint}
`);
    expect(stdout).toMatch(/^1 of 9 checks failed/m);
    expect(code).toBe(1);
  });

  it.each<[string, string[], Record<string, string>, string]>([
    ["no region", ["doctor"], {}, "berth doctor: no region: pass --region or set AWS_REGION"],
    ["a bad region", ["doctor", "--region", "Frankfurt"], {}, 'berth doctor: --region must be an AWS region such as us-east-1, got "Frankfurt"'],
    ["a role that is no role ARN", ["doctor", "--role-arn", "berth-bot"], { AWS_REGION: "us-east-1" }, 'berth doctor: --role-arn must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), got "berth-bot"'],
    ["a bad stack name", ["doctor", "--base-stack", "9base"], { AWS_REGION: "us-east-1" }, 'berth doctor: --base-stack must be a CloudFormation stack name, got "9base"'],
    ["a config file that is not there", ["doctor", "--config", "/nonexistent/preview.yml"], { AWS_REGION: "us-east-1" }, "berth doctor: --config /nonexistent/preview.yml: no such file"],
    ["a wake target group that is no target group ARN", ["doctor", "--wake-target-group", "berth-TargetGroup"], { AWS_REGION: "us-east-1" }, 'berth doctor: --wake-target-group must be a target group ARN (arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>), got "berth-TargetGroup"'],
    ["an unknown option", ["doctor", "--fix"], { AWS_REGION: "us-east-1" }, "berth doctor: Unknown option '--fix'; known options: --base-stack, --region, --role-arn, --wake-target-group, --config, --image, --json, --help"],
  ])("exits 2 on %s, before any AWS call", async (_name, args, env, line) => {
    const fake = healthy();
    const { code, stdout, stderr } = await doctorCli(args, fake, env);

    expect({ code, stdout, first: stderr.split("\n")[0] }).toEqual({ code: 2, stdout: "", first: line });
    expect(stderr).toContain("berth doctor [--base-stack NAME] [--region REGION] [--role-arn ARN] [--wake-target-group ARN] [--config FILE ...] [--image REF ...] [--json]");
    expect(fake.calls).toEqual([]);
  });

  it("exits 2 on an invalid --config file, naming its line", async () => {
    const file = configFile("image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:{sha}\nport: web\n");
    const { code, stderr } = await doctorCli(["doctor", "--config", file]);

    expect(code).toBe(2);
    expect(stderr.split("\n")[0]).toBe(`berth doctor: ${file}:2: port: expected an integer from 1 to 65535, got "web"`);
  });
});
