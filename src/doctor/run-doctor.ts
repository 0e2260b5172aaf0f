/**
 * `berth doctor`: read-only checks of the AWS account a preview needs, each ending in a verdict
 * and, when it fails, the one thing to do about it.
 */
import { BerthError } from "../errors.js";
import { AwsCallError } from "../preview/errors.js";
import { BASE_EXPORTS, OPTIONAL_BASE_EXPORTS, type BaseExport } from "../stack/base-stack.js";
import { ROLLOUT_ROLE_OUTPUT } from "../stack/blue-green.js";
import { loadBalancerOfListener } from "../util/load-balancer-arn.js";
import { assessSubnetEgress, type SubnetEgress } from "./assess-subnet-egress.js";
import type { DoctorPort, RepositoryRef, SimulationRequest, TargetGroupInfo } from "./doctor-port.js";
import { buildBotRoleRequests, type BotRoleAccount } from "./bot-role-requests.js";

/** The outputs every base stack has; the optional ones exist only when the operator set what they carry. */
const REQUIRED_OUTPUTS = BASE_EXPORTS.filter((name) => !(OPTIONAL_BASE_EXPORTS as readonly string[]).includes(name));

/** The checks, in the order they run and print. */
export const CHECK_IDS = ["base-stack", "vpc-dns", "subnet-egress", "listener-rules", "target-groups", "wake-target", "secrets", "bot-role", "ecr-repositories"] as const;
/** A check's stable name, as `--json` prints it. */
export type CheckId = (typeof CHECK_IDS)[number];

/** One check's verdict. */
export interface CheckResult {
  id: CheckId;
  /** `skip`: the check could not run (why is in `fix`); it fails the run only when it says so. */
  status: "pass" | "fail" | "skip";
  /** One line: what doctor found. */
  title: string;
  /** One line: what to do about a failure, or why the check was skipped. */
  fix?: string;
  /** Further lines: which subnet, which action on which resource. */
  details?: string[];
}

export interface DoctorReport {
  checks: CheckResult[];
  /** True when no check failed. */
  ok: boolean;
}

export interface DoctorInput {
  port: DoctorPort;
  /** The base stack's name (deploy/base.yml). */
  baseStack: string;
  /** The region the clients talk to. */
  region: string;
  /** The bot's role; default: the role of the credentials doctor runs with. */
  roleArn?: string;
  /** Image references or templates (`…/shop:{sha}`) whose ECR repositories must exist. */
  images?: readonly string[];
  /** SSM parameter or Secrets Manager ARNs (or SSM parameter names) the previews inject. */
  secrets?: readonly string[];
  /** berth's own target group (BERTH_WAKE_TARGET_GROUP_ARN), where a sleeping preview's listener rule forwards. */
  wakeTargetGroupArn?: string;
  /** The requests the bot's role must be allowed; default `buildBotRoleRequests`. */
  botRoleRequests?: (account: BotRoleAccount) => Promise<SimulationRequest[]>;
}

/** Share of a load balancer limit at which headroom counts as running out. */
export const HEADROOM_WARNING = 0.9;
/** Rules per Application Load Balancer (default quota) and target groups per ALB (fixed). */
export const ALB_LIMIT = 100;

const USABLE_STATUSES = new Set(["CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE", "IMPORT_ROLLBACK_COMPLETE"]);
const DEFAULT_SECRETS_PREFIX = "preview/";

