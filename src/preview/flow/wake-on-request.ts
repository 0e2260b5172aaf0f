import type { Logger } from "../../util/logger.js";
import type { PreviewJob } from "../job.js";
import type { StackPort, StackSummary } from "../ports.js";
import { readIdleState } from "./idle-tags.js";
import { SERVING_TAG } from "./serving-tags.js";
import { ownerOf } from "./sweep-idle.js";

/** How long the list of preview stacks serves host look-ups: a flood of requests makes one ListStacks per window. */
export const HOST_LIST_TTL_MS = 5_000;
/** At most one wake is queued per preview in this window, however many requests its URL gets. */
export const WAKE_EVERY_MS = 30_000;

export interface WakeOnRequestDeps {
  stacks: Pick<StackPort, "list">;
  /** Queues the wake through the pull request's queue, as `/preview wake` does. */
  enqueue: (job: PreviewJob) => void;
  now: () => Date;
  log: Logger;
}

/**
 * A request came for `host` (the Host header, which the load balancer routed to berth because a
 * sleeping preview's rule forwards there). Finds the preview whose stack's `Hostname` output is
 * that host, from the stacks berth owns and nothing else the request says, and queues one wake for
 * it per WAKE_EVERY_MS. Answers "waking" for a preview's host, "unknown" for any other.
 */
export function createWakeOnRequest(deps: WakeOnRequestDeps): (host: string) => Promise<"waking" | "unknown"> {
  let listed: { at: number; stacks: Promise<StackSummary[]> } | undefined;
  const queuedAt = new Map<string, number>();
  const stacks = (): Promise<StackSummary[]> => {
    const now = deps.now().getTime();
    if (!listed || now - listed.at >= HOST_LIST_TTL_MS) {
      const fresh = { at: now, stacks: deps.stacks.list() };
      // A failed listing is not kept: the next request asks again.
      fresh.stacks.catch(() => {
        if (listed === fresh) listed = undefined;
      });
      listed = fresh;
    }
    return listed.stacks;
  };
  return async (rawHost) => {
    const host = normalizeHost(rawHost);
    if (!host) return "unknown";
    const stack = (await stacks()).find((s) => s.outputs.Hostname?.toLowerCase() === host);
    const owner = stack && ownerOf(stack);
    if (!stack || !owner) return "unknown";
    const now = deps.now().getTime();
    const last = queuedAt.get(stack.name);
    if (readIdleState(stack.tags).asleepSince && (last === undefined || now - last >= WAKE_EVERY_MS)) {
      queuedAt.set(stack.name, now);
      deps.enqueue({ repo: owner.repo, pr: owner.pr, action: "wake", sha: stack.tags[SERVING_TAG] ?? "" });
      deps.log.info({ stack: stack.name }, "a request to a sleeping preview wakes it");
    }
    return "waking";
  };
}

/** The host name of a Host header: lower case, without port or trailing dot; undefined when it is no host name. */
export function normalizeHost(header: string): string | undefined {
  const host = header.trim().toLowerCase().replace(/:\d+$/, "").replace(/\.$/, "");
  return /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/.test(host) ? host : undefined;
}
