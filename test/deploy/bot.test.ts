import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FIRST_RESYNC_DELAY_MS } from "../../handlers/create-engine.js";
import { DEFAULT_DRAIN_SECONDS } from "../../handlers/settings.js";
import { createReadiness } from "../../handlers/readiness.js";
import { createWebhookServer, listen } from "../../handlers/webhook-server.js";
import { createDashboard } from "../../handlers/dashboard-routes.js";
import { buildTemplate } from "../../src/stack/build-template.js";
import { parseCfnYaml } from "../helpers/bot-policy.js";
import { lintTemplate } from "../helpers/cfn-lint.js";
import { BASE, rails, TARGET } from "../stack/fixtures/projects.js";

const root = path.resolve(import.meta.dirname, "../..");
const text = readFileSync(path.join(root, "deploy/bot.yml"), "utf8");
const baseText = readFileSync(path.join(root, "deploy/base.yml"), "utf8");

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const template = parseCfnYaml(text) as { [key: string]: Json };
const base = parseCfnYaml(baseText) as { [key: string]: Json };

interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource: Json;
  Condition?: Record<string, Record<string, Json>>;
}

function resource(name: string): { Type: string; Properties: Record<string, Json> } {
  return (template.Resources as Record<string, Json>)[name] as never;
}

/** A role's statements: its inline policies', then those of the managed policies attached to it. */
function statementsOf(roleName: string): Statement[] {
  const policies = resource(roleName).Properties.Policies as unknown as Array<{ PolicyDocument: { Statement: Statement[] } }>;
  type ManagedPolicy = { Type: string; Properties: { Roles?: Json; PolicyDocument: { Statement: Statement[] } } };
  const managed = Object.values(template.Resources as unknown as Record<string, ManagedPolicy>).filter(
    (r) => r.Type === "AWS::IAM::ManagedPolicy" && JSON.stringify(r.Properties.Roles) === JSON.stringify([{ Ref: roleName }]),
  );
  return [...policies.flatMap((p) => p.PolicyDocument.Statement), ...managed.flatMap((m) => m.Properties.PolicyDocument.Statement)];
}

const allStatements = [...statementsOf("TaskRole"), ...statementsOf("ExecutionRole")];
const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const containerEnv = () =>
  ((template.Resources as Record<string, Json>).TaskDefinition as { Properties: { ContainerDefinitions: Array<{ Environment: Array<{ Name: string; Value: Json }> }> } }).Properties
    .ContainerDefinitions[0]!.Environment;
const importOf = (name: string) => ({ "Fn::ImportValue": { "Fn::Sub": `\${BaseStackName}-${name}` } });

/** Every value under a key with the given name, anywhere in the document. */
function valuesOfKey(node: Json, key: string): Json[] {
  if (Array.isArray(node)) return node.flatMap((n) => valuesOfKey(n, key));
  if (node === null || typeof node !== "object") return [];
  return Object.entries(node).flatMap(([k, v]) => (k === key ? [v, ...valuesOfKey(v, key)] : valuesOfKey(v, key)));
}

