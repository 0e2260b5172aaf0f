import { describe, expect, it } from "vitest";
import { criticalPathBound, fastRolloutPushBound, ISSUE_10_MODEL, stackOperationTiming, taskRunSeconds, type ModelChange, type ModelTemplate } from "./aws/latency-model.js";

const model = ISSUE_10_MODEL;

/** The shape of the reference app's preview stack: db, then web (behind the load balancer) and a release task definition. */
function template(webDesired: number | { Ref: string }): ModelTemplate {
  return {
    Parameters: { WebCount: { Default: 0 } },
    Resources: {
      Group: { Type: "AWS::EC2::SecurityGroup" },
      PublicTargetGroup: { Type: "AWS::ElasticLoadBalancingV2::TargetGroup" },
      DbTaskDefinition: { Type: "AWS::ECS::TaskDefinition" },
      DbService: { Type: "AWS::ECS::Service", Properties: { DesiredCount: 1, TaskDefinition: { Ref: "DbTaskDefinition" } } },
      WebTaskDefinition: { Type: "AWS::ECS::TaskDefinition" },
      WebService: { Type: "AWS::ECS::Service", DependsOn: ["DbService"], Properties: { DesiredCount: webDesired, TaskDefinition: { Ref: "WebTaskDefinition" } } },
      ReleaseTaskDefinition: { Type: "AWS::ECS::TaskDefinition" },
    },
  };
}

const add = (ids: string[]): ModelChange[] =>
  ids.map((logicalId) => ({ action: "Add", logicalId, type: template(1).Resources?.[logicalId]?.Type ?? "" }));
const modify = (logicalId: string, replacement: "True" | "False"): ModelChange => ({ action: "Modify", logicalId, type: template(1).Resources?.[logicalId]?.Type ?? "", replacement });
const ALL = Object.keys(template(1).Resources ?? {});

describe("the latency model", () => {
  it("bounds the reference app at 225 s on a first deploy and 95 s on a push, as issue #10 computes", () => {
    expect(criticalPathBound(model, { dataServiceLevels: 1, firstSteps: ["migrate", "seed"], pushSteps: ["migrate"] })).toEqual({ first: 225, push: 95 });
  });

  it.each([
    ["a create whose web service waits at 0 tasks: resources, then db", add(ALL), template(0), undefined, 80, [["DbService"]]],
    ["a create of both services: web launches after db", add(ALL), template(1), undefined, 130, [["DbService"], ["WebService"]]],
    ["the desired count from a parameter", add(ALL), template({ Ref: "WebCount" }), undefined, 80, [["DbService"]]],
    ["a new web image: its task definition replaced, web relaunches", [modify("WebTaskDefinition", "True"), modify("WebService", "False")], template(1), template(1), 80, [["WebService"]]],
    ["web scaled from 0: only a service changes", [modify("WebService", "False")], template(1), template(0), 50, [["WebService"]]],
    ["only the release task definition replaced: no service launches", [modify("ReleaseTaskDefinition", "True")], template(1), template(1), 30, []],
    ["tags only: services keep their tasks", ALL.map((id) => modify(id, "False")), template(1), template(1), 30, []],
    ["no changes", [], template(1), template(1), 0, []],
  ])("%s", (_name, changes, next, previous, seconds, levels) => {
    expect(stackOperationTiming({ model, changes, template: next, ...(previous ? { previous } : {}) })).toEqual({ seconds, levels, blueGreen: [] });
  });

  it("times a blue/green web service apart: its new task definition costs the resources, its deployment is ECS's", () => {
    const blueGreen = template(1);
    const web = blueGreen.Resources!.WebService!;
    web.Properties = { ...web.Properties, DeploymentConfiguration: { Strategy: "BLUE_GREEN", BakeTimeInMinutes: 0 } };

    expect(stackOperationTiming({ model, changes: [modify("WebTaskDefinition", "True"), modify("WebService", "False")], template: blueGreen, previous: blueGreen }))
      .toEqual({ seconds: 30, levels: [], blueGreen: ["WebService"] });
    // Scaled from 0 (a wake) with its task definition unchanged: ECS scales it in place, no deployment.
    const asleep = template(0);
    asleep.Resources!.WebService!.Properties = { ...asleep.Resources!.WebService!.Properties, DeploymentConfiguration: { Strategy: "BLUE_GREEN" } };
    expect(stackOperationTiming({ model, changes: [modify("WebService", "False")], template: blueGreen, previous: asleep }))
      .toEqual({ seconds: 50, levels: [["WebService"]], blueGreen: [] });
  });

  it("bounds a push with fast rollout at 55 s: migrate (45 s) beside green's launch and health (50 s), then a 5 s deregistration delay", () => {
    expect(fastRolloutPushBound(model, { pushSteps: ["migrate"], deregistrationDelaySeconds: 5 })).toBe(55);
    expect(fastRolloutPushBound(model, { pushSteps: ["migrate", "seed"], deregistrationDelaySeconds: 300 })).toBe(95 + 300);
  });

  it.each([
    [["bin/rails db:migrate"], ["migrate"], 10],
    [["bash -c bin/rails db:migrate && bin/rails db:seed"], ["migrate", "seed"], 25],
    [["sh -c resolv.conf", "bin/rails db:seed", "bin/rails db:migrate"], ["seed", "migrate"], 25],
    [["bundle exec puma"], [], 0],
  ])("a task running %j runs %j for %i s after its launch", (commands, steps, seconds) => {
    expect(taskRunSeconds(model, commands)).toEqual({ steps, seconds });
  });
});
