/**
 * Fast rollout: the public service deploys with ECS's own blue/green strategy, paused once the new
 * version is up and healthy in the target group that takes no traffic (POST_SCALE_UP), while the
 * release steps run. berth continues the pause when every step exited 0 and rolls it back when one
 * failed; only then does the listener rule's traffic move. docs/stack-design.md, "Going below a
 * push's bound", says why.
 */
import type { Warning } from "../errors.js";
import type { ConfigLineOf } from "./diagnostics.js";
import { CONFIG_FILE } from "./diagnostics.js";
import { LIVE_TARGET_PARAMETER, type PublicEndpoint } from "./load-balancer.js";
import type { AdvancedLoadBalancerConfiguration, EcsServiceProperties } from "./template/resource-types.js";

/** The base stack output whose presence turns fast rollout on (deploy/base.yml, `FastRollout`). */
export const ROLLOUT_ROLE_OUTPUT = "RolloutRoleArn";

/**
 * How long a new version waits at the pause before ECS rolls it back by itself: as long as a
 * release gate waits (the release task's own 30 minutes, its retries and a margin), so berth always
 * decides first, and a berth that died mid-deploy leaves a new version paused this long at most.
 */
export const PAUSE_TIMEOUT_MINUTES = 45;

/**
 * Whether a preview renders blue/green, and why not when the operator turned fast rollout on: the
 * base stack gives the rollout role, and the preview signs no visitor in (ECS refuses blue/green on
 * a listener rule that authenticates before it forwards).
 */
export function planFastRollout(input: {
  baseOutputs: Record<string, string> | undefined;
  baseStack: string;
  /** Where the preview's sign-in comes from, when it has one. */
  oidcFrom?: "repository" | "base stack";
  configLineOf?: ConfigLineOf;
}): { roleArn?: string; warnings: Warning[] } {
  const roleArn = input.baseOutputs?.[ROLLOUT_ROLE_OUTPUT];
  if (!roleArn) return { warnings: [] };
  if (input.oidcFrom === undefined) return { roleArn, warnings: [] };
  const line = input.oidcFrom === "repository" ? input.configLineOf?.(["access", "oidc"]) : undefined;
  const where = input.oidcFrom === "repository" ? "access.oidc" : `the base stack's default sign-in (output DefaultOidc of ${input.baseStack})`;
  return {
    warnings: [
      {
        code: "fast-rollout-not-with-oidc",
        message:
          `${where}: the preview signs visitors in, and ECS refuses a blue/green rollout on a listener rule that authenticates before it forwards, ` +
          `so this preview keeps the rolling update although the base stack ${input.baseStack} turns fast rollout on: a push's new version starts after the release steps`,
        ...(input.oidcFrom === "repository" ? { file: CONFIG_FILE } : {}),
        ...(line === undefined ? {} : { line }),
      },
    ],
  };
}

/**
 * The public service's deployment as blue/green: circuit breaker with rollback, no bake time, and a
 * pause after the new version scaled up that rolls back when nobody continues it in time.
 */
export function blueGreenDeployment(): NonNullable<EcsServiceProperties["DeploymentConfiguration"]> {
  return {
    Strategy: "BLUE_GREEN",
    BakeTimeInMinutes: 0,
    DeploymentCircuitBreaker: { Enable: true, Rollback: true },
    LifecycleHooks: [{ TargetType: "PAUSE", LifecycleStages: ["POST_SCALE_UP"], TimeoutConfiguration: { TimeoutInMinutes: PAUSE_TIMEOUT_MINUTES, Action: "ROLLBACK" } }],
  };
}

/** What ECS needs to move the rule between the endpoint's two target groups, with the base stack's rollout role. */
export function blueGreenLoadBalancing(endpoint: PublicEndpoint, roleArn: string): AdvancedLoadBalancerConfiguration {
  if (!endpoint.alternateTargetGroup) throw new Error("blueGreenLoadBalancing: the endpoint has no alternate target group");
  return { AlternateTargetGroupArn: endpoint.alternateTargetGroup.ref, ProductionListenerRule: endpoint.listenerRule.ref, RoleArn: roleArn };
}

/**
 * Whether a rendered preview template deploys its public service blue/green: it then takes the
 * `LiveTargetGroup` parameter, which every update must pass from the rule's live weights. Pure.
 */
export function isBlueGreenTemplate(template: Record<string, unknown>): boolean {
  const parameters = template.Parameters as Record<string, unknown> | undefined;
  return parameters?.[LIVE_TARGET_PARAMETER] !== undefined;
}

/**
 * How many of its load balancer's target groups (100 per ALB, not adjustable) one preview takes:
 * two when it renders blue/green, one otherwise. Pure.
 */
export function targetGroupsPerPreview(template: Record<string, unknown>): 1 | 2 {
  return isBlueGreenTemplate(template) ? 2 : 1;
}
