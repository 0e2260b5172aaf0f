import { BerthError } from "../../errors.js";
import type { PreviewTarget } from "../../plan/plan-preview.js";
import { baseLocation } from "../../stack/base-stack.js";
import { ASLEEP_TARGET_PARAMETER, LIVE_TARGET_PARAMETER } from "../../stack/load-balancer.js";
import { asleepSize, hourlyPrice } from "../../stack/fargate-price.js";
import { previewLabel, stackName } from "../../stack/naming.js";
import type { Logger } from "../../util/logger.js";
import { renderComment, type CommentState, type IdleFacts } from "../report/index.js";
import type { LoadBalancerPort, RepoGitHub, StackPort, StackSummary, TaskPort } from "../ports.js";
import { ACTIVE_AT_TAG, ASLEEP_TAG, readIdleState } from "./idle-tags.js";
import { previewCost } from "./preview-cost.js";
import { liveTargetGroupArn, liveTargetOf } from "./rollout-hooks.js";
import { SERVING_TAG } from "./serving-tags.js";
import { parsePreviewOutputs, type PreviewOutputs } from "./stack-outputs.js";

/** What sleeping and waking a preview need. */
export interface SleepWakeDeps {
  stacks: StackPort;
  tasks: Pick<TaskPort, "scaleServices">;
  loadBalancers: Pick<LoadBalancerPort, "waitHealthy" | "forwardedTo">;
  base: () => Promise<{ name: string; outputs: Record<string, string> }>;
  log: Logger;
  now: () => Date;
  /**
   * berth's own target group: while a preview sleeps its listener rule forwards there, and berth
   * answers its URL with the waking page. Unset, a sleeping preview's rule keeps forwarding to its
   * empty target group (the load balancer answers 503).
   */
  wakeTargetGroupArn?: string;
}

/**
 * The services a sleep scales to zero: every long-running service but the data services (third-party
 * images such as a database), whose task storage holds the preview's data and would not survive
 * their tasks stopping.
 */
export function sleepingServices(outputs: PreviewOutputs): string[] {
  const data = new Set(Object.values(outputs.statefulServices));
  return Object.values(outputs.services).filter((arn) => !data.has(arn));
}

/**
 * Puts a preview to sleep: records `berth:asleep` on the stack first (a tags-and-parameters update
 * that leaves the services as they are and points the listener rule at berth's own target group,
 * whose waking page wakes the preview on its first request), then scales the services built from the repository to zero with
 * ECS directly. In this order a stack update can never start them again behind berth's back, and a
 * crash between the two leaves a preview marked asleep that still runs: the next wake or deploy
 * puts it right. The data services keep running, so the data survives. Nobody waits for a sleep,
 * so the 30 s of a stack update cost nothing. Safe to repeat: a sleeping preview is left alone.
 */
export async function sleepPreview(
  deps: SleepWakeDeps,
  input: { github: RepoGitHub; target: Omit<PreviewTarget, "sha">; signal?: AbortSignal },
): Promise<"asleep" | "no-preview" | "already-asleep"> {
  const stack = await deps.stacks.find(stackName(previewLabel(input.target)));
  if (!stack) return "no-preview";
  if (readIdleState(stack.tags).asleepSince) return "already-asleep";
  const now = deps.now();
  // A fast rollout leaves either target group serving: the wake forwards to the one serving now.
  const rule = stack.outputs.AlternateTargetGroupArn ? stack.outputs.ListenerRuleArn : undefined;
  const live: Record<string, string> = rule ? { [LIVE_TARGET_PARAMETER]: liveTargetOf(stack, await deps.loadBalancers.forwardedTo(rule)) } : {};
  const updated = await retag(deps, stack, { ...stack.tags, [ASLEEP_TAG]: now.toISOString() }, deps.wakeTargetGroupArn ?? "", live);
  const outputs = parsePreviewOutputs(stack.name, updated.outputs);
  const { cluster } = await clusterOf(deps);
  await deps.tasks.scaleServices({ cluster, services: sleepingServices(outputs), desiredCount: 0, ...(input.signal ? { signal: input.signal } : {}) });
  const base = await deps.base();
  const template = await deps.stacks.findTemplate(stack.name);
  await postState(deps, input, updated, {
    state: "asleep",
    idle: { asleepSince: now, ...asleepCost(template, base.outputs) },
  });
  deps.log.info({ stack: stack.name }, "preview asleep");
  return "asleep";
}

