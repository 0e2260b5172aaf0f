import { syncBuiltinESMExports } from "node:module";
import FakeTimers from "@sinonjs/fake-timers";
import { afterEach, beforeEach } from "vitest";
import { assertClockDrivesSleeps } from "../fakes/aws/timed-aws.js";

/**
 * A virtual clock for each test of the file (timeouts and `Date`, which also drive the app's own
 * sleeps), from 2026-12-01, and `run`, which moves it from timer to timer until a promise settles:
 * what a test asserts is virtual time, never how long it takes.
 */
export function useVirtualClock(): { run: <T>(promise: Promise<T>) => Promise<T> } {
  let clock: ReturnType<typeof FakeTimers.install> | undefined;
  beforeEach(() => {
    clock = FakeTimers.install({ now: Date.parse("2026-12-01T00:00:00Z"), toFake: ["setTimeout", "clearTimeout", "Date"] });
    syncBuiltinESMExports();
    assertClockDrivesSleeps(clock);
  });
  afterEach(() => {
    clock?.uninstall();
    syncBuiltinESMExports();
  });
  return {
    run: async (promise) => {
      let settled = false;
      const done = promise.finally(() => (settled = true));
      while (!settled) await clock!.nextAsync();
      return done;
    },
  };
}
