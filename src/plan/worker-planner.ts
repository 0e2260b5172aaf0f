import { MessageChannel, type MessagePort, type TransferListItem, type Worker } from "node:worker_threads";
import { siblingModule, startWorker } from "../util/start-worker.js";
import type { PreviewStack } from "../stack/build-template.js";
import type { RepoReader } from "../util/repo-reader.js";
import type { PreviewPlan } from "./plan-preview.js";
import { fromErrorData, type PlanAnswer, type PlanTask, type ReadAnswer, type ReadRequest } from "./plan-worker-protocol.js";
import type { Planner } from "./planner.js";

interface Thread {
  worker: Worker;
  /** Tasks sent and not answered yet. */
  busy: number;
}

interface Waiting {
  thread: Thread;
  resolve: (answer: PlanAnswer) => void;
  reject: (error: unknown) => void;
}

/**
 * A Planner whose planning and rendering run on `threads` worker threads (default 1), so that a
 * template's 10 to 40 ms of synthesis never holds up the main thread's event loop: webhooks are
 * answered and other deploys move on meanwhile. The repository's files are still read on the
 * main thread, through the caller's reader. Threads start on first use and are replaced when one
 * dies (its tasks fail); they keep the process alive only while they have work.
 */
export function createWorkerPlanner(options: { threads?: number } = {}): Planner {
  const size = Math.max(1, options.threads ?? 1);
  const threads: Thread[] = [];
  const waiting = new Map<number, Waiting>();
  let nextId = 0;

  const settle = (thread: Thread, id: number) => {
    const waiter = waiting.get(id);
    waiting.delete(id);
    thread.busy -= 1;
    if (thread.busy === 0) thread.worker.unref();
    return waiter;
  };

  const start = (): Thread => {
    const thread: Thread = { worker: startPlanWorker(), busy: 0 };
    thread.worker.on("message", (answer: PlanAnswer) => settle(thread, answer.id)?.resolve(answer));
    const fail = (error: Error) => {
      threads.splice(threads.indexOf(thread), 1);
      for (const [id, waiter] of waiting) if (waiter.thread === thread) settle(thread, id)?.reject(error);
    };
    thread.worker.on("error", (error) => fail(new Error(`the planning thread failed: ${error.message}`, { cause: error })));
    thread.worker.on("exit", (code) => {
      if (threads.includes(thread)) fail(new Error(`the planning thread stopped (exit code ${code})`));
    });
    thread.worker.unref();
    threads.push(thread);
    return thread;
  };

  /** The least busy thread; a new one while fewer than `size` run and all are busy. */
  const pick = (): Thread => {
    const idlest = threads.reduce<Thread | undefined>((best, t) => (best === undefined || t.busy < best.busy ? t : best), undefined);
    return idlest === undefined || (idlest.busy > 0 && threads.length < size) ? start() : idlest;
  };

  const send = (task: PlanTask, transfer: TransferListItem[] = []): Promise<PlanAnswer> => {
    const thread = pick();
    return new Promise<PlanAnswer>((resolve, reject) => {
      waiting.set(task.id, { thread, resolve, reject });
      thread.busy += 1;
      thread.worker.ref();
      thread.worker.postMessage(task, transfer);
    });
  };

  return {
    async plan(input) {
      const { reader, configLineOf, ...rest } = input;
      const { port1, port2 } = new MessageChannel();
      const failures = serveReads(port1, reader);
      try {
        const answer = await send({ id: nextId++, kind: "plan", input: { ...rest, withLines: configLineOf !== undefined }, reads: port2 }, [port2]);
        if ("error" in answer) throw answer.error.kind === "read" ? failures[answer.error.failure] : fromErrorData(answer.error);
        return (answer as { plan: PreviewPlan }).plan;
      } finally {
        port1.close();
      }
    },
    async render(plan, input) {
      const { stack: _stack, ...rest } = plan;
      const answer = await send({ id: nextId++, kind: "render", plan: rest, input });
      if ("error" in answer) throw fromErrorData(answer.error.kind === "read" ? { kind: "other", name: "Error", message: "a render read the repository" } : answer.error);
      return (answer as { stack: PreviewStack }).stack;
    },
    async close() {
      const stopping = threads.splice(0, threads.length);
      await Promise.all(stopping.map((t) => t.worker.terminate()));
    },
  };
}

/** Answers a planning thread's reads on `port` with `reader`; returns the errors of failed reads, which the plan throws as they were. */
function serveReads(port: MessagePort, reader: RepoReader): unknown[] {
  const failures: unknown[] = [];
  port.on("message", (request: ReadRequest) => {
    const read = request.op === "readFile" ? reader.readFile(request.file) : reader.listFiles(request.file);
    void read.then(
      (value) => port.postMessage({ id: request.id, value } satisfies ReadAnswer),
      (error: unknown) => {
        failures.push(error);
        port.postMessage({ id: request.id, failure: failures.length - 1, message: error instanceof Error ? error.message : String(error) } satisfies ReadAnswer);
      },
    );
  });
  return failures;
}

/** The thread runs plan-worker.js beside this file (plan-worker.ts from source). */
function startPlanWorker(): Worker {
  return startWorker(siblingModule(import.meta.url, "plan-worker"));
}
