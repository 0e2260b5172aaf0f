import type { Probot } from "probot";
import { createProbot, type ProbotOctokit } from "probot";
import { productionDeps, type ProductionDeps } from "./index.js";
import type { BerthSettings } from "./settings.js";
import { handleShutdown } from "./shutdown.js";
import { startWebhookProxy, type SmeeModule, type WebhookProxy } from "./webhook-proxy.js";
import { createMetrics, githubMetricsPlugin } from "./metrics.js";
import { createWebhookServer, listen } from "./webhook-server.js";
import { createWebhookMiddleware } from "./webhooks.js";
import { createGitHubSignIn } from "./dashboard-oauth.js";
import { createDashboard, type Dashboard } from "./dashboard-routes.js";
import { createSessionStore } from "./dashboard-sessions.js";
import type { Logger } from "../src/util/logger.js";

/**
 * Runs the configured app: the webhook endpoint (webhooks.ts) behind berth's own HTTP server (so
 * that a stopping berth can answer 503), on PORT (default 3000) and HOST (default localhost, as Probot's
 * server; a container sets 0.0.0.0), and a graceful stop on SIGTERM and SIGINT within
 * BERTH_DRAIN_SECONDS. With WEBHOOK_PROXY_URL (a smee.io channel, for local development) it
 * forwards that channel's webhooks to itself, as Probot's server does. Resolves with the port once
 * listening.
 */
export async function serve(input: {
  env: NodeJS.ProcessEnv;
  settings: BerthSettings;
  Octokit: typeof ProbotOctokit;
  process: { on(signal: "SIGTERM" | "SIGINT", listener: () => void): unknown; exit: (code: number) => void };
  /** Loads smee-client; default an import by name (it is optional). */
  loadSmee?: () => Promise<SmeeModule>;
}): Promise<{ port: number }> {
  const { env } = input;
  const metrics = createMetrics();
  const probot: Probot = createProbot({
    // Probot's own server logs at info level, JSON in production; createProbot alone would log warnings only.
    env: { LOG_LEVEL: "info", LOG_FORMAT: env.NODE_ENV === "production" ? "json" : "pretty", ...env },
    overrides: { Octokit: input.Octokit.plugin(githubMetricsPlugin(metrics)) },
  });
  if (!env.WEBHOOK_SECRET) throw new Error("WEBHOOK_SECRET is not set: berth rejects unsigned webhooks");
  let deps: ProductionDeps | undefined;
  // Probot stays for what it is good at: the app's GitHub authentication and logging.
  await probot.load((app) => {
    deps = productionDeps(app, undefined, metrics);
  });
  if (!deps) throw new Error("the app did not load");
  const webhooks = createWebhookMiddleware({ secret: env.WEBHOOK_SECRET, deps, log: probot.log, ...(env.WEBHOOK_PATH ? { path: env.WEBHOOK_PATH } : {}) });
  const dashboard = buildDashboard(input.settings, deps.previews, probot.log);
  const web = createWebhookServer(metrics.timeWebhooks(webhooks), {
    ready: deps.ready,
    metrics: () => metrics.render(),
    wake: (host) => deps!.previews.wakeOnRequest(host),
    ...(dashboard ? { dashboard } : {}),
  });
  const host = env.HOST || "localhost";
  const port = await listen(web.server, env.PORT ? Number(env.PORT) : 3000, host);
  probot.log.info({ port }, `berth listening on port ${port}`);
  let proxy: WebhookProxy | undefined;
  if (env.WEBHOOK_PROXY_URL) {
    proxy = await startWebhookProxy({
      url: env.WEBHOOK_PROXY_URL,
      target: `http://${host}:${port}/api/github/webhooks`,
      log: probot.log,
      ...(input.loadSmee ? { load: input.loadSmee } : {}),
    });
  }
  handleShutdown({
    signals: input.process,
    exit: input.process.exit,
    stopResync: deps.stopResync,
    // A stopping berth takes no more webhooks from the proxy either.
    server: {
      refuse: () => {
        proxy?.close();
        web.refuse();
      },
      close: () => web.close(),
    },
    previews: deps.previews,
    deadlineMs: input.settings.BERTH_DRAIN_SECONDS * 1000,
    log: probot.log,
  });
  return { port };
}

/** The dashboard on BERTH_PUBLIC_URL's host, signing people in with the App's client id and secret; none without BERTH_PUBLIC_URL. */
export function buildDashboard(settings: BerthSettings, previews: ProductionDeps["previews"], log: Logger): Dashboard | undefined {
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
