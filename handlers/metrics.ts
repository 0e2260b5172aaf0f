import type { IncomingMessage, ServerResponse } from "node:http";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Octokit } from "@octokit/core";
import type { EngineMetrics } from "../src/preview/index.js";
import type { NodeMiddleware } from "./webhook-server.js";

/** Seconds buckets of a deploy or a phase: from a release-only push (a minute) to a long image wait. */
const DEPLOY_BUCKETS = [5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600];
/** Seconds buckets of a webhook's answer: GitHub gives up after 10 s. */
const ACK_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** What the app counts, in Prometheus' exposition format (`GET /metrics`). The engine sees only `engine`. */
export interface BerthMetrics {
  registry: Registry;
  /** The engine's port: deploy outcomes and phase durations. */
  engine: EngineMetrics;
  /** One AWS SDK call ended (`service` e.g. ECS, `operation` e.g. RunTask), failed with `error` (its name) or not. */
  awsCall(service: string, operation: string, error?: string): void;
  /** One GitHub request ended; `operation` is the route (`POST /repos/{owner}/{repo}/check-runs`). */
  githubCall(operation: string, status: number | undefined): void;
  /** `middleware` timing each webhook delivery (a POST) from its first byte to the end of its answer. */
  timeWebhooks(middleware: NodeMiddleware): NodeMiddleware;
  /** The last resync found this many previews (berth's stacks). */
  setLivePreviews(count: number): void;
  /** Sets the sleeping previews' gauge: the idle sweep's count of stacks tagged asleep. */
  setSleepingPreviews(count: number): void;
  /** Sets `berth_ready` from a readiness answer: 1 per check that passed, 0 per check that failed. */
  setReadiness(checks: Record<string, string>): void;
  /** Where each scrape reads the queue from (the engine, once built). */
  watchQueue(read: () => { running: number; waiting: number }): void;
  /** The body and content type of `GET /metrics`. */
  render(): Promise<{ contentType: string; body: string }>;
}

/** The front thread's metrics when the engine runs on a thread of its own (serve.ts): Node's process metrics and the webhook answers. */
export interface FrontMetrics {
  timeWebhooks: BerthMetrics["timeWebhooks"];
  render: BerthMetrics["render"];
}

/** The front thread's registry: Node's metrics of the process and of its thread (`berth_`), and `berth_webhook_ack_seconds`. */
export function createFrontMetrics(): FrontMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "berth_" });
  return { timeWebhooks: timeWebhooksInto(registry), render: async () => ({ contentType: registry.contentType, body: await registry.metrics() }) };
}

/**
 * berth's Prometheus metrics, in a registry of their own, with Node's process metrics. The queue
 * (see `watchQueue`) is read at each scrape. `part: "engine"` is the engine thread's share beside
 * createFrontMetrics: no webhook answers (the front thread times them), and Node's metrics named
 * `berth_engine_` (that thread's heap and event-loop lag; the process-wide ones repeat the front's).
 */
