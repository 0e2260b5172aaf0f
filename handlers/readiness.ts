/** One dependency berth needs to do its work: resolves when reachable, throws why not. */
export type ReadinessCheck = () => Promise<unknown>;

/** The answer of `/readyz`: each check `ok` or its failure. */
export interface Readiness {
  ready: boolean;
  checks: Record<string, string>;
}

/** How long one answer is reused: a health checker polling every second costs GitHub one request per this. */
export const READINESS_TTL_MS = 5_000;
/** A check that has not answered by then fails: the load balancer's health check waits 5 s. */
export const READINESS_TIMEOUT_MS = 3_000;

/**
 * Runs the checks (GitHub with the app's credentials, the base stack with berth's AWS role) at
 * most once per `ttlMs`: callers within that time share the answer, and callers during a run share
 * that run, so nothing outside can make berth hammer GitHub or AWS. A check slower than
 * `timeoutMs` counts as failed.
 */
export function createReadiness(input: {
  checks: Record<string, ReadinessCheck>;
  ttlMs?: number;
  timeoutMs?: number;
  now?: () => number;
}): () => Promise<Readiness> {
  const ttlMs = input.ttlMs ?? READINESS_TTL_MS;
  const timeoutMs = input.timeoutMs ?? READINESS_TIMEOUT_MS;
  const now = input.now ?? Date.now;
  let cached: { at: number; answer: Promise<Readiness> } | undefined;
  const run = async (): Promise<Readiness> => {
    const entries = await Promise.all(
      Object.entries(input.checks).map(async ([name, check]): Promise<[string, string]> => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        });
        try {
          await Promise.race([check(), timeout]);
          return [name, "ok"];
        } catch (error) {
          return [name, oneLine(error)];
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    return { ready: entries.every(([, state]) => state === "ok"), checks: Object.fromEntries(entries) };
  };
  return () => {
    if (!cached || now() - cached.at >= ttlMs) cached = { at: now(), answer: run() };
    return cached.answer;
  };
}

function oneLine(error: unknown): string {
  const status = (error as { status?: number }).status;
  const message = error instanceof Error ? error.message : String(error);
  return `${status === undefined ? "" : `${status} `}${message}`.split("\n")[0]!.slice(0, 300);
}
