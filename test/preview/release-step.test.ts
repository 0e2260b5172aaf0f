import { describe, expect, it } from "vitest";
import type { LogPort, RunTaskInput, TaskPort, TaskResult } from "../../src/preview/ports.js";
import { ReleaseStepError, runReleaseStep } from "../../src/preview/release-step.js";
import type { PreviewOutputs } from "../../src/preview/stack-outputs.js";

const OUTPUTS = {
  releaseTaskDefinitionArn: "arn:aws:ecs:us-east-1:123456789012:task-definition/berth-x-release:2",
  releaseContainerName: "release",
  subnets: ["subnet-1"],
  securityGroups: ["sg-1", "sg-2"],
  assignPublicIp: true,
  logGroup: "/berth/previews",
  logStreamPrefix: "x",
} as PreviewOutputs;
const TASK = "arn:aws:ecs:us-east-1:123456789012:task/berth-previews/0123abcd";

function deps(result: Omit<TaskResult, "taskArn">, logs: Partial<LogPort> = {}) {
  const runs: RunTaskInput[] = [];
  const tails: string[] = [];
  const tasks = { runTask: async (input: RunTaskInput) => (runs.push(input), { taskArn: TASK, ...result }) } as unknown as TaskPort;
  const logPort = {
    tail: async ({ stream }: { stream: string }) => (tails.push(stream), ["line 1", "boom"]),
    latestStream: async () => undefined,
    ...logs,
  } as LogPort;
  return { runs, tails, deps: { tasks, logs: logPort, options: { logTailLines: 30 } } };
}

const step = { name: "migrate" as const, command: ["bin/rails", "db:migrate"] };

describe("runReleaseStep", () => {
  it("runs the command in the release container of the preview's network and passes on exit 0", async () => {
    const { runs, tails, deps: d } = deps({ exitCode: 0 });

    await runReleaseStep(d, { cluster: "berth-previews", outputs: OUTPUTS, step });

    expect(runs).toEqual([
      {
        cluster: "berth-previews",
        taskDefinition: OUTPUTS.releaseTaskDefinitionArn,
        container: "release",
        command: ["bin/rails", "db:migrate"],
        subnets: ["subnet-1"],
        securityGroups: ["sg-1", "sg-2"],
        assignPublicIp: true,
        startedBy: "berth/migrate",
      },
    ]);
    expect(tails).toEqual([]);
  });

  it.each([
    [{ exitCode: 1, logStream: "x/release/0123abcd" }, "bin/rails db:migrate exited with code 1", "x/release/0123abcd"],
    [{ exitCode: 137 }, "bin/rails db:migrate exited with code 137", "x/release/0123abcd"],
    [
      { stopCode: "TaskFailedToStart", stoppedReason: "CannotPullContainerError: pull image manifest has been retried 5 time(s)" },
      "the container never started (TaskFailedToStart: CannotPullContainerError: pull image manifest has been retried 5 time(s))",
      "x/release/0123abcd",
    ],
    [{}, "the container never started (no exit code)", "x/release/0123abcd"],
  ])("fails %j with the reason and the log tail", async (result, message, stream) => {
    const { tails, deps: d } = deps(result);

    const error = await runReleaseStep(d, { cluster: "c", outputs: OUTPUTS, step }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ReleaseStepError);
    expect((error as ReleaseStepError).userMessage).toBe(message);
    expect((error as ReleaseStepError).logTail).toEqual(["line 1", "boom"]);
    expect(tails).toEqual([stream]);
  });

  it("runs a one-shot compose service in its own task definition with the command the compose file gave", async () => {
    const outputs = { ...OUTPUTS, oneShotTaskDefinitions: { "create.buckets": "arn:aws:ecs:us-east-1:123456789012:task-definition/berth-x-create-buckets:1" } };
    const { runs, tails, deps: d } = deps({ exitCode: 3 });

    const error = (await runReleaseStep(d, { cluster: "c", outputs, step: { name: "init:create.buckets", service: "create.buckets" } }).catch((e: unknown) => e)) as ReleaseStepError;

    expect(runs.map((r) => [r.taskDefinition, r.container, r.command, r.startedBy])).toEqual([
      ["arn:aws:ecs:us-east-1:123456789012:task-definition/berth-x-create-buckets:1", "create-buckets", undefined, "berth/init:create.buckets"],
    ]);
    expect([error.step, error.userMessage]).toEqual(["init:create.buckets", "service create.buckets exited with code 3"]);
    expect(tails).toEqual(["x/create-buckets/0123abcd"]);
  });

  it("still fails with its reason when the log cannot be read", async () => {
    const { deps: d } = deps({ exitCode: 2 }, { tail: async () => Promise.reject(new Error("AccessDenied")) });

    const error = (await runReleaseStep(d, { cluster: "c", outputs: OUTPUTS, step }).catch((e: unknown) => e)) as ReleaseStepError;

    expect([error.userMessage, error.logTail]).toEqual(["bin/rails db:migrate exited with code 2", []]);
  });
});
