import { createHash } from "node:crypto";
import { fromBase } from "./base-stack.js";
import { previewResourceTags } from "./resource-tags.js";
import { ifCondition, join, type If, type Ref, type Value } from "./template/intrinsics.js";
import type { AuthenticateOidcConfig, ForwardAction, TargetGroupProperties } from "./template/resource-types.js";
import type { ResourceHandle, TemplateBuilder } from "./template/template-builder.js";

/** The template parameter that carries the listener rule's priority (the app allocates it). */
export const PRIORITY_PARAMETER = "ListenerRulePriority";
/**
 * The template parameter that carries the target group the rule forwards to while the preview
 * sleeps (berth's own, which answers with the waking page); empty while it is awake. A sleep and a
 * wake switch it with a stack update, so CloudFormation's view of the rule stays the truth.
 */
export const ASLEEP_TARGET_PARAMETER = "AsleepTargetGroupArn";

/**
 * The template parameter of a blue/green preview that says which of its two target groups ECS left
 * serving: ECS moves the rule's weights itself, so before an update berth passes what the rule
 * forwards to now, and CloudFormation's view of the rule stays the truth.
 */
export const LIVE_TARGET_PARAMETER = "LiveTargetGroup";
/** The values of LIVE_TARGET_PARAMETER: `PublicTargetGroup` or `PublicTargetGroupAlternate`. */
export const LIVE_TARGET_GROUPS = ["primary", "alternate"] as const;
/** Which of a blue/green preview's two target groups takes its traffic. */
export type LiveTargetGroup = (typeof LIVE_TARGET_GROUPS)[number];
/** Logical ids of a preview's target groups: the one every preview has, and a blue/green preview's second. */
export const PUBLIC_TARGET_GROUP_ID = "PublicTargetGroup";
export const ALTERNATE_TARGET_GROUP_ID = "PublicTargetGroupAlternate";

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
  targetGroup: ResourceHandle<"AWS::ElasticLoadBalancingV2::TargetGroup">;
  /** A blue/green preview's second target group, where ECS starts each new version. */
  alternateTargetGroup?: ResourceHandle<"AWS::ElasticLoadBalancingV2::TargetGroup">;
  listenerRule: ResourceHandle<"AWS::ElasticLoadBalancingV2::ListenerRule">;
  /** `Ref` of the priority parameter. */
  priority: Ref;
  /** `<host>.<domain>`, joined at deploy time. */
  hostname: Value;
}

/** `access.oidc`: the identity provider a visitor signs in with before the preview answers. */
export interface OidcSignIn {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  user_info_endpoint: string;
  client_id: string;
  /** A Secrets Manager secret ARN; the template holds only a dynamic reference to it. */
  client_secret: string;
  scope: string;
}

/**
 * The `authenticate-oidc` settings: the client secret as a CloudFormation dynamic reference, which
 * CloudFormation resolves when it creates or updates the rule (never shown in the template, its
 * events or the console).
 */
function oidcConfig(oidc: OidcSignIn): AuthenticateOidcConfig {
  return {
    Issuer: oidc.issuer,
    AuthorizationEndpoint: oidc.authorization_endpoint,
    TokenEndpoint: oidc.token_endpoint,
    UserInfoEndpoint: oidc.user_info_endpoint,
    ClientId: oidc.client_id,
    ClientSecret: `{{resolve:secretsmanager:${oidc.client_secret}:SecretString}}`,
    Scope: oidc.scope,
    OnUnauthenticatedRequest: "authenticate",
  };
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
  return hashedTargetGroupName(`${label}:${port}`);
}

/** A blue/green preview's second target group's name: as targetGroupName, from a seed of its own. */
export function alternateTargetGroupName(label: string, port: number): string {
  return hashedTargetGroupName(`${label}:${port}:alternate`);
}

function hashedTargetGroupName(seed: string): string {
  const hash = createHash("sha256").update(seed).digest("hex");
  return TARGET_GROUP_PREFIX + hash.slice(0, MAX_TARGET_GROUP_NAME - TARGET_GROUP_PREFIX.length);
}

/**
 * Adds the target group (IP targets, HTTP on `port`, a health check fast enough for previews:
 * every 5 s, 2 to change state, 5 s deregistration) and the listener rule that forwards
 * `<host>.<domain>` to it on the base stack's HTTPS listener, from `allowCidrs` only when given.
 * `blueGreen`: a second target group of the same settings, and the awake rule forwards to both,
 * weighted 100/0 towards the `LiveTargetGroup` one, for ECS to move on each rollout.
 */