export function createMetrics(options: { part?: "all" | "engine" } = {}): BerthMetrics {
  const engineOnly = options.part === "engine";
  let queue = (): { running: number; waiting: number } => ({ running: 0, waiting: 0 });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: engineOnly ? "berth_engine_" : "berth_" });
  const deploys = new Counter({ name: "berth_deploys_total", help: "Deploys that ended, by outcome", labelNames: ["outcome"], registers: [registry] });
  const deploySeconds = new Histogram({ name: "berth_deploy_duration_seconds", help: "How long deploys took, by outcome", labelNames: ["outcome"], buckets: DEPLOY_BUCKETS, registers: [registry] });
  const phaseSeconds = new Histogram({ name: "berth_deploy_phase_duration_seconds", help: "How long each deploy phase took, by phase and how it ended", labelNames: ["phase", "status"], buckets: DEPLOY_BUCKETS, registers: [registry] });
  new Gauge({
    name: "berth_queue_jobs",
    help: "Pull request jobs running and waiting",
    labelNames: ["state"],
    registers: [registry],
    collect() {
      const { running, waiting } = queue();
      this.set({ state: "running" }, running);
      this.set({ state: "waiting" }, waiting);
    },
  });
  const live = new Gauge({ name: "berth_previews_live", help: "Previews (berth's stacks) the last resync found", registers: [registry] });
  const sleeping = new Gauge({ name: "berth_previews_sleeping", help: "Previews the last idle sweep found asleep", registers: [registry] });
  const ready = new Gauge({ name: "berth_ready", help: "Whether each of berth's readiness checks passed when last asked (1) or failed (0)", labelNames: ["check"], registers: [registry] });
  const awsCalls = new Counter({ name: "berth_aws_calls_total", help: "AWS API calls, by service and operation", labelNames: ["service", "operation"], registers: [registry] });
  const awsErrors = new Counter({ name: "berth_aws_errors_total", help: "AWS API calls that failed, by service, operation and error", labelNames: ["service", "operation", "error"], registers: [registry] });
  const githubCalls = new Counter({ name: "berth_github_requests_total", help: "GitHub API requests, by route", labelNames: ["operation"], registers: [registry] });
  const githubErrors = new Counter({ name: "berth_github_errors_total", help: "GitHub API requests that failed, by route and status (0: no answer)", labelNames: ["operation", "status"], registers: [registry] });
  const timeWebhooks: BerthMetrics["timeWebhooks"] = engineOnly ? (middleware) => middleware : timeWebhooksInto(registry);

  return {
    registry,
    engine: {
      deployFinished(outcome, seconds) {
        deploys.inc({ outcome });
        deploySeconds.observe({ outcome }, seconds);
      },
      phaseFinished(phase, status, seconds) {
        phaseSeconds.observe({ phase, status }, seconds);
      },
    },
    awsCall(service, operation, error) {
      awsCalls.inc({ service, operation });
      if (error !== undefined) awsErrors.inc({ service, operation, error });
    },
    githubCall(operation, status) {
      githubCalls.inc({ operation });
      if (status === undefined || status >= 400) githubErrors.inc({ operation, status: String(status ?? 0) });
    },
    timeWebhooks,
    setLivePreviews(count) {
      live.set(count);
    },
    setSleepingPreviews(count) {
      sleeping.set(count);
    },
    setReadiness(checks) {
      for (const [check, state] of Object.entries(checks)) ready.set({ check }, state === "ok" ? 1 : 0);
    },
    watchQueue(read) {
      queue = read;
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

/** `berth_webhook_ack_seconds` in `registry`, and the wrapper that times each delivery (a POST) from its first byte to the end of its answer. */
function timeWebhooksInto(registry: Registry): BerthMetrics["timeWebhooks"] {
  const ack = new Histogram({ name: "berth_webhook_ack_seconds", help: "Time to answer a webhook delivery, by status", labelNames: ["status"], buckets: ACK_BUCKETS, registers: [registry] });
  return (middleware) => (req: IncomingMessage, res: ServerResponse, next?: () => void) => {
    if (req.method === "POST") {
      const end = ack.startTimer();
      res.once("finish", () => end({ status: String(res.statusCode) }));
    }
    return middleware(req, res, next);
  };
}

/** The part of an AWS SDK v3 client the metrics middleware needs. */
interface InstrumentableClient {
  middlewareStack: { add(middleware: unknown, options: { step: "initialize"; name: string }): void };
}

/**
 * Counts every call of an AWS SDK client by operation, and its failures by error name, once per
 * call (retries included), at the client's outermost step.
 */
export function instrumentAwsClient(client: InstrumentableClient, service: string, metrics: Pick<BerthMetrics, "awsCall">): void {
  const middleware =
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
    async (args: unknown): Promise<unknown> => {
      const operation = context.commandName?.replace(/Command$/, "") ?? "unknown";
      try {
        const output = await next(args);
        metrics.awsCall(service, operation);
        return output;
      } catch (error) {
        metrics.awsCall(service, operation, (error as Error).name || "Error");
        throw error;
      }
    };
  client.middlewareStack.add(middleware, { step: "initialize", name: "berthMetrics" });
}

/** An Octokit plugin that counts every GitHub request by route (`GET /repos/{owner}/{repo}/pulls`) and its failures by status. */
export function githubMetricsPlugin(metrics: Pick<BerthMetrics, "githubCall">): (octokit: Octokit) => void {
  return (octokit) => {
    octokit.hook.wrap("request", async (request, options) => {
      const operation = `${options.method} ${options.url}`;
      try {
        const response = await request(options);
        metrics.githubCall(operation, response.status);
        return response;
      } catch (error) {
        metrics.githubCall(operation, (error as { status?: number }).status);
        throw error;
      }
    });
  };
}