/**
 * Wakes a sleeping preview: scales its services back to one task each and waits until the load
 * balancer finds the public one healthy, while a stack update clears `berth:asleep`, records the
 * wake as activity and points the listener rule at the preview's own target group again, in
 * parallel: the wait is one service launch, not a launch after a stack update. The waking page
 * polls until the preview answers, so the rule may switch before the target is healthy. Safe to repeat and to ask for many times: a preview that is awake is left alone.
 */
export async function wakePreview(
  deps: SleepWakeDeps,
  input: {
    github: RepoGitHub;
    target: Omit<PreviewTarget, "sha">;
    signal?: AbortSignal;
    silent?: boolean;
    /** Reads the preview stack, when the caller reads it for more than the wake (a deploy after it). */
    live?: () => Promise<StackSummary | undefined>;
  },
): Promise<"awake" | "no-preview" | "not-asleep"> {
  const stack = await (input.live ? input.live() : deps.stacks.find(stackName(previewLabel(input.target))));
  if (!stack) return "no-preview";
  if (!readIdleState(stack.tags).asleepSince) return "not-asleep";
  const outputs = parsePreviewOutputs(stack.name, stack.outputs);
  const { cluster } = await clusterOf(deps);
  const { [ASLEEP_TAG]: _asleep, ...tags } = stack.tags;
  const signal = input.signal ? { signal: input.signal } : {};
  const [, updated] = await Promise.all([
    (async () => {
      await deps.tasks.scaleServices({ cluster, services: sleepingServices(outputs), desiredCount: 1, ...signal });
      await deps.loadBalancers.waitHealthy({ targetGroupArn: liveTargetGroupArn(stack) ?? outputs.targetGroupArn, launching: true, ...signal });
    })(),
    retag(deps, stack, { ...tags, [ACTIVE_AT_TAG]: deps.now().toISOString() }, ""),
  ]);
  if (!input.silent) await postAwake(deps, input, updated);
  deps.log.info({ stack: stack.name }, "preview awake");
  return "awake";
}

/**
 * Records activity now (`berth:active-at`), which restarts the `sleep_after` and `expire_after`
 * windows: someone asked for more time. A sleeping preview is woken instead (a wake records
 * activity too). The sticky comment shows the new expiry. Safe to repeat.
 */
export async function extendPreview(
  deps: SleepWakeDeps,
  input: { github: RepoGitHub; target: Omit<PreviewTarget, "sha">; signal?: AbortSignal },
): Promise<"extended" | "awake" | "no-preview"> {
  const stack = await deps.stacks.find(stackName(previewLabel(input.target)));
  if (!stack) return "no-preview";
  if (readIdleState(stack.tags).asleepSince) {
    const woken = await wakePreview(deps, input);
    return woken === "no-preview" ? woken : "awake";
  }
  const asleepTarget = stack.parameters[ASLEEP_TARGET_PARAMETER] ?? "";
  const updated = await retag(deps, stack, { ...stack.tags, [ACTIVE_AT_TAG]: deps.now().toISOString() }, asleepTarget);
  await postAwake(deps, input, updated);
  deps.log.info({ stack: stack.name }, "preview's idle windows restarted");
  return "extended";
}

