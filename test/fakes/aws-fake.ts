/**
 * A stateful fake AWS account for tests, driven through aws-sdk-client-mock: real SDK clients
 * whose `send` is answered by fakes of CloudFormation, ECS, ECR, CloudWatch Logs and metrics, and ELBv2 (and,
 * for berth doctor, EC2, IAM and STS) that share one state. Stacks move through their statuses, tasks stop with scripted exit codes,
 * services roll (or fail and roll back), target groups turn healthy, images appear.
 *
 * ```ts
 * const fake = createAwsFake();
 * const stacks = new CloudFormationStacks({ client: fake.clients.cloudformation, ownership, pollDelayMs: 1 });
 * fake.scriptTask({ commandIncludes: "db:migrate", exitCode: 1, logLines: ["PG::UndefinedTable"] });
 * fake.fail("RunTask", { failures: [{ reason: "Capacity is unavailable at this time" }] });
 * expect(fake.commands("ecs")).toEqual(["RunTask", ...]);
 * ```
 */
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ECRClient } from "@aws-sdk/client-ecr";
import { ECSClient } from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { IAMClient } from "@aws-sdk/client-iam";
import { STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { FakeCloudFormation, type StackFault } from "./aws/cloudformation.js";
import { FakeCloudWatch } from "./aws/cloudwatch.js";
import { FakeEc2 } from "./aws/ec2.js";
import { FakeEcr } from "./aws/ecr.js";
import { FakeEcs, type RolloutScript } from "./aws/ecs.js";
import type { TaskScript } from "./aws/ecs-tasks.js";
import { FakeElbV2, type TargetHealthScript } from "./aws/elbv2.js";
import { FakeIam } from "./aws/iam.js";
import { FakeLogs } from "./aws/logs.js";
import { FakeSts } from "./aws/sts.js";
import { awsError, World, type AnyStub, type ChaosHook, type FakeCall, type FakeService, type Fault } from "./aws/world.js";

export type { ChaosHook, FakeCall, Fault, StackFault, TaskScript, RolloutScript, TargetHealthScript };

export const FAKE_REGION = "us-east-1";
export const FAKE_ACCOUNT = "123456789012";
export const BASE_STACK = "berth-base";

/** The base stack's outputs (deploy/base.yml), each exported as `berth-base-<Name>`. */
export const BASE_OUTPUTS = {
  ClusterName: "berth-previews",
  ListenerArn: `arn:aws:elasticloadbalancing:${FAKE_REGION}:${FAKE_ACCOUNT}:listener/app/berth-base-alb/50dc6c495c0c9188/f2f7dc8efc522ab2`,
  Domain: "preview.example.com",
  Subnets: "subnet-0a1b2c3d4e5f60001,subnet-0a1b2c3d4e5f60002",
  AssignPublicIp: "ENABLED",
  SecurityGroup: "sg-0123456789abcdef0",
  LogGroup: "/berth/previews",
  ExecutionRoleArn: `arn:aws:iam::${FAKE_ACCOUNT}:role/berth-base-TaskExecutionRole-1A2B3C4D5E6F`,
  TaskRoleArn: `arn:aws:iam::${FAKE_ACCOUNT}:role/berth-base-TaskRole-6F5E4D3C2B1A`,
  VpcId: "vpc-0abc1234def567890",
  NamespaceId: "ns-abcdefgh12345678",
  NamespaceName: "berth.internal",
  LoadBalancerDnsName: `berth-base-alb-1234567890.${FAKE_REGION}.elb.amazonaws.com`,
  LoadBalancerFullName: "app/berth-base-alb/50dc6c495c0c9188",
  /** deploy/base.yml's output for an empty SecretsPrefix parameter: any name. */
  SecretsPrefix: "*",
  OfficialImagesFrom: "ecr-public",
} as const;

/** The bot's own task role (deploy/bot.yml), with a path; the fake's caller is a session of it. */
/** berth's own target group (the bot stack's TargetGroup), with berth's task healthy behind it. */
export const BOT_TARGET_GROUP_ARN = `arn:aws:elasticloadbalancing:${FAKE_REGION}:${FAKE_ACCOUNT}:targetgroup/berth-bot-TargetGroup-1A2B3C/0123456789abcdef`;
export const BOT_ROLE_ARN = `arn:aws:iam::${FAKE_ACCOUNT}:role/berth/berth-bot-TaskRole-0A1B2C3D4E5F`;

const MUTATING = /^(Create|Delete|Execute|Update|Run|Stop|Put|Register|Deregister|Modify|Continue)/;

export interface AwsFakeOptions {
  region?: string;
  account?: string;
  /** Seed the base stack (default) with these outputs over BASE_OUTPUTS; `false` for none. */
  baseStack?: false | { name?: string; outputs?: Partial<Record<keyof typeof BASE_OUTPUTS | "RolloutRoleArn", string>> };
  /** DescribeStacks calls that see a stack operation in progress. Default 2. */
  stackPolls?: number;
  /** DescribeChangeSet calls before a change set is ready. Default 1. */
  changeSetPolls?: number;
  /** DescribeStackEvents page size. Default 100. */
  eventsPageSize?: number;
  /** DescribeTasks calls a task spends PROVISIONING and RUNNING. Default 1 and 1. */
  taskPolls?: { provisioning?: number; running?: number };
  /** DescribeServices calls until a deployment settles. Default 2. */
  rolloutPolls?: number;
  /** DescribeTargetHealth calls that answer `initial` before `healthy`. Default 1. */
  healthPolls?: number;
  /** DescribeRules page size when the caller sets none. Default 20. */
  rulesPageSize?: number;
  /** Latency before every answer: milliseconds for all operations, or per operation name. */
  latencyMs?: number | Partial<Record<string, number>>;
  /**
   * How the SDK retries: `"berth"` as berth's clients are configured (AwsRetryStrategy), or a number
   * of attempts; default 1 (`"berth"` under chaos). The stubbed `send` skips the SDK's retry
   * middleware, so the fake sends a retryable failure again itself.
   */
  sdkRetries?: number | "berth";
}

export interface AwsFake {
  /** Real SDK clients whose `send` the fake answers; pass them to the adapters. */
  clients: {
    cloudformation: CloudFormationClient;
    ecs: ECSClient;
    ecr: ECRClient;
    logs: CloudWatchLogsClient;
    cloudwatch: CloudWatchClient;
    elbv2: ElasticLoadBalancingV2Client;
    ec2: EC2Client;
    iam: IAMClient;
    sts: STSClient;
  };
  /** The fakes' state, for assertions and direct set-up. */
  state: {
    cloudformation: FakeCloudFormation;
    ecs: FakeEcs;
    ecr: FakeEcr;
    logs: FakeLogs;
    cloudwatch: FakeCloudWatch;
    elbv2: FakeElbV2;
    ec2: FakeEc2;
    iam: FakeIam;
    sts: FakeSts;
  };
  /** Every call received, in order. */
  calls: FakeCall[];
  /** Operation names called, in order, optionally of one service. */
  commands(service?: FakeService): string[];
  /** The calls that change something (Create*, Delete*, Execute*, Update*, RunTask...), in order. */
  mutations(): string[];
  /** Injects a fault into the next call(s) of an operation, e.g. `fail("RunTask", { failures: [...] })`. */
  fail(command: string, fault: Fault): void;
  /**
   * Asks `hook` about every request of a call no `fail()` fault answers; a transient fault it
   * returns is retried as the SDK's standard retry mode would (see World). `undefined` turns it off.
   */
  chaos(hook: ChaosHook | undefined): void;
  /** Requests AWS received: calls, plus the SDK's own retries of chaos faults. */
  requests(): number;
  /** Fails a resource in the next matching stack operation (create/update rolls back; delete ends DELETE_FAILED). */
  failStack(fault: StackFault): void;
  /** Decides how one-off tasks whose command matches end (exit code, log lines). */
  scriptTask(script: TaskScript): void;
  /** Makes the next deployment of a matching service fail (circuit breaker) and roll back. */
  scriptRollout(script: RolloutScript): void;
  /** Moves the fake clock on, e.g. past the hour ECS keeps stopped tasks visible. */
  advanceClock(ms: number): void;
  /**
   * Fixes what DescribeTargetHealth reports for target groups whose ARN contains `match` (an ARN,
   * or a name part such as `PublicTarget`, for groups a stack has yet to create).
   */
  setTargetHealth(match: string, health: TargetHealthScript): void;
  /** Pushes an image to ECR and returns its digest; with `afterPolls` it appears only after that many lookups. */
  putImage(ref: string, options?: { afterPolls?: number }): string;
  /** Appends lines to a log stream. */
  putLogEvents(group: string, stream: string, lines: string[]): void;
  /** Occupies listener rule priorities on a listener (default the base stack's). */
  addListenerRules(priorities: number[], listenerArn?: string): void;
  /**
   * Fills the base stack's load balancer with `rules` listener rules (priorities from 1001), the
   * first `targetGroups` of them forwarding each to a target group of its own: other previews.
   */
  fillLoadBalancer(input: { rules: number; targetGroups?: number }): void;
  /** The SDK error the fake throws for an AWS error code. */
  error(service: FakeService, name: string, message: string): Error;
  /**
   * A fetch that answers PUTs to wait condition handles' presigned URLs as S3 and CloudFormation
   * would (see FakeCloudFormation.signalGate), counting each as a request; anything else is refused.
   */
  fetch: typeof fetch;
  /** Restores the clients' real `send`. */
  restore(): void;
}

/** Creates a fake AWS account with the base stack `berth-base` deployed. */
export function createAwsFake(options: AwsFakeOptions = {}): AwsFake {
  const region = options.region ?? FAKE_REGION;
  const world = new World({ region, account: options.account ?? FAKE_ACCOUNT, latencyMs: options.latencyMs, ...(options.sdkRetries === undefined ? {} : { sdkRetries: options.sdkRetries }) });
  const logs = new FakeLogs(world);
  const ecr = new FakeEcr(world);
  const ecs: FakeEcs = new FakeEcs(world, logs, {
    provisioningPolls: options.taskPolls?.provisioning ?? 1,
    runningPolls: options.taskPolls?.running ?? 1,
    rolloutPolls: options.rolloutPolls ?? 2,
  }, (): FakeElbV2 => elbv2);
  const elbv2 = new FakeElbV2(world, {
    healthPolls: options.healthPolls ?? 1,
    rulesPageSize: options.rulesPageSize ?? 20,
    targetsOf: (arn) => ecs.targetsOf(arn),
  });
  const ec2 = new FakeEc2(world);
  const cloudwatch = new FakeCloudWatch(world);
  const iam = new FakeIam(world, { pageSize: 25 });
  const sts = new FakeSts(world, `arn:aws:sts::${world.account}:assumed-role/${BOT_ROLE_ARN.split("/").at(-1)}/berth-7f3c9a1e`);
  iam.addRole(BOT_ROLE_ARN);
  const cloudformation = new FakeCloudFormation(world, { ecs, elb: elbv2, logs }, {
    stackPolls: options.stackPolls ?? 2,
    changeSetPolls: options.changeSetPolls ?? 1,
    eventsPageSize: options.eventsPageSize ?? 100,
  });

  // Credentials are never used (send is replaced) but keep the SDK from looking for any.
  const config = { region, credentials: { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" }, maxAttempts: 1 };
  const clients = {
    cloudformation: new CloudFormationClient(config),
    ecs: new ECSClient(config),
    ecr: new ECRClient(config),
    logs: new CloudWatchLogsClient(config),
    cloudwatch: new CloudWatchClient(config),
    elbv2: new ElasticLoadBalancingV2Client(config),
    ec2: new EC2Client(config),
    iam: new IAMClient(config),
    sts: new STSClient(config),
  };
  const mocks: Array<AnyStub> = [];
  const install = (service: FakeService, client: object, fake: { install(mock: AnyStub): void }) => {
    const mock = mockClient(client as never) as AnyStub;
    mock.onAnyCommand().callsFake(() => {
      throw new Error(`aws fake: ${service} operation not implemented (add it to test/fakes/aws/)`);
    });
    fake.install(mock);
    mocks.push(mock);
  };
  install("cloudformation", clients.cloudformation, cloudformation);
  install("ecs", clients.ecs, ecs);
  install("ecr", clients.ecr, ecr);
  install("logs", clients.logs, logs);
  install("cloudwatch", clients.cloudwatch, cloudwatch);
  install("elbv2", clients.elbv2, elbv2);
  install("ec2", clients.ec2, ec2);
  install("iam", clients.iam, iam);
  install("sts", clients.sts, sts);

  if (options.baseStack !== false) {
    const name = options.baseStack?.name ?? BASE_STACK;
    const outputs = { ...BASE_OUTPUTS, ...options.baseStack?.outputs };
    cloudformation.seedStack({ name, outputs, exportPrefix: `${name}-` });
    elbv2.listeners.add(outputs.ListenerArn);
    logs.createGroup(outputs.LogGroup);
    // The base stack's network and roles, as a working account has them.
    ec2.seedNetwork({ vpcId: outputs.VpcId, subnetIds: outputs.Subnets.split(","), egress: outputs.AssignPublicIp === "ENABLED" ? "igw" : "nat" });
    iam.addRole(outputs.ExecutionRoleArn);
    iam.addRole(outputs.TaskRoleArn);
    // berth itself, running behind its target group.
    elbv2.addTargetGroup({ arn: BOT_TARGET_GROUP_ARN, name: "berth-bot-TargetGroup-1A2B3C", port: 3000, vpcId: outputs.VpcId, targetType: "ip", protocol: "HTTP", targets: [{ id: "10.0.1.20", port: 3000 }], health: { state: "healthy" } });
  }

  return {
    clients,
    state: { cloudformation, ecs, ecr, logs, cloudwatch, elbv2, ec2, iam, sts },
    calls: world.calls,
    commands: (service) => world.calls.filter((c) => !service || c.service === service).map((c) => c.command),
    mutations: () => world.calls.map((c) => c.command).filter((c) => MUTATING.test(c)),
    fail: (command, fault) => world.addFault(command, fault),
    chaos: (hook) => (world.chaosHook = hook),
    requests: () => world.requests,
    failStack: (fault) => cloudformation.failStack(fault),
    scriptTask: (script) => ecs.scriptTask(script),
    scriptRollout: (script) => ecs.scriptRollout(script),
    advanceClock: (ms) => world.advance(ms),
    setTargetHealth: (match, health) => elbv2.healthScripts.push({ match, health }),
    putImage: (ref, opts) => ecr.putImage(ref, opts),
    putLogEvents: (group, stream, lines) => logs.put(group, stream, lines),
    addListenerRules: (priorities, listenerArn = BASE_OUTPUTS.ListenerArn) => {
      elbv2.listeners.add(listenerArn);
      for (const p of priorities) elbv2.addRule(listenerArn, p);
    },
    fillLoadBalancer: ({ rules, targetGroups = rules }) => {
      for (let i = 0; i < rules; i++) {
        const group = i < targetGroups ? elbv2.addTargetGroup({ name: `other-preview-${i}`, port: 80 }).arn : undefined;
        elbv2.addRule(BASE_OUTPUTS.ListenerArn, 1001 + i, undefined, group);
      }
    },
    error: awsError,
    fetch: async (url, init) => {
      const href = String(url instanceof Request ? url.url : url);
      if (init?.method !== "PUT" || !/^https:\/\/cloudformation-waitcondition-[a-z0-9-]+\.s3\.amazonaws\.com\//.test(href)) {
        throw new TypeError(`fetch failed: the AWS fake answers only PUTs to wait condition handles, not ${init?.method ?? "GET"} ${href}`);
      }
      const answer = cloudformation.signalGate(href, String(init.body ?? ""));
      return new Response(answer.body, { status: answer.status });
    },
    restore: () => mocks.forEach((m) => m.restore()),
  };
}