export function addPublicEndpoint(
  template: TemplateBuilder,
  input: {
    /** The stack's label: names the target group and seeds the plan's default priority. */
    label: string;
    /** The public host name's DNS label (previewHostLabel). */
    host: string;
    port: number;
    healthPath: string;
    allowCidrs?: readonly string[];
    oidc?: OidcSignIn;
    blueGreen?: boolean;
  },
): PublicEndpoint {
  // ECS refuses blue/green on a rule that authenticates before it forwards.
  if (input.blueGreen && input.oidc) throw new Error("addPublicEndpoint: a blue/green endpoint cannot sign visitors in");
  const priority = template.addParameter(PRIORITY_PARAMETER, {
    Type: "Number",
    MinValue: 1,
    MaxValue: MAX_PRIORITY,
    Default: defaultRulePriority(input.label),
    Description: "Priority of the preview's rule on the shared HTTPS listener; unique per listener",
  });
  const settings = (name: string): TargetGroupProperties => ({
    Name: name,
    TargetType: "ip",
    Protocol: "HTTP",
    Port: input.port,
    VpcId: fromBase("VpcId"),
    HealthCheckEnabled: true,
    HealthCheckProtocol: "HTTP",
    HealthCheckPath: input.healthPath,
    HealthCheckIntervalSeconds: 5,
    HealthCheckTimeoutSeconds: 4,
    HealthyThresholdCount: 2,
    UnhealthyThresholdCount: 2,
    Matcher: { HttpCode: "200-399" },
    TargetGroupAttributes: [{ Key: "deregistration_delay.timeout_seconds", Value: "5" }],
    Tags: previewResourceTags(),
  });
  const targetGroup = template.addResource(PUBLIC_TARGET_GROUP_ID, "AWS::ElasticLoadBalancingV2::TargetGroup", settings(targetGroupName(input.label, input.port)));
  const alternateTargetGroup = input.blueGreen
    ? template.addResource(ALTERNATE_TARGET_GROUP_ID, "AWS::ElasticLoadBalancingV2::TargetGroup", settings(alternateTargetGroupName(input.label, input.port)))
    : undefined;
  const asleepTarget = template.addParameter(ASLEEP_TARGET_PARAMETER, {
    Type: "String",
    Default: "",
    Description: "While the preview sleeps, the target group its rule forwards to (berth's, which wakes it); empty while awake",
  });
  const asleep = template.addCondition("PreviewAsleep", { "Fn::Not": [{ "Fn::Equals": [asleepTarget, ""] }] });
  const forwardTo = ifCondition(asleep, asleepTarget, targetGroup.ref);
  let forward: ForwardAction | If<ForwardAction> = { Type: "forward", TargetGroupArn: forwardTo };
  if (alternateTargetGroup) {
    const live = template.addParameter(LIVE_TARGET_PARAMETER, {
      Type: "String",
      AllowedValues: [...LIVE_TARGET_GROUPS],
      Default: "primary",
      Description: "Which of the preview's two target groups ECS left serving; berth passes it from the rule's weights before an update",
    });
    const alternateLive = template.addCondition("AlternateTargetGroupLive", { "Fn::Equals": [live, "alternate"] });
    forward = ifCondition<ForwardAction>(
      asleep,
      { Type: "forward", TargetGroupArn: asleepTarget },
      {
        Type: "forward",
        ForwardConfig: {
          TargetGroups: [
            { TargetGroupArn: targetGroup.ref, Weight: ifCondition(alternateLive, 0, 100) },
            { TargetGroupArn: alternateTargetGroup.ref, Weight: ifCondition(alternateLive, 100, 0) },
          ],
        },
      },
    );
  }
  const hostname = join(".", [input.host, fromBase("Domain")]);
  const listenerRule = template.addResource("PublicListenerRule", "AWS::ElasticLoadBalancingV2::ListenerRule", {
    ListenerArn: fromBase("ListenerArn"),
    Priority: priority,
    Conditions: [
      { Field: "host-header", HostHeaderConfig: { Values: [hostname] } },
      // Requests from elsewhere match no preview rule and get the listener's default answer.
      ...(input.allowCidrs ? [{ Field: "source-ip" as const, SourceIpConfig: { Values: [...input.allowCidrs] } }] : []),
    ],
    Actions: input.oidc
      ? [
          { Type: "authenticate-oidc", Order: 1, AuthenticateOidcConfig: oidcConfig(input.oidc) },
          { Type: "forward", Order: 2, TargetGroupArn: forwardTo },
        ]
      : [forward],
  });
  return { targetGroup, ...(alternateTargetGroup ? { alternateTargetGroup } : {}), listenerRule, priority, hostname };
}
