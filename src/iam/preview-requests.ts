/**
 * Every authorization request one preview's lifecycle makes against berth's own role: the calls
 * CloudFormation's resource handlers make with berth's credentials (berth passes no service role)
 * and the calls berth makes itself, each with the ARN the resource really gets and the condition
 * keys the request really carries. The suite evaluates them against `deploy/bot.yml`; `berth
 * doctor` can simulate the same list against the deployed role.
 *
 * Pure: works from the resource types and literal names in a rendered template and from the base
 * stack's outputs, never from how the template refers to the base stack (imports or parameters).
 * Physical ids (`sg-…`, `srv-…`, target group ids, task ids) are made up, deterministically.
 */
import { createHash } from "node:crypto";
import { getHandlerPermissions, type HandlerPermissions } from "./handler-permissions.js";

/** One request AWS authorizes against the caller's policies. */
export interface IamRequest {
  /** `service:Action`. */
  action: string;
  /** The resource's ARN; `*` for actions without resource-level permissions. */
  resource: string;
  /** Condition keys the request carries, e.g. `aws:ResourceTag/berth:managed`, `ecs:cluster`. */
  context: Record<string, string | string[]>;
  /**
   * Who makes the call and for what, e.g. `CloudFormation create WebService (AWS::ECS::Service)`;
   * several callers of the same request are joined with ` / `.
   */
  caller: string;
}

/** The moments of a preview's life that call AWS. */
export const LIFECYCLE_STEPS = ["deploy", "push", "reset", "idle", "teardown"] as const;
/**
 * `deploy`: the first deploy (stack created, release steps, rollout); `push`: a later deploy, with
 * the stack's tags changed (`berth:deploying` and `berth:sha` on every one); `reset`: `/preview reset` (data services
 * restarted, migrate and seed again); `idle`: the idle sweep (request counts), a sleep and a wake
 * (a tags-only stack update, the services built from the repository scaled); `teardown`: the pull
 * request closed or the preview expired (stack deleted), and the resync that finds such stacks.
 */
export type LifecycleStep = (typeof LIFECYCLE_STEPS)[number];

/** A resource as it appears in a rendered template. */
export interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
}

export interface PreviewRequestsInput {
  /** The rendered preview template (`buildTemplate(...).template`). */
  template: { Resources?: Record<string, TemplateResource>; Outputs?: Record<string, { Value?: unknown }> };
  stackName: string;
  /** The base stack: its name and outputs (`ClusterName`, `ListenerArn`, `VpcId`, `NamespaceId`, `ExecutionRoleArn`, `TaskRoleArn`, `LogGroup`, `SecurityGroup`; `RolloutRoleArn` for a blue/green template). */
  base: { name: string; outputs: Record<string, string> };
  account: string;
  region: string;
  /** Default `aws`. */
  partition?: string;
  /** The stack's tags as berth sets them (`berth:managed`, `berth:repository`, `berth:pr`, `berth:deploying`, `berth:sha`, `berth:seeded`). */
  stackTags: Record<string, string>;
}

/**
 * Actions that support no resource-level permissions: IAM authorizes them against `*` only, so a
 * request for them names `*` (and a policy can only fence them by condition, e.g. the region).
 */
export const NO_RESOURCE_LEVEL: ReadonlySet<string> = new Set([
  "cloudformation:ListStacks",
  "ec2:DescribeInstances",
  "ec2:DescribeRouteTables",
  "ec2:DescribeSecurityGroupRules",
  "ec2:DescribeSecurityGroups",
  "ec2:DescribeSubnets",
  "ec2:DescribeVpcEndpoints",
  "ecs:DeregisterTaskDefinition",
  "ecs:DescribeTaskDefinition",
  "ecs:ListTaskDefinitions",
  "elasticloadbalancing:DescribeListeners",
  "elasticloadbalancing:DescribeRules",
  "elasticloadbalancing:DescribeTags",
  "elasticloadbalancing:DescribeTargetGroupAttributes",
  "elasticloadbalancing:DescribeTargetGroups",
  "elasticloadbalancing:DescribeTargetHealth",
  "servicediscovery:ListTagsForResource",
  "servicediscovery:TagResource",
  "servicediscovery:UntagResource",
]);

/** The call that creates a resource of each type; tags given to it are tags "on create". */
const CREATE_ACTION: Record<string, string> = {
  "AWS::EC2::SecurityGroup": "ec2:CreateSecurityGroup",
  "AWS::EC2::SecurityGroupIngress": "ec2:AuthorizeSecurityGroupIngress",
  "AWS::ECS::Service": "ecs:CreateService",
  "AWS::ECS::TaskDefinition": "ecs:RegisterTaskDefinition",
  "AWS::ElasticLoadBalancingV2::ListenerRule": "elasticloadbalancing:CreateRule",
  "AWS::ElasticLoadBalancingV2::TargetGroup": "elasticloadbalancing:CreateTargetGroup",
  "AWS::ServiceDiscovery::Service": "servicediscovery:CreateService",
};

