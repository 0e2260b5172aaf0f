import { describe, expect, it } from "vitest";
import { dueIdleChecks } from "../../../src/preview/flow/sweep-idle.js";
import { buildIdleTags, readIdleState, withoutIdleTags } from "../../../src/preview/flow/idle-tags.js";
import { mergeJobs } from "../../../src/preview/job.js";
import type { PreviewJob } from "../../../src/preview/job.js";

const NOW = new Date("2026-12-03T12:00:00Z");
const ago = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000);

describe("dueIdleChecks", () => {
  it.each([
    ["nothing set", {}, []],
    ["awake, not idle long enough", { sleepAfterSeconds: 1800, activeAt: ago(29) }, []],
    ["awake, idle past sleep_after", { sleepAfterSeconds: 1800, activeAt: ago(30) }, [{ action: "sleep", windowSeconds: 1800 }]],
    ["asleep already", { sleepAfterSeconds: 1800, activeAt: ago(90), asleepSince: ago(60) }, []],
    [
      "past both windows: expiry asked first, then sleep",
      { sleepAfterSeconds: 1800, expireAfterSeconds: 3600, activeAt: ago(61) },
      [
        { action: "expire", windowSeconds: 3600 },
        { action: "sleep", windowSeconds: 1800 },
      ],
    ],
    ["asleep and past expire_after", { sleepAfterSeconds: 1800, expireAfterSeconds: 3600, activeAt: ago(61), asleepSince: ago(30) }, [{ action: "expire", windowSeconds: 3600 }]],
  ] as const)("%s", (_name, state, due) => {
    expect(dueIdleChecks(state, ago(1000), NOW)).toEqual(due);
  });

  it("counts from the stack's creation when no activity is recorded", () => {
    expect(dueIdleChecks({ sleepAfterSeconds: 1800 }, ago(31), NOW)).toEqual([{ action: "sleep", windowSeconds: 1800 }]);
    expect(dueIdleChecks({ sleepAfterSeconds: 1800 }, ago(29), NOW)).toEqual([]);
  });
});

describe("idle tags", () => {
  it("round-trips what a deploy writes, and writes nothing for a config with neither key", () => {
    const tags = buildIdleTags({ sleep_after: 1800, expire_after: 604_800 }, NOW);
    expect(tags).toEqual({ "berth:sleep-after": "1800", "berth:expire-after": "604800", "berth:active-at": "2026-12-03T12:00:00.000Z" });
    expect(readIdleState({ ...tags, "berth:asleep": "2026-12-03T12:30:00.000Z" })).toEqual({
      sleepAfterSeconds: 1800,
      expireAfterSeconds: 604_800,
      activeAt: NOW,
      asleepSince: new Date("2026-12-03T12:30:00Z"),
    });
    expect(buildIdleTags({}, NOW)).toEqual({});
    expect(withoutIdleTags({ ...tags, "berth:sha": "abc" })).toEqual({ "berth:sha": "abc" });
  });

  it("ignores a tag that does not read as expected", () => {
    expect(readIdleState({ "berth:sleep-after": "soon", "berth:active-at": "yesterday", "berth:expire-after": "-5" })).toEqual({});
  });
});

describe("coalescing idle jobs", () => {
  const job = (action: PreviewJob["action"], sha = "a"): PreviewJob => ({ repo: { owner: "acme", repo: "shop" }, pr: 7, action, sha });

  it.each([
    ["many wakes make one wake", "wake", "wake", "wake"],
    ["a waiting deploy wins over a sweep's sleep", "deploy", "sleep", "deploy"],
    ["a waiting wake wins over a sweep's sleep", "wake", "sleep", "wake"],
    ["a waiting command wins over a sweep's expiry", "reset", "expire", "reset"],
    ["a push after a sweep's expiry deploys", "expire", "deploy", "deploy"],
    ["a wake after a sweep's sleep wakes", "sleep", "wake", "wake"],
  ] as const)("%s", (_name, older, newer, merged) => {
    expect(mergeJobs(job(older), job(newer)).action).toBe(merged);
  });
});
