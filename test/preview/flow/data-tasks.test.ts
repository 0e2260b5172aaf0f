import { describe, expect, it } from "vitest";
import { buildDataTasksTag, replacedDataServices } from "../../../src/preview/flow/data-tasks.js";

const DB = "arn:aws:ecs:us-east-1:123456789012:service/berth-previews/db";
const REDIS = "arn:aws:ecs:us-east-1:123456789012:service/berth-previews/redis";
const id = (c: string) => c.repeat(32);

describe("buildDataTasksTag", () => {
  it.each([
    ["no data service", {}, {}, undefined],
    ["one task each, names in order", { redis: REDIS, db: DB }, { [DB]: [id("a")], [REDIS]: [id("b")] }, "db=aaaaaaaaaaaa/redis=bbbbbbbbbbbb"],
    ["two tasks during a rollout", { db: DB }, { [DB]: [id("c"), id("a")] }, "db=aaaaaaaaaaaa+cccccccccccc"],
    ["a service without a running task", { db: DB }, { [DB]: [] }, "db=none"],
  ])("%s", (_name, services, running, expected) => {
    expect(buildDataTasksTag(services, running)).toBe(expected);
  });

  it("stays a valid tag value when there are many data services: a hash of the same text", () => {
    const services = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`data-service-${i}`, `${DB}-${i}`]));
    const running = Object.fromEntries(Object.values(services).map((arn) => [arn, [id("d")]]));
    const tag = buildDataTasksTag(services, running)!;

    expect(tag).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(tag.length).toBeLessThanOrEqual(256);
    expect(buildDataTasksTag(services, { ...running, [`${DB}-3`]: [id("e")] })).not.toBe(tag);
  });
});

describe("replacedDataServices", () => {
  it.each([
    ["nothing replaced", "db=aaaaaaaaaaaa/redis=bbbbbbbbbbbb", "db=aaaaaaaaaaaa/redis=bbbbbbbbbbbb", []],
    ["the database", "db=aaaaaaaaaaaa/redis=bbbbbbbbbbbb", "db=cccccccccccc/redis=bbbbbbbbbbbb", ["db"]],
    ["both", "db=aaaaaaaaaaaa/redis=bbbbbbbbbbbb", "db=cccccccccccc/redis=dddddddddddd", ["db", "redis"]],
    ["a new data service", "db=aaaaaaaaaaaa", "db=aaaaaaaaaaaa/redis=bbbbbbbbbbbb", ["redis"]],
    ["unknown behind a hash", `sha256=${"0".repeat(64)}`, `sha256=${"1".repeat(64)}`, undefined],
  ])("%s", (_name, recorded, current, expected) => {
    expect(replacedDataServices(recorded, current)).toEqual(expected);
  });
});