/**
 * Handler permissions for features a resource may not use: requested only when its properties
 * use them (a listener rule reads a Cognito user pool client only to authenticate with it).
 */
const USED_WHEN: Record<string, (props: Record<string, unknown>) => boolean> = {
  "cognito-idp:DescribeUserPoolClient": (props) => JSON.stringify(props.Actions ?? []).includes("authenticate-cognito"),
};

const TAG_ACTIONS = new Set(["ec2:CreateTags", "ecs:TagResource", "elasticloadbalancing:AddTags", "servicediscovery:TagResource"]);
const UNTAG_ACTIONS = new Set(["ec2:DeleteTags", "ecs:UntagResource", "elasticloadbalancing:RemoveTags", "servicediscovery:UntagResource"]);
/** The condition key that names the create call a tagging request belongs to, per service. */
const CREATE_ACTION_KEY: Record<string, string> = { ec2: "ec2:CreateAction", ecs: "ecs:CreateAction", elasticloadbalancing: "elasticloadbalancing:CreateAction" };
/** ECS actions whose requests carry `ecs:cluster`. */
const ECS_CLUSTER_ACTIONS = new Set([
  "ecs:CreateService", "ecs:UpdateService", "ecs:DeleteService", "ecs:DescribeServices", "ecs:ListServiceDeployments",
  "ecs:DescribeServiceDeployments", "ecs:StopServiceDeployment", "ecs:ContinueServiceDeployment", "ecs:RunTask", "ecs:DescribeTasks", "ecs:StopTask",
]);
/** Who receives the roles a task definition names. */
const ECS_TASKS = "ecs-tasks.amazonaws.com";
/** Who receives the role a blue/green service names (the base stack's RolloutRoleArn). */
const ECS = "ecs.amazonaws.com";
/**
 * Stack tags a later deploy changes (`berth:deploying` as it rolls out, `berth:sha` in the
 * tags-only update once rollout and health are confirmed), and the one a finished seed removes
 * (deploy-preview.ts).
 */
const CHANGED_ON_PUSH = ["berth:deploying", "berth:sha", "berth:seeded", "berth:needs-seed"];
const REMOVED_ON_PUSH = ["berth:needs-seed"];

/** Joins the callers of one request. */
const CALLERS = " / ";

type Phase = "create" | "read" | "update" | "delete";

/** One resource of the template with its made-up physical identity. */
interface Physical {
  id: string;
  type: string;
  arn: string;
  facts: HandlerPermissions;
  /** Tags set in the template's `Tags` property. */
  templateTags: Record<string, string>;
  props: Record<string, unknown>;
}

/**
 * The requests of each lifecycle step, in call order, duplicates removed. Throws for a resource
 * type without known handler permissions (see handler-permissions.ts).
 */
