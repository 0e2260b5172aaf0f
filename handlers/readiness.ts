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

/** How often the engine asks its readiness when nobody polls `/readyz`. */
export const READINESS_WATCH_MS = 60_000;

/**
 * Asks `ready` at once and then every `everyMs` (the timer keeps no process alive), hands each
 * answer to `onAnswer` (the `berth_ready` gauge), and logs when the answer changes: a warning
 * naming each failing check when berth stops being ready, an info line when it is ready again.
 * The load balancer checks `/livez`, which does not depend on GitHub or AWS, so this is what tells
 * an operator that they stopped answering. Returns the way to stop asking.
 */
export function watchReadiness(input: {
  ready: () => Promise<Readiness>;
  everyMs?: number;
  log: { warn(fields: object, message: string): void; info(fields: object, message: string): void };
  onAnswer?: (answer: Readiness) => void;
}): () => void {
  let wasReady = true;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const look = async () => {
    const answer = await input.ready().catch((error: unknown): Readiness => ({ ready: false, checks: { readiness: oneLine(error) } }));
    if (stopped) return;
    input.onAnswer?.(answer);
    if (wasReady && !answer.ready) {
      const failing = Object.fromEntries(Object.entries(answer.checks).filter(([, state]) => state !== "ok"));
      input.log.warn({ checks: failing }, `berth is not ready: ${Object.entries(failing).map(([name, state]) => `${name}: ${state}`).join("; ")}`);
    } else if (!wasReady && answer.ready) {
      input.log.info({ checks: answer.checks }, "berth is ready again: GitHub and the base stack answer");
    }
    wasReady = answer.ready;
    timer = setTimeout(() => void look(), input.everyMs ?? READINESS_WATCH_MS);
    timer.unref();
  };
  void look();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
