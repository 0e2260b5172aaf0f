import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { isWildcardOnlyAction, runSimulation } from "@cloud-copilot/iam-simulate";
import { describe, expect, it } from "vitest";
import { getHandlerPermissions } from "../../src/iam/handler-permissions.js";
import { buildDoctorRequests } from "../../src/iam/doctor-requests.js";
import { buildPreviewRequests, LIFECYCLE_STEPS, NO_RESOURCE_LEVEL, type IamRequest } from "../../src/iam/preview-requests.js";
import { planPreview } from "../../src/plan/plan-preview.js";
import { ownershipTags } from "../../src/preview/flow/deploy-preview.js";
import { buildTemplate, type PreviewStack } from "../../src/stack/build-template.js";
import { createDirReader } from "../../src/util/repo-reader.js";
import { BASE_OUTPUTS, BASE_STACK, FAKE_ACCOUNT, FAKE_REGION } from "../fakes/aws-fake.js";
import { actionsOf, BOT_STACK, loadBotPolicies, loadBotPolicy } from "../helpers/bot-policy.js";
import { denials, simulate, UNVALIDATED_ACTIONS } from "../helpers/simulate-iam.js";
import { BASE, django, rails, TARGET } from "../stack/fixtures/projects.js";

/**
 * deploy/bot.yml's task role against every request a preview's life makes, evaluated with AWS's
 * IAM rules and reference data: CloudFormation's resource handlers (which act with berth's
 * credentials) and berth's own calls, with the ARNs the resources really get and the condition keys
 * the requests really carry.
 */

const SHA = "4f2a9c1e0b7d3a5f6e8c9b0a1d2e3f4a5b6c7d8e";
const REAL_WORLD = path.join(import.meta.dirname, "..", "fixtures", "repos", "real-world");

async function planRepo(repo: string, dir = REAL_WORLD): Promise<PreviewStack> {
  const target = { owner: "acme", repo, pr: 42, sha: SHA };
  const plan = await planPreview({ reader: createDirReader(path.join(dir, repo)), target, baseStack: BASE_STACK });
  if (!plan) throw new Error(`${repo} has no .github/preview.yml`);
  return plan.stack;
}

const OIDC = {
  issuer: "https://accounts.example.com",
  authorization_endpoint: "https://accounts.example.com/authorize",
  token_endpoint: "https://accounts.example.com/token",
  user_info_endpoint: "https://accounts.example.com/userinfo",
  client_id: "berth-previews",
  client_secret: `arn:aws:secretsmanager:${FAKE_REGION}:${FAKE_ACCOUNT}:secret:previews/oidc-client-AbCdEf`,
  scope: "openid",
};

/** The base stack's rollout role (deploy/base.yml, FastRollout), under the path of the stack and region. */
const rolloutRoleOf = (baseStack: string) => `arn:aws:iam::${FAKE_ACCOUNT}:role/${baseStack}/${FAKE_REGION}/${baseStack}-RolloutRole-1A2B3C4D5E6F`;

/** Realistic repositories: a built public app with a database, a third-party proxy in front, a worker, several images. */
const CASES: Array<[string, PreviewStack]> = [
  ["Rails + Postgres", buildTemplate({ ...rails, target: TARGET, baseStack: BASE })],
  ["nginx in front of Django + Postgres", buildTemplate({ ...django, target: TARGET, baseStack: BASE })],
  ["Rails + Postgres behind sign-in (access.oidc)", buildTemplate({ ...rails, config: { ...rails.config, access: { oidc: OIDC } }, target: TARGET, baseStack: BASE })],
  ["Rails + Postgres, blue/green (fast rollout)", buildTemplate({ ...rails, target: TARGET, baseStack: BASE, baseOutputs: { RolloutRoleArn: rolloutRoleOf(BASE_STACK) } })],
  ["rails-sidekiq (web, worker, Postgres, Redis)", await planRepo("rails-sidekiq")],
  ["monorepo (several images built from the repository)", await planRepo("monorepo")],
  ["uploads-oneshot (one-shot createbuckets and migrate services run as tasks)", await planRepo("uploads-oneshot", path.dirname(REAL_WORLD))],
];

