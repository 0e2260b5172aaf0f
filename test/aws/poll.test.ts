import { describe, expect, it } from "vitest";
import { isThrottling, wrapAwsError } from "../../src/aws/aws-call.js";
import { formatDuration, nextCheckDelay, pollUntil } from "../../src/aws/poll.js";

describe("pollUntil", () => {
  it("checks at once, then until a value comes back", async () => {
    const seen: number[] = [];
    const value = await pollUntil(async (attempt) => {
      seen.push(attempt);
      return attempt === 3 ? "done" : undefined;
    }, { delayMs: 1, maxDelayMs: 2, timeoutMs: 1_000 });

    expect(value).toBe("done");
    expect(seen).toEqual([0, 1, 2, 3]);
  });

  it("returns undefined when the time is up", async () => {
    let calls = 0;
    const value = await pollUntil(async () => {
      calls += 1;
      return undefined;
    }, { delayMs: 2, maxDelayMs: 4, timeoutMs: 15 });

    expect(value).toBeUndefined();
    expect(calls).toBeGreaterThan(1);
  });

  it("rejects with the signal's reason, also in the middle of a delay", async () => {
    const controller = new AbortController();
    const reason = new Error("superseded");
    const promise = pollUntil(async () => {
      setTimeout(() => controller.abort(reason), 5);
      return undefined;
    }, { delayMs: 60_000, maxDelayMs: 60_000, timeoutMs: 600_000 }, controller.signal);

    await expect(promise).rejects.toBe(reason);
  });
});

describe("pollUntil and throttling", () => {
  it.each([
    ["ThrottlingException", "Rate exceeded"],
    ["Throttling", "Rate exceeded"],
    ["TooManyRequestsException", "Too many requests"],
    ["RequestLimitExceeded", "Request limit exceeded."],
    ["ClientException", "Rate exceeded"],
  ])("treats %s (%s) as not yet", async (name, message) => {
    let calls = 0;
    const value = await pollUntil(async () => {
      calls += 1;
      if (calls < 3) throw Object.assign(new Error(message), { name });
      return "done";
    }, { delayMs: 1, maxDelayMs: 2, timeoutMs: 1_000 });

    expect(value).toBe("done");
    expect(calls).toBe(3);
  });

  it("sees throttling behind the adapters' wrapping", async () => {
    const sdk = Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
    const wrapped = wrapAwsError("DescribeStacks", "stack berth-x", sdk);
    expect(isThrottling(wrapped)).toBe(true);
  });

  it("still fails on any other error", async () => {
    const denied = Object.assign(new Error("not authorized"), { name: "AccessDeniedException" });
    await expect(pollUntil(async () => Promise.reject(denied), { delayMs: 1, maxDelayMs: 2, timeoutMs: 1_000 })).rejects.toBe(denied);
  });
});

