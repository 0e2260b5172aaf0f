import { ProbotOctokit } from "probot";
import { createConditionalCache } from "./github-conditional.js";

/**
 * How many times berth's GitHub client waits out a rate limit before the error reaches the
 * caller: a secondary limit (403 or 429 saying so; `retry-after` seconds, else 60 s) and the
 * primary limit (`x-ratelimit-remaining: 0`; until `x-ratelimit-reset`).
 */
export const GITHUB_LIMIT_RETRIES = { secondary: 3, primary: 2 } as const;

/** Statuses the retry plugin leaves alone: its own list (client errors) and 429, a rate limit. */
export const GITHUB_NO_RETRY = [400, 401, 403, 404, 410, 422, 429, 451];

export interface GitHubOctokitOptions {
  /** Milliseconds in one second of `retry-after` and of the retry plugin's back-off; tests shrink it. */
  msPerSecond?: number;
  /** More options of the throttling plugin; tests pass limiters that do not space writes 1 s apart. */
  throttle?: Record<string, unknown>;
  /** The cache of conditional GETs (one per process by default; tests pass their own to read its figures). */
  conditional?: ReturnType<typeof createConditionalCache>;
}

interface LimitedRequest {
  method: string;
  url: string;
}

interface Logged {
  log: { warn(message: string): void };
}

/**
 * The Octokit class berth's Probot runs with. Probot ships the retry plugin (5xx retried 3 times,
 * 1 s, 4 s and 9 s apart) and the throttling plugin, but its default handler of secondary
 * rate limits only logs, so a report refused by one was lost. Here both limits are waited out, as
 * GitHub asks, a bounded number of times. Creates that must not be repeated blindly turn the retry
 * plugin off per request and look up before they create again (src/github/create-once.ts).
 * GETs are conditional (handlers/github-conditional.ts): an unchanged answer costs no rate limit.
 */
export function createGitHubOctokit(options: GitHubOctokitOptions = {}): typeof ProbotOctokit {
  const msPerSecond = options.msPerSecond ?? 1000;
  const conditional = options.conditional ?? createConditionalCache();
  return ProbotOctokit.plugin(conditional.plugin as Parameters<typeof ProbotOctokit.plugin>[0]).defaults((instance: { retry?: object; throttle?: object }) => ({
    ...instance,
    // 429 is a rate limit: the throttling plugin waits it out for `retry-after`, while the retry
    // plugin would ask again after 1 s, 4 s and 9 s whatever GitHub said.
    retry: { ...instance?.retry, doNotRetry: GITHUB_NO_RETRY, retryAfterBaseValue: msPerSecond },
    throttle: {
      ...instance?.throttle,
      ...options.throttle,
      retryAfterBaseValue: msPerSecond,
      onSecondaryRateLimit: (retryAfter: number, request: LimitedRequest, octokit: Logged, retryCount: number) => {
        const retry = retryCount < GITHUB_LIMIT_RETRIES.secondary;
        octokit.log.warn(`GitHub secondary rate limit on ${request.method} ${request.url}: ${retry ? `retrying in ${retryAfter} s` : "giving up"}`);
        return retry;
      },
      onRateLimit: (retryAfter: number, request: LimitedRequest, octokit: Logged, retryCount: number) => {
        const retry = retryCount < GITHUB_LIMIT_RETRIES.primary;
        octokit.log.warn(`GitHub rate limit used up on ${request.method} ${request.url}: ${retry ? `retrying in ${retryAfter} s` : "giving up"}`);
        return retry;
      },
    },
  }));
}
