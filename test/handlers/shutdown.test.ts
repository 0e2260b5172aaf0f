import { afterEach, describe, expect, it, vi } from "vitest";
import { closeReserveMs, handleShutdown } from "../../handlers/shutdown.js";
import type { Logger } from "../../src/util/logger.js";

/** The shutdown over fakes: a drain the test settles, a server that records, a process that records exits. */
function setup(input: { drain?: () => Promise<"drained" | "deadline">; close?: () => Promise<void> } = {}) {
  const signals = new Map<string, () => void>();
  const exits: Array<{ code: number; at: number }> = [];
  const lines: string[] = [];
  const drains: number[] = [];
  const log: Logger = {
    info: (_, msg) => lines.push(`info ${msg}`),
    warn: (_, msg) => lines.push(`warn ${msg}`),
    error: (_, msg) => lines.push(`error ${msg}`),
    debug: () => {},
    child: () => log,
  };
  const { stop } = handleShutdown({
    signals: { on: (signal, listener) => signals.set(signal, listener) },
    exit: (code) => void exits.push({ code, at: Date.now() }),
    stopResync: () => lines.push("resync stopped"),
    server: { refuse: () => lines.push("server refuses"), close: input.close ?? (async () => {}) },
    previews: {
      drain: (ms) => {
        drains.push(ms);
        return input.drain?.() ?? Promise.resolve("drained");
      },
    },
    deadlineMs: 100_000,
    log,
  });
  return { signals, exits, lines, drains, stop };
}

describe("handleShutdown", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("exits 1 at the deadline when a deploy never reaches a safe point", async () => {
    vi.useFakeTimers({ now: 0 });
    const s = setup({ drain: () => new Promise(() => {}) });

    s.signals.get("SIGTERM")!();
    await vi.advanceTimersByTimeAsync(99_999);
    expect(s.exits).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);

    expect(s.exits).toEqual([{ code: 1, at: 100_000 }]);
    expect(s.drains).toEqual([95_000]);
    expect(s.lines).toEqual([
      "info SIGTERM: stopping within 100 s",
      "resync stopped",
      "info stopping: resync schedule stopped",
      "server refuses",
      "info stopping: webhooks are answered 503 and /ping says DRAINING",
      "error stop took longer than 100 s: exiting now; the next start resumes what still ran",
    ]);
  });

  it("exits 1 at once on a second signal", async () => {
    vi.useFakeTimers({ now: 0 });
    const s = setup({ drain: () => new Promise(() => {}) });

    s.signals.get("SIGTERM")!();
    await vi.advanceTimersByTimeAsync(3_000);
    s.signals.get("SIGINT")!();

    expect(s.exits).toEqual([{ code: 1, at: 3_000 }]);
    expect(s.lines.at(-1)).toBe("warn SIGINT again while stopping: exiting now");
  });

  it("exits 0 when the drain ends at its own deadline and the server closes; says what was left", async () => {
    vi.useFakeTimers({ now: 0 });
    const s = setup({ drain: () => new Promise((resolve) => setTimeout(() => resolve("deadline"), 95_000)) });

    await Promise.all([s.stop("SIGTERM"), vi.advanceTimersByTimeAsync(95_000)]);

    expect(s.exits).toEqual([{ code: 0, at: 95_000 }]);
    expect(s.lines.slice(-3)).toEqual([
      "warn stopping: deploys still running at the drain deadline were paused where they stand; the next start resumes them",
      "info stopping: server closed",
      "info stopped: exiting",
    ]);
    // The deadline timer is gone: nothing exits a second time.
    await vi.advanceTimersByTimeAsync(10_000);
    expect(s.exits).toHaveLength(1);
  });

  it("exits 1 when closing the server fails", async () => {
    const s = setup({ close: async () => Promise.reject(new Error("ERR_SERVER_NOT_RUNNING")) });

    await s.stop("SIGTERM");

    expect(s.exits.map((e) => e.code)).toEqual([1]);
    expect(s.lines.at(-1)).toBe("error stopping failed: exiting now");
  });

  it.each([
    [100_000, 5_000],
    [10_000, 2_000],
    [1_000, 200],
  ])("a %i ms deadline keeps %i ms for closing the server", (deadline, reserve) => {
    expect(closeReserveMs(deadline)).toBe(reserve);
  });
});
