import { describe, expect, it } from "vitest";
import { DurationMemory, expectBlueGreenMs, expectHeldRolloutMs, expectStackChangeMs, type PlannedChange } from "../../src/aws/expected-duration.js";

/** A preview stack like berth renders for the Rails + Postgres app: web waits for db, web at 0 tasks until the rollout. */
function template(webCount: number | { Ref: string }) {
  return {
    Resources: {
      Group: { Type: "AWS::EC2::SecurityGroup" },
      DbTaskDefinition: { Type: "AWS::ECS::TaskDefinition" },
      DbService: { Type: "AWS::ECS::Service", Properties: { DesiredCount: 1, TaskDefinition: { Ref: "DbTaskDefinition" } } },
      WebTaskDefinition: { Type: "AWS::ECS::TaskDefinition" },
      WebService: { Type: "AWS::ECS::Service", DependsOn: ["DbService"], Properties: { DesiredCount: webCount, TaskDefinition: { Ref: "WebTaskDefinition" } } },
      ReleaseTaskDefinition: { Type: "AWS::ECS::TaskDefinition" },
    },
  };
}

const TYPES: Record<string, string> = {
  Group: "AWS::EC2::SecurityGroup",
  DbTaskDefinition: "AWS::ECS::TaskDefinition",
  DbService: "AWS::ECS::Service",
  WebTaskDefinition: "AWS::ECS::TaskDefinition",
  WebService: "AWS::ECS::Service",
  ReleaseTaskDefinition: "AWS::ECS::TaskDefinition",
};
const add = (): PlannedChange[] => Object.entries(TYPES).map(([logicalId, type]) => ({ action: "Add", logicalId, type }));
const modify = (logicalId: string, scope: string[], replacement = "False"): PlannedChange => ({ action: "Modify", logicalId, type: TYPES[logicalId], scope, replacement });

describe("expectStackChangeMs", () => {
  it.each([
    ["a create with web at 0 tasks: resources, then db", template(0), add(), {}, 80_000],
    ["a create of both: web rolls after db", template(1), add(), {}, 130_000],
    ["web's count from a parameter set to 0", template({ Ref: "WebCount" }), add(), { WebCount: "0" }, 80_000],
    ["a new image: task definition replaced, web rolls", template(1), [modify("WebTaskDefinition", ["Properties"], "True"), modify("WebService", ["Properties"])], {}, 80_000],
    ["web scaled up alone: only a service changes", template(1), [modify("WebService", ["Properties"])], {}, 50_000],
    ["the release task definition alone", template(1), [modify("ReleaseTaskDefinition", ["Properties"], "True")], {}, 30_000],
    ["tags only: no service rolls", template(1), Object.keys(TYPES).map((id) => modify(id, ["Tags"])), {}, 30_000],
    ["nothing", template(1), [], {}, 0],
  ])("%s", (_name, tmpl, changes, parameters, ms) => {
    expect(expectStackChangeMs({ template: tmpl, changes, parameters })).toBe(ms);
  });
});

describe("expectStackChangeMs behind a release gate", () => {
  const push = [modify("WebTaskDefinition", ["Properties"], "True"), modify("WebService", ["Properties"])];
  it.each([
    ["the release steps take longer than the other resources: web rolls after them", 45_000, 95_000],
    ["the other resources take longer: web rolls after them", 10_000, 80_000],
  ])("%s", (_name, heldMs, ms) => {
    expect(expectStackChangeMs({ template: template(1), changes: push, heldMs })).toBe(ms);
  });
});

/** The template with a release gate; web depends on `webDependsOn` (the gate's wait condition holds it when listed), with `webProperties` added. */
function gated(webDependsOn: string[], webProperties: Record<string, unknown> = {}) {
  const base = template(1);
  return {
    Resources: {
      ...base.Resources,
      GateHandle: { Type: "AWS::CloudFormation::WaitConditionHandle" },
      Gate: { Type: "AWS::CloudFormation::WaitCondition", Properties: { Handle: { Ref: "GateHandle" } } },
      WebService: { ...base.Resources.WebService, DependsOn: webDependsOn, Properties: { ...base.Resources.WebService.Properties, ...webProperties } },
    },
  };
}

describe("expectHeldRolloutMs", () => {
  it("counts only the services the gate holds: a create's db rolled while the steps ran, web rolls after", () => {
    expect(expectHeldRolloutMs({ template: gated(["DbService", "Gate"]), changes: add(), heldBy: "GateHandle" })).toBe(50_000);
    // Without the gate's hold web is not waiting on it: nothing is left once it opens.
    expect(expectHeldRolloutMs({ template: gated(["DbService"]), changes: add(), heldBy: "GateHandle" })).toBe(0);
  });
});

describe("expectBlueGreenMs", () => {
  /** web deployed blue/green (the fast rollout), held behind a release gate or not. */
  const blueGreen = (held: boolean) => gated(held ? ["DbService", "Gate"] : ["DbService"], { DeploymentConfiguration: { Strategy: "BLUE_GREEN" } });
  const push = [modify("WebTaskDefinition", ["Properties"], "True"), modify("WebService", ["Properties"])];

  it.each([
    ["a push: web launches beside the steps, and ends a traffic shift after it was continued", blueGreen(false), push, { floorMs: 55_000, tailMs: 5_000 }],
    ["a first deploy: web waits for the gate, then a traffic shift after it was continued", blueGreen(true), add(), { floorMs: 0, tailMs: 5_000 }],
    ["tags only: nothing deploys", blueGreen(false), [modify("WebService", ["Tags"])], undefined],
    ["a rolling service", template(1), push, undefined],
  ])("%s", (_name, tmpl, changes, expected) => {
    expect(expectBlueGreenMs({ template: tmpl, changes, heldBy: "GateHandle" })).toEqual(expected);
  });
});

describe("DurationMemory", () => {
  it("keeps the last value per key and forgets the oldest key past its capacity", () => {
    const memory = new DurationMemory(2);
    memory.record("migrate", 45_000);
    memory.record("seed", 50_000);
    memory.record("migrate", 44_000);
    memory.record("rollout", 80_000);

    expect(memory.find("migrate")).toBe(44_000);
    expect(memory.find("seed")).toBeUndefined();
    expect(memory.find("rollout")).toBe(80_000);
  });
});
