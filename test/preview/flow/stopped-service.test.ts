import { describe, expect, it } from "vitest";
import { RolloutError, StackError, TaskError } from "../../../src/preview/errors.js";
import type { StoppedTask } from "../../../src/preview/ports.js";
import { findStoppedService, renderStoppedTask } from "../../../src/preview/flow/stopped-service.js";

const HEALTH = { path: "/up", grace_period: 120 };
const WEB_ARN = "arn:aws:ecs:us-east-1:123456789012:service/berth-previews/berth-shop-pr-7-WebService-AB12";
const SERVICES = {
  web: { logicalId: "WebService", family: "berth-shop-pr-7-web", arn: WEB_ARN },
  worker: { logicalId: "WorkerService", family: "berth-shop-pr-7-worker" },
};

function task(over: Partial<StoppedTask> & { web?: Partial<StoppedTask["containers"][number]> }): StoppedTask {
  const { web, ...rest } = over;
  return {
    taskArn: "arn:aws:ecs:us-east-1:123456789012:task/berth-previews/0123",
    service: "berth-shop-pr-7-WebService-AB12",
    stopCode: "EssentialContainerExited",
    stoppedReason: "Essential container in task exited",
    containers: [
      { name: "berth-dns-init", essential: false, exitCode: 0 },
      { name: "web", essential: true, image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:abc1234", ...web },
    ],
    ...rest,
  };
}

describe("renderStoppedTask", () => {
  it("names the image that could not be pulled, and a container that never started", () => {
    const out = renderStoppedTask(
      "web",
      task({ stopCode: "TaskFailedToStart", stoppedReason: "CannotPullContainerError: pull image manifest has been retried 5 time(s): not found" }),
      HEALTH,
    );
    expect(out).toEqual({
      summary: "The latest task of service web stopped: CannotPullContainerError: pull image manifest has been retried 5 time(s): not found (TaskFailedToStart).",
      containers: ["container web never started"],
      hint: "Hint: ECS could not pull the image 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:abc1234: check that it exists and that the reference is right (`image` in .github/preview.yml for a service with `build:`, else the service's `image:` in the compose file).",
    });
  });

  it.each([
    ["a crash", { exitCode: 1 }, undefined],
    ["an exit 137 that was no out-of-memory kill", { exitCode: 137 }, undefined],
    ["an out-of-memory kill", { exitCode: 137, reason: "OutOfMemoryError: Container killed due to memory usage" }, /ran out of memory/],
    ["a clean exit", { exitCode: 0 }, /one-shot service/],
  ])("gives a hint only where the cause is clear: %s", (_what, web, hint) => {
    const out = renderStoppedTask("web", task({ web }), HEALTH);
    if (hint === undefined) expect(out.hint).toBeUndefined();
    else expect(out.hint).toMatch(hint);
    // Init containers that exited 0 are left out; the workload container is always listed.
    expect(out.containers).toHaveLength(1);
  });
});

it("reads an out-of-memory kill from the task's reason too", () => {
  const out = renderStoppedTask("web", task({ stoppedReason: "OutOfMemoryError: Container killed due to memory usage", web: { exitCode: 137 } }), HEALTH);
  expect(out.hint).toBe(
    "Hint: web ran out of memory: raise its memory in .github/preview.yml, `resources.services.web` (cpu and memory) for this service or `resources.memory` for every service.",
  );
});

describe("findStoppedService", () => {
  const input = { services: SERVICES, publicService: "web" };
  it.each([
    ["CloudFormation failed on the ECS service", new StackError("x", { stackName: "s", firstFailure: { resource: "WorkerService", type: "AWS::ECS::Service", reason: "circuit breaker" } }), "worker"],
    ["berth's rollout check saw it rolled back", new RolloutError("x", { service: WEB_ARN }), "web"],
    ["another resource failed", new StackError("x", { stackName: "s", firstFailure: { resource: "WebTargetGroup", type: "AWS::ElasticLoadBalancingV2::TargetGroup", reason: "x" } }), undefined],
    ["a failure that may pass", new StackError("x", { stackName: "s", firstFailure: { resource: "WebService", type: "AWS::ECS::Service", reason: "x" }, transient: "AWS" } as never), undefined],
    ["a release step", new TaskError("x"), undefined],
  ])("%s", (_what, error, service) => {
    expect(findStoppedService(error, input)).toBe(service);
  });
});
