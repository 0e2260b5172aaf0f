import { setTimeout as sleep } from "node:timers/promises";
import { isThrottling } from "./aws-call.js";

/** How often and how long to poll. All in milliseconds so tests can run in milliseconds. */
export interface PollTiming {
  /** Delay before the second check; doubles after each check up to `maxDelayMs`. */
  delayMs: number;
  maxDelayMs: number;
  /** Give up after this long (measured from the first check). */
  timeoutMs: number;
}

/**
 * Calls `check` at once and then with exponential backoff until it returns something other than
 * undefined, and returns that; returns undefined when `timeoutMs` passes first. An aborted
 * `signal` rejects with the signal's reason, also in the middle of a delay. A check that AWS
 * throttles (`Rate exceeded`, `ThrottlingException`, ...) counts as "not yet": a wait never fails
 * because the account's API rate is shared with other callers.
 */
export async function pollUntil<T>(
  check: (attempt: number) => Promise<T | undefined>,
  timing: PollTiming,
  signal?: AbortSignal,
): Promise<T | undefined> {
  const deadline = Date.now() + timing.timeoutMs;
  let delay = timing.delayMs;
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
    if (Date.now() + delay > deadline) return undefined;
    await pause(delay, signal);
    delay = Math.min(delay * 2, timing.maxDelayMs);
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
