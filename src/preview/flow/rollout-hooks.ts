import { BerthError } from "../../errors.js";
import { AwsCallError } from "../errors.js";
import type { Logger } from "../../util/logger.js";
import { isBlueGreenTemplate } from "../../stack/blue-green.js";
import { LIVE_TARGET_PARAMETER, type LiveTargetGroup } from "../../stack/load-balancer.js";
import type { LoadBalancerPort, RolloutHookPort, StackPort, StackSummary } from "../ports.js";

/**
 * The fast rollout (an ECS blue/green deployment of the public service with a pause hook, see
 * docs/stack-design.md): every deployment of the service waits at the hook with its new version
 * running and healthy, without production traffic, until berth continues it or rolls it back. One
 * keeper watches the service for as long as one stack operation runs.
 */
export type HookAction = "CONTINUE" | "ROLLBACK";

/**
 * Which of the stack's two target groups serves, as the template's `LiveTargetGroup` parameter
 * says it: from the target group the listener rule forwards to now (`forwarded`, read from the
 * rule), else (the rule forwards to berth's own while the preview sleeps, or was not read) as the
 * stack recorded it.
 */
export function liveTargetOf(stack: StackSummary | undefined, forwarded: string | undefined): LiveTargetGroup {
  if (forwarded !== undefined && forwarded === stack?.outputs.AlternateTargetGroupArn) return "alternate";
  if (forwarded !== undefined && forwarded === stack?.outputs.TargetGroupArn) return "primary";
  return stack?.parameters[LIVE_TARGET_PARAMETER] === "alternate" ? "alternate" : "primary";
}

/**
 * The `LiveTargetGroup` a deploy passes. The stack's own record, as long as the update leaves the
 * listener rule as it is: CloudFormation then neither writes the rule nor, should the update roll
 * back, writes it back (to weights ECS has moved since). When the update changes the rule anyway
 * (new `allow_cidrs`, a new host name), the weights ECS left, read from the rule, so that the rule
 * keeps forwarding to the group that serves.
 */
export async function liveTargetFor(
  deps: { loadBalancers: Pick<LoadBalancerPort, "forwardedTo"> },
  input: { stack: StackSummary | undefined; running: Record<string, unknown> | undefined; wanted: Record<string, unknown> },
): Promise<LiveTargetGroup> {
  const { stack } = input;
  const recorded = liveTargetOf(stack, undefined);
  const rule = stack?.outputs.ListenerRuleArn;
  if (!rule || !stack.outputs.AlternateTargetGroupArn) return recorded;
  if (input.running !== undefined && JSON.stringify(listenerRule(input.running)) === JSON.stringify(listenerRule(input.wanted))) return recorded;
  return liveTargetOf(stack, await deps.loadBalancers.forwardedTo(rule));
}

function listenerRule(template: Record<string, unknown>): unknown {
  const resources = (template.Resources ?? {}) as Record<string, { Type?: string }>;
  return Object.values(resources).find((r) => r.Type === "AWS::ElasticLoadBalancingV2::ListenerRule");
}

/** The target group that serves a fast-rollout stack, as recorded; its only one otherwise. */
export function liveTargetGroupArn(stack: StackSummary): string | undefined {
  const alternate = stack.outputs.AlternateTargetGroupArn;
  return alternate !== undefined && stack.parameters[LIVE_TARGET_PARAMETER] === "alternate" ? alternate : stack.outputs.TargetGroupArn;
}

/**
 * The logical id of the template's public service: the ECS service behind the load balancer.
 * Undefined when the template has none.
 */
export function publicServiceId(template: object): string | undefined {
  const resources = (template as { Resources?: Record<string, { Type?: string; Properties?: { LoadBalancers?: unknown[] } }> }).Resources ?? {};
  return Object.entries(resources).find(([, r]) => r.Type === "AWS::ECS::Service" && (r.Properties?.LoadBalancers?.length ?? 0) > 0)?.[0];
}

/**
 * Continues or rolls back each deployment of the stack's public service that waits at its pause
 * hook, until `ended` settles (the stack operation is over). The first one found gets `first`'s
 * answer (a push: CONTINUE once every release step exited 0, ROLLBACK when one failed); every later
 * one, and every one without `first`, is continued: CloudFormation's rollback to the version that
 * served, or an update with no release steps to wait for. The service is looked up by logical id
 * while the stack may still be creating it. Rejects when ECS refuses berth (access denied): the
 * operation would otherwise wait for the hook's timeout.
 */
