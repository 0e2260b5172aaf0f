import { sleep as realSleep } from "../util/sleep.js";
import { GitHubError, statusOf } from "./github-error.js";

/** How a create that GitHub answered ambiguously is tried again. */
export interface CreateRetry {
  /** Creates tried in all, the first one included. */
  attempts: number;
  /** Wait before the look-up that follows the n-th failed create: `baseDelayMs` x n². */
  baseDelayMs: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Three creates, 1 s and 4 s apart: the schedule Octokit's retry plugin uses for other requests. */
export const CREATE_RETRY: CreateRetry = { attempts: 3, baseDelayMs: 1000 };

/**
 * Request options for a create that must not be repeated blindly: Octokit's retry plugin leaves
 * it alone (the throttling plugin still waits out rate limits, which GitHub applies before it
 * writes anything), and `createOnce` does the retrying with a look-up first.
 */
export const NO_BLIND_RETRY = { retries: 0 } as const;

/**
 * Whether GitHub may have applied a write that failed this way: a 5xx, or no answer at all
 * (Octokit reports a broken connection as status 500). A 429 is tried again too: nothing was
 * written, and the look-up before the next create costs one read.
 */
export function isAmbiguousWriteFailure(error: unknown): boolean {
  const status = statusOf(error);
  return status !== undefined && (status >= 500 || status === 429) && !(error instanceof GitHubError);
}

/**
 * Creates something GitHub has no idempotency key for, exactly once. `create` sends the object
 * with a marker of this attempt (a check run's `external_id`, a deployment's `payload`, the sticky
 * comment's hidden marker); `find` looks for that marker. After an ambiguous failure, berth waits,
 * looks, and returns what it finds; only when nothing is there does it create again. Any other
 * failure, or the last ambiguous one with nothing found, throws a GitHubError naming `action`.
 */
export async function createOnce<T>(input: {
  action: string;
  create: () => Promise<T>;
  find: () => Promise<T | undefined>;
  retry?: CreateRetry;
}): Promise<T> {
  const { action, create, find } = input;
  const retry = input.retry ?? CREATE_RETRY;
  const sleep = retry.sleep ?? realSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await create();
    } catch (error) {
      if (!isAmbiguousWriteFailure(error)) throw error instanceof GitHubError ? error : new GitHubError(action, error);
      // GitHub's lists may lag a write by a moment: wait before looking, not only before creating.
      await sleep(retry.baseDelayMs * attempt * attempt);
      const found = await find();
      if (found !== undefined) return found;
      if (attempt >= retry.attempts) throw new GitHubError(action, error);
    }
  }
}