/** The sticky comment of an awake preview: its price and when it sleeps and expires. */
async function postAwake(deps: SleepWakeDeps, input: { github: RepoGitHub; target: Omit<PreviewTarget, "sha"> }, stack: StackSummary): Promise<void> {
  const base = await deps.base();
  const template = await deps.stacks.findTemplate(stack.name);
  const cost = template ? previewCost({ template, baseOutputs: base.outputs, createdAt: stack.createdAt, now: deps.now() }) : undefined;
  const idle = awakeIdle(stack.tags, deps.now());
  await postState(deps, input, stack, { state: "ready", ...(cost ? { cost } : {}), ...(idle ? { idle } : {}) });
}

/** The comment's idle facts for an awake preview, from its stack's tags; undefined when neither key is set. */
export function awakeIdle(tags: Record<string, string>, now: Date): IdleFacts | undefined {
  const state = readIdleState(tags);
  if (state.sleepAfterSeconds === undefined && state.expireAfterSeconds === undefined) return undefined;
  const since = state.activeAt ?? now;
  return {
    ...(state.sleepAfterSeconds === undefined ? {} : { sleepAfterSeconds: state.sleepAfterSeconds }),
    ...(state.expireAfterSeconds === undefined ? {} : { expiresInSeconds: Math.max(0, state.expireAfterSeconds - (now.getTime() - since.getTime()) / 1000) }),
  };
}

/** What the preview costs asleep: its data services, which keep running. */
function asleepCost(template: Record<string, unknown> | undefined, baseOutputs: Record<string, string>): { asleepPerHour?: number } {
  const region = baseLocation(baseOutputs)?.region;
  const perHour = template && region ? hourlyPrice(asleepSize(template), region) : undefined;
  return perHour === undefined ? {} : { asleepPerHour: perHour };
}

/**
 * A stack update of the template it runs now, with `tags` and the rule's asleep target
 * (`asleepTarget`, empty for the preview's own). A stack rendered before the rule could switch
 * declares no such parameter and keeps its parameters.
 */
async function retag(
  deps: SleepWakeDeps,
  stack: StackSummary,
  tags: Record<string, string>,
  asleepTarget: string,
  more: Record<string, string> = {},
): Promise<StackSummary> {
  const template = await deps.stacks.findTemplate(stack.name);
  if (!template) throw new BerthError(`stack ${stack.name}: no template to update its tags with`, { userMessage: `The preview stack ${stack.name} could not be read.` });
  const declared = (template.Parameters as Record<string, unknown> | undefined)?.[ASLEEP_TARGET_PARAMETER] !== undefined;
  const parameters = declared ? { ...stack.parameters, [ASLEEP_TARGET_PARAMETER]: asleepTarget, ...more } : stack.parameters;
  return deps.stacks.ensure({ name: stack.name, template, tags, parameters });
}

async function clusterOf(deps: SleepWakeDeps): Promise<{ cluster: string }> {
  const base = await deps.base();
  const cluster = base.outputs.ClusterName;
  if (!cluster) throw new BerthError(`base stack ${base.name} has no output ClusterName`, { userMessage: `The base stack ${base.name} has no ClusterName output; deploy deploy/base.yml again.` });
  return { cluster };
}

async function postState(
  deps: SleepWakeDeps,
  input: { github: RepoGitHub; target: Omit<PreviewTarget, "sha"> },
  stack: StackSummary,
  state: Pick<CommentState, "state"> & Partial<Pick<CommentState, "cost" | "idle">>,
): Promise<void> {
  const sha = stack.tags[SERVING_TAG];
  const body = renderComment({
    ...state,
    url: stack.outputs.Url ?? "",
    ...(sha && sha !== "none" ? { sha } : {}),
    ...(input.target.branch === undefined ? {} : { branch: input.target.branch }),
    updatedAt: deps.now(),
  });
  await input.github.comments.ensureSticky(input.target.pr, body).catch((error: unknown) => deps.log.warn({ err: error }, "sticky comment failed"));
}