/** Runs every check; a check's AWS error fails that check only. */
export async function runDoctor(input: DoctorInput): Promise<DoctorReport> {
  const { port, baseStack, region } = input;
  const checks: CheckResult[] = [];
  const guarded = async (id: CheckId, label: string, check: () => Promise<CheckResult>) => {
    try {
      checks.push(await check());
    } catch (error) {
      const reason = (error instanceof BerthError ? error.userMessage : error instanceof Error ? error.message : String(error)).replace(/\s+/g, " ").trim();
      const denied = error instanceof AwsCallError && /AccessDenied|Unauthorized/.test(error.code ?? "");
      checks.push({ id, status: "fail", title: `${label}: could not check`, fix: denied ? `${reason} (README, berth doctor, lists the permissions doctor needs)` : reason });
    }
  };

  let outputs: Partial<Record<BaseExport, string>> = {};
  let parameters: Record<string, string> = {};
  await guarded("base-stack", `Base stack ${baseStack}`, async () => {
    const stack = await port.findStack(baseStack);
    if (!stack) {
      return {
        id: "base-stack",
        status: "fail",
        title: `Base stack ${baseStack} does not exist in ${region}`,
        fix: `deploy deploy/base.yml as the stack ${baseStack} (README: Set-up on AWS), or pass --base-stack with its name`,
      };
    }
    outputs = stack.outputs;
    parameters = stack.parameters;
    const missing = REQUIRED_OUTPUTS.filter((name) => !stack.outputs[name]);
    if (!USABLE_STATUSES.has(stack.status)) {
      return {
        id: "base-stack",
        status: "fail",
        title: `Base stack ${baseStack} is ${stack.status}`,
        fix: stack.status.endsWith("_IN_PROGRESS")
          ? "wait for the stack operation to finish, then run berth doctor again"
          : `repair or redeploy ${baseStack} from deploy/base.yml until it is CREATE_COMPLETE or UPDATE_COMPLETE`,
      };
    }
    if (missing.length > 0) {
      return {
        id: "base-stack",
        status: "fail",
        title: `Base stack ${baseStack} lacks the output${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`,
        fix: `update ${baseStack} with the current deploy/base.yml, which exports them`,
      };
    }
    return { id: "base-stack", status: "pass", title: `Base stack ${baseStack} is ${stack.status} with all ${REQUIRED_OUTPUTS.length} outputs` };
  });

  const needs = (id: CheckId, label: string, names: readonly BaseExport[], check: (o: Record<BaseExport, string>) => Promise<CheckResult>) => {
    const absent = names.filter((name) => !outputs[name]);
    if (absent.length > 0) {
      checks.push({ id, status: "skip", title: label, fix: `the base stack gives no ${absent.join(", ")}` });
      return Promise.resolve();
    }
    return guarded(id, label, () => check(outputs as Record<BaseExport, string>));
  };

  await needs("vpc-dns", "VPC DNS", ["VpcId"], async ({ VpcId }) => {
    const dns = await port.vpcDnsAttributes(VpcId);
    const off = (["enableDnsSupport", "enableDnsHostnames"] as const).filter((key) => !dns[key]);
    if (off.length === 0) return { id: "vpc-dns", status: "pass", title: `VPC ${VpcId} has enableDnsSupport and enableDnsHostnames on (compose service names resolve)` };
    const flags = off.map((key) => `--${key === "enableDnsSupport" ? "enable-dns-support" : "enable-dns-hostnames"}`);
    return {
      id: "vpc-dns",
      status: "fail",
      title: `VPC ${VpcId} has ${off.join(" and ")} off: compose service names will not resolve in previews`,
      fix: flags.map((flag) => `aws ec2 modify-vpc-attribute --vpc-id ${VpcId} ${flag} '{"Value":true}'`).join(" && "),
    };
  });

  await needs("subnet-egress", "Task subnets", ["VpcId", "Subnets", "AssignPublicIp"], async ({ VpcId, Subnets, AssignPublicIp }) => {
    const subnetIds = Subnets.split(",").map((s) => s.trim()).filter(Boolean);
    const [found, routeTables, endpoints] = await Promise.all([port.subnets(subnetIds), port.routeTables(VpcId), port.vpcEndpoints(VpcId)]);
    const strays = subnetIds.filter((id) => !found.some((s) => s.id === id && s.vpcId === VpcId));
    if (strays.length > 0) {
      return {
        id: "subnet-egress",
        status: "fail",
        title: `Task subnet${strays.length > 1 ? "s" : ""} ${strays.join(", ")} ${strays.length > 1 ? "are" : "is"} not in VPC ${VpcId}`,
        fix: `update ${baseStack} with TaskSubnets of VPC ${VpcId}`,
      };
    }
    const egress = assessSubnetEgress({ subnetIds, assignPublicIp: AssignPublicIp === "ENABLED", region, routeTables, endpoints });
    return egressResult(egress);
  });

  await needs("listener-rules", "Listener rules", ["ListenerArn"], async ({ ListenerArn }) => {
    const used = await port.listenerRuleCount(ListenerArn);
    return headroom("listener-rules", `Listener rules: ${used} of ${ALB_LIMIT} used`, used,
      "close stale previews, or raise the quota \"Rules per Application Load Balancer\" in Service Quotas");
  });

  await needs("target-groups", "Target groups", ["ListenerArn"], async ({ ListenerArn }) => {
    // A listener ARN not of AWS's form names no load balancer: the count then fails on it, and says so.
    const loadBalancerArn = loadBalancerOfListener(ListenerArn) ?? ListenerArn;
    const used = await port.targetGroupCount(loadBalancerArn);
    const fix = "close stale previews, or deploy a second base stack (its own load balancer) for some repositories: this limit cannot be raised";
    if (!outputs[ROLLOUT_ROLE_OUTPUT]) return headroom("target-groups", `Target groups on the load balancer: ${used} of ${ALB_LIMIT} used`, used, fix);
    // Fast rollout gives each preview a second target group: a new one needs two.
    const room = Math.max(0, Math.floor((ALB_LIMIT - used) / 2));
    return headroom("target-groups", `Target groups on the load balancer: ${used} of ${ALB_LIMIT} used; fast rollout is on, 2 per preview: room for ${room} more`, used, fix, 2);
  });

  if (!input.wakeTargetGroupArn) {
    checks.push({
      id: "wake-target",
      status: "skip",
      title: "Waking page",
      fix: "no target group given: pass --wake-target-group (or set BERTH_WAKE_TARGET_GROUP_ARN) with the bot stack's TargetGroup; without it a sleeping preview's URL answers 503 until /preview wake or a push",
    });
  } else {
    const arn = input.wakeTargetGroupArn;
    await needs("wake-target", "Waking page", ["VpcId"], async ({ VpcId }) => wakeTargetResult(arn, VpcId, await port.targetGroup(arn)));
  }

  const prefix = parameters.SecretsPrefix ?? DEFAULT_SECRETS_PREFIX;
  await needs("secrets", "Secrets", ["ExecutionRoleArn", "ListenerArn"], async ({ ExecutionRoleArn, ListenerArn }) => {
    const where = arnParts(ListenerArn);
    const sample = `${prefix}berth-doctor-sample`;
    const requests: SimulationRequest[] = [
      { action: "ssm:GetParameters", resource: `arn:${where.partition}:ssm:${region}:${where.account}:parameter/${sample}` },
      { action: "secretsmanager:GetSecretValue", resource: `arn:${where.partition}:secretsmanager:${region}:${where.account}:secret:${sample}-AbCdEf` },
    ];
    for (const secret of new Set(input.secrets ?? [])) requests.push(secretRequest(secret, { ...where, region }));
    const results = await port.simulate(ExecutionRoleArn, requests);
    const denied = results.filter((r) => r.decision !== "allowed");
    const named = input.secrets?.length ? ` and the ${new Set(input.secrets).size} secret${new Set(input.secrets).size > 1 ? "s" : ""} the configs name` : "";
    if (denied.length === 0) return { id: "secrets", status: "pass", title: `Execution role reads secrets under ${prefix}${named}` };
    return {
      id: "secrets",
      status: "fail",
      title: `Execution role ${ExecutionRoleArn} cannot read ${denied.length} of ${results.length} secrets`,
      fix: `keep preview secrets under the prefix "${prefix}" in ${region}, or update ${baseStack} with a SecretsPrefix that covers them`,
      details: denied.map((r) => `${r.action} on ${r.resource}: ${r.decision}`),
    };
  });

  await needs("bot-role", "Bot role", ["ClusterName", "ListenerArn", "VpcId", "NamespaceId", "LogGroup", "SecurityGroup", "ExecutionRoleArn", "TaskRoleArn"], async (o) => {
    const role = input.roleArn ? { arn: input.roleArn, why: "" } : await roleOfCaller(port);
    if (!role.arn) return { id: "bot-role", status: "fail", title: "Bot role: not checked", fix: role.why };
    const where = arnParts(o.ListenerArn);
    const repositories = parseRepositories(input.images ?? []).repositories;
    const requests = await (input.botRoleRequests ?? buildBotRoleRequests)({ ...where, region, baseStack, outputs: o, botRoleArn: role.arn, repositories });
    const results = await port.simulate(role.arn, requests);
    const denied = results.filter((r) => r.decision !== "allowed");
    if (denied.length === 0) return { id: "bot-role", status: "pass", title: `Bot role ${role.arn} is allowed all ${results.length} requests a preview makes` };
    const actions = [...new Set(denied.map((r) => r.action))];
    return {
      id: "bot-role",
      status: "fail",
      title: `Bot role ${role.arn} is denied ${denied.length} of ${results.length} requests a preview makes`,
      fix: `allow ${actions.join(", ")} in the bot's task role (deploy/bot.yml), then update the bot's stack`,
      // Requests that differ only in their condition keys read the same: say each once.
      details: [...new Set(denied.map((r) => `${r.action} on ${r.resource}: ${r.decision}`))],
    };
  });

  await guarded("ecr-repositories", "ECR repositories", async () => {
    const { repositories, unchecked } = parseRepositories(input.images ?? []);
    const details = unchecked.map((u) => `not checked: ${u}`);
    if (repositories.length === 0) {
      return { id: "ecr-repositories", status: "skip", title: "ECR repositories", fix: "no ECR repository named: pass --image or --config", ...(details.length ? { details } : {}) };
    }
    const missing: RepositoryRef[] = [];
    for (const repository of repositories) if (!(await port.repositoryExists(repository))) missing.push(repository);
    const names = (list: RepositoryRef[]) => list.map((r) => r.name).join(", ");
    if (missing.length === 0) {
      return { id: "ecr-repositories", status: "pass", title: `ECR repositories exist: ${names(repositories)}`, ...(details.length ? { details } : {}) };
    }
    return {
      id: "ecr-repositories",
      status: "fail",
      title: `ECR repositor${missing.length > 1 ? "ies" : "y"} missing: ${missing.map((r) => `${r.name} (${r.registryId}, ${r.region})`).join(", ")}`,
      fix: missing.map((r) => `aws ecr create-repository --region ${r.region} --repository-name ${r.name}`).join(" && ") + ", or correct image: in .github/preview.yml",
      ...(details.length ? { details } : {}),
    };
  });

  return { checks, ok: checks.every((c) => c.status !== "fail") };
}

