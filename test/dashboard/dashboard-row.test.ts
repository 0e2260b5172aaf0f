import { describe, expect, it } from "vitest";
import { buildDashboardRow, buildDashboardRows, costSoFar } from "../../src/dashboard/dashboard-row.js";
import type { StackSummary } from "../../src/preview/ports.js";
import { FARGATE_PRICES } from "../../src/stack/fargate-price.js";

const NOW = new Date("2026-12-03T12:00:00Z");
const CREATED = new Date("2026-12-03T08:00:00Z");
const SHA = "a".repeat(40);

function stack(patch: { status?: string; tags?: Record<string, string> } = {}): StackSummary {
  return {
    name: "berth-shop-pr-7-acme",
    status: patch.status ?? "UPDATE_COMPLETE",
    outputs: { Url: "https://shop-pr-7.preview.example.com" },
    tags: { "berth:managed": "true", "berth:repository": "acme/shop", "berth:pr": "7", "berth:sha": SHA, "berth:deploying": SHA, ...patch.tags },
    parameters: {},
    createdAt: CREATED,
  };
}

/** A preview template as berth renders it: web (0.5 vCPU, 1 GiB, built from the repository) and db (0.25 vCPU, 0.5 GiB, a data service). */
const TEMPLATE = {
  Resources: {
    WebTaskDefinition: { Type: "AWS::ECS::TaskDefinition", Properties: { Cpu: "512", Memory: "1024" } },
    WebService: { Type: "AWS::ECS::Service", Properties: { DesiredCount: 1, TaskDefinition: { Ref: "WebTaskDefinition" } } },
    DbTaskDefinition: { Type: "AWS::ECS::TaskDefinition", Properties: { Cpu: "256", Memory: "512" } },
    DbService: { Type: "AWS::ECS::Service", Properties: { DesiredCount: 1, TaskDefinition: { Ref: "DbTaskDefinition" } } },
  },
  Outputs: {
    ServiceArns: { Value: { "Fn::Join": [",", [{ "Fn::Join": ["=", ["web", { Ref: "WebService" }]] }, { "Fn::Join": ["=", ["db", { Ref: "DbService" }]] }]] } },
    StatefulServiceArns: { Value: { "Fn::Join": ["=", ["db", { Ref: "DbService" }]] } },
  },
};

const PRICE = FARGATE_PRICES["us-east-1"]!;
const AWAKE = 0.75 * PRICE.vcpuHour + 1.5 * PRICE.gbHour;
const ASLEEP = 0.25 * PRICE.vcpuHour + 0.5 * PRICE.gbHour;

