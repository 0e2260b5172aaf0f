/**
 * A planning thread started by createWorkerPlanner: it plans and renders previews (compose
 * parsing, validation, template synthesis) and reads the repository's files through the main
 * thread, which holds the GitHub client.
 */
import { parentPort, type MessagePort } from "node:worker_threads";
import { loadRepoConfigSource } from "../config/load-repo-config.js";
import { lowerThreadPriority } from "../util/thread-priority.js";
import { parseYamlSource } from "../util/yaml-source.js";
import type { RepoReader } from "../util/repo-reader.js";
import { CONFIG_FILE, planWithConfig, renderPlan, type PreviewPlan } from "./plan-preview.js";
import { ReadFailedError, toErrorData, type PlanAnswer, type PlanTask, type ReadAnswer, type ReadRequest } from "./plan-worker-protocol.js";

/** A RepoReader whose reads the main thread answers over `port`. */
function remoteReader(port: MessagePort): RepoReader {
  let next = 0;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: unknown) => void }>();
  port.on("message", (answer: ReadAnswer) => {
    const waiter = pending.get(answer.id);
    pending.delete(answer.id);
    if (!waiter) return;
    if ("failure" in answer) waiter.reject(new ReadFailedError(answer.message, answer.failure));
    else waiter.resolve(answer.value);
  });
  const ask = <T>(op: ReadRequest["op"], file: string) =>
    new Promise<T>((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      port.postMessage({ id, op, file } satisfies ReadRequest);
    });
  return { readFile: (file) => ask("readFile", file), listFiles: (file) => ask("listFiles", file) };
}

async function answer(task: PlanTask): Promise<PlanAnswer> {
  // renderPlan reads the plan's project, config, images and base outputs, not its stack.
  if (task.kind === "render") return { id: task.id, stack: renderPlan(task.plan as PreviewPlan, task.input) };
  const reader = remoteReader(task.reads);
  try {
    const { withLines, configText, ...input } = task.input;
    let configLineOf;
    if (withLines) {
      // The config's lines, for messages about it: from its text, else read once more.
      const file = input.configFile ?? CONFIG_FILE;
      configLineOf = configText !== undefined ? parseYamlSource(file, configText).lineOf : (await loadRepoConfigSource(reader))?.lineOf;
    }
    const plan = await planWithConfig({ ...input, reader, ...(configLineOf ? { configLineOf } : {}) });
    return { id: task.id, plan };
  } finally {
    task.reads.close();
  }
}

// Rendering waits when the cores are short; the thread that answers HTTP does not.
lowerThreadPriority();
parentPort!.on("message", (task: PlanTask) => {
  void answer(task)
    .catch((error: unknown): PlanAnswer => ({ id: task.id, error: toErrorData(error) }))
    .then((result) => parentPort!.postMessage(result));
});