function egressResult(egress: SubnetEgress[]): CheckResult {
  const ids = egress.map((e) => e.subnetId).join(", ");
  if (egress.every((e) => e.reachesEcrPublic)) {
    const via = [...new Set(egress.map((e) => e.internetVia!))].join(", ");
    return { id: "subnet-egress", status: "pass", title: `Task subnets ${ids} reach ECR, ECR Public and CloudWatch Logs through ${via}` };
  }
  const details = egress.map((e) => {
    if (e.internetVia) return `${e.subnetId}: internet through ${e.internetVia}`;
    const endpoints = e.missingEndpoints.length ? `VPC endpoints missing: ${e.missingEndpoints.join(", ")}` : "VPC endpoints for ECR, S3 and Logs present";
    return `${e.subnetId}: no internet (${e.noInternet}); ${endpoints}; ECR Public needs internet`;
  });
  const blind = egress.filter((e) => !e.reachesAws);
  const missing = [...new Set(blind.flatMap((e) => e.missingEndpoints))];
  const title = blind.length > 0
    ? `Task subnet${blind.length > 1 ? "s" : ""} ${blind.map((e) => e.subnetId).join(", ")} cannot reach ECR or CloudWatch Logs: no NAT, no public IP, VPC endpoints missing: ${missing.join(", ")}`
    : `Task subnet${egress.filter((e) => !e.reachesEcrPublic).length > 1 ? "s" : ""} ${egress.filter((e) => !e.reachesEcrPublic).map((e) => e.subnetId).join(", ")} reach ECR and CloudWatch Logs through VPC endpoints only: images from ECR Public (public.ecr.aws) cannot be pulled`;
  return {
    id: "subnet-egress",
    status: "fail",
    title,
    fix: "route 0.0.0.0/0 of their route table to a NAT gateway, or use public subnets with AssignPublicIp=ENABLED in the base stack",
    details,
  };
}