export async function keepRolloutHooks(
  deps: HookDeps,
  input: {
    cluster: string;
    stackName: string;
    /** The service's ARN when known, else its logical id in the stack (looked up until it exists). */
    service: { arn: string } | { logicalId: string };
    ended: Promise<unknown>;
    first?: () => Promise<HookAction>;
    /** How long before looking for a service not created yet, or again after a transient failure. */
    retryMs: number;
    /** Told each time berth continued a deployment: the operation ends about a traffic shift later. */
    onContinued?: () => void;
    /** Nothing can pause before this settles (a service a release gate holds): the first look waits for it. */
    after?: Promise<unknown>;
  },
): Promise<void> {
  const stop = new AbortController();
  void input.ended.then(
    () => stop.abort(),
    () => stop.abort(),
  );
  if (input.after) await Promise.race([input.after.catch(() => undefined), input.ended.catch(() => undefined)]);
  let decide = input.first;
  let service = "arn" in input.service ? input.service.arn : undefined;
  while (!stop.signal.aborted) {
    try {
      if (service === undefined && "logicalId" in input.service) service = await deps.stacks.findResource(input.stackName, input.service.logicalId);
      if (service === undefined) {
        await deps.sleep(input.retryMs, stop.signal);
        continue;
      }
      const paused = await deps.hooks.waitPaused({ cluster: input.cluster, service, signal: stop.signal });
      if (!paused) return;
      const action = decide ? await decide() : "CONTINUE";
      decide = undefined;
      // The operation ended while the release steps ran (CloudFormation failed it): nothing waits any more.
      if (stop.signal.aborted) return;
      try {
        await deps.hooks.resume({ ...paused, action });
      } catch (error) {
        // An answer AWS applied whose reply was lost, retried: the hook no longer waits. The next look tells.
        if (!(error instanceof AwsCallError) || error.code !== "InvalidParameterException") throw error;
        deps.log.info({ deployment: paused.deploymentArn, action }, "the paused deployment had moved on already");
        continue;
      }
      if (action === "CONTINUE") input.onContinued?.();
      deps.log.info({ deployment: paused.deploymentArn, action }, action === "CONTINUE" ? "new version takes the traffic" : "new version rolled back before it took traffic");
    } catch (error) {
      if (stop.signal.aborted) return;
      if (!(error instanceof BerthError) || error.transient === undefined) throw error;
      deps.log.warn({ err: error }, "could not look at the public service's deployment; looking again");
      await deps.sleep(input.retryMs, stop.signal).catch(() => undefined);
    }
  }
}

/** What watching a public service's hooks needs. */
export interface HookDeps {
  hooks: RolloutHookPort;
  stacks: Pick<StackPort, "findResource" | "find">;
  log: Logger;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * A fast-rollout stack that an operation no deploy here owns is changing (a berth stopped during a
 * push left it; its release gate was just closed): the deployment it made of the public service is
 * rolled back at its hook (its release steps never finished, so the new version must not take the
 * traffic), and CloudFormation's rollback's own deployment continued, until the stack settles.
 * Returns the settled stack (undefined once gone). Other stacks are returned as they are.
 */
export async function settleLeftRollout(deps: HookDeps, input: { stack: StackSummary; retryMs: number; signal: AbortSignal }): Promise<StackSummary | undefined> {
  const { stack } = input;
  const left = leftRollout(stack);
  if (!left) return stack;
  const settled = (async () => {
    for (;;) {
      await deps.sleep(input.retryMs, input.signal);
      const now = await deps.stacks.find(stack.name);
      if (!now?.status.endsWith("_IN_PROGRESS")) return now;
    }
  })();
  settled.catch(() => undefined);
  await keepRolloutHooks(deps, {
    cluster: clusterOfService(left.service),
    stackName: stack.name,
    service: { arn: left.service },
    ended: settled,
    retryMs: input.retryMs,
    first: async () => left.action,
  });
  return settled;
}

/**
 * What a fast-rollout stack that no deploy here is changing needs done with its public service's
 * paused deployment: while the stack still updates, the update is a stopped berth's push whose
 * release steps never finished (ROLLBACK); while it rolls back, the deployment restores the version
 * that served (CONTINUE). Undefined for any other stack.
 */
export function leftRollout(stack: StackSummary): { service: string; action: HookAction } | undefined {
  const service = stack.outputs.PublicServiceArn;
  if (!stack.outputs.AlternateTargetGroupArn || !service) return undefined;
  if (stack.status === "UPDATE_IN_PROGRESS") return { service, action: "ROLLBACK" };
  if (stack.status === "UPDATE_ROLLBACK_IN_PROGRESS") return { service, action: "CONTINUE" };
  return undefined;
}

/** The cluster in an ECS service ARN (`arn:aws:ecs:<region>:<account>:service/<cluster>/<name>`). */
export function clusterOfService(arn: string): string {
  const path = arn.split(":service/")[1]?.split("/") ?? [];
  return path.length >= 2 ? path[0]! : "default";
}

/**
 * Runs a stack operation with a keeper of its public service's hooks when the template deploys it
 * blue/green; otherwise just runs it. Settles as the operation does, or rejects at once with the
 * keeper's error (the operation then ends at the hook's timeout, rolled back: the new version never
 * took traffic).
 */
export async function withRolloutHooks<T>(
  deps: HookDeps,
  input: { template: Record<string, unknown>; cluster: string; stackName: string; retryMs: number; first?: () => Promise<HookAction>; after?: Promise<unknown> },
  /** `continued` settles once berth continued the service's deployment (never without the fast rollout). */
  operation: (continued?: Promise<void>) => Promise<T>,
): Promise<T> {
  const serviceId = isBlueGreenTemplate(input.template) ? publicServiceId(input.template) : undefined;
  if (serviceId === undefined) return operation();
  let continued: () => void = () => {};
  const running = operation(new Promise<void>((resolve) => (continued = resolve)));
  const keeper = keepRolloutHooks(deps, {
    cluster: input.cluster,
    stackName: input.stackName,
    service: { logicalId: serviceId },
    ended: running,
    retryMs: input.retryMs,
    onContinued: () => continued(),
    ...(input.first ? { first: input.first } : {}),
    ...(input.after ? { after: input.after } : {}),
  });
  running.catch(() => undefined);
  keeper.catch(() => undefined);
  await Promise.race([running, keeper]);
  return running;
}