function requestsOf(stack: PreviewStack, baseStack = BASE_STACK) {
  const owner = ownershipTags({ owner: "acme", repo: "shop", pr: 42, sha: SHA });
  return buildPreviewRequests({
    template: stack.template as never,
    stackName: stack.stackName,
    base: { name: baseStack, outputs: { ...BASE_OUTPUTS, RolloutRoleArn: rolloutRoleOf(baseStack) } },
    account: FAKE_ACCOUNT,
    region: FAKE_REGION,
    stackTags: { ...owner, "berth:deploying": SHA, "berth:sha": SHA, "berth:seeded": "true" },
  });
}

const REQUESTS = CASES.map(([name, stack]) => [name, stack, requestsOf(stack)] as const);
const LIFECYCLE = REQUESTS.flatMap(([, , steps]) => LIFECYCLE_STEPS.flatMap((step) => steps[step]));
/** The ECR repositories the operator lists in EcrRepositoryArns: those the previews' images come from. */
const REPOSITORIES = [...new Set(LIFECYCLE.filter((r) => r.action === "ecr:DescribeImages").map((r) => r.resource))].sort();
/** The bot's task role in the fake account, as CloudFormation names it. */
const BOT_ROLE = `arn:aws:iam::${FAKE_ACCOUNT}:role/${BOT_STACK}-TaskRole-ABCDEF123456`;

