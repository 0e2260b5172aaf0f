/**
 * The requests the bot's role must be allowed for a preview's whole life (first deploy, push,
 * reset, teardown): every permission CloudFormation's resource handlers call for the resource types
 * a preview stack declares, and every call berth's adapters make. Each request names the ARN a
 * sample preview's resource gets in this account and the condition keys the real request carries,
 * so that the IAM policy simulator judges it as AWS would.
 */
import type { BaseExport } from "../stack/base-stack.js";
import { getHandlerPermissions } from "../iam/handler-permissions.js";
import type { RepositoryRef, SimulationRequest } from "./doctor-port.js";

/** Where the preview runs: the base stack's outputs and the account they live in. */
export interface PreviewAccount {
  partition: string;
  region: string;
  account: string;
  baseStack: string;
  outputs: Record<Exclude<BaseExport, "DockerHubMirror">, string>;
  /** ECR repositories the previews' images come from; none: `ecr:DescribeImages` is not checked. */
  repositories: readonly RepositoryRef[];
}

/** The resource types a preview stack declares (a test keeps this in step with buildTemplate). */
export const PREVIEW_RESOURCE_TYPES = [
  "AWS::EC2::SecurityGroup",
  "AWS::EC2::SecurityGroupIngress",
  "AWS::ECS::Service",
  "AWS::ECS::TaskDefinition",
  "AWS::ElasticLoadBalancingV2::ListenerRule",
  "AWS::ElasticLoadBalancingV2::TargetGroup",
  "AWS::ServiceDiscovery::Service",
] as const;

/** The tag CloudFormation carries from berth's stack onto every taggable resource. */
export const OWNERSHIP_TAG = "berth:managed";

/** A kind of resource a request is about; each becomes a sample ARN of this account. */
type Kind =
  | "*"
  | "stack"
  | "baseStack"
  | "taskDefinition"
  | "service"
  | "serviceDeployment"
  | "task"
  | "listener"
  | "listenerRule"
  | "targetGroup"
  | "securityGroup"
  | "vpc"
  | "cloudMapService"
  | "namespace"
  | "previewRoles"
  | "logGroup"
  | "logStream"
  | "repository";

/** The calls berth's adapters make (src/aws), by IAM action and resource. */
const ADAPTER_CALLS: ReadonlyArray<readonly [string, Kind]> = [
  ["cloudformation:DescribeStacks", "baseStack"],
  ["cloudformation:DescribeStacks", "stack"],
  ["cloudformation:ListStacks", "*"],
  ["cloudformation:CreateChangeSet", "stack"],
  ["cloudformation:DescribeChangeSet", "stack"],
  ["cloudformation:ExecuteChangeSet", "stack"],
  ["cloudformation:DeleteChangeSet", "stack"],
  ["cloudformation:DescribeStackEvents", "stack"],
  ["cloudformation:DeleteStack", "stack"],
  ["ecs:RunTask", "taskDefinition"],
  ["ecs:DescribeTasks", "task"],
  ["ecs:StopTask", "task"],
  ["ecs:DescribeServices", "service"],
  ["ecs:UpdateService", "service"],
  ["ecs:DescribeTaskDefinition", "*"],
  ["elasticloadbalancing:DescribeRules", "*"],
  ["elasticloadbalancing:DescribeTargetHealth", "*"],
  ["logs:DescribeLogStreams", "logGroup"],
  ["logs:GetLogEvents", "logStream"],
  ["ecr:DescribeImages", "repository"],
];

/** The resource a handler's permissions are mostly about, per preview resource type. */
const PRIMARY: Record<(typeof PREVIEW_RESOURCE_TYPES)[number], Kind> = {
  "AWS::EC2::SecurityGroup": "securityGroup",
  "AWS::EC2::SecurityGroupIngress": "securityGroup",
  "AWS::ECS::Service": "service",
  "AWS::ECS::TaskDefinition": "taskDefinition",
  "AWS::ElasticLoadBalancingV2::ListenerRule": "listenerRule",
  "AWS::ElasticLoadBalancingV2::TargetGroup": "targetGroup",
  "AWS::ServiceDiscovery::Service": "cloudMapService",
};

