import { BerthError } from "../../errors.js";
import { RELEASE_CONTAINER, type ReleaseResources } from "../../stack/build-template.js";
import type { ReleaseTarget } from "./release-step.js";

/** The outputs of a preview stack that the deploy flow uses, parsed. */
export interface PreviewOutputs {
  url: string;
  hostname: string;
  publicServiceArn: string;
  /** compose service name -> ECS service ARN. */
  services: Record<string, string>;
  /** The third-party-image services (databases, caches) that `/preview reset` restarts empty. */
  statefulServices: Record<string, string>;
  releaseTaskDefinitionArn: string;
  releaseContainerName: string;
  /** One-shot compose service name -> its task definition, for RunTask. */
  oneShotTaskDefinitions: Record<string, string>;
  targetGroupArn: string;
  subnets: string[];
  securityGroups: string[];
  assignPublicIp: boolean;
  /** compose service name -> image, for services built from the repository. */
  serviceImages: Record<string, string>;
  logGroup: string;
  logStreamPrefix: string;
}

/** Parses `name=value,name=value` (values may contain `=` but not `,`). */
export function parsePairs(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (text ?? "").split(",")) {
    const at = part.indexOf("=");
    if (at > 0) out[part.slice(0, at).trim()] = part.slice(at + 1).trim();
  }
  return out;
}

function list(text: string | undefined): string[] {
  return (text ?? "").split(",").map((s) => s.trim()).filter(Boolean);
}

/** Reads a preview stack's outputs; throws when one the flow needs is missing. */
export function parsePreviewOutputs(stackName: string, outputs: Record<string, string>): PreviewOutputs {
  const need = (key: string): string => {
    const value = outputs[key];
    if (value === undefined || value === "") {
      throw new BerthError(`stack ${stackName} has no output ${key}`, {
        userMessage: `The preview stack ${stackName} is missing its ${key} output; it was not created by this version of berth.`,
      });
    }
    return value;
  };
  return {
    url: need("Url"),
    hostname: need("Hostname"),
    publicServiceArn: need("PublicServiceArn"),
    services: parsePairs(outputs.ServiceArns),
    statefulServices: parsePairs(outputs.StatefulServiceArns),
    releaseTaskDefinitionArn: need("ReleaseTaskDefinitionArn"),
    releaseContainerName: need("ReleaseContainerName"),
    oneShotTaskDefinitions: parsePairs(outputs.OneShotTaskDefinitions),
    targetGroupArn: need("TargetGroupArn"),
    subnets: list(need("TaskSubnets")),
    securityGroups: list(need("TaskSecurityGroups")),
    assignPublicIp: outputs.AssignPublicIp === "ENABLED",
    serviceImages: parsePairs(outputs.ServiceImages),
    logGroup: need("LogGroup"),
    logStreamPrefix: need("LogStreamPrefix"),
  };
}

/**
 * What the release steps run with while the stack's create still runs, before it has outputs: the
 * physical ids of its release resources (by logical id) and the base stack's outputs, as the
 * stack's own outputs would give them. Throws when a resource's id is missing.
 */
export function buildReleaseTarget(input: {
  resources: ReleaseResources;
  physicalIds: Record<string, string>;
  baseOutputs: Record<string, string>;
  /** The preview's label: its log streams' prefix. */
  label: string;
}): ReleaseTarget {
  const id = (logicalId: string): string => {
    const value = input.physicalIds[logicalId];
    if (!value) throw new BerthError(`no physical id for ${logicalId}`, { userMessage: `CloudFormation did not report ${logicalId} of the preview stack as created.` });
    return value;
  };
  return {
    releaseTaskDefinitionArn: id(input.resources.taskDefinition),
    releaseContainerName: RELEASE_CONTAINER,
    oneShotTaskDefinitions: {},
    subnets: list(input.baseOutputs.Subnets),
    securityGroups: [...list(input.baseOutputs.SecurityGroup), id(input.resources.securityGroup)],
    assignPublicIp: input.baseOutputs.AssignPublicIp === "ENABLED",
    logGroup: input.baseOutputs.LogGroup ?? "",
    logStreamPrefix: input.label,
  };
}
