import { Worker, type WorkerOptions } from "node:worker_threads";

/**
 * Starts a worker thread on the module `entry`. Built code runs the `.js` file as it is; a `.ts`
 * entry (tests, benchmarks and `tsx`, which run from source) is loaded through tsx's loader, as
 * the thread that starts it is.
 */
export function startWorker(entry: URL, options: WorkerOptions = {}): Worker {
  if (!entry.pathname.endsWith(".ts")) return new Worker(entry, options);
  const tsx = import.meta.resolve("tsx/esm/api");
  const source = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(source, { ...options, eval: true });
}

/** The module `name` beside `here` (an `import.meta.url`), with `here`'s extension: `.ts` from source, `.js` once built. */
export function siblingModule(here: string, name: string): URL {
  return new URL(`./${name}${here.endsWith(".ts") ? ".ts" : ".js"}`, here);
}
