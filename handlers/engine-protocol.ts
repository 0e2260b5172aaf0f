/**
 * The messages between the front thread (the HTTP server and the dashboard's pages:
 * handlers/front-door.ts) and the engine thread (Probot's app authentication, the handlers, the
 * queue, the adapters: handlers/engine-main.ts, through handlers/run-engine-thread.ts). Deliveries
 * go one way and are not answered; calls carry an id and get one answer each.
 */
import type { DashboardRow } from "../src/dashboard/dashboard-row.js";
import type { DashboardActionRequest } from "../src/preview/index.js";
import type { Readiness } from "./readiness.js";

/** A webhook delivery whose signature the front thread checked: GitHub's headers and the body as received. */
export interface Delivery {
  /** `X-GitHub-Delivery`. */
  id: string;
  /** `X-GitHub-Event`. */
  name: string;
  /** The JSON body, parsed on the engine thread. */
  body: string;
}

/** What the production engine thread answers to the front thread. */
export interface EngineCalls {
  /** `/livez`: the engine thread answers calls (whatever GitHub and AWS answer). */
  alive(): true;
  /** `/readyz`: whether GitHub and the base stack answer berth's credentials. */
  ready(): Promise<Readiness>;
  /** The engine thread's part of `/metrics`, in Prometheus' text format. */
  metrics(): Promise<{ contentType: string; body: string }>;
  /** The waking page: whether `host` is a sleeping preview's (and wakes it). */
  wake(host: string): Promise<"waking" | "unknown">;
  /** The dashboard's rows of the repositories `readable` names (`owner/repo`, any case). */
  listPreviews(readable: readonly string[]): Promise<DashboardRow[]>;
  /** A dashboard button pressed: queued through the pull request's queue, or why not. */
  dashboardAction(request: DashboardActionRequest): Promise<"queued" | "refused" | "closed" | "restarting">;
  /** Stops the resync schedule (a stop has begun). */
  stopResync(): void;
  /** Waits until no work runs, at most `deadlineMs`; deploys still running then are paused. */
  drain(deadlineMs: number): Promise<"drained" | "deadline">;
}

/** Front thread to engine thread. */
export type FrontMessage = { type: "delivery"; delivery: Delivery } | { type: "call"; id: number; method: string; args: unknown[] };

/** Engine thread to front thread. */
export type EngineMessage =
  /** The engine is built: deliveries received so far are being handled, calls are answered. */
  | { type: "loaded" }
  /** The engine could not be built; `message` says why, and the process exits 1. */
  | { type: "failed"; message: string }
  | { type: "answer"; id: number; value: unknown }
  | { type: "answer"; id: number; error: string };
