import type { Worker } from "node:worker_threads";
import { startWorker } from "../src/util/start-worker.js";
import type { Logger } from "../src/util/logger.js";
import type { Delivery, EngineMessage, FrontMessage } from "./engine-protocol.js";

/** How long a call waits for the engine thread's answer unless told otherwise. */
export const CALL_TIMEOUT_MS = 10_000;

type Method<T> = T extends (...args: infer A) => infer R ? { args: A; result: Awaited<R> } : never;

/** The front thread's handle on the engine thread; `C` is what the engine thread answers (EngineCalls in production). */
export interface EngineThread<C extends object> {
  /**
   * Hands a verified delivery to the engine thread and returns true at once; the engine handles it
   * in order of arrival. False once the engine thread has died or stopped: nobody would handle it.
   */
  deliver(delivery: Delivery): boolean;
  /** Whether the engine has been built (deliveries handed over before that wait for it). */
  loaded(): boolean;
  /** Resolves once the engine has been built. */
  whenLoaded(): Promise<void>;
  /**
   * Calls `method` on the engine thread; rejects with its error's message, when the engine is not
   * built yet, or when no answer came within `timeoutMs`.
   */
  call<K extends keyof C & string>(method: K, args: Method<C[K]>["args"], timeoutMs?: number): Promise<Method<C[K]>["result"]>;
  /** Stops the engine thread (the process is exiting); its death is then not an error. */
  terminate(): Promise<void>;
}

/**
 * Starts the engine on a worker thread running `entry` (a module that calls runEngineThread).
 * The engine thread dying, or failing to build the engine, is loud: the reason is logged and
 * `exit(1)` is called, so that ECS starts a new task (whose resync repairs what was missed)
 * instead of a front door that acknowledges deliveries nobody handles.
 */
export function startEngineThread<C extends object>(input: {
  entry: URL;
  log: Pick<Logger, "error">;
  exit: (code: number) => void;
  /** The engine thread's `process.env`; default a copy of this one's. */
  env?: NodeJS.ProcessEnv;
  /** Given to the engine thread as `workerData`. */
  workerData?: unknown;
}): EngineThread<C> {
  const worker: Worker = startWorker(input.entry, { ...(input.env ? { env: input.env } : {}), ...(input.workerData === undefined ? {} : { workerData: input.workerData }) });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  let nextId = 0;
  let isLoaded = false;
  let ending = false;
  let markLoaded: () => void = () => {};
  const loadedPromise = new Promise<void>((resolve) => (markLoaded = resolve));

  /** Every call still waiting fails with `reason`: no answer will come. */
  const failPending = (reason: string) => {
    for (const [id, waiter] of pending) {
      clearTimeout(waiter.timer);
      pending.delete(id);
      waiter.reject(new Error(reason));
    }
  };
  const die = (reason: string, error?: unknown) => {
    if (ending) return;
    ending = true;
    failPending(reason);
    input.log.error(error === undefined ? {} : { err: error }, reason);
    input.exit(1);
  };

  worker.on("message", (message: EngineMessage) => {
    if (message.type === "loaded") {
      isLoaded = true;
      markLoaded();
    } else if (message.type === "failed") {
      die(message.message);
    } else {
      const waiter = pending.get(message.id);
      if (!waiter) return;
      pending.delete(message.id);
      clearTimeout(waiter.timer);
      if ("error" in message) waiter.reject(new Error(message.error));
      else waiter.resolve(message.value);
    }
  });
  worker.on("error", (error) => die(`the engine thread failed: ${error.message}; exiting so that a new process takes over`, error));
  worker.on("exit", (code) => die(`the engine thread stopped (exit code ${code}); exiting so that a new process takes over`));
  const post = (message: FrontMessage) => worker.postMessage(message);

  return {
    deliver(delivery) {
      if (ending) return false;
      post({ type: "delivery", delivery });
      return true;
    },
    loaded: () => isLoaded,
    whenLoaded: () => loadedPromise,
    call(method, args, timeoutMs = CALL_TIMEOUT_MS) {
      if (ending) return Promise.reject(new Error("the engine thread has stopped"));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`the engine thread did not answer ${method} within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
        post({ type: "call", id, method, args: args as unknown[] });
      });
    },
    async terminate() {
      ending = true;
      failPending("the engine thread has stopped");
      await worker.terminate();
    },
  };
}