/**
 * Whether a sleeping preview's listener rule can forward to berth: the target group exists in the
 * base stack's VPC (a rule forwards only within its load balancer's VPC), takes Fargate tasks by
 * IP over HTTP, and has a healthy target (berth running behind it).
 */
function wakeTargetResult(arn: string, vpcId: string, group: TargetGroupInfo | undefined): CheckResult {
  const name = arn.split("/").at(-2) ?? arn;
  const fail = (title: string, fix: string): CheckResult => ({ id: "wake-target", status: "fail", title: `Waking page: ${title}`, fix });
  const useBotGroup = "set BERTH_WAKE_TARGET_GROUP_ARN to the TargetGroup of the bot's stack (deploy/bot.yml sets it so)";
  if (!group) return fail(`target group ${arn} does not exist`, useBotGroup);
  if (group.vpcId !== undefined && group.vpcId !== vpcId) return fail(`target group ${name} is in ${group.vpcId}, not in the base stack's ${vpcId}: no listener rule of the base load balancer can forward to it`, useBotGroup);
  if (group.targetType !== undefined && group.targetType !== "ip") return fail(`target group ${name} takes targets of type ${group.targetType}: berth's Fargate task registers by IP`, useBotGroup);
  if (group.protocol !== undefined && group.protocol !== "HTTP") return fail(`target group ${name} speaks ${group.protocol}: berth answers HTTP`, useBotGroup);
  const healthy = group.targetStates.filter((state) => state === "healthy").length;
  if (healthy === 0) {
    const states = group.targetStates.length === 0 ? "no target registered" : `targets ${group.targetStates.join(", ")}`;
    return fail(
      `target group ${name} has no healthy target (${states}): a sleeping preview's URL answers 503 instead of waking it`,
      "run berth's service in the bot's stack until its task answers GET /livez (its logs say why it does not)",
    );
  }
  return { id: "wake-target", status: "pass", title: `Waking page: target group ${name} routes to berth (${healthy} healthy target${healthy > 1 ? "s" : ""})` };
}