describe("deploy/bot.yml", () => {
  it("passes cfn-lint with zero findings", async () => {
    expect(await lintTemplate(text, "bot")).toEqual([]);
  });

  it("imports only what the base stack exports", () => {
    const imported = new Set([...text.matchAll(/\$\{BaseStackName\}-([A-Za-z]+)/g)].map((m) => m[1]));
    const exported = new Set([...baseText.matchAll(/\$\{AWS::StackName\}-([A-Za-z]+)/g)].map((m) => m[1]));
    expect([...imported].sort()).toEqual([
      "AssignPublicIp", "ClusterName", "Domain", "ExecutionRoleArn", "ListenerArn", "LogGroup",
      "NamespaceId", "SecretsPrefix", "SecurityGroup", "Subnets", "TaskRoleArn", "VpcId",
    ]);
    expect([...imported].filter((name) => !exported.has(name))).toEqual([]);
    expect(base.Outputs).toBeDefined();
  });

  describe("IAM", () => {
    it("has no wildcard in any action, and no NotAction or NotResource", () => {
      const actions = valuesOfKey(template, "Action").flatMap((a) => (Array.isArray(a) ? a : [a]));
      expect(actions.length).toBeGreaterThan(40);
      expect(actions.filter((a) => typeof a !== "string" || a.includes("*"))).toEqual([]);
      expect(valuesOfKey(template, "NotAction")).toEqual([]);
      expect(valuesOfKey(template, "NotResource")).toEqual([]);
    });

    it("passes and reads exactly the base stack's two preview roles, and passes them only to ECS tasks; its rollout role only to ECS", () => {
      // berth doctor's statements read roles too; they are checked on their own below.
      const passing = allStatements.filter((s) => !s.Sid?.startsWith("Doctor") && actionsOf(s).some((a) => a.startsWith("iam:")));
      expect(passing).toEqual([
        {
          Sid: "PassPreviewRoles",
          Effect: "Allow",
          Action: "iam:PassRole",
          Resource: [importOf("ExecutionRoleArn"), importOf("TaskRoleArn")],
          Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
        },
        {
          Sid: "ReadPreviewRoles",
          Effect: "Allow",
          Action: "iam:GetRole",
          Resource: [importOf("ExecutionRoleArn"), importOf("TaskRoleArn")],
        },
        {
          Sid: "PassRolloutRole",
          Effect: "Allow",
          Action: "iam:PassRole",
          // Under the path deploy/base.yml gives it: its export exists only with FastRollout.
          Resource: { "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${BaseStackName}/${AWS::Region}/*" },
          Condition: { StringEquals: { "iam:PassedToService": "ecs.amazonaws.com" } },
        },
      ]);
      expect((base.Resources as { RolloutRole: { Properties: { Path: Json } } }).RolloutRole.Properties.Path).toEqual({ "Fn::Sub": "/${AWS::StackName}/${AWS::Region}/" });
      const ownRole = { "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${AWS::StackName}-TaskRole-*" };
      expect(allStatements.filter((s) => s.Sid?.startsWith("Doctor") && actionsOf(s).some((a) => a.startsWith("iam:")))).toEqual([
        { Sid: "DoctorSimulateRoles", Effect: "Allow", Action: "iam:SimulatePrincipalPolicy", Resource: [ownRole, importOf("ExecutionRoleArn")] },
        { Sid: "DoctorReadOwnRole", Effect: "Allow", Action: "iam:GetRole", Resource: ownRole },
      ]);
    });

    it("pins every resource-wide statement to the allowed region, or to the base cluster (except the ECR login)", () => {
      const wide = allStatements.filter((s) => s.Resource === "*");
      expect(wide.map((s) => s.Sid)).toEqual([
        "ListStacks", "TaskDefinitions", "ListPreviewTasks", "DescribeLoadBalancing", "DescribeSecurityGroups", "TagDiscoveryServices", "DoctorReadNetwork", "EcrLogin",
      ]);
      for (const s of wide.filter((w) => w.Sid !== "EcrLogin" && w.Sid !== "ListPreviewTasks")) {
        expect(s.Condition).toEqual({ StringEquals: { "aws:RequestedRegion": { Ref: "AllowedRegion" } } });
      }
      // A cluster's ARN names its region.
      expect(Object.keys(wide.find((s) => s.Sid === "ListPreviewTasks")!.Condition!)).toEqual(["ArnEquals"]);
      expect(actionsOf(wide.find((s) => s.Sid === "EcrLogin")!)).toEqual(["ecr:GetAuthorizationToken"]);
    });

    it("changes CloudFormation stacks named berth-* only, never the base stack or itself", () => {
      const cfn = statementsOf("TaskRole").filter((s) => actionsOf(s).some((a) => a.startsWith("cloudformation:")));
      const previewStacks = { "Fn::Sub": "arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/berth-*/*" };
      const baseStack = { "Fn::Sub": "arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/${BaseStackName}/*" };
      const selfStack = { "Fn::Sub": "arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/${AWS::StackName}/*" };
      expect(cfn.map((s) => [s.Sid, s.Effect, s.Resource])).toEqual([
        ["PreviewStacks", "Allow", previewStacks],
        ["NeverTouchBaseOrSelf", "Deny", [baseStack, selfStack]],
        ["ReadBaseStack", "Allow", baseStack],
        ["ListStacks", "Allow", "*"],
      ]);
      const [allow, deny, read, list] = cfn.map(actionsOf);
      // Everything that changes a stack is denied on the base stack and this one.
      expect(allow!.filter((a) => !/:(Describe|List|Get)/.test(a))).toEqual(deny);
      expect(read).toEqual(["cloudformation:DescribeStacks"]);
      expect(list).toEqual(["cloudformation:ListStacks"]);
    });

    it("runs and stops tasks only in the base cluster, from berth-* task definitions", () => {
      const cluster = {
        "Fn::Sub": [
          "arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:cluster/${Cluster}",
          { Cluster: importOf("ClusterName") },
        ],
      };
      const sids = ["ReleaseTasks", "WatchAndStopTasks", "CreatePreviewServices", "ManagePreviewServices", "WatchPreviewServices"];
      const ecs = statementsOf("TaskRole").filter((s) => sids.includes(s.Sid!));
      expect(ecs).toHaveLength(sids.length);
      for (const s of ecs) expect(s.Condition!.ArnEquals, s.Sid).toEqual({ "ecs:cluster": cluster });
      expect(ecs[0]!.Resource).toEqual({
        "Fn::Sub": "arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task-definition/berth-*:*",
      });
    });

    it("deletes only security groups and target groups that carry berth:managed, target groups named berth-pr-*", () => {
      const tagged = { "aws:ResourceTag/berth:managed": "true" };
      const deleting = allStatements.filter((s) => actionsOf(s).some((a) => /^(ec2|elasticloadbalancing):(Delete|Revoke)/.test(a)));
      expect(deleting.map((s) => s.Sid)).toEqual(["PreviewListenerRules", "DeletePreviewTargetGroups", "ManagePreviewSecurityGroups"]);
      expect(deleting[1]!.Condition).toEqual({ StringEquals: tagged });
      expect(deleting[1]!.Resource).toEqual({
        "Fn::Sub": "arn:${AWS::Partition}:elasticloadbalancing:${AWS::Region}:${AWS::AccountId}:targetgroup/berth-pr-*/*",
      });
      expect(deleting[2]!.Condition).toEqual({
        StringEquals: tagged,
        ArnEquals: {
          "ec2:Vpc": {
            "Fn::Sub": ["arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:vpc/${VpcId}", { VpcId: importOf("VpcId") }],
          },
        },
      });
      // Listener rules: under the base stack's listener only.
      expect(deleting[0]!.Resource).toEqual([
        importOf("ListenerArn"),
        {
          "Fn::Join": [
            "",
            [
              { "Fn::Select": [0, { "Fn::Split": [":listener/", importOf("ListenerArn")] }] },
              ":listener-rule/",
              { "Fn::Select": [1, { "Fn::Split": [":listener/", importOf("ListenerArn")] }] },
              "/*",
            ],
          ],
        },
      ]);
    });

    it("reads logs of the base log group and images of the listed repositories only", () => {
      const byAction = (action: string) => allStatements.filter((s) => actionsOf(s).includes(action));
      expect(byAction("logs:GetLogEvents").map((s) => s.Resource)).toEqual([
        [
          { "Fn::Sub": ["arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${LogGroup}", { LogGroup: importOf("LogGroup") }] },
          { "Fn::Sub": ["arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${LogGroup}:*", { LogGroup: importOf("LogGroup") }] },
        ],
      ]);
      expect(byAction("ecr:DescribeImages").map((s) => s.Resource)).toEqual([{ Ref: "EcrRepositoryArns" }]);
      expect(byAction("servicediscovery:CreateService").map((s) => s.Resource)).toEqual([
        [
          {
            "Fn::Sub": [
              "arn:${AWS::Partition}:servicediscovery:${AWS::Region}:${AWS::AccountId}:namespace/${NamespaceId}",
              { NamespaceId: importOf("NamespaceId") },
            ],
          },
          { "Fn::Sub": "arn:${AWS::Partition}:servicediscovery:${AWS::Region}:${AWS::AccountId}:service/*" },
        ],
      ]);
    });
  });

  describe("the calls berth makes", () => {
    /** IAM service prefix of each AWS SDK client the adapters use. */
    const PREFIX: Record<string, string> = {
      "client-cloudformation": "cloudformation",
      "client-cloudwatch": "cloudwatch",
      "client-cloudwatch-logs": "logs",
      "client-ecr": "ecr",
      "client-ecs": "ecs",
      "client-elastic-load-balancing-v2": "elasticloadbalancing",
      "client-ec2": "ec2",
      "client-iam": "iam",
      "client-sts": "sts",
    };
    /** Calls IAM never denies. */
    const UNGATED = new Set(["sts:GetCallerIdentity"]);
    /** The operation each waiter polls. */
    const WAITERS: Record<string, string> = { waitUntilTasksStopped: "DescribeTasks", waitUntilServicesStable: "DescribeServices" };
    const awsDir = path.join(root, "src/aws");
    const calls = readdirSync(awsDir)
      .filter((file) => file.endsWith(".ts"))
      .flatMap((file) => {
        const source = readFileSync(path.join(awsDir, file), "utf8");
        const client = /from "@aws-sdk\/(client-[a-z0-9-]+)"/.exec(source)?.[1];
        if (client === undefined) return [];
        const operations = [
          ...[...source.matchAll(/new ([A-Za-z]+)Command\(/g)].map((m) => m[1]!),
          ...[...source.matchAll(/\b(waitUntil[A-Za-z]+)\(/g)].map((m) => WAITERS[m[1]!] ?? m[1]!),
        ];
        return operations.map((operation) => `${PREFIX[client] ?? client}:${operation}`);
      });

    it("finds the adapters' calls", () => {
      expect(calls).toContain("logs:GetLogEvents");
      expect(calls).toContain("ecs:DescribeTasks");
      expect(calls.length).toBeGreaterThan(15);
    });

    it("allows every one of them to the task role", () => {
      const allowed = new Set(statementsOf("TaskRole").filter((s) => s.Effect === "Allow").flatMap(actionsOf));
      expect([...new Set(calls)].filter((action) => !allowed.has(action) && !UNGATED.has(action)).sort()).toEqual([]);
    });
  });

  describe("the resources CloudFormation manages for a preview with berth's credentials", () => {
    /**
     * How each resource type of a preview template is tagged and untagged. berth changes its stack
     * tags on every deploy (`berth:sha`, `berth:seeded`), and CloudFormation then retags every
     * resource in an update: outside a create call, so no create-only condition may fence these.
     */
    const TAGGING: Record<string, string[]> = {
      "AWS::EC2::SecurityGroup": ["ec2:CreateTags", "ec2:DeleteTags"],
      "AWS::EC2::SecurityGroupIngress": [],
      "AWS::ECS::Service": ["ecs:TagResource", "ecs:UntagResource"],
      "AWS::ECS::TaskDefinition": ["ecs:TagResource", "ecs:UntagResource"],
      // Listener rules take no tags (their resource provider schema says so).
      "AWS::ElasticLoadBalancingV2::ListenerRule": [],
      "AWS::ElasticLoadBalancingV2::TargetGroup": ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
      "AWS::ServiceDiscovery::Service": ["servicediscovery:TagResource", "servicediscovery:UntagResource"],
    };
    const preview = buildTemplate({ ...rails, target: TARGET, baseStack: BASE }).template as { Resources: Record<string, { Type: string }> };
    const types = [...new Set(Object.values(preview.Resources).map((r) => r.Type))].sort();
    /** Conditions that hold only while a resource is being created. */
    const CREATE_ONLY = ["ecs:CreateAction", "ec2:CreateAction", "aws:RequestTag"];
    const unconditionally = (action: string) =>
      statementsOf("TaskRole").some(
        (s) =>
          s.Effect === "Allow" &&
          actionsOf(s).includes(action) &&
          !Object.values(s.Condition ?? {}).some((test) => Object.keys(test).some((key) => CREATE_ONLY.some((c) => key.startsWith(c)))),
      );

    it("knows how every resource type of a preview template is tagged", () => {
      expect(types.filter((type) => !(type in TAGGING))).toEqual([]);
    });

    it("can retag every one of them when the stack's tags change", () => {
      const missing = types.flatMap((type) => TAGGING[type] ?? []).filter((action) => !unconditionally(action));
      expect([...new Set(missing)]).toEqual([]);
    });
  });

  describe("secrets", () => {
    const container = (resource("TaskDefinition").Properties.ContainerDefinitions as Array<Record<string, Json>>)[0]!;

    it("injects the private key, the webhook secret, the host key and, with the dashboard, the App's client secret from Secrets Manager through ECS secrets", () => {
      expect(container.Secrets).toEqual([
        { Name: "PRIVATE_KEY", ValueFrom: { Ref: "PrivateKeySecretArn" } },
        { Name: "WEBHOOK_SECRET", ValueFrom: { Ref: "WebhookSecretArn" } },
        { Name: "BERTH_HOST_KEY", ValueFrom: { Ref: "HostKeySecret" } },
        { "Fn::If": ["HasDashboard", { Name: "GITHUB_CLIENT_SECRET", ValueFrom: { Ref: "GitHubClientSecretArn" } }, { Ref: "AWS::NoValue" }] },
      ]);
      const envNames = (container.Environment as Array<{ Name?: string; "Fn::If"?: [string, { Name: string }, unknown] }>).map((e) => e.Name ?? `${e["Fn::If"]![1].Name} if ${e["Fn::If"]![0]}`);
      expect(envNames).toEqual([
        "APP_ID",
        "AWS_REGION",
        "BERTH_BASE_STACK",
        "BERTH_DRAIN_SECONDS",
        "NODE_ENV",
        "LOG_FORMAT",
        "PORT",
        "HOST",
        "WEBHOOK_PATH",
        "BERTH_WAKE_TARGET_GROUP_ARN",
        "BERTH_PUBLIC_URL if HasDashboard",
        "GITHUB_CLIENT_ID if HasDashboard",
      ]);
      // A sleeping preview's rule forwards to berth's own target group, named to berth here.
      expect((container.Environment as Array<{ Name: string; Value: unknown }>).find((e) => e.Name === "BERTH_WAKE_TARGET_GROUP_ARN")?.Value).toEqual({ Ref: "TargetGroup" });
    });

    it.each([
      ["a secret ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:berth/private-key-AbCdEf", true],
      ["a GovCloud secret ARN", "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:k-AbCdEf", true],
      ["a PEM pasted as the value", "-----BEGIN RSA PRIVATE KEY-----", false],
      ["a webhook secret pasted as the value", "s3cr3t-webhook", false],
      ["an SSM parameter ARN", "arn:aws:ssm:us-east-1:123456789012:parameter/berth/key", false],
    ])("accepts only Secrets Manager ARNs as secret parameters: %s", (_name, value, ok) => {
      const params = template.Parameters as Record<string, { AllowedPattern: string }>;
      for (const name of ["PrivateKeySecretArn", "WebhookSecretArn"]) {
        expect(new RegExp(params[name]!.AllowedPattern).test(value)).toBe(ok);
      }
    });

    it("generates the host key in Secrets Manager, long enough for berth's settings, so nobody has to choose or see it", () => {
      expect(resource("HostKeySecret")).toMatchObject({
        Type: "AWS::SecretsManager::Secret",
        Properties: { GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true } },
      });
      expect(resource("HostKeySecret").Properties).not.toHaveProperty("SecretString");
    });

    it("lets the execution role read exactly those secrets, and berth's role only sign-in secrets under the base stack's SecretsPrefix", () => {
      const reading = allStatements.filter((s) => actionsOf(s).some((a) => a.startsWith("secretsmanager:")));
      expect(reading.map((s) => [s.Sid, s.Action]).sort()).toEqual([
        ["ReadAppSecrets", "secretsmanager:GetSecretValue"],
        ["ResolveSignInSecrets", "secretsmanager:GetSecretValue"],
      ]);
      const bySid = new Map(reading.map((s) => [s.Sid, s.Resource]));
      expect(bySid.get("ReadAppSecrets")).toEqual([
        { Ref: "PrivateKeySecretArn" },
        { Ref: "WebhookSecretArn" },
        { Ref: "HostKeySecret" },
        { "Fn::If": ["HasDashboard", { Ref: "GitHubClientSecretArn" }, { Ref: "AWS::NoValue" }] },
      ]);
      const signIn = JSON.stringify(bySid.get("ResolveSignInSecrets"));
      expect(signIn).toContain(":secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:${Prefix}*");
      expect(signIn).toContain('{"Prefix":{"Fn::ImportValue":{"Fn::Sub":"${BaseStackName}-SecretsPrefix"}}}');
    });
  });

  describe("endpoint", () => {
    it("health-checks /livez, which stays 200 while GitHub is down (when /readyz says 503), so an outage does not have ECS replace berth", async () => {
      let reachable = true;
      const web = createWebhookServer(() => false, {
        ready: createReadiness({ checks: { github: async () => (reachable ? {} : Promise.reject(new Error("down"))) }, ttlMs: 0 }),
        live: async () => true,
      });
      const port = await listen(web.server, 0, "127.0.0.1");
      const status = async (path: string) => (await fetch(`http://127.0.0.1:${port}${path}`)).status;
      try {
        expect([await status("/livez"), await status("/readyz")]).toEqual([200, 200]);
        reachable = false;
        expect([await status("/livez"), await status("/readyz")]).toEqual([200, 503]);
      } finally {
        await web.close();
      }
      expect(resource("TargetGroup").Properties).toMatchObject({ HealthCheckPath: "/livez", Matcher: { HttpCode: "200" }, Port: 3000, HealthCheckTimeoutSeconds: 5 });
    });

    it("listens on every interface of the task, where the load balancer reaches it", () => {
      expect(containerEnv().find((e) => e.Name === "HOST")?.Value).toBe("0.0.0.0");
      expect(containerEnv().find((e) => e.Name === "PORT")?.Value).toBe("3000");
    });

    it("exposes only berth.<Domain> with the webhook path and the ping", () => {
      expect(resource("ListenerRule").Properties.Conditions).toEqual([
        {
          Field: "host-header",
          HostHeaderConfig: { Values: [{ "Fn::Sub": ["berth.${Domain}", { Domain: importOf("Domain") }] }] },
        },
        { Field: "path-pattern", PathPatternConfig: { Values: ["/api/github/webhooks", "/ping"] } },
      ]);
      const env = (resource("TaskDefinition").Properties.ContainerDefinitions as Array<{ Environment: Array<{ Name: string; Value: Json }> }>)[0]!.Environment;
      expect(env.find((e) => e.Name === "WEBHOOK_PATH")?.Value).toBe("/api/github/webhooks");
    });

    it("routes the dashboard's three path patterns on berth.<Domain> to berth when the App's client id and secret are given, in a rule of their own", () => {
      const rule = resource("DashboardListenerRule") as unknown as { Condition: string; Properties: Record<string, Json> };
      expect(rule.Condition).toBe("HasDashboard");
      expect(rule.Properties.Priority).toEqual({ Ref: "DashboardRulePriority" });
      expect(rule.Properties.Conditions).toEqual([
        { Field: "host-header", HostHeaderConfig: { Values: [{ "Fn::Sub": ["berth.${Domain}", { Domain: importOf("Domain") }] }] } },
        // A rule matches at most three values per condition: the dashboard's routes fit in /, /auth/* and /previews/*.
        { Field: "path-pattern", PathPatternConfig: { Values: ["/", "/auth/*", "/previews/*"] } },
      ]);
      // Every route of the dashboard is one the rule sends to berth, and one berth answers.
      const patterns = ["/", "/auth/*", "/previews/*"].map((p) => new RegExp(`^${p.replace(/\*/g, ".*")}$`));
      const dashboard = createDashboard({ publicUrl: "https://berth.example.com" } as Parameters<typeof createDashboard>[0]);
      for (const [method, route] of [["GET", "/"], ["GET", "/auth/login"], ["GET", "/auth/callback"], ["POST", "/auth/logout"], ["POST", "/previews/acme/shop/7/redeploy"]] as const) {
        expect(patterns.some((p) => p.test(route)), route).toBe(true);
        expect(dashboard.answers(method, route), route).toBe(true);
      }
    });
  });

  describe("restarts", () => {
    const service = () => resource("Service").Properties;
    const container = () => (resource("TaskDefinition").Properties.ContainerDefinitions as Array<Record<string, Json>>)[0]!;
    const deregistrationDelay = () =>
      Number((resource("TargetGroup").Properties.TargetGroupAttributes as Array<{ Key: string; Value: string }>).find((a) => a.Key === "deregistration_delay.timeout_seconds")?.Value);

    it("never runs two copies on purpose: one task, stopped before its replacement starts", () => {
      // ECS rolling update: MaximumPercent caps the tasks RUNNING or PENDING at 100 % of one, so
      // the scheduler does not start the new task beside a running old one; MinimumHealthyPercent
      // 0 lets it stop the old one first (with 100 it could never replace the only task).
      expect(service()).toMatchObject({ DesiredCount: 1, DeploymentConfiguration: { MinimumHealthyPercent: 0, MaximumPercent: 100 } });
    });

    it("gives berth's drain time before SIGKILL: StopTimeout is Fargate's maximum, BERTH_DRAIN_SECONDS the default and below it", () => {
      // Fargate sends SIGTERM, then SIGKILL StopTimeout seconds later; 120 is the most it allows.
      expect(container().StopTimeout).toBe(120);
      const drain = Number(containerEnv().find((e) => e.Name === "BERTH_DRAIN_SECONDS")?.Value);
      expect(drain).toBe(DEFAULT_DRAIN_SECONDS);
      expect(drain).toBeLessThan(120);
    });

    it("starts the first resync after any old copy has exited, even when ECS started the new one early", () => {
      // ECS deregisters the old task, waits the deregistration delay, sends SIGTERM and kills it
      // StopTimeout later; the new task may start as soon as the old one is told to stop.
      const oldCopyGoneMs = (deregistrationDelay() + Number(container().StopTimeout)) * 1000;
      expect(oldCopyGoneMs).toBe(150_000);
      expect(FIRST_RESYNC_DELAY_MS).toBeGreaterThan(oldCopyGoneMs);
    });
  });
});
