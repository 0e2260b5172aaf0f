import { parentPort, type MessagePort } from "node:worker_threads";
import { createEventHandler, type EmitterWebhookEvent } from "@octokit/webhooks";
import type { Logger } from "../src/util/logger.js";
import type { HandlerDeps } from "./deps.js";
import type { PreviewService } from "../src/preview/index.js";
import type { Delivery, EngineCalls, EngineMessage, FrontMessage } from "./engine-protocol.js";
import { routeWebhooks } from "./webhooks.js";
import { lowerThreadPriority } from "../src/util/thread-priority.js";

/**
 * The calls the front thread makes of an engine (EngineCalls), answered by its preview service,
 * its readiness, its metrics and its way to stop the resync schedule.
 */
export function engineCalls(input: {
  previews: Pick<PreviewService, "wakeOnRequest" | "listPreviews" | "dashboardAction" | "drain">;
  ready: EngineCalls["ready"];
  metrics: { render: EngineCalls["metrics"] };
  stopResync: () => void;
}): EngineCalls {
  const { previews } = input;
  return {
    alive: () => true,
    ready: input.ready,
    metrics: () => input.metrics.render(),
    wake: (host) => previews.wakeOnRequest(host),
    listPreviews: (readable) => previews.listPreviews(readable),
    dashboardAction: (request) => previews.dashboardAction(request),
    stopResync: input.stopResync,
    drain: (deadlineMs) => previews.drain(deadlineMs),
  };
}

/** What an engine thread is made of: the handlers' engine, the calls the front thread may make, where it logs. */
export interface EngineParts<C extends object> {
  deps: HandlerDeps;
  calls: C;
  log: Logger;
}

/**
 * The engine thread's side of the thread split: builds the engine with `build`, then runs every
 * delivery the front thread hands over through the handlers (the same routes as one thread) and
 * answers the front thread's calls with `calls`. Deliveries that arrive while the engine is
 * built wait for it; calls then fail. A build that fails is reported as `failed` with its
 * message (the front thread exits 1 with it).
 */
export function runEngineThread<C extends object>(build: () => Promise<EngineParts<C>>, port: MessagePort | null = parentPort): void {
  if (!port) throw new Error("runEngineThread runs on a worker thread, not the main thread");
  // The front thread answers GitHub; when the cores are short, it runs first.
  lowerThreadPriority();
  const post = (message: EngineMessage) => port.postMessage(message);
  const early: Delivery[] = [];
  let engine: { parts: EngineParts<C>; events: ReturnType<typeof createEventHandler> } | undefined;

  const receive = (delivery: Delivery) => {
    const { parts, events } = engine!;
    let payload: unknown;
    try {
      payload = JSON.parse(delivery.body);
    } catch (error) {
      parts.log.error({ id: delivery.id, event: delivery.name }, `webhook delivery ${delivery.id} (${delivery.name}) is signed but not JSON: ${(error as Error).message}`);
      return;
    }
    events.receive({ id: delivery.id, name: delivery.name, payload } as EmitterWebhookEvent).catch((error: unknown) => {
      parts.log.error({ err: error, id: delivery.id, event: delivery.name }, `webhook delivery ${delivery.id} (${delivery.name}) failed in its handler`);
    });
  };

  const answer = (id: number, method: string, args: unknown[]) => {
    if (!engine) return post({ type: "answer", id, error: "the engine is still loading" });
    const call = (engine.parts.calls as Record<string, unknown>)[method];
    if (typeof call !== "function") return post({ type: "answer", id, error: `the engine has no call ${method}` });
    Promise.resolve()
      .then(() => (call as (...a: unknown[]) => unknown).apply(engine!.parts.calls, args))
      .then(
        (value) => post({ type: "answer", id, value }),
        (error: unknown) => post({ type: "answer", id, error: error instanceof Error ? error.message : String(error) }),
      );
  };

  port.on("message", (message: FrontMessage) => {
    if (message.type === "call") answer(message.id, message.method, message.args);
    else if (engine) receive(message.delivery);
    else early.push(message.delivery);
  });

  build().then(
    (parts) => {
      const events = createEventHandler({});
      routeWebhooks(events, parts.deps);
      engine = { parts, events };
      post({ type: "loaded" });
      for (const delivery of early.splice(0)) receive(delivery);
    },
    (error: unknown) => post({ type: "failed", message: error instanceof Error ? error.message : String(error) }),
  );
}