export function buildPreviewRequests(input: PreviewRequestsInput): Record<LifecycleStep, IamRequest[]> {
  const ctx = new Context(input);
  const resources = Object.entries(input.template.Resources ?? {}).map(([id, r]) => ctx.physical(id, r));

  const handlers = (phase: Phase, list: Physical[], revision = 1) =>
    list.flatMap((r) => ctx.handlerRequests(phase, revision > 1 && r.type === "AWS::ECS::TaskDefinition" ? ctx.revision(r, revision) : r));
  const taskDefinitions = resources.filter((r) => r.type === "AWS::ECS::TaskDefinition");
  const services = resources.filter((r) => r.type === "AWS::ECS::Service");
  const releaseTask = ctx.releaseTaskDefinition(resources);
  const dataServices = ctx.dataServices(services);
  // A blue/green service's deployments pause for berth, which continues or rolls each back.
  const pauses = services.filter(namesRolloutRole).flatMap((s) => ctx.pauseCalls(s));

  const stack = ctx.stackCalls();
  // CloudFormation resolves the template's dynamic references (an OIDC client secret) with
  // berth's credentials on every create and update.
  const resolved = ctx.dynamicReferences();
  // Which tasks hold the data services' storage, looked at on every deploy (src/preview/flow/data-tasks.ts).
  const dataTasks = ctx.hasStatefulOutput() && dataServices.length > 0 ? [ctx.listTasks()] : [];
  const rollout = [
    ...services.map((s) => ctx.request("ecs:DescribeServices", s.arn, "berth waits for the rollout", { ...ctx.ecs(s.arn), ...ctx.resourceTags(s) })),
    ctx.request("elasticloadbalancing:DescribeTargetHealth", "*", "berth waits for a healthy target"),
    // A rollout that failed: why the service's latest task stopped, and its log (src/preview/flow/stopped-service.ts).
    ...services.flatMap((s) => ctx.stoppedTaskCalls(s, taskDefinitions)),
  ];
  // Release steps run the release task definition; one-shot compose services run their own.
  const release = [
    ...[releaseTask, ...ctx.oneShotTaskDefinitions(resources)].flatMap((t) => (t ? ctx.releaseCalls(t) : [])),
    ...(releaseTask ? ctx.releaseRevisionCalls(releaseTask) : []),
    // Before the first step: release tasks of the preview that still run, waited for (src/preview/flow/release-step.ts).
    ...(releaseTask ? [{ ...ctx.listTasks(), caller: "berth looks for the preview's release tasks that still run" }] : []),
  ];
  // A later deploy registers new task definitions (a changed image replaces them) and deregisters
  // the old ones once the stack update is complete.
  const replaceTaskDefinitions = [...handlers("create", taskDefinitions, 2), ...handlers("delete", taskDefinitions)];
  const push = [
    ...stack.update,
    ...resolved,
    ...ctx.imageChecks(resources),
    ...handlers("update", resources),
    ...handlers("read", resources),
    ...replaceTaskDefinitions,
    ...dataTasks,
    ...release,
    ...pauses,
    ...rollout,
  ];

  return {
    deploy: unique([
      ...ctx.headroomCalls(),
      ...stack.create,
      ...resolved,
      ...ctx.imageChecks(resources),
      ...handlers("create", resources),
      ...handlers("read", resources),
      ...dataTasks,
      ...release,
      // The same deploy's second change set lets the held services roll to the new version.
      ...handlers("update", resources),
      ...replaceTaskDefinitions,
      ...pauses,
      ...rollout,
    ]),
    push: unique(push),
    reset: unique([
      ...push,
      ...dataServices.map((s) => ctx.request("ecs:UpdateService", s.arn, "berth restarts a data service with empty storage", { ...ctx.ecs(s.arn), ...ctx.resourceTags(s) })),
    ]),
    idle: unique([
      ctx.request("cloudformation:ListStacks", "*", "berth's idle sweep lists the previews"),
      ctx.request("cloudwatch:GetMetricData", "*", "berth's idle sweep reads the load balancer's request counts"),
      ...stack.update,
      ...services
        .filter((s) => !dataServices.includes(s))
        .map((s) => ctx.request("ecs:UpdateService", s.arn, "berth scales a sleeping preview's services built from the repository", { ...ctx.ecs(s.arn), ...ctx.resourceTags(s) })),
      ...handlers("update", resources),
      ...handlers("read", resources),
      ...rollout,
    ]),
    teardown: unique([
      // Release tasks that still run are stopped before the stack is deleted (src/preview/flow/destroy-preview.ts).
      ...(releaseTask ? ctx.releaseTaskStops(releaseTask) : []),
      ...stack.delete,
      ...handlers("delete", resources),
      ...handlers("read", resources),
      ...(releaseTask ? ctx.releaseFamilyRemoval(releaseTask) : []),
    ]),
  };
}

/** Names, ARNs and condition keys of one preview in one account and region. */
class Context {
  private readonly partition: string;
  readonly cluster: string;

  constructor(private readonly input: PreviewRequestsInput) {
    this.partition = input.partition ?? "aws";
    this.cluster = this.arn("ecs", `cluster/${this.base("ClusterName")}`);
  }

  base(name: string): string {
    const value = this.input.base.outputs[name];
    if (!value) throw new Error(`buildPreviewRequests: the base stack ${this.input.base.name} has no output ${name}`);
    return value;
  }

  arn(service: string, resource: string): string {
    return `arn:${this.partition}:${service}:${this.input.region}:${this.input.account}:${resource}`;
  }

