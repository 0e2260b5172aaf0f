import type { Logger } from "../../util/logger.js";
import type { PreviewJob } from "../job.js";
import { SETTLED_STATUSES, type RepoRef, type RequestMetricsPort, type StackPort, type StackSummary } from "../ports.js";
import { readIdleState, type IdleState } from "./idle-tags.js";
import { SERVING_TAG } from "./serving-tags.js";

/** What one idle sweep did. */
export interface IdleSweepSummary {
  /** Stacks with `sleep_after` or `expire_after` looked at. */
  checked: number;
  slept: number;
  expired: number;
  /** Previews found asleep (their stack tagged so), whether or not they were judged. */
  asleep: number;
  /** Stacks that could not be judged (unreadable tags or outputs, CloudWatch failed); next sweep. */
  errors: number;
}


/**
 * Which idle windows may have run out, from the stack's tags alone, each with the window to ask
 * CloudWatch about: a preview expires once `expire_after` has passed since its last push, command
 * or wake with no request in that window; it sleeps (when awake) once `sleep_after` has passed so.
 * Expiry comes first: an expiring preview need not sleep, and one with a request in the longer
 * window may still have none in the shorter one. Pure.
 */
export function dueIdleChecks(state: IdleState, createdAt: Date | undefined, now: Date): Array<{ action: "expire" | "sleep"; windowSeconds: number }> {
  const since = (state.activeAt ?? createdAt ?? now).getTime();
  const idleSeconds = (now.getTime() - since) / 1000;
  const due: Array<{ action: "expire" | "sleep"; windowSeconds: number }> = [];
  if (state.expireAfterSeconds !== undefined && idleSeconds >= state.expireAfterSeconds) due.push({ action: "expire", windowSeconds: state.expireAfterSeconds });
  if (state.sleepAfterSeconds !== undefined && state.asleepSince === undefined && idleSeconds >= state.sleepAfterSeconds) {
    due.push({ action: "sleep", windowSeconds: state.sleepAfterSeconds });
  }
  return due;
}

/**
 * The periodic idle sweep: for every preview whose stack asks for it (`berth:sleep-after`,
 * `berth:expire-after`), reads the load balancer's request count for its target group over the
 * window and queues a sleep or an expiry when nobody asked for anything. It only queues: the job
 * runs in the pull request's queue, after any deploy, so it never races one. A stack whose pull
 * request has a job running is left for the next sweep. Needs only AWS to decide.
 */
export async function sweepIdle(deps: {
  stacks: Pick<StackPort, "list">;
  requests: RequestMetricsPort;
  /** The base stack's outputs: `LoadBalancerFullName` is the metric's LoadBalancer dimension. */
  base: () => Promise<{ name: string; outputs: Record<string, string> }>;
  enqueue: (job: PreviewJob) => void;
  busy: (repo: RepoRef, pr: number) => boolean;
  now: () => Date;
  log: Logger;
}): Promise<IdleSweepSummary> {
  const summary: IdleSweepSummary = { checked: 0, slept: 0, expired: 0, asleep: 0, errors: 0 };
  let loadBalancer: string | undefined;
  for (const stack of await deps.stacks.list()) {
    const state = readIdleState(stack.tags);
    if (state.asleepSince !== undefined) summary.asleep += 1;
    if (state.sleepAfterSeconds === undefined && state.expireAfterSeconds === undefined) continue;
    summary.checked += 1;
    const log = deps.log.child({ stack: stack.name });
    const owner = ownerOf(stack);
    const targetGroupArn = stack.outputs.TargetGroupArn;
    if (!owner || !targetGroupArn) {
      summary.errors += 1;
      log.warn({ tags: stack.tags }, "stack has no readable owner tags or TargetGroupArn output; not swept");
      continue;
    }
    if (!SETTLED_STATUSES.has(stack.status) || deps.busy(owner.repo, owner.pr)) continue;
    const now = deps.now();
    let chosen: { action: "expire" | "sleep"; windowSeconds: number } | undefined;
    try {
      for (const due of dueIdleChecks(state, stack.createdAt, now)) {
        loadBalancer ??= (await deps.base()).outputs.LoadBalancerFullName;
        if (!loadBalancer) throw new Error("the base stack has no LoadBalancerFullName output");
        const start = new Date(now.getTime() - due.windowSeconds * 1000);
        if (await hadRequests(deps, { loadBalancer, targetGroups: [targetGroupArn, stack.outputs.AlternateTargetGroupArn], start, end: now })) continue;
        chosen = due;
        break;
      }
    } catch (error) {
      summary.errors += 1;
      log.warn({ err: error }, "could not read the preview's requests; not swept");
      continue;
    }
    if (!chosen) continue;
    deps.enqueue({ repo: owner.repo, pr: owner.pr, action: chosen.action, sha: stack.tags[SERVING_TAG] ?? "" });
    if (chosen.action === "sleep") summary.slept += 1;
    else summary.expired += 1;
    log.info({ action: chosen.action, windowSeconds: chosen.windowSeconds }, "no request in the idle window");
  }
  return summary;
}

export function ownerOf(stack: StackSummary): { repo: RepoRef; pr: number } | undefined {
  const [owner, repo, ...rest] = (stack.tags["berth:repository"] ?? "").split("/");
  const pr = Number(stack.tags["berth:pr"]);
  if (!owner || !repo || rest.length > 0 || !Number.isSafeInteger(pr) || pr <= 0) return undefined;
  return { repo: { owner, repo }, pr };
}

/**
 * Whether the load balancer sent the preview any request in the window: to its target group, or
 * to either of a fast rollout's two (each deploy may leave the other one serving).
 */
async function hadRequests(
  deps: { requests: RequestMetricsPort },
  input: { loadBalancer: string; targetGroups: Array<string | undefined>; start: Date; end: Date },
): Promise<boolean> {
  for (const targetGroupArn of input.targetGroups) {
    if (targetGroupArn === undefined) continue;
    if ((await deps.requests.requestCount({ loadBalancer: input.loadBalancer, targetGroupArn, start: input.start, end: input.end })) > 0) return true;
  }
  return false;
}
