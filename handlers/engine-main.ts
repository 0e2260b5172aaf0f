// The engine thread of `npm start` (serve.ts starts it): Probot's app authentication, the
// handlers, the per-PR queue and the AWS and GitHub adapters, built from this thread's
// environment (serve.ts's), away from the thread that answers HTTP.
import { createProbot } from "probot";
import { createGitHubOctokit } from "./github-octokit.js";
import { productionDeps, type ProductionDeps } from "./index.js";
import { createMetrics, githubMetricsPlugin } from "./metrics.js";
import { watchReadiness } from "./readiness.js";
import { engineCalls, runEngineThread } from "./run-engine-thread.js";

runEngineThread(async () => {
  const env = process.env;
  const metrics = createMetrics({ part: "engine" });
  const probot = createProbot({
    // As the front thread logs: info level, JSON in production.
    env: { LOG_LEVEL: "info", LOG_FORMAT: env.NODE_ENV === "production" ? "json" : "pretty", ...env },
    overrides: { Octokit: createGitHubOctokit().plugin(githubMetricsPlugin(metrics)) },
  });
  let deps: ProductionDeps | undefined;
  await probot.load((app) => {
    deps = productionDeps(app, undefined, metrics);
  });
  if (!deps) throw new Error("the app did not load");
  const { previews, ready, stopResync: stopSchedule } = deps;
  // The load balancer checks /livez; GitHub or AWS not answering is logged and counted here.
  const stopWatching = watchReadiness({ ready, log: probot.log, onAnswer: (answer) => metrics.setReadiness(answer.checks) });
  const stopResync = () => {
    stopSchedule();
    stopWatching();
  };
  return { deps, calls: engineCalls({ previews, ready, metrics, stopResync }), log: probot.log };
});
