import { describe, expect, it } from "vitest";
import type { LogPort, RunTaskInput, StepChainInput, TaskPort, TaskResult } from "../../../src/preview/ports.js";
import { ReleaseStepError, runReleaseChain, runReleaseStep } from "../../../src/preview/flow/release-step.js";
import type { PreviewOutputs } from "../../../src/preview/flow/stack-outputs.js";

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
    consoleUrl: () => undefined,
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

  describe("a one-shot service that restarts on failure", () => {
    const outputs = { ...OUTPUTS, oneShotTaskDefinitions: { createbuckets: "arn:aws:ecs:us-east-1:123456789012:task-definition/berth-x-createbuckets:1" } };
    const createbuckets = { name: "init:createbuckets" as const, service: "createbuckets", retries: 3 };

    /** A TaskPort whose tasks end as `results` says, one after another, each with its own task id. */
    function scripted(results: Array<Omit<TaskResult, "taskArn">>) {
      const runs: RunTaskInput[] = [];
      const tails: string[] = [];
      const tasks = {
        runTask: async (input: RunTaskInput) => {
          runs.push(input);
          return { taskArn: `${TASK}${runs.length}`, ...results[runs.length - 1]! };
        },
      } as unknown as TaskPort;
      const logs = { tail: async ({ stream }: { stream: string }) => (tails.push(stream), [`log of ${stream}`]), latestStream: async () => undefined, consoleUrl: () => undefined } as LogPort;
      return { runs, tails, deps: { tasks, logs, options: { logTailLines: 30 } } };
    }

    it("runs it again in a new task after a non-zero exit and passes when a later attempt exits 0, telling each retry", async () => {
      const { runs, tails, deps: d } = scripted([{ exitCode: 1 }, { exitCode: 137 }, { exitCode: 0 }]);
      const retries: unknown[] = [];

      await runReleaseStep(d, { cluster: "c", outputs, step: createbuckets, onRetry: (retry) => void retries.push(retry) });

      expect(runs.map((r) => [r.taskDefinition, r.startedBy])).toEqual([
        [outputs.oneShotTaskDefinitions.createbuckets, "berth/init:createbuckets"],
        [outputs.oneShotTaskDefinitions.createbuckets, "berth/init:createbuckets"],
        [outputs.oneShotTaskDefinitions.createbuckets, "berth/init:createbuckets"],
      ]);
      expect(retries).toEqual([
        { reason: "exited with code 1", attempt: 2, attempts: 4 },
        { reason: "exited with code 137", attempt: 3, attempts: 4 },
      ]);
      expect(tails).toEqual([]);
    });

    it("fails after the last attempt, saying how many ran, with the last attempt's log", async () => {
      const { runs, tails, deps: d } = scripted([{ exitCode: 1 }, { exitCode: 1 }, { exitCode: 1 }, { exitCode: 2 }]);

      const error = (await runReleaseStep(d, { cluster: "c", outputs, step: createbuckets }).catch((e: unknown) => e)) as ReleaseStepError;

      expect(runs).toHaveLength(4);
      expect([error.step, error.userMessage, error.logTail]).toEqual([
        "init:createbuckets",
        "service createbuckets exited with code 2 on attempt 4 of 4",
        ["log of x/createbuckets/0123abcd4"],
      ]);
      expect(tails).toEqual(["x/createbuckets/0123abcd4"]);
    });

    it("does not run it again when the container never started: the task port already retried what was transient", async () => {
      const { runs, deps: d } = scripted([{ exitCode: 1 }, { stopCode: "TaskFailedToStart", stoppedReason: "CannotPullContainerError: not found" }]);
      const retries: unknown[] = [];

      const error = (await runReleaseStep(d, { cluster: "c", outputs, step: createbuckets, onRetry: (retry) => void retries.push(retry) }).catch((e: unknown) => e)) as ReleaseStepError;

      expect(runs).toHaveLength(2);
      expect(retries).toEqual([{ reason: "exited with code 1", attempt: 2, attempts: 4 }]);
      expect(error.userMessage).toBe("service createbuckets: the container never started on attempt 2 of 4 (TaskFailedToStart: CannotPullContainerError: not found)");
    });

    it("runs a one-shot service without retries, and migrate, once", async () => {
      const oneShot = scripted([{ exitCode: 1 }, { exitCode: 0 }]);
      const migrate = scripted([{ exitCode: 1 }, { exitCode: 0 }]);

      const errors = [
        await runReleaseStep(oneShot.deps, { cluster: "c", outputs, step: { name: "init:createbuckets", service: "createbuckets" } }).catch((e: unknown) => e),
        await runReleaseStep(migrate.deps, { cluster: "c", outputs, step }).catch((e: unknown) => e),
      ];

      expect([oneShot.runs.length, migrate.runs.length]).toEqual([1, 1]);
      expect(errors.map((e) => (e as ReleaseStepError).userMessage)).toEqual(["service createbuckets exited with code 1", "bin/rails db:migrate exited with code 1"]);
    });
  });

  it("still fails with its reason when the log cannot be read", async () => {
    const { deps: d } = deps({ exitCode: 2 }, { tail: async () => Promise.reject(new Error("AccessDenied")) });

    const error = (await runReleaseStep(d, { cluster: "c", outputs: OUTPUTS, step }).catch((e: unknown) => e)) as ReleaseStepError;

    expect([error.userMessage, error.logTail]).toEqual(["bin/rails db:migrate exited with code 2", []]);
  });
});

