import type { PreviewService } from "../src/preview/index.js";
import type { Logger } from "../src/util/logger.js";
import type { WebhookServer } from "./webhook-server.js";

/** What stopping berth touches; `main.ts` passes the process and the real server. */
export interface ShutdownDeps {
  /** Where SIGTERM and SIGINT come from: `process`. */
  signals: { on(signal: "SIGTERM" | "SIGINT", listener: () => void): unknown };
  exit: (code: number) => void;
  /** Stops the resync schedule (`scheduleResync`'s return value). */
  stopResync: () => void;
  server: Pick<WebhookServer, "refuse" | "close">;
  previews: Pick<PreviewService, "drain">;
  /** The whole stop takes at most this long (BERTH_DRAIN_SECONDS); below the container's stop timeout. */
  deadlineMs: number;
  log: Logger;
}

/**
 * How long before the deadline the drain gives up, so that closing the server and exiting still
 * fit: a fifth of the deadline, at most 5 s.
 */
export function closeReserveMs(deadlineMs: number): number {
  return Math.min(5_000, Math.floor(deadlineMs / 5));
}

/**
 * Stops berth gracefully on SIGTERM (what ECS sends) and SIGINT: stops the resync schedule,
 * answers webhooks 503, drains the engine (running deploys stop at their next safe point, their
 * check runs say berth is restarting), closes the server and exits 0, all within `deadlineMs`.
 * When the deadline passes first, or a second signal comes, it exits 1 at once: whatever still
 * ran is concluded and resumed by the next process's start-up resync. One log line per step.
 * Returns `stop`, which is what a signal calls.
 */
export function handleShutdown(deps: ShutdownDeps): { stop: (signal: string) => Promise<void> } {
  const { log } = deps;
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) {
      log.warn({ signal }, `${signal} again while stopping: exiting now`);
      deps.exit(1);
      return;
    }
    stopping = true;
    const seconds = Math.round(deps.deadlineMs / 1000);
    const deadline = setTimeout(() => {
      log.error({ deadlineSeconds: seconds }, `stop took longer than ${seconds} s: exiting now; the next start resumes what still ran`);
      deps.exit(1);
    }, deps.deadlineMs);
    log.info({ signal, deadlineSeconds: seconds }, `${signal}: stopping within ${seconds} s`);
    try {
      deps.stopResync();
      log.info({}, "stopping: resync schedule stopped");
      deps.server.refuse();
      log.info({}, "stopping: webhooks are answered 503 and /ping says DRAINING");
      const outcome = await deps.previews.drain(deps.deadlineMs - closeReserveMs(deps.deadlineMs));
      if (outcome === "drained") log.info({}, "stopping: no work runs any more");
      else log.warn({}, "stopping: deploys still running at the drain deadline were paused where they stand; the next start resumes them");
      await deps.server.close();
      log.info({}, "stopping: server closed");
    } catch (error) {
      log.error({ err: error }, "stopping failed: exiting now");
      clearTimeout(deadline);
      deps.exit(1);
      return;
    }
    clearTimeout(deadline);
    log.info({}, "stopped: exiting");
    deps.exit(0);
  };
  for (const signal of ["SIGTERM", "SIGINT"] as const) deps.signals.on(signal, () => void stop(signal));
  return { stop };
}