/** Actions whose resources differ from their type's primary one. */
const OVERRIDES: Readonly<Record<string, readonly Kind[]>> = {
  "iam:PassRole": ["previewRoles"],
  "iam:GetRole": ["previewRoles"],
  "ec2:CreateSecurityGroup": ["securityGroup", "vpc"],
  "ecs:DescribeServiceDeployments": ["serviceDeployment"],
  "ecs:StopServiceDeployment": ["serviceDeployment"],
  // IAM authorizes CreateRule on the listener the rule joins.
  "elasticloadbalancing:CreateRule": ["listener"],
  "servicediscovery:CreateService": ["namespace", "cloudMapService"],
  // Cloud Map's tagging actions support no resource-level permissions.
  "servicediscovery:TagResource": ["*"],
  "servicediscovery:UntagResource": ["*"],
  "servicediscovery:ListTagsForResource": ["*"],
  "ecs:RegisterTaskDefinition": ["*"],
  "ecs:DeregisterTaskDefinition": ["*"],
  "ecs:DescribeTaskDefinition": ["*"],
};

/** Describe calls of these services have no resource-level permissions. */
const UNSCOPED_DESCRIBE = /^(ec2|elasticloadbalancing):Describe/;

/**
 * Permissions a handler lists for features berth never renders (Cognito authentication on a
 * listener rule): CloudFormation calls them only for such properties.
 */
const UNUSED = new Set(["cognito-idp:DescribeUserPoolClient"]);

/**
 * Every request the bot's role must be allowed, deduplicated: the handlers' create, read, update
 * and delete permissions of each preview resource type, and berth's own calls.
 */
export function requiredActions(account: PreviewAccount): SimulationRequest[] {
  const sample = sampleResources(account);
  const out = new Map<string, SimulationRequest>();
  const add = (action: string, kind: Kind) => {
    for (const request of requestsFor(action, kind, sample, account)) {
      out.set(JSON.stringify([request.action, request.resource, request.context]), request);
    }
  };
  for (const type of PREVIEW_RESOURCE_TYPES) {
    const handler = getHandlerPermissions(type);
    const actions = new Set([...handler.create, ...handler.read, ...handler.update, ...handler.delete]);
    for (const action of actions) {
      if (UNUSED.has(action)) continue;
      const kinds = OVERRIDES[action] ?? (UNSCOPED_DESCRIBE.test(action) ? ["*"] : [PRIMARY[type]]);
      for (const kind of kinds) add(action, kind);
    }
  }
  for (const [action, kind] of ADAPTER_CALLS) add(action, kind);
  return [...out.values()];
}

interface Sample {
  arns: Record<Exclude<Kind, "previewRoles" | "repository">, string>;
  stackName: string;
  clusterArn: string;
  vpcArn: string;
}