/** Fails when one more preview, taking `perPreview`, would pass HEADROOM_WARNING of the limit. */
function headroom(id: CheckId, title: string, used: number, fix: string, perPreview = 1): CheckResult {
  return used + perPreview > ALB_LIMIT * HEADROOM_WARNING
    ? { id, status: "fail", title: `${title} (${Math.round((used / ALB_LIMIT) * 100)} %)`, fix }
    : { id, status: "pass", title };
}

/** Partition and account of an ARN. */
function arnParts(arn: string): { partition: string; account: string } {
  const parts = arn.split(":");
  return { partition: parts[1] ?? "aws", account: parts[4] ?? "" };
}

/** The request ECS makes for one secret reference: an ARN, or an SSM parameter name in the task's region. */
function secretRequest(secret: string, where: { partition: string; account: string; region: string }): SimulationRequest {
  if (/^arn:[^:]+:secretsmanager:/.test(secret)) return { action: "secretsmanager:GetSecretValue", resource: secret };
  if (/^arn:/.test(secret)) return { action: "ssm:GetParameters", resource: secret };
  return { action: "ssm:GetParameters", resource: `arn:${where.partition}:ssm:${where.region}:${where.account}:parameter/${secret.replace(/^\//, "")}` };
}

/**
 * The role of the credentials doctor runs with: an assumed-role session becomes its role, whose
 * ARN (path included, which the session's ARN leaves out) comes from iam:GetRole.
 */
async function roleOfCaller(port: DoctorPort): Promise<{ arn?: string; why: string }> {
  const caller = await port.callerIdentity();
  const assumed = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(caller.arn);
  if (assumed) {
    const arn = await port.findRoleArn(assumed[3]!);
    if (arn) return { arn, why: "" };
    return { why: `the role ${assumed[3]} of the caller ${caller.arn} was not found: pass --role-arn with the bot's task role` };
  }
  if (/:iam::\d{12}:role\//.test(caller.arn)) return { arn: caller.arn, why: "" };
  return { why: `doctor runs as ${caller.arn}, not as a role: pass --role-arn with the bot's task role (the TaskRole of the bot's stack)` };
}

const ECR_IMAGE = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)(?::[^/@]*)?(?:@sha256:[a-f0-9]{64})?$/;

/** The ECR repositories of image references or templates; the rest, with why they are not checked. */
export function parseRepositories(images: readonly string[]): { repositories: RepositoryRef[]; unchecked: string[] } {
  const repositories = new Map<string, RepositoryRef>();
  const unchecked: string[] = [];
  for (const image of new Set(images)) {
    const m = ECR_IMAGE.exec(image);
    if (!m) unchecked.push(`${image} is not in a private ECR registry`);
    else if (m[3]!.includes("{")) unchecked.push(`${image} names its repository with a placeholder`);
    else repositories.set(`${m[1]}/${m[2]}/${m[3]}`, { registryId: m[1]!, region: m[2]!, name: m[3]! });
  }
  return { repositories: [...repositories.values()], unchecked };
}
