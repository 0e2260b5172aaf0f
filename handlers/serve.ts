import { createProbot } from "probot";
import type { EngineCalls } from "./engine-protocol.js";
import { createFrontDoor } from "./front-door.js";
import type { BerthSettings } from "./settings.js";
import { handleShutdown } from "./shutdown.js";
import { startEngineThread } from "./start-engine-thread.js";
import { startWebhookProxy, type SmeeModule, type WebhookProxy } from "./webhook-proxy.js";
import { listen } from "./webhook-server.js";
import { createGitHubSignIn } from "./dashboard-oauth.js";
import { createDashboard, type Dashboard, type DashboardDeps } from "./dashboard-routes.js";
import { createSessionStore } from "./dashboard-sessions.js";
import type { Logger } from "../src/util/logger.js";
import { siblingModule } from "../src/util/start-worker.js";

/** How long the drain's answer may come after its own deadline before the stop gives up on it. */
const DRAIN_ANSWER_SLACK_MS = 1_000;

/**
 * Runs the configured app on two threads. This one, the front door, runs only berth's HTTP server
 * on PORT (default 3000) and HOST (default localhost, as Probot's server; a container sets
 * 0.0.0.0): `/ping`, `/readyz`, `/metrics`, the waking page, and the webhook endpoint, which checks
 * the signature, hands the delivery to the engine thread and answers 200 (front-door.ts). The
 * engine (Probot's app authentication, the handlers, the queue, the adapters) runs on a worker
 * thread (`engine`, default engine-main.ts), so no deploy's work holds up an answer; it may finish
 * loading after the port listens, `/readyz` answering 503 until then. The engine thread dying
 * exits the process 1. A graceful stop on SIGTERM and SIGINT within BERTH_DRAIN_SECONDS drains the
 * engine through the thread. With WEBHOOK_PROXY_URL (a smee.io channel, for local development) it
 * forwards that channel's webhooks to itself, as Probot's server does. Resolves with the port once
 * listening.
 */
export async function serve(input: {
  env: NodeJS.ProcessEnv;
  settings: BerthSettings;
  process: { on(signal: "SIGTERM" | "SIGINT", listener: () => void): unknown; exit: (code: number) => void };
  /** Loads smee-client; default an import by name (it is optional). */
  loadSmee?: () => Promise<SmeeModule>;
  /** The engine thread's module (it calls runEngineThread); default engine-main. */
  engine?: URL;
}): Promise<{ port: number }> {
  const { env } = input;
  if (!env.WEBHOOK_SECRET) throw new Error("WEBHOOK_SECRET is not set: berth rejects unsigned webhooks");
  // Probot's logger, as its own server logs: info level, JSON in production.
  const probot = createProbot({ env: { LOG_LEVEL: "info", LOG_FORMAT: env.NODE_ENV === "production" ? "json" : "pretty", ...env } });
  // Probot builds its logger as it loads; this thread loads no app.
  await probot.load(() => {});
  const { log } = probot;
  // The engine thread is stopped before the process exits, so that a stop in a test ends it too.
  const exit = (code: number) => void engine.terminate().finally(() => input.process.exit(code));
  const engine = startEngineThread<EngineCalls>({ entry: input.engine ?? siblingModule(import.meta.url, "engine-main"), env, log, exit });
  // The dashboard's pages and sessions live on this thread; its list and actions are the engine's.
  const dashboard = buildDashboard(input.settings, { listPreviews: (readable) => engine.call("listPreviews", [readable]), dashboardAction: (request) => engine.call("dashboardAction", [request]) }, log);
  const web = createFrontDoor({ secret: env.WEBHOOK_SECRET, engine, log, ...(env.WEBHOOK_PATH ? { path: env.WEBHOOK_PATH } : {}), ...(dashboard ? { dashboard } : {}) });
  const host = env.HOST || "localhost";
  const port = await listen(web.server, env.PORT ? Number(env.PORT) : 3000, host);
  log.info({ port }, `berth listening on port ${port}`);
  let proxy: WebhookProxy | undefined;
  if (env.WEBHOOK_PROXY_URL) {
    proxy = await startWebhookProxy({
      url: env.WEBHOOK_PROXY_URL,
      target: `http://${host}:${port}/api/github/webhooks`,
      log,
      ...(input.loadSmee ? { load: input.loadSmee } : {}),
    });
  }
  handleShutdown({
    signals: input.process,
    exit,
    stopResync: () => void engine.call("stopResync", []).catch(() => {}),
    // A stopping berth takes no more webhooks from the proxy either.
    server: {
      refuse: () => {
        proxy?.close();
        web.refuse();
      },
      close: () => web.close(),
    },
    // An engine still loading runs nothing yet.
    previews: { drain: (deadlineMs) => (engine.loaded() ? engine.call("drain", [deadlineMs], deadlineMs + DRAIN_ANSWER_SLACK_MS) : Promise.resolve("drained" as const)) },
    deadlineMs: input.settings.BERTH_DRAIN_SECONDS * 1000,
    log,
  });
  return { port };
}

/** The dashboard on BERTH_PUBLIC_URL's host, signing people in with the App's client id and secret; none without BERTH_PUBLIC_URL. */
export function buildDashboard(settings: BerthSettings, previews: DashboardDeps["previews"], log: Logger): Dashboard | undefined {
  const publicUrl = settings.BERTH_PUBLIC_URL;
  if (publicUrl === undefined) return undefined;
  const githubUrl = settings.BERTH_GITHUB_URL;
  const enterprise = !/^https:\/\/github\.com$/.test(githubUrl);
  return createDashboard({
    previews,
    signIn: createGitHubSignIn({
      clientId: settings.GITHUB_CLIENT_ID ?? "",
      clientSecret: settings.GITHUB_CLIENT_SECRET ?? "",
      redirectUrl: `${publicUrl}/auth/callback`,
      githubUrl,
      // A GitHub Enterprise server answers its REST API under /api/v3.
      ...(enterprise ? { apiUrl: `${githubUrl}/api/v3` } : {}),
    }),
    sessions: createSessionStore(),
    publicUrl,
    githubUrl,
    now: () => new Date(),
    log: log.child({ name: "dashboard" }),
  });
}