describe("formatDuration", () => {
  it.each([
    [20, "1 s"],
    [45_000, "45 s"],
    [119_000, "119 s"],
    [120_000, "2 min"],
    [20 * 60_000, "20 min"],
  ])("%i ms is %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe("nextCheckDelay", () => {
  // Production's stack timing: 5 s first delay, 20 s at most; so notice within 2 s, 60 s far from the end.
  const timing = { delayMs: 5_000, maxDelayMs: 20_000, timeoutMs: 3_600_000 };

  it.each([
    ["no expected end: the first delay", 0, undefined, undefined, 5_000],
    ["no expected end: doubles", 5_000, undefined, 5_000, 10_000],
    ["no expected end: up to the longest delay", 35_000, undefined, 20_000, 20_000],
    ["straight to an expected end within reach", 0, 30_000, undefined, 30_000],
    ["a far end: one early check at the far delay", 0, 80_000, undefined, 60_000],
    ["after the early check: to the end", 60_050, 80_000, 60_000, 19_950],
    ["just past the end: every 2 s", 80_050, 80_000, 19_950, 2_000],
    ["still every 2 s for five checks", 89_000, 80_000, 2_000, 2_000],
    ["later: a quarter of the lateness", 120_000, 80_000, 2_000, 10_000],
    ["past five checks: the lateness sets the pace", 92_000, 80_000, 2_000, 3_000],
    ["much later: the longest delay", 400_000, 80_000, 10_000, 20_000],
  ])("%s", (_name, elapsedMs, expectedMs, previousDelayMs, delay) => {
    expect(nextCheckDelay({ elapsedMs, expectedMs, previousDelayMs, timing })).toBe(delay);
  });

  it("honours explicit notice and far delays", () => {
    const tight = { ...timing, noticeMs: 500, farDelayMs: 10_000 };
    expect(nextCheckDelay({ elapsedMs: 0, expectedMs: 80_000, previousDelayMs: undefined, timing: tight })).toBe(10_000);
    expect(nextCheckDelay({ elapsedMs: 80_100, expectedMs: 80_000, previousDelayMs: 10_000, timing: tight })).toBe(500);
  });
});

describe("pollUntil with an expected end", () => {
  it("does not check at once when told not to, and asks for the expected end before each delay", async () => {
    const checks: number[] = [];
    let asked = 0;
    const start = Date.now();
    const value = await pollUntil(async (attempt) => {
      checks.push(attempt);
      return attempt === 1 ? "done" : undefined;
    }, { delayMs: 1, maxDelayMs: 2, timeoutMs: 1_000, noticeMs: 1, expectedMs: () => (++asked, 5), checkAtOnce: false });

    expect(value).toBe("done");
    expect(checks).toEqual([0, 1]);
    // Once before the first check, once after it.
    expect(asked).toBe(2);
    expect(Date.now() - start).toBeGreaterThanOrEqual(5);
  });
});

describe("pollUntil re-aimed", () => {
  it("cuts the delay under way short when the expected end moves, and waits for the new end instead of looking at once", async () => {
    const checks: number[] = [];
    let expected = 10_000;
    let reaim: () => void = () => {};
    const moved = new Promise<void>((resolve) => (reaim = resolve));
    const start = Date.now();
    setTimeout(() => {
      expected = Date.now() - start + 30;
      reaim();
    }, 20);
    const value = await pollUntil(async () => {
      checks.push(Date.now() - start);
      return "done";
    }, { delayMs: 1_000, maxDelayMs: 1_000, timeoutMs: 60_000, expectedMs: () => expected, checkAtOnce: false, reaim: moved });

    expect(value).toBe("done");
    // The first delay aimed at 10 s; the move at about 20 ms re-aimed it 30 ms later.
    expect(checks).toHaveLength(1);
    expect(checks[0]).toBeGreaterThanOrEqual(45);
    expect(checks[0]).toBeLessThan(2_000);
  });

  it("is re-aimed by each of several moves: a gate opening, then a paused deployment continued", async () => {
    const checks: number[] = [];
    let expected = 10_000;
    let open: () => void = () => {};
    let resume: () => void = () => {};
    const opened = new Promise<void>((resolve) => (open = resolve));
    const continued = new Promise<void>((resolve) => (resume = resolve));
    const start = Date.now();
    // The gate opens at 20 ms (the end looks 5 s away), the pause is continued at 40 ms (the end 30 ms after).
    setTimeout(() => {
      expected = Date.now() - start + 5_000;
      open();
    }, 20);
    setTimeout(() => {
      expected = Date.now() - start + 30;
      resume();
    }, 40);
    const value = await pollUntil(async () => {
      checks.push(Date.now() - start);
      return "done";
    }, { delayMs: 1_000, maxDelayMs: 1_000, timeoutMs: 60_000, farDelayMs: 60_000, expectedMs: () => expected, checkAtOnce: false, reaim: [opened, continued] });

    expect(value).toBe("done");
    expect(checks).toHaveLength(1);
    expect(checks[0]).toBeGreaterThanOrEqual(65);
    expect(checks[0]).toBeLessThan(2_000);
  });
});
