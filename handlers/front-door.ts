import { createNodeMiddleware, Webhooks } from "@octokit/webhooks";
import type { Logger } from "pino";
import type { Dashboard } from "./dashboard-routes.js";
import type { Delivery, EngineCalls } from "./engine-protocol.js";
import { createFrontMetrics } from "./metrics.js";
import type { Readiness } from "./readiness.js";
import type { EngineThread } from "./start-engine-thread.js";
import { createWebhookServer, DEFAULT_WEBHOOK_PATH, type NodeMiddleware, type WebhookServer } from "./webhook-server.js";

/** `/readyz` answers 503 when the engine thread has not answered by then: the load balancer's health check waits 5 s. */
export const READY_CALL_TIMEOUT_MS = 4_000;
/** `/livez` answers 503 when the engine thread has not answered by then: a thread that busy or stuck does no work either. */
export const LIVE_CALL_TIMEOUT_MS = 4_000;

/**
 * The process's main thread when the engine runs on a thread of its own: berth's HTTP server
 * (webhook-server.ts) whose webhook endpoint only checks the signature, hands the delivery to the
 * engine thread and answers 200, so that no deploy's work ever makes GitHub wait. `/livez` (the
 * load balancer's health check) answers 200 while the engine thread answers a call, and while it
 * loads (it exits the process if it cannot be built), whatever GitHub and AWS answer. `/readyz`,
 * `/metrics` (this thread's metrics and the engine's in one answer) and the waking page ask the
 * engine thread; until it is built `/readyz` answers 503 and `/metrics` this thread's part. The
 * dashboard (its pages, sign-in and sessions) is served here, its list and actions asked of the
 * engine thread.
 */
export function createFrontDoor(input: {
  secret: string;
  path?: string;
  engine: EngineThread<EngineCalls>;
  log: Logger;
  dashboard?: Dashboard;
  /** How long `/livez` waits for the engine thread; default LIVE_CALL_TIMEOUT_MS. */
  liveTimeoutMs?: number;
}): WebhookServer {
  const { engine } = input;
  const metrics = createFrontMetrics();
  const middleware = createHandOverMiddleware({ secret: input.secret, handOver: (delivery) => engine.deliver(delivery), log: input.log, ...(input.path ? { path: input.path } : {}) });
  const loading: Readiness = { ready: false, checks: { engine: "loading" } };
  return createWebhookServer(metrics.timeWebhooks(middleware), {
    live: () => (engine.loaded() ? engine.call("alive", [], input.liveTimeoutMs ?? LIVE_CALL_TIMEOUT_MS).then(() => true, () => false) : Promise.resolve(true)),
    ready: () => (engine.loaded() ? engine.call("ready", [], READY_CALL_TIMEOUT_MS) : Promise.resolve(loading)),
    metrics: async () => {
      const own = await metrics.render();
      if (!engine.loaded()) return own;
      const theirs = await engine.call("metrics", []);
      return { contentType: own.contentType, body: `${own.body}${theirs.body}` };
    },
    wake: (host) => engine.call("wake", [host]),
    ...(input.dashboard ? { dashboard: input.dashboard } : {}),
  });
}

/**
 * The webhook endpoint of the front thread: @octokit/webhooks' Node middleware (so the answers
 * are those of handlers/webhooks.ts and Probot: 404, 415, 400 for missing headers or a bad
 * signature), whose receiving step checks `X-Hub-Signature-256` over the bytes received and hands
 * the body over as it came, unparsed; the event name and delivery id, all routing needs, are
 * headers. It answers 200 once the delivery is handed over, not once a handler ran, and 503 when
 * `handOver` says nobody will handle it (the engine thread has died).
 */
export function createHandOverMiddleware(input: { secret: string; handOver: (delivery: Delivery) => boolean; log: Logger; path?: string }): NodeMiddleware {
  const webhooks = new Webhooks({ secret: input.secret });
  webhooks.verifyAndReceive = async ({ id, name, payload, signature }) => {
    if (!(await webhooks.verify(payload, signature).catch(() => false))) {
      // The error @octokit/webhooks raises for a bad signature, which its middleware answers 400.
      const mismatch = Object.assign(new Error("[@octokit/webhooks] signature does not match event payload and secret"), { status: 400 });
      throw new AggregateError([mismatch], mismatch.message);
    }
    if (!input.handOver({ id, name, body: payload })) {
      // Never acknowledge what nobody will handle: GitHub's delivery log shows it failed, to redeliver.
      const stopped = Object.assign(new Error("berth's engine has stopped; redeliver this webhook once berth is back"), { status: 503 });
      throw new AggregateError([stopped], stopped.message);
    }
  };
  return createNodeMiddleware(webhooks, { path: input.path ?? DEFAULT_WEBHOOK_PATH, log: input.log.child({ name: "webhooks" }) });
}