/** `berth doctor` run as the bot, checking the repositories the previews' images come from. */
function doctorRequestsOf(baseStack = BASE_STACK): IamRequest[] {
  const repositories = REPOSITORIES.map((arn) => {
    const [, , , region, registryId, resource] = arn.split(":") as [string, string, string, string, string, string];
    return { registryId, region, name: resource.replace(/^repository\//, "") };
  });
  return buildDoctorRequests({ base: { name: baseStack, outputs: BASE_OUTPUTS }, botRoleArn: BOT_ROLE, repositories, account: FAKE_ACCOUNT, region: FAKE_REGION });
}

const DOCTOR = doctorRequestsOf();
const ALL = [...LIFECYCLE, ...DOCTOR];
const POLICY = loadBotPolicy({ ecrRepositoryArns: REPOSITORIES });
const ALLOWS = POLICY.Statement.filter((s) => s.Effect === "Allow");

const uniqueSorted = (items: string[]) => [...new Set(items)].sort();

describe("deploy/bot.yml's task role, evaluated with AWS's IAM rules", () => {
  it("is resolved to concrete ARNs, with no intrinsic left", () => {
    expect(JSON.stringify(POLICY)).not.toMatch(/Fn::|"Ref"/);
    expect(REPOSITORIES.length).toBeGreaterThanOrEqual(2);
  });

  describe.each(REQUESTS)("%s", (_name, _stack, steps) => {
    it.each(LIFECYCLE_STEPS)("allows every request of the %s step", async (step) => {
      expect(steps[step].length).toBeGreaterThan(10);
      expect(await denials(POLICY, steps[step])).toEqual([]);
    });
  });

  it("allows every request of berth doctor run as the bot", async () => {
    expect(DOCTOR.length).toBeGreaterThanOrEqual(12);
    expect(await denials(POLICY, DOCTOR)).toEqual([]);
  });

  it("asks for every permission each resource's handler needs, for create, read, update and delete", () => {
    for (const [, stack, steps] of REQUESTS) {
      const asked = new Set(
        [...steps.deploy, ...steps.teardown].flatMap((r) =>
          r.caller.split(" / ").filter((c) => c.startsWith("CloudFormation")).map((c) => `${c.split(" ")[2]} ${r.action}`),
        ),
      );
      for (const [id, resource] of Object.entries((stack.template as { Resources: Record<string, { Type: string }> }).Resources)) {
        const facts = getHandlerPermissions(resource.Type);
        // A listener rule reads a Cognito client only to authenticate with it (a preview's never
        // does), and an ECS service passes a role only when it names one: a blue/green service's.
        const namesRole = JSON.stringify(resource).includes('"RoleArn"');
        const unused = resource.Type === "AWS::ECS::Service" ? (namesRole ? [] : ["iam:PassRole"]) : ["cognito-idp:DescribeUserPoolClient"];
        const needed = [...facts.create, ...facts.read, ...facts.update, ...facts.delete].filter((a) => !unused.includes(a));
        expect(needed.filter((action) => !asked.has(`${id} ${action}`)), `${stack.stackName} ${id}`).toEqual([]);
      }
    }
  });

  it("asks for every call berth's AWS adapters make", () => {
    /** IAM service prefix of each AWS SDK client the adapters use. */
    const PREFIX: Record<string, string> = {
      "client-cloudformation": "cloudformation",
      "client-cloudwatch": "cloudwatch",
      "client-cloudwatch-logs": "logs",
      "client-ec2": "ec2",
      "client-ecr": "ecr",
      "client-ecs": "ecs",
      "client-elastic-load-balancing-v2": "elasticloadbalancing",
      "client-iam": "iam",
      "client-sts": "sts",
    };
    /** Calls IAM never denies: anyone may ask who they are. */
    const UNAUTHORIZED = ["sts:GetCallerIdentity"];
    /** The operation each waiter polls. */
    const WAITERS: Record<string, string> = { waitUntilTasksStopped: "DescribeTasks", waitUntilServicesStable: "DescribeServices" };
    const dir = path.resolve(import.meta.dirname, "../../src/aws");
    const calls = readdirSync(dir)
      .filter((file) => file.endsWith(".ts"))
      .flatMap((file) => {
        const source = readFileSync(path.join(dir, file), "utf8");
        const client = /from "@aws-sdk\/(client-[a-z0-9-]+)"/.exec(source)?.[1];
        if (client === undefined) return [];
        const operations = [
          ...[...source.matchAll(/new ([A-Za-z]+)Command\(/g)].map((m) => m[1]!),
          ...[...source.matchAll(/\b(waitUntil[A-Za-z]+)\(/g)].map((m) => WAITERS[m[1]!] ?? m[1]!),
        ];
        return operations.map((operation) => `${PREFIX[client]!}:${operation}`).filter((action) => !UNAUTHORIZED.includes(action));
      });
    const asked = new Set(ALL.filter((r) => r.caller.split(" / ").some((c) => c.startsWith("berth"))).map((r) => r.action));
    expect(calls.length).toBeGreaterThan(30);
    expect(uniqueSorted(calls.filter((action) => !asked.has(action)))).toEqual([]);
  });

  it("allows no action that no request needs", () => {
    const asked = new Set(ALL.map((r) => r.action));
    expect(uniqueSorted(ALLOWS.flatMap(actionsOf).filter((action) => !asked.has(action)))).toEqual([]);
  });

  it("names `*` exactly for the actions IAM authorizes without a resource", async () => {
    const actions = uniqueSorted(ALL.map((r) => r.action)).filter((action) => !UNVALIDATED_ACTIONS.has(action));
    const wildcardOnly = [];
    for (const action of actions) {
      const [service, name] = action.split(":") as [string, string];
      if (await isWildcardOnlyAction(service, name)) wildcardOnly.push(action);
    }
    expect(wildcardOnly).toEqual([...NO_RESOURCE_LEVEL].sort());
  });

  it("keeps the simulator (AGPL) a dev dependency that nothing berth ships imports", () => {
    const root = path.resolve(import.meta.dirname, "../..");
    const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as Record<string, Record<string, string>>;
    expect(Object.keys(pkg.dependencies ?? {}).filter((name) => name.startsWith("@cloud-copilot/"))).toEqual([]);
    expect(pkg.devDependencies?.["@cloud-copilot/iam-simulate"]).toBeDefined();
    const shipped = ["src", "handlers", "bin"].flatMap((dir) =>
      readdirSync(path.join(root, dir), { recursive: true, encoding: "utf8" })
        .filter((file) => /\.[cm]?[jt]s$/.test(file))
        .map((file) => path.join(dir, file)),
    );
    expect(shipped.length).toBeGreaterThan(20);
    expect(shipped.filter((file) => readFileSync(path.join(root, file), "utf8").includes("@cloud-copilot/"))).toEqual([]);
  });

  it("skips the simulator's validation only where its reference data is wrong (ELBv2 tagging of a target group)", async () => {
    const targetGroup = `arn:aws:elasticloadbalancing:${FAKE_REGION}:${FAKE_ACCOUNT}:targetgroup/berth-pr-0123456789abcdef0123456/0123456789abcdef`;
    for (const action of UNVALIDATED_ACTIONS) {
      const result = await runSimulation(
        {
          request: { principal: `arn:aws:iam::${FAKE_ACCOUNT}:root`, action, resource: { resource: targetGroup, accountId: FAKE_ACCOUNT }, contextVariables: {} },
          identityPolicies: [{ name: "p", policy: POLICY }],
          serviceControlPolicies: [],
          resourceControlPolicies: [],
        },
        {},
      );
      // When the data learns ELBv2's resources for these, drop them from UNVALIDATED_ACTIONS.
      expect(result.resultType === "error" && result.errors.message, action).toBe("no.resource.types");
    }
  });

  it("lists tasks on `*` fenced by the cluster: on Fargate no container instance, ListTasks's resource type, is ever named", () => {
    const statements = ALLOWS.filter((s) => actionsOf(s).includes("ecs:ListTasks"));
    expect(statements.map((s) => [s.Resource, s.Condition])).toEqual([
      ["*", { ArnEquals: { "ecs:cluster": `arn:aws:ecs:${FAKE_REGION}:${FAKE_ACCOUNT}:cluster/${BASE_OUTPUTS.ClusterName}` } }],
    ]);
  });

  it("stays under IAM's 10,240 characters for a role's inline policies, and 6,144 for each managed policy", () => {
    const { inline, managed } = loadBotPolicies({ ecrRepositoryArns: REPOSITORIES });
    const size = (policy: object) => JSON.stringify(policy).replace(/\s/g, "").length;
    expect(size(inline)).toBeLessThan(10_240);
    expect(Object.keys(managed)).toEqual(["DoctorPolicy", "FastRolloutPolicy"]);
    for (const [id, policy] of Object.entries(managed)) expect(size(policy), id).toBeLessThan(6_144);
  });

  describe("without one of its Allow statements", () => {
    // An operator may name the base stack outside berth-*; then reading it needs its own statement.
    const OPERATOR_BASE = "previews-base";
    const requests = [
      ...CASES.flatMap(([, stack]) => {
        const steps = requestsOf(stack, OPERATOR_BASE);
        return LIFECYCLE_STEPS.flatMap((step) => steps[step]);
      }),
      ...doctorRequestsOf(OPERATOR_BASE),
    ];
    const policy = loadBotPolicy({ ecrRepositoryArns: REPOSITORIES, baseStack: OPERATOR_BASE });

    /** The actions whose requests each Allow statement alone lets through. */
    const NEEDED_BY: Array<[string, string[]]> = [
      ["PreviewStacks", ["cloudformation:ContinueUpdateRollback", "cloudformation:CreateChangeSet", "cloudformation:DeleteChangeSet", "cloudformation:DeleteStack", "cloudformation:DescribeChangeSet", "cloudformation:DescribeStackEvents", "cloudformation:DescribeStacks", "cloudformation:ExecuteChangeSet", "cloudformation:GetTemplate", "cloudformation:ListStackResources", "cloudformation:TagResource", "cloudformation:UntagResource"]],
      ["ResolveSignInSecrets", ["secretsmanager:GetSecretValue"]],
      ["ReadBaseStack", ["cloudformation:DescribeStacks"]],
      ["ListStacks", ["cloudformation:ListStacks"]],
      ["ReleaseTasks", ["ecs:RunTask"]],
      ["WatchAndStopTasks", ["ecs:DescribeTasks", "ecs:StopTask"]],
      ["CreatePreviewServices", ["ecs:CreateService"]],
      ["ManagePreviewServices", ["ecs:ContinueServiceDeployment", "ecs:DeleteService", "ecs:UpdateService"]],
      ["WatchPreviewServices", ["ecs:DescribeServiceDeployments", "ecs:DescribeServices", "ecs:ListServiceDeployments", "ecs:StopServiceDeployment"]],
      ["TagPreviewEcsOnCreate", ["ecs:TagResource"]],
      ["RetagPreviewEcs", ["ecs:ListTagsForResource", "ecs:TagResource", "ecs:UntagResource"]],
      ["RegisterTaskDefinitions", ["ecs:RegisterTaskDefinition"]],
      ["TaskDefinitions", ["ecs:DeregisterTaskDefinition", "ecs:DescribeTaskDefinition", "ecs:ListTaskDefinitions"]],
      ["DeletePreviewTaskDefinitions", ["ecs:DeleteTaskDefinitions"]],
      ["ListPreviewTasks", ["ecs:ListTasks"]],
      ["PassPreviewRoles", ["iam:PassRole"]],
      ["ReadPreviewRoles", ["iam:GetRole"]],
      ["DescribeLoadBalancing", ["cloudwatch:GetMetricData", "elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeRules", "elasticloadbalancing:DescribeTags", "elasticloadbalancing:DescribeTargetGroupAttributes", "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth"]],
      ["PreviewListenerRules", ["elasticloadbalancing:CreateRule", "elasticloadbalancing:DeleteRule", "elasticloadbalancing:ModifyRule", "elasticloadbalancing:SetRulePriorities"]],
      ["PreviewTargetGroups", ["elasticloadbalancing:AddTags", "elasticloadbalancing:CreateTargetGroup", "elasticloadbalancing:DeregisterTargets", "elasticloadbalancing:ModifyTargetGroup", "elasticloadbalancing:ModifyTargetGroupAttributes", "elasticloadbalancing:RegisterTargets", "elasticloadbalancing:RemoveTags"]],
      ["DeletePreviewTargetGroups", ["elasticloadbalancing:DeleteTargetGroup"]],
      ["CreatePreviewSecurityGroups", ["ec2:CreateSecurityGroup"]],
      ["TagPreviewSecurityGroupsOnCreate", ["ec2:CreateTags"]],
      ["ManagePreviewSecurityGroups", ["ec2:AuthorizeSecurityGroupEgress", "ec2:AuthorizeSecurityGroupIngress", "ec2:CreateTags", "ec2:DeleteSecurityGroup", "ec2:DeleteTags", "ec2:RevokeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress", "ec2:UpdateSecurityGroupRuleDescriptionsEgress", "ec2:UpdateSecurityGroupRuleDescriptionsIngress"]],
      ["DescribeSecurityGroups", ["ec2:DescribeInstances", "ec2:DescribeSecurityGroupRules", "ec2:DescribeSecurityGroups"]],
      ["CreateDiscoveryServices", ["servicediscovery:CreateService"]],
      ["ManageDiscoveryServices", ["servicediscovery:DeleteService", "servicediscovery:GetService", "servicediscovery:UpdateService"]],
      ["TagDiscoveryServices", ["servicediscovery:ListTagsForResource", "servicediscovery:TagResource", "servicediscovery:UntagResource"]],
      ["ReadPreviewLogs", ["logs:DescribeLogStreams", "logs:GetLogEvents"]],
      ["CheckPreviewImages", ["ecr:DescribeImages", "ecr:DescribeRepositories"]],
      ["DoctorReadNetwork", ["ec2:DescribeRouteTables", "ec2:DescribeSubnets", "ec2:DescribeVpcEndpoints"]],
      ["DoctorReadVpc", ["ec2:DescribeVpcAttribute"]],
      ["DoctorSimulateRoles", ["iam:SimulatePrincipalPolicy"]],
      ["DoctorReadOwnRole", ["iam:GetRole"]],
      ["ContinuePreviewDeployments", ["ecs:ContinueServiceDeployment"]],
      ["PassRolloutRole", ["iam:PassRole"]],
    ];

    it.each(NEEDED_BY)("%s: denies %j", async (sid, actions) => {
      const statement = policy.Statement.find((s) => s.Sid === sid)!;
      const affected = requests.filter((r) => actionsOf(statement).includes(r.action));
      expect(await denials(policy, affected)).toEqual([]);
      const denied = await denials({ ...policy, Statement: policy.Statement.filter((s) => s !== statement) }, affected);
      expect(uniqueSorted(denied.map((line) => line.split(" ")[0]!))).toEqual(actions);
    });

    it("lists every Allow statement of the role above", () => {
      expect(NEEDED_BY.map(([sid]) => sid)).toEqual(ALLOWS.map((s) => s.Sid));
    });
  });
  describe("refuses what is not a preview's", () => {
    const arn = (service: string, resource: string, region = FAKE_REGION) => `arn:aws:${service}:${region}:${FAKE_ACCOUNT}:${resource}`;
    const region = { "aws:RequestedRegion": FAKE_REGION };
    const cluster = { ...region, "ecs:cluster": arn("ecs", `cluster/${BASE_OUTPUTS.ClusterName}`) };
    const vpc = { "ec2:Vpc": arn("ec2", `vpc/${BASE_OUTPUTS.VpcId}`) };
    const managed = { "aws:RequestTag/berth:managed": "true", "aws:TagKeys": ["berth:managed"] };
    const botService = arn("ecs", `service/${BASE_OUTPUTS.ClusterName}/${BOT_STACK}-Service-AbCdEf123456`);
    const baseGroup = arn("ec2", `security-group/${BASE_OUTPUTS.SecurityGroup}`);
    const baseGroupTags = { "aws:ResourceTag/aws:cloudformation:stack-name": BASE_STACK };
    const previewTargetGroup = arn("elasticloadbalancing", "targetgroup/berth-pr-0123456789abcdef0123456/0123456789abcdef");

    it.each([
      ["deleting berth's own target group (named by CloudFormation, untagged)", "elasticloadbalancing:DeleteTargetGroup", arn("elasticloadbalancing", "targetgroup/berth-Targe-1ABCDEFGHIJK/0123456789abcdef"), region],
      ["deleting a berth-pr-* target group without the tag", "elasticloadbalancing:DeleteTargetGroup", previewTargetGroup, region],
      ["tagging someone else's target group berth:managed", "elasticloadbalancing:AddTags", arn("elasticloadbalancing", "targetgroup/shop-production/0123456789abcdef"), { ...region, ...managed }],
      ["tagging berth's own ECS service berth:managed after the fact", "ecs:TagResource", botService, { ...region, ...managed }],
      ["restarting berth's own ECS service", "ecs:UpdateService", botService, cluster],
      ["deleting berth's own ECS service", "ecs:DeleteService", botService, cluster],
      ["creating a service in another cluster", "ecs:CreateService", arn("ecs", "service/production/web"), { ...region, "ecs:cluster": arn("ecs", "cluster/production"), ...managed }],
      ["listing the tasks of another cluster", "ecs:ListTasks", "*", { ...region, "ecs:cluster": arn("ecs", "cluster/production") }],
      ["reading another VPC's attributes", "ec2:DescribeVpcAttribute", arn("ec2", "vpc/vpc-0ther"), region],
      ["simulating another role's policies", "iam:SimulatePrincipalPolicy", `arn:aws:iam::${FAKE_ACCOUNT}:role/admin`, {}],
      ["running a task in another cluster", "ecs:RunTask", arn("ecs", "task-definition/berth-shop-pr-42-acme-d21b2c-release:1"), { ...region, "ecs:cluster": arn("ecs", "cluster/production") }],
      ["registering a task definition outside berth-*", "ecs:RegisterTaskDefinition", arn("ecs", "task-definition/shop-production:7"), { ...region, ...managed }],
      ["tagging the base stack's security group berth:managed", "ec2:CreateTags", baseGroup, { ...region, ...vpc, ...baseGroupTags, ...managed }],
      ["opening the base stack's security group", "ec2:AuthorizeSecurityGroupIngress", baseGroup, { ...region, ...vpc, ...baseGroupTags }],
      ["deleting the base stack's security group", "ec2:DeleteSecurityGroup", baseGroup, { ...region, ...vpc, ...baseGroupTags }],
      ["changing a tagged security group in another VPC", "ec2:AuthorizeSecurityGroupIngress", arn("ec2", "security-group/sg-0fedcba9876543210"), { ...region, "ec2:Vpc": arn("ec2", "vpc/vpc-0ther"), "aws:ResourceTag/berth:managed": "true" }],
      ["passing a preview role to another service", "iam:PassRole", BASE_OUTPUTS.TaskRoleArn, { ...region, "iam:PassedToService": "ecs.amazonaws.com" }],
      ["passing berth's own role", "iam:PassRole", `arn:aws:iam::${FAKE_ACCOUNT}:role/${BOT_STACK}-TaskRole-ABCDEF123456`, { ...region, "iam:PassedToService": "ecs-tasks.amazonaws.com" }],
      ["adding a rule to another listener", "elasticloadbalancing:CreateRule", arn("elasticloadbalancing", "listener/app/production/0123456789abcdef/0123456789abcdef"), region],
      ["passing the rollout role to ECS tasks", "iam:PassRole", rolloutRoleOf(BASE_STACK), { "iam:PassedToService": "ecs-tasks.amazonaws.com" }],
      ["passing to ECS a role outside the base stack's rollout path", "iam:PassRole", `arn:aws:iam::${FAKE_ACCOUNT}:role/${BASE_STACK}-RolloutRole-1A2B3C4D5E6F`, { "iam:PassedToService": "ecs.amazonaws.com" }],
      ["passing to ECS another base stack's rollout role", "iam:PassRole", rolloutRoleOf("production-base"), { "iam:PassedToService": "ecs.amazonaws.com" }],
      ["continuing a deployment of berth's own service", "ecs:ContinueServiceDeployment", botService, cluster],
      ["continuing a preview's deployment in another cluster", "ecs:ContinueServiceDeployment", arn("ecs", "service-deployment/production/web/abcdefghij0123456789"), { ...region, "ecs:cluster": arn("ecs", "cluster/production"), "ecs:service": arn("ecs", "service/production/web") }],
      ["creating a Cloud Map service in another namespace", "servicediscovery:CreateService", arn("servicediscovery", "namespace/ns-production000000"), region],
      ["reading security groups in another region", "ec2:DescribeSecurityGroups", "*", { "aws:RequestedRegion": "eu-west-1" }],
    ])("%s", async (_name, action, resource, context) => {
      expect(await simulate(POLICY, { action, resource, context })).toBe("ImplicitlyDenied");
    });

    it("opens none of the base stack's resources: deploy/base.yml tags none of them berth:managed", () => {
      const base = readFileSync(path.resolve(import.meta.dirname, "../../deploy/base.yml"), "utf8");
      expect(base).toContain("TaskSecurityGroup:");
      expect(base).not.toContain("berth:managed");
    });

    it.each([
      ["deleting the base stack", "cloudformation:DeleteStack", arn("cloudformation", `stack/${BASE_STACK}/0a1b2c3d-0000-4000-8000-000000000000`)],
      ["changing berth's own stack", "cloudformation:ExecuteChangeSet", arn("cloudformation", `stack/${BOT_STACK}/0a1b2c3d-0000-4000-8000-000000000000`)],
    ])("%s", async (_name, action, resource) => {
      expect(await simulate(POLICY, { action, resource, context: region })).toBe("ExplicitlyDenied");
    });
  });
});