/** ARNs of one sample preview's resources in the account, named as berth names them. */
function sampleResources(account: PreviewAccount): Sample {
  const { partition, region, outputs } = account;
  const arn = (service: string, resource: string) => `arn:${partition}:${service}:${region}:${account.account}:${resource}`;
  const label = "doctor-pr-1-berth-000000";
  const stackName = `berth-${label}`;
  const cluster = outputs.ClusterName;
  const service = `${stackName}-web`;
  const rulePath = outputs.ListenerArn.split(":listener/")[1] ?? "";
  return {
    stackName,
    clusterArn: arn("ecs", `cluster/${cluster}`),
    vpcArn: arn("ec2", `vpc/${outputs.VpcId}`),
    arns: {
      "*": "*",
      stack: arn("cloudformation", `stack/${stackName}/00000000-0000-4000-8000-000000000000`),
      baseStack: arn("cloudformation", `stack/${account.baseStack}/00000000-0000-4000-8000-000000000000`),
      taskDefinition: arn("ecs", `task-definition/${stackName}-web:1`),
      service: arn("ecs", `service/${cluster}/${service}`),
      serviceDeployment: arn("ecs", `service-deployment/${cluster}/${service}/0123456789abcdef0123`),
      task: arn("ecs", `task/${cluster}/0123456789abcdef0123456789abcdef`),
      listener: outputs.ListenerArn,
      listenerRule: arn("elasticloadbalancing", `listener-rule/${rulePath}/0123456789abcdef`),
      targetGroup: arn("elasticloadbalancing", "targetgroup/berth-doctor-pr-1/0123456789abcdef"),
      securityGroup: arn("ec2", "security-group/sg-0123456789abcdef0"),
      vpc: arn("ec2", `vpc/${outputs.VpcId}`),
      cloudMapService: arn("servicediscovery", "service/srv-0123456789abcdef"),
      namespace: arn("servicediscovery", `namespace/${outputs.NamespaceId}`),
      logGroup: arn("logs", `log-group:${outputs.LogGroup}`),
      logStream: arn("logs", `log-group:${outputs.LogGroup}:log-stream:${label}/web/0123456789abcdef0123456789abcdef`),
    },
  };
}

/** The resource type of each kind of preview resource that CloudFormation creates (and tags). */
const TYPE_OF: Partial<Record<Kind, string>> = {
  securityGroup: "AWS::EC2::SecurityGroup",
  service: "AWS::ECS::Service",
  taskDefinition: "AWS::ECS::TaskDefinition",
  listenerRule: "AWS::ElasticLoadBalancingV2::ListenerRule",
  targetGroup: "AWS::ElasticLoadBalancingV2::TargetGroup",
  cloudMapService: "AWS::ServiceDiscovery::Service",
};

/**
 * The requests for one action on one kind of resource. A request that creates or tags a resource
 * carries the stack's tags (`aws:RequestTag/*`, `aws:TagKeys`); a request on an existing resource
 * carries the tags the resource has (`aws:ResourceTag/*`): berth's ownership tag, which
 * CloudFormation copies from the stack, and `aws:cloudformation:stack-name` where the type gets it.
 */
function requestsFor(action: string, kind: Kind, sample: Sample, account: PreviewAccount): SimulationRequest[] {
  const region: Record<string, string> = action.startsWith("iam:") ? {} : { "aws:RequestedRegion": account.region };
  if (kind === "previewRoles") {
    const context: Record<string, string> = action === "iam:PassRole" ? { "iam:PassedToService": "ecs-tasks.amazonaws.com" } : {};
    return [account.outputs.ExecutionRoleArn, account.outputs.TaskRoleArn].map((resource) => ({ action, resource, context }));
  }
  if (kind === "repository") {
    return account.repositories.map((r) => ({
      action,
      resource: `arn:${account.partition}:ecr:${r.region}:${r.registryId}:repository/${r.name}`,
      context: { "aws:RequestedRegion": r.region },
    }));
  }
  const context: Record<string, string | string[]> = { ...region };
  if (["service", "serviceDeployment", "task"].includes(kind) || action === "ecs:RunTask") context["ecs:cluster"] = sample.clusterArn;
  if (kind === "securityGroup") context["ec2:Vpc"] = sample.vpcArn;
  const type = TYPE_OF[kind];
  if (type) {
    const tagging = getHandlerPermissions(type).tagging;
    const creates = /:(Create(?!Tags)|RegisterTaskDefinition)/.test(action);
    const tags = /:(TagResource|AddTags|CreateTags)$/.test(action);
    if (tagging.taggable && (creates || tags)) {
      context[`aws:RequestTag/${OWNERSHIP_TAG}`] = "true";
      context["aws:TagKeys"] = [OWNERSHIP_TAG];
    }
    if (tagging.taggable && !creates) {
      context[`aws:ResourceTag/${OWNERSHIP_TAG}`] = "true";
      if (tagging.cloudFormationSystemTags) context["aws:ResourceTag/aws:cloudformation:stack-name"] = sample.stackName;
    }
  }
  return [{ action, resource: sample.arns[kind], context }];
}
