import type { StackEvent } from "@aws-sdk/client-cloudformation";
import { describe, expect, it } from "vitest";
import { AwsPace } from "../../src/aws/aws-pace.js";
import { expectServicesStable, resourceTimes } from "../../src/aws/operation-progress.js";

const T0 = Date.parse("2026-12-01T00:00:00Z");
const s = (seconds: number) => T0 + seconds * 1000;

function event(logicalId: string, type: string, status: string, seconds: number): StackEvent {
  return { StackId: "stack-id", StackName: "berth-shop-pr-7", EventId: `${logicalId}-${status}-${seconds}`, LogicalResourceId: logicalId, ResourceType: type, ResourceStatus: status as StackEvent["ResourceStatus"], Timestamp: new Date(s(seconds)) };
}

/** A create's events, oldest first: the stack and its resources start at 0, db starts at `dbStart` once they are done. */
function create(dbStart?: number): StackEvent[] {
  return [
    event("berth-shop-pr-7", "AWS::CloudFormation::Stack", "CREATE_IN_PROGRESS", 0),
    event("TaskSecurityGroup", "AWS::EC2::SecurityGroup", "CREATE_IN_PROGRESS", 0),
    ...(dbStart === undefined
      ? []
      : [event("TaskSecurityGroup", "AWS::EC2::SecurityGroup", "CREATE_COMPLETE", dbStart), event("DbService", "AWS::ECS::Service", "CREATE_IN_PROGRESS", dbStart)]),
  ];
}

describe("expectServicesStable", () => {
  it.each([
    { case: "AWS at its typical pace", dbStart: 30, now: 60, endAt: 80, resourcesPace: 1 },
    { case: "AWS at 0.8 x", dbStart: 24, now: 60, endAt: 64, resourcesPace: 0.8 },
    { case: "AWS at 2 x", dbStart: 60, now: 61, endAt: 160, resourcesPace: 2 },
  ])("$case: a rollout at the resources' pace after the service started ($endAt s)", ({ dbStart, now, endAt, resourcesPace }) => {
    expect(expectServicesStable({ events: create(dbStart), services: ["DbService"], now: s(now), pace: 1 })).toEqual({ endAt: s(endAt), resourcesPace });
  });

  it.each([
    { case: "early on, at the typical figures and the pace known", now: 10, pace: 1, endAt: 80 },
    { case: "early on, at a pace known to be slower", now: 10, pace: 2, endAt: 160 },
    { case: "past the resources' typical end (2.5 x so far): a rollout at that pace beyond now", now: 75, pace: 1, endAt: 75 + 125 },
  ])("before the service starts, $case", ({ now, pace, endAt }) => {
    const aim = expectServicesStable({ events: create(), services: ["DbService"], now: s(now), pace });
    expect(aim).toEqual({ endAt: s(endAt) });
  });

  it("takes a service that starts with the operation as telling nothing of the pace", () => {
    expect(expectServicesStable({ events: create(2), services: ["DbService"], now: s(5), pace: 1.5 })).toEqual({ endAt: s(2 + 75) });
  });

  it("waits for the last of several services to start, and expects nothing before the operation's first event", () => {
    const events = [...create(30), event("CacheService", "AWS::ECS::Service", "CREATE_IN_PROGRESS", 36)];
    expect(expectServicesStable({ events, services: ["DbService", "CacheService"], now: s(40), pace: 1 })).toEqual({ endAt: s(86), resourcesPace: 1 });
    expect(expectServicesStable({ events: [], services: ["DbService"], now: s(40), pace: 1 })).toBeUndefined();
  });

  it("reads a resource's start and completion from its own events", () => {
    const events = [...create(30), event("DbService", "AWS::ECS::Service", "CREATE_COMPLETE", 80)];
    expect(resourceTimes(events, "DbService")).toEqual({ started: s(30), completed: s(80) });
    expect(resourceTimes(events, "WebService")).toEqual({});
  });
});

describe("AwsPace", () => {
  it("is 1 until timed, then the last ratio timed, kept between a quarter and four", () => {
    const pace = new AwsPace();
    expect(pace.scale(35_000)).toBe(35_000);
    pace.record(70_000, 35_000);
    expect(pace.factor).toBe(2);
    pace.record(1_000, 50_000);
    expect(pace.factor).toBe(0.25);
    pace.record(0, 50_000);
    expect(pace.factor).toBe(0.25);
    pace.record(900_000, 50_000);
    expect(pace.scale(10_000)).toBe(40_000);
  });
});
