import { describe, expect, it } from "vitest";
import { isThrottling, wrapAwsError } from "../../src/aws/aws-call.js";
import { formatDuration, pollUntil } from "../../src/aws/poll.js";

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
