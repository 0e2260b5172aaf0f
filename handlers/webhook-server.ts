import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Readiness } from "./readiness.js";
import type { Dashboard } from "./dashboard-routes.js";
import { renderWakingPage, WAKING_HEADERS } from "./waking-page.js";

/**
 * Where GitHub delivers webhooks, as Probot serves them (`WEBHOOK_PATH` changes it there too). Here,
 * with the server, so that the front thread does not load the handlers to know it.
 */
export const DEFAULT_WEBHOOK_PATH = "/api/github/webhooks";

/** Probot's Node middleware (`createNodeMiddleware`): true when it answered the request. */
export type NodeMiddleware = (req: IncomingMessage, res: ServerResponse, next?: () => void) => Promise<boolean | void> | boolean | void;

/**
 * berth's HTTP server: the webhooks, `GET /ping` (the process answers), `GET /livez` (the process
 * and its engine answer; the load balancer's health check), `GET /readyz` (GitHub and the base
 * stack answer berth), `GET /metrics` (Prometheus),
 * the dashboard on berth's own host, the waking page for any other GET or HEAD whose Host is a
 * sleeping preview's, 404 for the rest.
 */
export interface WebhookServer {
  readonly server: Server;
  /**
   * From now on every webhook is answered 503 (GitHub's delivery log shows it failed, and it can
   * be redelivered) and `/ping` says DRAINING: berth is stopping and starts no new work.
   */
  refuse(): void;
  /** Stops listening; resolves once the requests being answered have ended. */
  close(): Promise<void>;
}

/**
 * Serves `middleware` until `refuse()`; `/ping` answers PONG, as Probot's own server does;
 * `/livez` answers 200 LIVE when `live` says so (or there is no `live`), 503 otherwise and while
 * refusing; `/readyz` answers 200 when `ready` says so, 503 otherwise, with the checks as JSON.
 */
export function createWebhookServer(
  middleware: NodeMiddleware,
  options: {
    ready?: () => Promise<Readiness>;
    /** Whether berth can do its work, whatever GitHub and AWS answer (its engine answers); never rejects. */
    live?: () => Promise<boolean>;
    metrics?: () => Promise<{ contentType: string; body: string }>;
    /** Says whether a host is a preview's (and wakes it): its GET and HEAD requests get the waking page, other hosts' a bare 404. */
    wake?: (host: string) => Promise<"waking" | "unknown">;
    /** The dashboard of live previews: answered on its own host, before any look-up of a preview's. */
    dashboard?: Dashboard;
  } = {},
): WebhookServer {
  let refusing = false;
  const server = createServer((req, res) => {
    const path = req.url?.split("?")[0];
    if (req.method === "GET" && path === "/ping") {
      res.writeHead(refusing ? 503 : 200, { "content-type": "text/plain" }).end(refusing ? "DRAINING" : "PONG");
      return;
    }
    if (req.method === "GET" && path === "/livez") {
      const live = refusing ? Promise.resolve(false) : (options.live?.() ?? Promise.resolve(true));
      void live.then((yes) => res.writeHead(yes ? 200 : 503, { "content-type": "text/plain" }).end(yes ? "LIVE" : refusing ? "DRAINING" : "NOT LIVE: the engine does not answer"));
      return;
    }
    if (req.method === "GET" && path === "/metrics" && options.metrics) {
      options.metrics().then(
        ({ contentType, body }) => res.writeHead(200, { "content-type": contentType }).end(body),
        () => res.writeHead(500).end(),
      );
      return;
    }
    if (req.method === "GET" && path === "/readyz" && options.ready) {
      if (refusing) {
        res.writeHead(503, { "content-type": "application/json" }).end(`${JSON.stringify({ ready: false, draining: true })}\n`);
        return;
      }
      options.ready().then(
        (answer) => res.writeHead(answer.ready ? 200 : 503, { "content-type": "application/json" }).end(`${JSON.stringify(answer)}\n`),
        () => res.writeHead(503).end(),
      );
      return;
    }
    const own = options.dashboard !== undefined && sameHost(req.headers.host, options.dashboard.host);
    if (own && options.dashboard!.answers(req.method ?? "", path ?? "")) {
      void options.dashboard!.handle(req, res);
      return;
    }
    if ((req.method === "GET" || req.method === "HEAD") && options.wake && !own) {
      const wake = options.wake;
      void answerWake(wake, req, res);
      return;
    }
    if (refusing) {
      res.writeHead(503, { "content-type": "text/plain", connection: "close" }).end("berth is restarting; redeliver this webhook once it is back\n");
      return;
    }
    Promise.resolve(middleware(req, res, () => res.writeHead(404).end())).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  return {
    server,
    refuse: () => {
      refusing = true;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (!server.listening) return resolve();
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive connections waiting for a next request would hold close() open.
        server.closeIdleConnections();
      }),
  };
}

/** The waking page for a preview's host, a bare 404 for any other (and when the look-up fails). */
async function answerWake(wake: (host: string) => Promise<"waking" | "unknown">, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const answer = await wake(req.headers.host ?? "").catch(() => "unknown" as const);
  if (answer === "waking") res.writeHead(503, WAKING_HEADERS).end(req.method === "HEAD" ? undefined : renderWakingPage());
  else res.writeHead(404, { "content-type": "text/plain" }).end("Not Found\n");
}

/** Whether a Host header names `host` (without case, a default port ignored). */
function sameHost(header: string | undefined, host: string): boolean {
  return (header ?? "").toLowerCase().replace(/:(443|80)$/, "") === host.toLowerCase();
}

/** Starts listening; resolves with the port (0 picks a free one). */
export function listen(server: Server, port: number, host?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}
