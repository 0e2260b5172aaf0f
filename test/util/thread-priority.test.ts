import { getPriority } from "node:os";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";

describe("lowerThreadPriority", () => {
  it("lowers the calling worker thread's priority to niceness 10 and leaves the thread that answers HTTP as it was", async () => {
    const before = getPriority();
    expect(before).toBe(0);
    const module = new URL("../../src/util/thread-priority.ts", import.meta.url).href;
    // A worker of its own, through tsx as the app's own worker threads are started from source.
    const worker = new Worker(
      `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(module)}); }).then(({ lowerThreadPriority }) => {
        const { getPriority } = require("node:os");
        const before = getPriority();
        const refused = lowerThreadPriority();
        require("node:worker_threads").parentPort.postMessage({ before, after: getPriority(), refused });
      });`,
      { eval: true },
    );
    const answer = await new Promise<{ before: number; after: number; refused?: string }>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    await worker.terminate();

    expect(answer).toEqual({ before: 0, after: 10, refused: undefined });
    expect(getPriority()).toBe(before);
  });
});
