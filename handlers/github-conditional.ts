/**
 * Conditional GET requests to GitHub. GitHub answers most GETs with an `ETag`; asked again with
 * `If-None-Match`, it answers 304 Not Modified when nothing changed, and a 304 does not count
 * against the rate limit. berth's resync reads the same pull requests, check runs and lists every
 * few minutes, and most of them have not changed: with this cache they cost no rate limit.
 *
 * One cache per process, shared by every Octokit the app creates (Probot makes one per
 * installation token), keyed by the installation, so one installation never sees another's
 * answer. It is bounded in entries and in bytes; the least recently used answers go first.
 */

/** The Octokit request hook's view of a request and a response, as far as the cache needs them. */
interface HookOptions {
  method?: string;
  url?: string;
  headers?: Record<string, string | number | undefined>;
  [key: string]: unknown;
}

interface HookResponse {
  status: number;
  url: string;
  headers: Record<string, string | number | undefined>;
  data: unknown;
}

interface RequestHook {
  wrap(name: "request", wrapper: (request: () => Promise<HookResponse>, options: HookOptions) => Promise<HookResponse>): void;
}

interface OctokitWithHook {
  hook: RequestHook;
  request: { endpoint: (options: HookOptions) => { method: string; url: string } };
}

interface Cached {
  etag: string;
  response: HookResponse;
  bytes: number;
}

export interface ConditionalCacheLimits {
  /** Answers kept at most. */
  entries: number;
  /** Bytes of JSON kept at most; an answer larger than a quarter of it is not kept. */
  bytes: number;
}

export const CONDITIONAL_CACHE_LIMITS: ConditionalCacheLimits = { entries: 2000, bytes: 32 * 1024 * 1024 };

/** What the cache did, for logs and tests. */
export interface ConditionalCacheStats {
  /** GETs answered 304 from the cache (no rate limit spent). */
  notModified: number;
  entries: number;
  bytes: number;
}

/** The cache and the Octokit plugin that uses it. */
export function createConditionalCache(limits: ConditionalCacheLimits = CONDITIONAL_CACHE_LIMITS) {
  const answers = new Map<string, Cached>();
  let bytes = 0;
  let notModified = 0;

  const forget = (key: string) => {
    const old = answers.get(key);
    if (old === undefined) return;
    answers.delete(key);
    bytes -= old.bytes;
  };
  const keep = (key: string, entry: Cached) => {
    forget(key);
    if (entry.bytes > limits.bytes / 4) return;
    answers.set(key, entry);
    bytes += entry.bytes;
    for (const oldest of answers.keys()) {
      if (answers.size <= limits.entries && bytes <= limits.bytes) break;
      forget(oldest);
    }
  };

  /** The Octokit plugin: `ProbotOctokit.plugin(cache.plugin)`. */
  const plugin = (octokit: unknown, options: { auth?: { installationId?: number | string } }) => {
    const { hook, request } = octokit as OctokitWithHook;
    const who = options.auth?.installationId === undefined ? "app" : `installation ${options.auth.installationId}`;
    hook.wrap("request", async (send, requestOptions) => {
      const endpoint = request.endpoint(requestOptions);
      // A caller that sets its own validators decides for itself.
      if (endpoint.method !== "GET" || requestOptions.headers?.["if-none-match"] !== undefined) return send();
      const key = `${who} ${endpoint.url}`;
      const cached = answers.get(key);
      if (cached === undefined) return remember(key, await send());
      // The hooks inside this one see the options object this hook was given, not one passed on.
      requestOptions.headers = { ...requestOptions.headers, "if-none-match": cached.etag };
      try {
        return remember(key, await send());
      } catch (error) {
        if ((error as { status?: number }).status !== 304) throw error;
        notModified += 1;
        // Used again: it moves to the young end.
        answers.delete(key);
        answers.set(key, cached);
        return cached.response;
      }
    });
  };

  const remember = (key: string, response: HookResponse): HookResponse => {
    const etag = response.headers.etag;
    if (response.status === 200 && typeof etag === "string") {
      keep(key, { etag, response, bytes: JSON.stringify(response.data ?? null).length });
    } else {
      forget(key);
    }
    return response;
  };

  return {
    plugin,
    stats: (): ConditionalCacheStats => ({ notModified, entries: answers.size, bytes }),
  };
}
