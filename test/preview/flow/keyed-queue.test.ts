import { describe, expect, it } from "vitest";
import { KeyedQueue, RestartSignal, SupersededSignal } from "../../../src/preview/flow/keyed-queue.js";

interface Job {
  sha: string;
}

/** A queue whose jobs wait until the test releases them, recording what ran and what was aborted. */
function harness(options: { concurrency?: number; merge?: (a: Job, b: Job) => Job } = {}) {
  const started: string[] = [];
  const aborted: Array<{ job: string; by: string }> = [];
  const release = new Map<string, () => void>();
  let running = 0;
  let maxRunning = 0;
  const queue = new KeyedQueue<Job>({
    concurrency: options.concurrency ?? 2,
    ...(options.merge ? { merge: options.merge } : {}),
    run: async (key, job, signal) => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      started.push(`${key}:${job.sha}`);
      signal.addEventListener("abort", () =>
        aborted.push({ job: job.sha, by: signal.reason instanceof SupersededSignal ? (signal.reason as SupersededSignal<Job>).by.sha : String(signal.reason) }),
      );
      await new Promise<void>((resolve) => release.set(`${key}:${job.sha}`, resolve));
      running -= 1;
    },
    onError: () => {},
  });
  const finish = async (id: string) => {
    for (let i = 0; i < 20 && !release.has(id); i += 1) await Promise.resolve();
    const done = release.get(id);
    if (!done) throw new Error(`${id} is not running; started: ${started.join(", ")}`);
    release.delete(id);
    done();
    await new Promise((r) => setTimeout(r, 0));
  };
  return { queue, started, aborted, finish, maxRunning: () => maxRunning };
}

describe("KeyedQueue", () => {
  it("runs one job per key at a time and coalesces a burst into the newest", async () => {
    const h = harness();
    h.queue.push("pr1", { sha: "a" });
    h.queue.push("pr1", { sha: "b" });
    h.queue.push("pr1", { sha: "c" });
    h.queue.push("pr1", { sha: "d" });

    await h.finish("pr1:a");
    await h.finish("pr1:d");
    await h.queue.idle();

    expect(h.started).toEqual(["pr1:a", "pr1:d"]);
  });

  it("aborts the running job with the job that superseded it", async () => {
    const h = harness();
    h.queue.push("pr1", { sha: "a" });
    h.queue.push("pr1", { sha: "b" });

    expect(h.aborted).toEqual([{ job: "a", by: "b" }]);
    await h.finish("pr1:a");
    await h.finish("pr1:b");
  });

  it("names the job that will run next, not the first of a burst, when the stopped job looks at its signal", async () => {
    const seen: string[] = [];
    let release = () => {};
    const queue = new KeyedQueue<Job>({
      concurrency: 1,
      run: async (_key, job, signal) => {
        if (job.sha !== "a") return;
        await new Promise<void>((resolve) => (release = resolve));
        seen.push((signal.reason as SupersededSignal<Job>).by.sha);
      },
      onError: () => {},
    });
    queue.push("pr1", { sha: "a" });
    queue.push("pr1", { sha: "b" });
    queue.push("pr1", { sha: "c" });
    release();
    await queue.idle();

    expect(seen).toEqual(["c"]);
  });

  it("runs different keys in parallel, never more than the concurrency", async () => {
    const h = harness({ concurrency: 2 });
    for (const key of ["pr1", "pr2", "pr3"]) h.queue.push(key, { sha: "x" });
    await new Promise((r) => setTimeout(r, 0));

    expect(h.started).toEqual(["pr1:x", "pr2:x"]);
    await h.finish("pr1:x");
    expect(h.started).toEqual(["pr1:x", "pr2:x", "pr3:x"]);
    await h.finish("pr2:x");
    await h.finish("pr3:x");
    await h.queue.idle();
    expect(h.maxRunning()).toBe(2);
  });

  it("merges a waiting job with a newer one through the given merge", async () => {
    const h = harness({ merge: (older, newer) => ({ sha: `${older.sha}+${newer.sha}` }) });
    h.queue.push("pr1", { sha: "a" });
    h.queue.push("pr1", { sha: "b" });
    h.queue.push("pr1", { sha: "c" });

    await h.finish("pr1:a");
    await h.finish("pr1:b+c");
    await h.queue.idle();
    expect(h.started).toEqual(["pr1:a", "pr1:b+c"]);
  });

  it("keeps going after a job throws", async () => {
    const errors: string[] = [];
    const ran: string[] = [];
    const queue = new KeyedQueue<Job>({
      concurrency: 1,
      run: async (_key, job) => {
        ran.push(job.sha);
        if (job.sha === "bad") throw new Error("boom");
      },
      onError: (key, job, error) => errors.push(`${key}:${job.sha}:${(error as Error).message}`),
    });
    queue.push("pr1", { sha: "bad" });
    queue.push("pr2", { sha: "good" });
    await queue.idle();

    expect(ran).toEqual(["bad", "good"]);
    expect(errors).toEqual(["pr1:bad:boom"]);
  });

  it("stop drops the waiting jobs, refuses new ones and aborts the running ones with the reason", async () => {
    const h = harness({ concurrency: 1 });
    h.queue.push("pr1", { sha: "a" });
    h.queue.push("pr2", { sha: "b" });
    const restart = new RestartSignal();
    Object.defineProperty(restart, "toString", { value: () => "restart" });

    expect(h.queue.stop(restart)).toEqual([{ sha: "b" }]);
    expect(h.queue.push("pr3", { sha: "c" })).toBe(false);
    expect(h.aborted).toEqual([{ job: "a", by: "restart" }]);
    expect(h.queue.runningCount).toBe(1);

    let idle = false;
    void h.queue.idle().then(() => (idle = true));
    await new Promise((r) => setTimeout(r, 0));
    expect(idle).toBe(false);
    await h.finish("pr1:a");
    expect(idle).toBe(true);
    expect(h.started).toEqual(["pr1:a"]);
  });
});
