import pino from "pino";
import { describe, expect, it } from "vitest";
import { createWakeOnRequest, HOST_LIST_TTL_MS, normalizeHost, WAKE_EVERY_MS } from "../../../src/preview/flow/wake-on-request.js";
import type { PreviewJob } from "../../../src/preview/job.js";
import type { StackSummary } from "../../../src/preview/ports.js";

const HOST = "shop-pr-7-acme-oizlyle2yrfxekpb.preview.example.com";

function stack(name: string, host: string, tags: Record<string, string>): StackSummary {
  return { name, status: "UPDATE_COMPLETE", outputs: { Hostname: host }, parameters: {}, tags: { "berth:repository": "acme/shop", "berth:pr": "7", "berth:sha": "a".repeat(40), ...tags } };
}

function waker(stacks: StackSummary[]) {
  let now = Date.parse("2026-12-03T12:00:00Z");
  const jobs: PreviewJob[] = [];
  let lists = 0;
  const wake = createWakeOnRequest({
    stacks: {
      list: async () => {
        lists += 1;
        return stacks;
      },
    },
    enqueue: (job) => jobs.push(job),
    now: () => new Date(now),
    log: pino({ level: "silent" }),
  });
  return { wake, jobs, lists: () => lists, advance: (ms: number) => (now += ms) };
}

describe("createWakeOnRequest", () => {
  it("queues one wake of a sleeping preview however many requests come, another after WAKE_EVERY_MS, and lists stacks once per HOST_LIST_TTL_MS", async () => {
    const w = waker([stack("berth-shop-pr-7-acme-d21b2c", HOST, { "berth:asleep": "2026-12-03T11:00:00.000Z" })]);
    await expect(Promise.all([w.wake(HOST), w.wake(`${HOST.toUpperCase()}:443`), w.wake(`${HOST}.`)])).resolves.toEqual(["waking", "waking", "waking"]);
    expect(w.jobs).toEqual([{ repo: { owner: "acme", repo: "shop" }, pr: 7, action: "wake", sha: "a".repeat(40) }]);
    expect(w.lists()).toBe(1);
    w.advance(HOST_LIST_TTL_MS);
    await w.wake(HOST);
    expect(w.lists()).toBe(2);
    expect(w.jobs).toHaveLength(1);
    w.advance(WAKE_EVERY_MS - HOST_LIST_TTL_MS);
    await w.wake(HOST);
    expect(w.jobs).toHaveLength(2);
  });

  it("answers an awake preview's host with the page but queues nothing (its rule forwards to it again)", async () => {
    const w = waker([stack("berth-shop-pr-7-acme-d21b2c", HOST, {})]);
    await expect(w.wake(HOST)).resolves.toBe("waking");
    expect(w.jobs).toEqual([]);
  });

  it.each([
    ["another host", "shop-pr-8-acme-aaaaaaaaaaaaaaaa.preview.example.com"],
    ["a prefix of the host", "shop-pr-7-acme-oizlyle2yrfxekpb"],
    ["no host", ""],
    ["a host with a path in it", `${HOST}/x`],
  ])("%s is unknown and wakes nothing", async (_what, host) => {
    const w = waker([stack("berth-shop-pr-7-acme-d21b2c", HOST, { "berth:asleep": "2026-12-03T11:00:00.000Z" })]);
    await expect(w.wake(host)).resolves.toBe("unknown");
    expect(w.jobs).toEqual([]);
  });

  it("a stack without readable owner tags is unknown", async () => {
    const w = waker([stack("berth-x", HOST, { "berth:repository": "", "berth:asleep": "2026-12-03T11:00:00.000Z" })]);
    await expect(w.wake(HOST)).resolves.toBe("unknown");
    expect(w.jobs).toEqual([]);
  });
});

describe("normalizeHost", () => {
  it.each([
    ["Shop.Preview.Example.com:8443", "shop.preview.example.com"],
    ["shop.preview.example.com.", "shop.preview.example.com"],
    ["localhost", undefined],
    ["[::1]:80", undefined],
    ["a..b", undefined],
  ])("%j -> %j", (header, host) => {
    expect(normalizeHost(header)).toBe(host);
  });
});
