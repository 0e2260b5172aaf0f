import { createHash } from "node:crypto";
import { CfnParameter, Fn, type Stack } from "aws-cdk-lib";
import { CfnListenerRule, CfnTargetGroup } from "aws-cdk-lib/aws-elasticloadbalancingv2";
import { fromBase } from "./base-stack.js";
import { previewResourceTags } from "./resource-tags.js";

/** The template parameter that carries the listener rule's priority (the app allocates it). */
export const PRIORITY_PARAMETER = "ListenerRulePriority";
/**
 * Every preview target group's name starts with this: target group ARNs name neither their stack
 * nor their load balancer, so the bot's role tells its target groups apart by name (deploy/bot.yml).
 */
export const TARGET_GROUP_PREFIX = "berth-pr-";
/** ELBv2 refuses longer target group names. */
const MAX_TARGET_GROUP_NAME = 32;

/** Listener rule priorities an ALB listener accepts. */
export const MAX_PRIORITY = 50_000;

/** The public service's way in: a target group behind a host-header rule on the shared listener. */
export interface PublicEndpoint {
  targetGroup: CfnTargetGroup;
  listenerRule: CfnListenerRule;
  priority: CfnParameter;
  /** `<label>.<domain>` as a token. */
  hostname: string;
}

/**
 * A priority for `berth plan`'s complete template, derived from the label alone so the same
 * preview always prints the same one. Deployed stacks get a priority the app allocates.
 */
export function defaultRulePriority(label: string): number {
  const n = createHash("sha256").update(label).digest().readUInt32BE(0);
  return 1 + (n % MAX_PRIORITY);
}

/**
 * The target group's name: the prefix and a hash of what makes CloudFormation replace a target
 * group (the preview and the port; protocol and target type never change), so a replacement gets
 * a new name, as CloudFormation requires of named resources.
 */
export function targetGroupName(label: string, port: number): string {
  const hash = createHash("sha256").update(`${label}:${port}`).digest("hex");
  return TARGET_GROUP_PREFIX + hash.slice(0, MAX_TARGET_GROUP_NAME - TARGET_GROUP_PREFIX.length);
}

/**
 * Adds the target group (IP targets, HTTP on `port`, a health check fast enough for previews:
 * every 5 s, 2 to change state, 5 s deregistration) and the listener rule that forwards
 * `<label>.<domain>` to it on the base stack's HTTPS listener.
 */
export function addPublicEndpoint(stack: Stack, input: { label: string; port: number; healthPath: string }): PublicEndpoint {
  const priority = new CfnParameter(stack, PRIORITY_PARAMETER, {
    type: "Number",
    minValue: 1,
    maxValue: MAX_PRIORITY,
    default: defaultRulePriority(input.label),
    description: "Priority of the preview's rule on the shared HTTPS listener; unique per listener",
  });
  const targetGroup = new CfnTargetGroup(stack, "PublicTargetGroup", {
    name: targetGroupName(input.label, input.port),
    targetType: "ip",
    protocol: "HTTP",
    port: input.port,
    vpcId: fromBase("VpcId"),
    healthCheckEnabled: true,
    healthCheckProtocol: "HTTP",
    healthCheckPath: input.healthPath,
    healthCheckIntervalSeconds: 5,
    healthCheckTimeoutSeconds: 4,
    healthyThresholdCount: 2,
    unhealthyThresholdCount: 2,
    matcher: { httpCode: "200-399" },
    targetGroupAttributes: [{ key: "deregistration_delay.timeout_seconds", value: "5" }],
    tags: previewResourceTags(),
  });
  const hostname = Fn.join(".", [input.label, fromBase("Domain")]);
  const listenerRule = new CfnListenerRule(stack, "PublicListenerRule", {
    listenerArn: fromBase("ListenerArn"),
    priority: priority.valueAsNumber,
    conditions: [{ field: "host-header", hostHeaderConfig: { values: [hostname] } }],
    actions: [{ type: "forward", targetGroupArn: targetGroup.ref }],
  });
  return { targetGroup, listenerRule, priority, hostname };
}