describe("runReleaseChain", () => {
  const seed = { name: "seed" as const, command: ["bin/rails", "db:seed"] };
  const REVISION = "arn:aws:ecs:us-east-1:123456789012:task-definition/berth-x-release:9";

  /** A TaskPort whose task ends with `result`; `during` are the container exits told while it runs. */
  function chain(result: Omit<TaskResult, "taskArn">, during: Array<[string, number]> = []) {
    const events: string[] = [];
    const registered: StepChainInput[] = [];
    const runs: RunTaskInput[] = [];
    const tasks = {
      registerStepChain: async (input: StepChainInput) => (registered.push(input), events.push("register"), REVISION),
      deregisterTaskDefinition: async (arn: string) => void events.push(`deregister ${arn.split("/").at(-1)}`),
      deregisterLeftRunRevisions: async (input: { from: string; container: string }) => (events.push(`deregister left runs of ${input.from.split("/").at(-1)} without ${input.container}`), 0),
      runTask: async (input: RunTaskInput) => {
        runs.push(input);
        events.push("run");
        for (const [container, exitCode] of during) await input.onContainerExit?.(container, exitCode);
        events.push("stopped");
        return { taskArn: TASK, ...result };
      },
    } as unknown as TaskPort;
    const tails: string[] = [];
    const logs = { tail: async ({ stream }: { stream: string }) => (tails.push(stream), [`tail of ${stream}`]), latestStream: async () => undefined, consoleUrl: () => undefined } as LogPort;
    return { events, registered, runs, tails, deps: { tasks, logs, options: { logTailLines: 30 } } };
  }

  it("registers one revision for both steps, runs it once with each step's command, tells each pass in order and deregisters it", async () => {
    const c = chain({ exitCode: 0, containers: { migrate: { exitCode: 0 }, seed: { exitCode: 0 } } }, [["migrate", 0]]);

    await runReleaseChain(c.deps, { cluster: "berth-previews", outputs: OUTPUTS, steps: [step, seed], image: "repo@sha256:2", tags: { "berth:managed": "true" }, onPassed: (name) => void c.events.push(`passed ${name}`) });

    expect(c.registered).toEqual([{ from: OUTPUTS.releaseTaskDefinitionArn, container: "release", steps: ["migrate", "seed"], image: "repo@sha256:2", tags: { "berth:managed": "true" } }]);
    expect(c.runs[0]).toMatchObject({
      taskDefinition: REVISION,
      container: "seed",
      command: ["bin/rails", "db:seed"],
      before: [{ container: "migrate", command: ["bin/rails", "db:migrate"] }],
      startedBy: "berth/migrate+seed",
      label: "release",
    });
    // migrate's pass is told while seed still runs, not when the task stopped.
    expect(c.events).toEqual(["register", "run", "passed migrate", "stopped", "deregister berth-x-release:9", "deregister left runs of berth-x-release:2 without release", "passed seed"]);
    expect(c.tails).toEqual([]);
  });

  it("hands the deregistration to the caller, to run once the new version may start; its failure goes to onCleanupError", async () => {
    const c = chain({ exitCode: 0, containers: { migrate: { exitCode: 0 }, seed: { exitCode: 0 } } }, [["migrate", 0]]);
    const deferred: Array<() => Promise<void>> = [];
    const cleanupErrors: unknown[] = [];

    await runReleaseChain(c.deps, {
      cluster: "c",
      outputs: OUTPUTS,
      steps: [step, seed],
      tags: {},
      onPassed: (name) => void c.events.push(`passed ${name}`),
      deferCleanup: (cleanup) => void deferred.push(cleanup),
      onCleanupError: (error) => void cleanupErrors.push(error),
    });

    expect(c.events).toEqual(["register", "run", "passed migrate", "stopped", "passed seed"]);
    expect(deferred).toHaveLength(1);
    await deferred[0]!();
    // This run's revision, then those earlier runs left ACTIVE: the stack's own revision keeps its `release` container.
    expect(c.events.slice(-2)).toEqual(["deregister berth-x-release:9", "deregister left runs of berth-x-release:2 without release"]);

    (c.deps.tasks as { deregisterTaskDefinition: (arn: string) => Promise<void> }).deregisterTaskDefinition = () => Promise.reject(new Error("AccessDenied"));
    await deferred[0]!();
    expect(cleanupErrors).toEqual([new Error("AccessDenied")]);
  });

  it("fails on the first step that did not exit 0, with its own log tail, naming the steps that never ran", async () => {
    const c = chain({
      exitCode: 143,
      containers: {
        migrate: { exitCode: 1, logStream: "x/migrate/0123abcd" },
        seed: { exitCode: 143, reason: "CannotStartContainerError: dependency graph: failed to resolve container ordering dependency", logStream: "x/seed/0123abcd" },
      },
    });
    const passed: string[] = [];

    const error = await runReleaseChain(c.deps, { cluster: "c", outputs: OUTPUTS, steps: [step, seed], tags: {}, onPassed: (name) => void passed.push(name) }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ReleaseStepError);
    expect(error).toMatchObject({ step: "migrate", userMessage: "bin/rails db:migrate exited with code 1", logTail: ["tail of x/migrate/0123abcd"], notRun: ["seed"] });
    expect(passed).toEqual([]);
    expect(c.events).toContain("deregister berth-x-release:9");
  });

  it("a seed that exits non-zero after migrate passed fails as seed, with seed's log", async () => {
    const c = chain({ exitCode: 1, containers: { migrate: { exitCode: 0, logStream: "x/migrate/0123abcd" }, seed: { exitCode: 1, logStream: "x/seed/0123abcd" } } }, [["migrate", 0]]);
    const passed: string[] = [];

    const error = await runReleaseChain(c.deps, { cluster: "c", outputs: OUTPUTS, steps: [step, seed], tags: {}, onPassed: (name) => void passed.push(name) }).catch((e: unknown) => e);

    expect(error).toMatchObject({ step: "seed", userMessage: "bin/rails db:seed exited with code 1", logTail: ["tail of x/seed/0123abcd"], notRun: [] });
    expect(passed).toEqual(["migrate"]);
  });

  it("a task that never started fails its first step with ECS's reason, and still deregisters the revision", async () => {
    const c = chain({ stopCode: "TaskFailedToStart", stoppedReason: "CannotPullContainerError: not found", containers: { migrate: {}, seed: {} } });

    const error = await runReleaseChain(c.deps, { cluster: "c", outputs: OUTPUTS, steps: [step, seed], tags: {} }).catch((e: unknown) => e);

    expect(error).toMatchObject({ step: "migrate", userMessage: "the container never started (TaskFailedToStart: CannotPullContainerError: not found)" });
    expect(c.tails).toEqual(["x/migrate/0123abcd"]);
    // This run's revision, then those earlier runs left ACTIVE: the stack's own revision keeps its `release` container.
    expect(c.events.slice(-2)).toEqual(["deregister berth-x-release:9", "deregister left runs of berth-x-release:2 without release"]);
  });
});