  /** `secretsmanager:GetSecretValue` for each `{{resolve:secretsmanager:ARN...}}` in the template. */
  dynamicReferences(): IamRequest[] {
    const arns = [...JSON.stringify(this.input.template).matchAll(/\{\{resolve:secretsmanager:(arn:[^:]+:secretsmanager:[^:]+:\d{12}:secret:[^:}]+)/g)].map((m) => m[1]!);
    return [...new Set(arns)].map((arn) => this.request("secretsmanager:GetSecretValue", arn, "CloudFormation resolves a dynamic reference in the preview's template"));
  }

  /** A stable made-up id of `length` characters from `alphabet`, for one resource. */
  fakeId(seed: string, length: number, alphabet = "0123456789abcdef"): string {
    const bytes = createHash("sha256").update(`${this.input.stackName}/${seed}`).digest();
    return [...bytes.subarray(0, length)].map((b) => alphabet[b % alphabet.length]).join("");
  }

  physical(id: string, resource: TemplateResource): Physical {
    const props = resource.Properties ?? {};
    const facts = getHandlerPermissions(resource.Type);
    const templateTags = Object.fromEntries(
      (Array.isArray(props.Tags) ? (props.Tags as Array<{ Key?: unknown; Value?: unknown }>) : [])
        .filter((t) => typeof t.Key === "string" && typeof t.Value === "string")
        .map((t) => [t.Key as string, t.Value as string]),
    );
    const literal = (key: string) => (typeof props[key] === "string" ? (props[key] as string) : undefined);
    let arn: string;
    switch (resource.Type) {
      case "AWS::EC2::SecurityGroup":
        arn = this.arn("ec2", `security-group/sg-${this.fakeId(id, 17)}`);
        break;
      case "AWS::EC2::SecurityGroupIngress":
      case "AWS::EC2::SecurityGroupEgress":
        // Rules have no ARN of their own: IAM authorizes them on their group (set below).
        arn = "";
        break;
      case "AWS::ECS::TaskDefinition":
        arn = this.arn("ecs", `task-definition/${literal("Family") ?? `${this.input.stackName}-${id}`}:1`);
        break;
      case "AWS::ECS::Service":
        // Without a ServiceName, CloudFormation names the service <stack>-<logical id>-<suffix>.
        arn = this.arn("ecs", `service/${this.base("ClusterName")}/${literal("ServiceName") ?? `${this.input.stackName}-${id}-${this.fakeId(id, 12, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")}`}`);
        break;
      case "AWS::ElasticLoadBalancingV2::TargetGroup":
        arn = this.arn("elasticloadbalancing", `targetgroup/${literal("Name") ?? `${this.input.stackName.slice(0, 5)}-${id.slice(0, 5)}-${this.fakeId(id, 12, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")}`}/${this.fakeId(id, 16)}`);
        break;
      case "AWS::ElasticLoadBalancingV2::ListenerRule":
        arn = `${this.base("ListenerArn").replace(":listener/", ":listener-rule/")}/${this.fakeId(id, 16)}`;
        break;
      case "AWS::ServiceDiscovery::Service":
        arn = this.arn("servicediscovery", `service/srv-${this.fakeId(id, 16, "abcdefghijklmnopqrstuvwxyz0123456789")}`);
        break;
      default:
        throw new Error(`buildPreviewRequests: no ARN known for ${resource.Type} (${id})`);
    }
    return { id, type: resource.Type, arn, facts, templateTags, props };
  }

  /** The same task definition family at another revision. */
  revision(r: Physical, revision: number): Physical {
    return { ...r, arn: r.arn.replace(/:\d+$/, `:${revision}`) };
  }

  /** The task definition RunTask starts for release steps: the template's `ReleaseTaskDefinitionArn` output. */
  releaseTaskDefinition(resources: Physical[]): Physical | undefined {
    const value = this.input.template.Outputs?.ReleaseTaskDefinitionArn?.Value as { Ref?: string } | undefined;
    return resources.find((r) => r.id === value?.Ref);
  }

  /** The task definitions of one-shot compose services: every `Ref` in the `OneShotTaskDefinitions` output. */
  oneShotTaskDefinitions(resources: Physical[]): Physical[] {
    const ids = new Set<string>();
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(visit);
      else if (node !== null && typeof node === "object") {
        const ref = (node as { Ref?: unknown }).Ref;
        if (typeof ref === "string") ids.add(ref);
        Object.values(node).forEach(visit);
      }
    };
    visit(this.input.template.Outputs?.OneShotTaskDefinitions?.Value);
    return resources.filter((r) => ids.has(r.id));
  }

  /** Whether the template names its data services (`StatefulServiceArns`); without it berth looks at no tasks. */
  hasStatefulOutput(): boolean {
    return this.input.template.Outputs?.StatefulServiceArns?.Value !== undefined;
  }

  /**
   * ListTasks of a data service: a Fargate task runs on no container instance, the resource type
   * IAM lists for ListTasks, so AWS authorizes it on `*`, fenced only by `ecs:cluster`.
   */
  listTasks(): IamRequest {
    return { action: "ecs:ListTasks", resource: "*", context: { "aws:RequestedRegion": this.input.region, "ecs:cluster": this.cluster }, caller: "berth finds the tasks holding the data services' storage" };
  }

  /**
   * A failed rollout of `service`: ListTasks of its family's stopped tasks, DescribeTasks of one,
   * its task definition for the log stream, and the tail of its essential container's log.
   */
  stoppedTaskCalls(service: Physical, taskDefinitions: Physical[]): IamRequest[] {
    const caller = "berth reads why a service's new tasks stopped";
    const ref = (service.props.TaskDefinition as { Ref?: string } | undefined)?.Ref;
    const taskDefinition = taskDefinitions.find((t) => t.id === ref);
    if (!taskDefinition) return [];
    const task = this.arn("ecs", `task/${this.base("ClusterName")}/${this.fakeId(`${service.id}:stopped`, 32)}`);
    const containers = Array.isArray(taskDefinition.props.ContainerDefinitions) ? (taskDefinition.props.ContainerDefinitions as Array<{ Name?: unknown; Essential?: unknown }>) : [];
    const container = containers.filter((c) => c.Essential !== false).at(-1)?.Name;
    const group = this.base("LogGroup");
    const stream = `${this.input.stackName.replace(/^berth-/, "")}/${typeof container === "string" ? container : service.id}/${task.split("/").at(-1)}`;
    return [
      { ...this.listTasks(), caller },
      this.request("ecs:DescribeTasks", task, caller, this.ecs(task)),
      this.request("ecs:DescribeTaskDefinition", taskDefinition.arn, caller),
      this.request("logs:GetLogEvents", this.arn("logs", `log-group:${group}:log-stream:${stream}`), caller),
    ];
  }

  /** A new preview's first create: berth counts the listener's rules and its load balancer's target groups (src/aws/elbv2.ts). */
  headroomCalls(): IamRequest[] {
    const caller = "berth checks the load balancer's headroom";
    return [
      this.request("elasticloadbalancing:DescribeRules", this.base("ListenerArn"), caller),
      this.request("elasticloadbalancing:DescribeListeners", this.base("ListenerArn"), caller),
      this.request("elasticloadbalancing:DescribeTargetGroups", "*", caller),
    ];
  }

  /** The services a reset restarts: those the template's `StatefulServiceArns` output names (all, without it). */
  dataServices(services: Physical[]): Physical[] {
    const output = this.input.template.Outputs?.StatefulServiceArns?.Value;
    if (output === undefined) return services;
    const named = new Set(JSON.stringify(output).match(/"Ref":"[^"]+"/g)?.map((ref) => ref.slice(7, -1)) ?? []);
    return services.filter((s) => named.has(s.id));
  }

  request(action: string, resource: string, caller: string, context: Record<string, string | string[]> = {}): IamRequest {
    if (NO_RESOURCE_LEVEL.has(action)) {
      // No resource, so none of a resource's keys either.
      const general = Object.fromEntries(Object.entries(context).filter(([k]) => !k.startsWith("aws:ResourceTag/") && k !== "ec2:Vpc"));
      return { action, resource: "*", context: { "aws:RequestedRegion": this.input.region, ...general }, caller };
    }
    return { action, resource, context: { "aws:RequestedRegion": this.input.region, ...context }, caller };
  }

  ecs(arn: string): Record<string, string> {
    const service = arn.includes(":service-deployment/") ? this.arn("ecs", `service/${this.base("ClusterName")}/${serviceOf(arn)}`) : undefined;
    return { "ecs:cluster": this.cluster, ...(service ? { "ecs:service": service } : {}) };
  }

  /**
   * The tags a resource carries once it exists: those its template sets and, unless the type never
   * gets them, CloudFormation's `aws:cloudformation:*`. Stack tags CloudFormation may propagate are
   * left out on purpose: the role must not depend on them.
   */
  tagsOf(r: Physical): Record<string, string> {
    if (!r.facts.tagging.taggable) return {};
    const system: Record<string, string> = r.facts.tagging.cloudFormationSystemTags
      ? {
          "aws:cloudformation:stack-name": this.input.stackName,
          "aws:cloudformation:stack-id": this.stackArn(this.input.stackName),
          "aws:cloudformation:logical-id": r.id,
        }
      : {};
    return { ...r.templateTags, ...system };
  }

  resourceTags(r: Physical): Record<string, string> {
    return Object.fromEntries(Object.entries(this.tagsOf(r)).map(([k, v]) => [`aws:ResourceTag/${k}`, v]));
  }

  /** Tags sent when a resource is created: its own and the stack's, which CloudFormation adds. */
  createTags(r: Physical): Record<string, string> {
    return { ...this.input.stackTags, ...this.tagsOf(r) };
  }

  stackArn(name: string): string {
    return this.arn("cloudformation", `stack/${name}/${this.fakeId(`stack:${name}`, 8)}-0000-4000-8000-${this.fakeId(`stack-id:${name}`, 12)}`);
  }

  /** The resource(s) IAM authorizes one handler action on, and the keys specific to each. */
  private targets(action: string, r: Physical): Array<{ arn: string; context: Record<string, string | string[]> }> {
    switch (action) {
      case "iam:PassRole":
      case "iam:GetRole": {
        // A blue/green service names the base stack's rollout role, which ECS assumes to move traffic.
        if (r.type === "AWS::ECS::Service") {
          return action === "iam:PassRole" && namesRolloutRole(r) ? [{ arn: this.base("RolloutRoleArn"), context: { "iam:PassedToService": ECS } }] : [];
        }
        // A task definition names the base stack's two roles.
        if (r.type !== "AWS::ECS::TaskDefinition") return [];
        const extra: Record<string, string> = action === "iam:PassRole" ? { "iam:PassedToService": ECS_TASKS } : {};
        return [this.base("ExecutionRoleArn"), this.base("TaskRoleArn")].map((arn) => ({ arn, context: extra }));
      }
      case "servicediscovery:CreateService":
        // Authorized on the namespace and on the new service.
        return [
          { arn: this.arn("servicediscovery", `namespace/${this.base("NamespaceId")}`), context: {} },
          { arn: r.arn, context: {} },
        ];
      case "ec2:CreateSecurityGroup":
        return [
          { arn: r.arn, context: {} },
          { arn: this.arn("ec2", `vpc/${this.base("VpcId")}`), context: {} },
        ];
      case "ecs:DescribeServiceDeployments":
      case "ecs:StopServiceDeployment":
      case "ecs:ContinueServiceDeployment": {
        const deployment = this.arn("ecs", `service-deployment/${this.base("ClusterName")}/${serviceOf(r.arn)}/${this.fakeId(`${r.id}:deployment`, 20, "abcdefghijklmnopqrstuvwxyz0123456789")}`);
        return [{ arn: r.arn, context: this.ecs(r.arn) }, { arn: deployment, context: this.ecs(deployment) }];
      }
      case "elasticloadbalancing:CreateRule":
        return [{ arn: this.base("ListenerArn"), context: {} }];
      default:
        return [{ arn: r.arn, context: ECS_CLUSTER_ACTIONS.has(action) ? this.ecs(r.arn) : {} }];
    }
  }

  /** What CloudFormation's handler calls for one resource in one phase, with berth's credentials. */
  handlerRequests(phase: Phase, r: Physical): IamRequest[] {
    const subject = r.type.startsWith("AWS::EC2::SecurityGroup") && r.type !== "AWS::EC2::SecurityGroup" ? this.ruleGroup(r) : r;
    const caller = `CloudFormation ${phase} ${r.id} (${r.type})`;
    const { tagging } = r.facts;
    const createAction = CREATE_ACTION[r.type];
    const tags = (t: Record<string, string>) => ({
      ...Object.fromEntries(Object.entries(t).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
      "aws:TagKeys": Object.keys(t),
    });
    // UpdateService takes the load balancers again, the rollout role among them: ECS authorizes
    // passing it on an update as on the create, though the handler's published list names it only there.
    const actions = phase === "update" && namesRolloutRole(r) ? [...r.facts.update, "iam:PassRole"] : r.facts[phase];
    return actions.flatMap((action) => {
      if (USED_WHEN[action] && !USED_WHEN[action](r.props)) return [];
      const service = action.split(":")[0]!;
      let context: Record<string, string | string[]>;
      if (subject !== r) {
        // A rule is no resource of its own: IAM sees its group, which exists and is tagged.
        context = this.resourceTags(subject);
      } else if (phase === "create" && action === createAction) {
        // The resource does not exist yet; tags come with the call when the type tags on create.
        context = tagging.taggable && tagging.tagOnCreate ? tags(this.createTags(r)) : {};
      } else if (phase === "create" && TAG_ACTIONS.has(action)) {
        const createKey = CREATE_ACTION_KEY[service];
        context = tagging.tagOnCreate
          ? { ...tags(this.createTags(r)), ...(createKey && createAction ? { [createKey]: createAction.split(":")[1]! } : {}) }
          : // Tagged right after it was created: the resource has no tags yet.
            tags(this.createTags(r));
      } else if (phase === "create") {
        context = tagging.tagOnCreate ? this.resourceTags(subject) : {};
      } else if (phase === "update" && TAG_ACTIONS.has(action)) {
        const changed = Object.fromEntries(CHANGED_ON_PUSH.map((k) => [k, this.input.stackTags[k] ?? "true"]));
        context = { ...this.resourceTags(subject), ...tags(changed) };
      } else if (phase === "update" && UNTAG_ACTIONS.has(action)) {
        context = { ...this.resourceTags(subject), "aws:TagKeys": REMOVED_ON_PUSH };
      } else {
        context = this.resourceTags(subject);
      }
      return this.targets(action, subject).map((t) => {
        const onGroup = t.arn === subject.arn && subject.type === "AWS::EC2::SecurityGroup" && action !== "ec2:CreateSecurityGroup";
        const vpc: Record<string, string> = onGroup ? { "ec2:Vpc": this.arn("ec2", `vpc/${this.base("VpcId")}`) } : {};
        const ownTags = t.arn === subject.arn ? context : withoutResourceTags(context);
        return this.request(action, t.arn, caller, { ...ownTags, ...vpc, ...t.context });
      });
    });
  }

  /** The security group a rule resource belongs to: one of the template's, or the base stack's. */
  private ruleGroup(rule: Physical): Physical {
    const group = rule.props.GroupId as { "Fn::GetAtt"?: [string, string]; Ref?: string } | undefined;
    const id = group?.["Fn::GetAtt"]?.[0] ?? group?.Ref;
    const resource = id === undefined ? undefined : (this.input.template.Resources ?? {})[id];
    if (id !== undefined && resource?.Type === "AWS::EC2::SecurityGroup") return this.physical(id, resource);
    return { ...this.physical(rule.id, { Type: "AWS::EC2::SecurityGroup" }), arn: this.arn("ec2", `security-group/${this.base("SecurityGroup")}`), templateTags: {} };
  }

  /** berth's own CloudFormation calls (src/aws/cloudformation-stacks.ts) per kind of deploy. */
  stackCalls(): { create: IamRequest[]; update: IamRequest[]; delete: IamRequest[] } {
    const stack = this.stackArn(this.input.stackName);
    const base = this.stackArn(this.input.base.name);
    const caller = "berth";
    const tagged = {
      ...Object.fromEntries(Object.entries(this.input.stackTags).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
      "aws:TagKeys": Object.keys(this.input.stackTags),
    };
    const changeSet = (createAction: string): IamRequest[] => [
      this.request("cloudformation:DescribeStacks", base, `${caller} reads the base stack's outputs`),
      this.request("cloudformation:DescribeStacks", stack, caller),
      this.request("elasticloadbalancing:DescribeRules", this.base("ListenerArn"), `${caller} allocates a listener rule priority`),
      this.request("cloudformation:CreateChangeSet", stack, caller, tagged),
      this.request("cloudformation:TagResource", stack, `${caller} tags the stack`, { ...tagged, "cloudformation:CreateAction": createAction }),
      this.request("cloudformation:DescribeChangeSet", stack, caller),
      this.request("cloudformation:DescribeStackEvents", stack, caller),
      this.request("cloudformation:ExecuteChangeSet", stack, caller),
      this.request("cloudformation:DeleteChangeSet", stack, `${caller} drops a change set without changes`),
    ];
    return {
      create: changeSet("CreateChangeSet"),
      update: [
        // Whether a push's release phase changes more than the release task's image.
        this.request("cloudformation:GetTemplate", stack, `${caller} compares the stack's template with the release phase's`),
        // A stack left in UPDATE_ROLLBACK_FAILED is repaired first, skipping what failed to roll back.
        this.request("cloudformation:ListStackResources", stack, `${caller} repairs a stuck rollback`),
        this.request("cloudformation:ContinueUpdateRollback", stack, `${caller} repairs a stuck rollback`),
        ...changeSet("CreateChangeSet"),
        this.request("cloudformation:UntagResource", stack, `${caller} drops a stack tag`, { "aws:TagKeys": REMOVED_ON_PUSH }),
      ],
      delete: [
        this.request("cloudformation:ListStacks", "*", `${caller} lists stacks to find closed pull requests' previews`),
        this.request("cloudformation:DescribeStacks", stack, caller),
        this.request("cloudformation:DescribeStackEvents", stack, caller),
        this.request("cloudformation:DeleteStack", stack, caller),
      ],
    };
  }

  /** ECR existence checks for the images of services built from the repository. */
  imageChecks(resources: Physical[]): IamRequest[] {
    const images = resources
      .filter((r) => r.type === "AWS::ECS::TaskDefinition")
      .flatMap((r) => (Array.isArray(r.props.ContainerDefinitions) ? (r.props.ContainerDefinitions as Array<{ Image?: unknown }>) : []))
      .map((c) => (typeof c.Image === "string" ? /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)/.exec(c.Image) : null))
      .filter((m): m is RegExpExecArray => m !== null);
    return images.map(([, account, region, repository]) =>
      this.request("ecr:DescribeImages", `arn:${this.partition}:ecr:${region}:${account}:repository/${repository}`, "berth waits for CI's image"),
    );
  }

  /**
   * berth's own revision of the release task definition for one run (migrate and seed in one task,
   * or a push's new image without a stack update; src/aws/ecs-tasks.ts registerStepChain): read
   * the stack's revision, register a copy tagged with the stack's ownership tags, run it,
   * deregister it.
   */
  releaseRevisionCalls(taskDefinition: Physical): IamRequest[] {
    const caller = "berth registers the release steps' task definition";
    const revision = this.revision(taskDefinition, 9_000);
    const tags = Object.fromEntries(Object.entries(this.input.stackTags).filter(([k]) => OWNERSHIP_TAGS.includes(k)));
    const requestTags = {
      ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
      "aws:TagKeys": Object.keys(tags),
    };
    return [
      this.request("ecs:DescribeTaskDefinition", taskDefinition.arn, caller),
      this.request("ecs:RegisterTaskDefinition", revision.arn, caller, requestTags),
      this.request("ecs:TagResource", revision.arn, caller, { ...requestTags, "ecs:CreateAction": "RegisterTaskDefinition" }),
      ...[this.base("ExecutionRoleArn"), this.base("TaskRoleArn")].map((role) => this.request("iam:PassRole", role, caller, { "iam:PassedToService": ECS_TASKS })),
      ...this.releaseCalls({ ...revision, templateTags: tags }),
      this.request("ecs:DeregisterTaskDefinition", revision.arn, caller),
      // With it, the run revisions earlier runs left ACTIVE (EcsTasks.deregisterLeftRunRevisions).
      this.request("ecs:ListTaskDefinitions", "*", caller),
    ];
  }

  /**
   * A blue/green service's deployment paused at POST_SCALE_UP: berth finds the service among the
   * stack's resources, finds the deployment, reads its hook, and continues it once every release
   * step exited 0, or rolls it back (src/aws/ecs-service-deployments.ts); it reads which target
   * group the listener rule serves (the rollout's health check, a sleep, an update of the rule).
   */
  pauseCalls(service: Physical): IamRequest[] {
    const caller = "berth continues a blue/green rollout's pause";
    const onService = { ...this.ecs(service.arn), ...this.resourceTags(service) };
    return [
      this.request("cloudformation:ListStackResources", this.stackArn(this.input.stackName), `${caller}: finds the public service`),
      this.request("elasticloadbalancing:DescribeRules", "*", `${caller}: reads the target group the listener rule serves`),
      this.request("ecs:ListServiceDeployments", service.arn, caller, onService),
      ...["ecs:DescribeServiceDeployments", "ecs:ContinueServiceDeployment"].flatMap((action) =>
        this.targets(action, service).map((t) => this.request(action, t.arn, caller, t.arn === service.arn ? onService : t.context)),
      ),
    ];
  }

  /** When a preview is removed, berth first stops its release tasks that still run. */
  releaseTaskStops(taskDefinition: Physical): IamRequest[] {
    const caller = "berth stops the preview's release tasks that still run";
    const task = this.arn("ecs", `task/${this.base("ClusterName")}/${this.fakeId(`${taskDefinition.id}:task`, 32)}`);
    return [{ ...this.listTasks(), caller }, this.request("ecs:StopTask", task, caller, this.ecs(task))];
  }

  /** When a preview is removed, berth deregisters what is left of the release family and deletes its revisions (removeTaskDefinitions). */
  releaseFamilyRemoval(taskDefinition: Physical): IamRequest[] {
    const caller = "berth removes the release task definition's revisions";
    const revision = this.revision(taskDefinition, 9_000);
    return [
      this.request("ecs:ListTaskDefinitions", "*", caller),
      this.request("ecs:DeregisterTaskDefinition", revision.arn, caller),
      this.request("ecs:DeleteTaskDefinitions", taskDefinition.arn, caller),
    ];
  }

  /** A release step: RunTask, its wait and its log (src/aws/ecs-tasks.ts, cloudwatch-logs.ts). */
  releaseCalls(taskDefinition: Physical): IamRequest[] {
    const caller = "berth runs a release step";
    const task = this.arn("ecs", `task/${this.base("ClusterName")}/${this.fakeId(`${taskDefinition.id}:task`, 32)}`);
    const group = this.base("LogGroup");
    const stream = `${this.input.stackName.replace(/^berth-/, "")}/release/${task.split("/").at(-1)}`;
    // Tags a task gets from its task definition (propagateTags), without CloudFormation's own.
    const propagated = Object.fromEntries(Object.entries(taskDefinition.templateTags).filter(([k]) => !k.startsWith("aws:")));
    const requestTags = {
      ...Object.fromEntries(Object.entries(propagated).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
      "aws:TagKeys": Object.keys(propagated),
    };
    return [
      this.request("ecs:RunTask", taskDefinition.arn, caller, { ...this.ecs(task), ...requestTags, ...this.resourceTags(taskDefinition) }),
      this.request("ecs:TagResource", task, caller, { ...requestTags, "ecs:CreateAction": "RunTask" }),
      ...[this.base("ExecutionRoleArn"), this.base("TaskRoleArn")].map((role) =>
        this.request("iam:PassRole", role, caller, { "iam:PassedToService": ECS_TASKS }),
      ),
      this.request("ecs:DescribeTasks", task, caller, this.ecs(task)),
      this.request("ecs:StopTask", task, `${caller} that timed out`, this.ecs(task)),
      this.request("ecs:DescribeTaskDefinition", taskDefinition.arn, caller),
      this.request("logs:DescribeLogStreams", this.arn("logs", `log-group:${group}`), `${caller} and reads its log`),
      this.request("logs:GetLogEvents", this.arn("logs", `log-group:${group}:log-stream:${stream}`), `${caller} and reads its log`),
    ];
  }
}

/** Whether an ECS service deploys blue/green: one of its load balancers names a role for ECS. */
function namesRolloutRole(r: Physical): boolean {
  if (r.type !== "AWS::ECS::Service" || !Array.isArray(r.props.LoadBalancers)) return false;
  return (r.props.LoadBalancers as Array<{ AdvancedConfiguration?: { RoleArn?: unknown } }>).some((lb) => lb.AdvancedConfiguration?.RoleArn !== undefined);
}

/** The stack tags that say a resource is berth's; berth copies them onto what it registers itself. */
const OWNERSHIP_TAGS = ["berth:managed", "berth:repository", "berth:pr"];

/** The service name in a service or service-deployment ARN. */
function serviceOf(arn: string): string {
  const parts = arn.split("/");
  return arn.includes(":service-deployment/") ? parts.at(-2)! : parts.at(-1)!;
}

function withoutResourceTags(context: Record<string, string | string[]>): Record<string, string | string[]> {
  return Object.fromEntries(Object.entries(context).filter(([k]) => !k.startsWith("aws:ResourceTag/")));
}

/** The requests with duplicates merged; a request made by several callers names them all. */
function unique(requests: IamRequest[]): IamRequest[] {
  const byKey = new Map<string, IamRequest>();
  for (const r of requests) {
    const key = JSON.stringify([r.action, r.resource, Object.entries(r.context).sort()]);
    const known = byKey.get(key);
    if (!known) byKey.set(key, { ...r });
    else if (!known.caller.split(CALLERS).includes(r.caller)) known.caller += `${CALLERS}${r.caller}`;
  }
  return [...byKey.values()];
}
