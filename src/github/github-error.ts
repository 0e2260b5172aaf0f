import { BerthError } from "../errors.js";

/** A GitHub API call failed; the message says which call, on what, and GitHub's answer. */
export class GitHubError extends BerthError {
  /** HTTP status of GitHub's answer, when there was one. */
  readonly status: number | undefined;
  constructor(action: string, cause: unknown) {
    const status = statusOf(cause);
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`${action}: ${status === undefined ? "" : `HTTP ${status}: `}${reason}`, {
      cause,
      userMessage: `GitHub refused to ${action}${status === undefined ? "" : ` (HTTP ${status})`}.`,
      // A server error or a rate limit passes; another 4xx answer repeats until something changes.
      ...(isTransientStatus(status, cause) ? { transient: "GitHub" as const } : {}),
    });
    this.status = status;
  }
}

/**
 * 5xx, 429, and GitHub's secondary rate limit: a 403 with `retry-after` or saying "rate limit"
 * (a plain 403 is a missing permission and repeats).
 */
function isTransientStatus(status: number | undefined, cause: unknown): boolean {
  if (status === undefined) return false;
  if (status >= 500 || status === 429) return true;
  if (status !== 403 || typeof cause !== "object" || cause === null) return false;
  const { response, message } = cause as { response?: { headers?: Record<string, unknown> }; message?: unknown };
  return response?.headers?.["retry-after"] !== undefined || (typeof message === "string" && /rate limit/i.test(message));
}

/** The HTTP status of an Octokit RequestError (or anything shaped like one), else undefined. */
export function statusOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null || !("status" in error)) return undefined;
  const { status } = error as { status: unknown };
  return typeof status === "number" ? status : undefined;
}

/**
 * Runs a GitHub call and wraps any failure in a GitHubError naming the action. A status
 * listed in `absentOn` (e.g. 404) yields undefined instead: the caller treats it as "not there".
 */
export async function callGitHub<T>(action: string, call: () => Promise<T>, absentOn: number[] = []): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    const status = statusOf(error);
    if (status !== undefined && absentOn.includes(status)) return undefined;
    throw new GitHubError(action, error);
  }
}

/** Like callGitHub, for calls where no status means "absent". */
export async function requireGitHub<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new GitHubError(action, error);
  }
}

/** Whether a response's Link header announces a next page. */
export function hasNextPage(headers: { link?: string | undefined }): boolean {
  return /\brel="next"/.test(headers.link ?? "");
}