describe("buildDashboardRow", () => {
  it.each([
    ["ready", "UPDATE_COMPLETE", {}],
    ["deploying", "UPDATE_IN_PROGRESS", {}],
    ["failed", "UPDATE_ROLLBACK_COMPLETE", { "berth:deploying": "b".repeat(40) }],
    ["failed", "CREATE_FAILED", {}],
    ["asleep", "UPDATE_COMPLETE", { "berth:asleep": "2026-12-03T11:00:00Z" }],
    ["removing", "DELETE_IN_PROGRESS", {}],
  ])("says %s for a stack %s with %j", (state, status, tags) => {
    expect(buildDashboardRow({ stack: stack({ status, tags }) }, NOW).state).toBe(state);
  });

  it("reads each service's size by its compose name, the price awake and asleep in the region, and the cost since creation", () => {
    const row = buildDashboardRow({ stack: stack(), template: TEMPLATE, region: "us-east-1", pull: { title: "Add checkout", branch: "feature/checkout" }, phases: [{ phase: "Stack", durationMs: 45_000 }] }, NOW);
    expect(row).toMatchObject({
      repository: "acme/shop",
      pr: 7,
      title: "Add checkout",
      branch: "feature/checkout",
      sha: SHA,
      url: "https://shop-pr-7.preview.example.com",
      services: [
        { name: "web", vcpu: 0.5, gb: 1, tasks: 1, keptAsleep: false },
        { name: "db", vcpu: 0.25, gb: 0.5, tasks: 1, keptAsleep: true },
      ],
      phases: [{ phase: "Stack", durationMs: 45_000 }],
    });
    expect(row.perHour).toBeCloseTo(AWAKE, 10);
    expect(row.asleepPerHour).toBeCloseTo(ASLEEP, 10);
    // Four hours awake.
    expect(row.soFar).toBeCloseTo(4 * AWAKE, 10);
  });

  it("costs a sleeping preview the asleep price since it fell asleep", () => {
    const row = buildDashboardRow({ stack: stack({ tags: { "berth:asleep": "2026-12-03T11:00:00Z" } }), template: TEMPLATE, region: "us-east-1" }, NOW);
    expect(row.state).toBe("asleep");
    expect(row.asleepSince).toEqual(new Date("2026-12-03T11:00:00Z"));
    expect(row.soFar).toBeCloseTo(3 * AWAKE + 1 * ASLEEP, 10);
  });

  it("shows no price where berth ships none for the region, or the template is unknown", () => {
    expect(buildDashboardRow({ stack: stack(), template: TEMPLATE, region: "ap-east-1" }, NOW)).not.toHaveProperty("perHour");
    const unknown = buildDashboardRow({ stack: stack(), region: "us-east-1" }, NOW);
    expect(unknown.services).toEqual([]);
    expect(unknown).not.toHaveProperty("soFar");
  });

  it("counts sleep and expiry from the last activity, or from creation without one", () => {
    const windows = { "berth:sleep-after": "1800", "berth:expire-after": "86400" };
    expect(buildDashboardRow({ stack: stack({ tags: { ...windows, "berth:active-at": "2026-12-03T11:50:00Z" } }) }, NOW)).toMatchObject({
      sleepsAt: new Date("2026-12-03T12:20:00Z"),
      expiresAt: new Date("2026-12-04T11:50:00Z"),
    });
    expect(buildDashboardRow({ stack: stack({ tags: windows }) }, NOW)).toMatchObject({ sleepsAt: new Date("2026-12-03T08:30:00Z"), expiresAt: new Date("2026-12-04T08:00:00Z") });
    // Asleep, it does not fall asleep again; it still expires.
    const asleep = buildDashboardRow({ stack: stack({ tags: { ...windows, "berth:asleep": "2026-12-03T11:00:00Z" } }) }, NOW);
    expect(asleep).not.toHaveProperty("sleepsAt");
    expect(asleep.expiresAt).toEqual(new Date("2026-12-04T08:00:00Z"));
    // Neither window: neither time.
    expect(buildDashboardRow({ stack: stack() }, NOW)).not.toHaveProperty("expiresAt");
  });
});

describe("buildDashboardRows", () => {
  it("leaves out stacks that are not previews and sorts by repository, then pull request", () => {
    const of = (repository: string, pr: number) => ({ stack: { ...stack(), name: `s-${repository}-${pr}`, tags: { ...stack().tags, "berth:repository": repository, "berth:pr": String(pr) } } });
    const rows = buildDashboardRows([of("acme/web", 2), of("acme/shop", 12), of("acme/shop", 3), { stack: { ...stack(), tags: { "berth:managed": "true" } } }], NOW);
    expect(rows.map((r) => `${r.repository}#${r.pr}`)).toEqual(["acme/shop#3", "acme/shop#12", "acme/web#2"]);
  });
});

describe("costSoFar", () => {
  it.each([
    ["awake all along", { asleepSince: undefined }, 4 * 2],
    ["asleep for the last hour", { asleepSince: new Date("2026-12-03T11:00:00Z") }, 3 * 2 + 1 * 0.5],
    ["asleep since before a tag says it was created", { asleepSince: new Date("2026-12-03T07:00:00Z") }, 4 * 0.5],
  ])("%s", (_what, patch, expected) => {
    expect(costSoFar({ perHour: 2, asleepPerHour: 0.5, createdAt: CREATED, now: NOW, ...(patch.asleepSince ? { asleepSince: patch.asleepSince } : {}) })).toBeCloseTo(expected, 10);
  });
});
