import { setTimeout as sleep } from "node:timers/promises";
import { isThrottling } from "./aws-call.js";

/** How often and how long to poll. All in milliseconds so tests can run in milliseconds. */
export interface PollTiming {
  /** Delay before the second check; doubles after each check up to `maxDelayMs`. */
  delayMs: number;
  maxDelayMs: number;
  /** Give up after this long (measured from the first check). */
  timeoutMs: number;
  /**
   * With an expected end: how often berth checks from that end on, so it notices the end within
   * this long (when the estimate is right or early). Default `delayMs` x 0.4 (2 s for 5 s).
   */
  noticeMs?: number;
  /** With an expected end: the longest delay before it, for failures that come early. Default `delayMs` x 12 (60 s for 5 s). */
  farDelayMs?: number;
}

/**
 * A poll that knows roughly when what it waits for will be done (a stack change, a task, a
 * rollout): it checks rarely before that end and often around it, instead of backing off from the
 * start and noticing the end up to one long delay late.
 */
export interface Cadence extends PollTiming {
  /** Milliseconds from the start of the wait to the expected end; undefined when unknown (plain back-off). Asked before each delay, so it may change as the checks learn. */
  expectedMs?: () => number | undefined;
  /** Check at once (default), or wait first: nothing just started can already be done. */
  checkAtOnce?: boolean;
  /**
   * Settle when the expected end moved (a release gate opened, a paused deployment was continued):
   * the delay under way then ends, and the next is aimed anew. Each counts once.
   */
  reaim?: Promise<unknown> | ReadonlyArray<Promise<unknown>>;
}

/**
 * The delay before the next check, as a pure function of the time since the wait started:
 *
 * - no expected end: exponential back-off, `delayMs` doubling up to `maxDelayMs`;
 * - before the expected end: straight to it, or `farDelayMs` when it is further;
 * - after it: every `noticeMs` for five checks, then backing off with the lateness (a quarter of
 *   it, up to `maxDelayMs`), so a short estimate costs a few checks and never turns into hot
 *   polling; the next estimate learns from the duration AWS reports.
 */
export function nextCheckDelay(input: { elapsedMs: number; expectedMs: number | undefined; previousDelayMs: number | undefined; timing: PollTiming }): number {
  const { elapsedMs, expectedMs, previousDelayMs, timing } = input;
  if (expectedMs === undefined) return previousDelayMs === undefined ? timing.delayMs : Math.min(previousDelayMs * 2, timing.maxDelayMs);
  const notice = timing.noticeMs ?? timing.delayMs * 0.4;
  const far = timing.farDelayMs ?? timing.delayMs * 12;
  if (elapsedMs < expectedMs) return Math.min(expectedMs - elapsedMs, far);
  const late = elapsedMs - expectedMs;
  if (late < notice * 5) return notice;
  return Math.max(notice, Math.min(late / 4, timing.maxDelayMs));
}

/**
 * Calls `check` at once (unless `checkAtOnce` is false) and then at the delays of
 * `nextCheckDelay` until it returns something other than undefined, and returns that; returns
 * undefined when `timeoutMs` passes first. An aborted `signal` rejects with the signal's reason,
 * also in the middle of a delay. A check that AWS throttles (`Rate exceeded`,
 * `ThrottlingException`, ...) counts as "not yet": a wait never fails because the account's API
 * rate is shared with other callers.
 */
export async function pollUntil<T>(
  check: (attempt: number) => Promise<T | undefined>,
  timing: Cadence,
  signal?: AbortSignal,
): Promise<T | undefined> {
  const start = Date.now();
  const deadline = start + timing.timeoutMs;
  const next = (previousDelayMs: number | undefined) =>
    nextCheckDelay({ elapsedMs: Date.now() - start, expectedMs: timing.expectedMs?.(), previousDelayMs, timing });
  let delay: number | undefined;
  // Once the end has moved, the delay under way is cut short and aimed at the new end, as are the following ones.
  const moves = new Set<Promise<unknown>>([timing.reaim ?? []].flat().map((p) => p.catch(() => undefined)));
  const wait = async (ms: number): Promise<void> => {
    if (moves.size === 0) return pause(ms, signal);
    const cut = new AbortController();
    void Promise.race([...moves].map((p) => p.then(() => ({ p })))).then((moved) => {
      moves.delete(moved.p);
      cut.abort();
    });
    try {
      await pause(ms, signal ? AbortSignal.any([signal, cut.signal]) : cut.signal);
    } catch (error) {
      if (signal?.aborted || !cut.signal.aborted) throw error;
      // Cut short by the new end, not by the caller: wait again, aimed at it (and cut by the next move).
      await wait(next(undefined));
    }
  };
  if (timing.checkAtOnce === false) {
    delay = next(undefined);
    await wait(delay);
  }
  for (let attempt = 0; ; attempt++) {
    signal?.throwIfAborted();
    let value: T | undefined;
    try {
      value = await check(attempt);
    } catch (error) {
      if (!isThrottling(error)) throw error;
      value = undefined;
    }
    if (value !== undefined) return value;
    delay = next(delay);
    if (Date.now() + delay > deadline) return undefined;
    await wait(delay);
  }
}

/** Waits `ms`, rejecting with the signal's reason when it is aborted meanwhile. */
export async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, signal ? { signal } : undefined);
  } catch (error) {
    signal?.throwIfAborted();
    throw error;
  }
}

/** Fills in a timing from an adapter's options: `maxDelayMs` defaults to four times the first delay. */
export function timing(delayMs: number, timeoutMs: number, maxDelayMs?: number): PollTiming {
  return { delayMs, maxDelayMs: maxDelayMs ?? delayMs * 4, timeoutMs };
}

/** A wait for people: `45 s` under two minutes, else whole minutes (`20 min`). */
export function formatDuration(ms: number): string {
  return ms < 120_000 ? `${Math.ceil(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;
}
