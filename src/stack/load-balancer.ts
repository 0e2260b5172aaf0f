import { createHash } from "node:crypto";
import { CfnParameter, Fn, type Stack } from "aws-cdk-lib";
import { CfnListenerRule, CfnTargetGroup } from "aws-cdk-lib/aws-elasticloadbalancingv2";
import { fromBase } from "./base-stack.js";

/** The template parameter that carries the listener rule's priority (the app allocates it). */
export const PRIORITY_PARAMETER = "ListenerRulePriority";
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
