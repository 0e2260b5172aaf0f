import { BerthError } from "../errors.js";
import { ref, type Ref } from "./template/intrinsics.js";
import type { TemplateBuilder } from "./template/template-builder.js";

/**
 * The outputs of the operator's base stack (`deploy/base.yml`), which berth reads before every
 * deploy. They are also exported as `<BaseStackName>-<Name>` for the operator's own stacks
 * (deploy/bot.yml); previews never import them.
 */
export const BASE_EXPORTS = [
  "ClusterName",
  "ListenerArn",
  "Domain",
  "Subnets",
  "AssignPublicIp",
  "SecurityGroup",
  "LogGroup",
  "ExecutionRoleArn",
  "TaskRoleArn",
  "VpcId",
  "NamespaceId",
  "NamespaceName",
  "LoadBalancerDnsName",
  "LoadBalancerFullName",
  "SecretsPrefix",
  "DockerHubMirror",
  "OfficialImagesFrom",
  "DefaultAllowCidrs",
  "DefaultOidc",
  "RolloutRoleArn",
] as const;

/**
 * The base stack's outputs that exist only when the operator set what they carry. `RolloutRoleArn`
 * exists only with `FastRollout` on: its presence is how berth knows to render blue/green previews.
 */
export const OPTIONAL_BASE_EXPORTS = ["DockerHubMirror", "DefaultAllowCidrs", "DefaultOidc", "RolloutRoleArn"] as const satisfies readonly (typeof BASE_EXPORTS)[number][];

/** One of the outputs a base stack may lack. */
export type OptionalBaseExport = (typeof OPTIONAL_BASE_EXPORTS)[number];

/** One of the base stack's outputs. */
export type BaseExport = (typeof BASE_EXPORTS)[number];

/**
 * The base stack's outputs a preview template uses, each passed as a template parameter
 * `Base<Name>` on every create and update. `Fn::ImportValue` would freeze those outputs while any
 * preview lives; parameters let the operator update the base stack, and the next deploy of each
 * preview picks the new values up.
 */
export const BASE_PARAMETERS = [
  "ClusterName",
  "ListenerArn",
  "Domain",
  "Subnets",
  "AssignPublicIp",
  "SecurityGroup",
  "LogGroup",
  "ExecutionRoleArn",
  "TaskRoleArn",
  "VpcId",
  "NamespaceId",
  "NamespaceName",
] as const satisfies readonly BaseExport[];

/** A base stack output a preview template takes as a parameter. */
export type BaseParameter = (typeof BASE_PARAMETERS)[number];

/** The preview template's parameter that carries one base stack output: `Base<Name>`. */
export function baseParameterName(name: BaseParameter): string {
  return `Base${name}`;
}

const DESCRIPTIONS: Record<BaseParameter, string> = {
  ClusterName: "ECS cluster the preview's services run in",
  ListenerArn: "The shared HTTPS listener the preview's host-header rule is added to",
  Domain: "Previews answer on <label>.<Domain>",
  Subnets: "Task subnets, comma-separated",
  AssignPublicIp: "Whether tasks get a public IP: ENABLED or DISABLED",
  SecurityGroup: "The base stack's task security group (reachable from the load balancer)",
  LogGroup: "CloudWatch log group of the previews' containers",
  ExecutionRoleArn: "Task execution role: pulls images, writes logs, reads the secrets",
  TaskRoleArn: "Role of the preview applications",
  VpcId: "The VPC previews run in",
  NamespaceId: "Cloud Map private DNS namespace id",
  NamespaceName: "Cloud Map private DNS namespace name",
};

/** Declares every `Base<Name>` parameter, without defaults: a deploy always passes the base stack's current outputs. */
export function addBaseParameters(template: TemplateBuilder, baseStack: string): void {
  for (const name of BASE_PARAMETERS) {
    template.addParameter(baseParameterName(name), {
      Type: "String",
      Description: `${DESCRIPTIONS[name]} (output ${name} of the base stack, e.g. ${baseStack})`,
      ...(name === "AssignPublicIp" ? { AllowedValues: ["ENABLED", "DISABLED"] } : {}),
    });
  }
}

/** `Ref: Base<Name>`: the value of one base stack output in the preview template. */
export function fromBase(name: BaseParameter): Ref {
  return ref(baseParameterName(name));
}

/**
 * The template parameters a deploy passes: every `Base<Name>` from the base stack's outputs.
 * Throws BerthError naming the base stack and the output it lacks.
 */
export function buildBaseParameters(base: { name: string; outputs: Record<string, string> }): Record<string, string> {
  const missing = BASE_PARAMETERS.filter((name) => !base.outputs[name]);
  if (missing.length > 0) {
    throw new BerthError(`base stack ${base.name} has no output ${missing.join(", ")}`, {
      userMessage: `The base stack ${base.name} has no ${missing.join(", ")} output; deploy deploy/base.yml again.`,
    });
  }
  return Object.fromEntries(BASE_PARAMETERS.map((name) => [baseParameterName(name), base.outputs[name]!]));
}

/**
 * The `Base<Name>` parameters as `berth plan` shows them: the value when the operator gave the
 * output, else a placeholder naming the output it will come from.
 */
export function renderBaseParameters(base: { name: string; outputs: Record<string, string> }): Record<string, string> {
  return Object.fromEntries(BASE_PARAMETERS.map((name) => [baseParameterName(name), base.outputs[name] || `<output ${name} of stack ${base.name}>`]));
}

/**
 * Region and account of the preview, read from the base stack's listener ARN
 * (`arn:<partition>:elasticloadbalancing:<region>:<account>:listener/...`).
 */
export function baseLocation(outputs: Record<string, string>): { partition: string; region: string; account: string } | undefined {
  const match = /^arn:(aws[a-z-]*):elasticloadbalancing:([a-z0-9-]+):(\d{12}):/.exec(outputs.ListenerArn ?? "");
  return match ? { partition: match[1]!, region: match[2]!, account: match[3]! } : undefined;
}
