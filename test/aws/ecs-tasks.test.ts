import { RunTaskCommand, UpdateServiceCommand, waitUntilServicesStable } from "@aws-sdk/client-ecs";
import { describe, expect, it } from "vitest";
import { CloudFormationStacks } from "../../src/aws/cloudformation-stacks.js";
import { CloudWatchLogs } from "../../src/aws/cloudwatch-logs.js";
import { EcsTasks, type EcsTasksOptions } from "../../src/aws/ecs-tasks.js";
import { RolloutError, TaskError } from "../../src/preview/errors.js";
import { BASE_OUTPUTS, createAwsFake, type AwsFake, type AwsFakeOptions } from "../fakes/aws-fake.js";
import { previewTemplate } from "../fakes/aws/preview-template.js";

const LABEL = "shop-pr-7-acme-1a2b3c";
const IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:abc1234";
const CLUSTER = BASE_OUTPUTS.ClusterName;

async function setup(options: AwsFakeOptions = {}, tasksOptions: Partial<EcsTasksOptions> = {}) {
  const fake = createAwsFake(options);
  const stacks = new CloudFormationStacks({ client: fake.clients.cloudformation, ownership: { prefix: "berth-", tagKey: "berth:managed" }, pollDelayMs: 1 });
  const deploy = (image = IMAGE) =>
    stacks.ensure({ name: `berth-${LABEL}`, template: previewTemplate({ label: LABEL, image }), tags: {} });
  const { outputs } = await deploy();
  const tasks = new EcsTasks({ client: fake.clients.ecs, pollDelayMs: 1, ...tasksOptions });
  return { fake, tasks, outputs, deploy };
}

function release(fake: AwsFake, outputs: Record<string, string>, command: string[]) {
  return {
    cluster: CLUSTER,
    taskDefinition: outputs.ReleaseTaskDefinitionArn ?? "",
    container: "release",
    command,
    subnets: (outputs.TaskSubnets ?? "").split(","),
    securityGroups: (outputs.TaskSecurityGroups ?? "").split(","),
    assignPublicIp: true,
    startedBy: "berth/migrate",
  };
}

function taskId(arn: string): string {
  return arn.split("/").at(-1) ?? "";
}

async function rejection(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  if (!(error instanceof Error)) throw new Error(`expected a rejection, got ${String(error)}`);
  return error as Error & Record<string, unknown>;
}

describe("EcsTasks.runTask", () => {
  it("runs a one-off Fargate task with the command override and returns its outcome", async () => {
    const { fake, tasks, outputs } = await setup();
    const before = fake.calls.length;
    const result = await tasks.runTask(release(fake, outputs, ["bin/rails", "db:migrate"]));

    expect(result).toEqual({
      taskArn: expect.stringMatching(/^arn:aws:ecs:us-east-1:123456789012:task\/berth-previews\/[0-9a-f]{32}$/),
      exitCode: 0,
      stopCode: "EssentialContainerExited",
      stoppedReason: "Essential container in task exited",
      logStream: `${LABEL}/release/${taskId(result.taskArn)}`,
    });
    expect(fake.calls[before]?.input).toEqual({
      cluster: CLUSTER,
      taskDefinition: outputs.ReleaseTaskDefinitionArn,
      launchType: "FARGATE",
      count: 1,
      startedBy: "berth/migrate",
      enableExecuteCommand: false,
      propagateTags: "TASK_DEFINITION",
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"],
          securityGroups: (outputs.TaskSecurityGroups ?? "").split(","),
          assignPublicIp: "ENABLED",
        },
      },
      overrides: { containerOverrides: [{ name: "release", command: ["bin/rails", "db:migrate"] }] },
      clientToken: expect.stringMatching(/^[0-9a-f-]{36}-1$/),
    });
    expect(fake.commands("ecs")).toEqual(["RunTask", "DescribeTasks", "DescribeTasks", "DescribeTaskDefinition"]);
  });

  it.each([
    {
      name: "a failing command",
      script: { commandIncludes: "db:migrate", exitCode: 1 },
      expected: { exitCode: 1, stopCode: "EssentialContainerExited", stoppedReason: "Essential container in task exited" },
    },
    {
      name: "a container that never started",
      script: { commandIncludes: "db:migrate", failToStart: "CannotPullContainerError: pull image manifest has been retried 5 time(s)" },
      expected: { exitCode: undefined, stopCode: "TaskFailedToStart", stoppedReason: "CannotPullContainerError: pull image manifest has been retried 5 time(s)" },
    },
    {
      name: "a script for another command",
      script: { commandIncludes: "db:seed", exitCode: 3 },
      expected: { exitCode: 0, stopCode: "EssentialContainerExited", stoppedReason: "Essential container in task exited" },
    },
  ])("reports $name", async ({ script, expected }) => {
    const { fake, tasks, outputs } = await setup();
    fake.scriptTask(script);
    const result = await tasks.runTask(release(fake, outputs, ["bin/rails", "db:migrate"]));

    expect({ exitCode: result.exitCode, stopCode: result.stopCode, stoppedReason: result.stoppedReason }).toEqual(expected);
  });

  it("writes the container's log lines to the stream it reports", async () => {
    const { fake, tasks, outputs } = await setup();
    fake.scriptTask({ commandIncludes: "db:migrate", exitCode: 1, logLines: ["== migrating", "PG::UndefinedTable: ERROR", "rails aborted!"] });
    const result = await tasks.runTask(release(fake, outputs, ["bin/rails", "db:migrate"]));
    const logs = new CloudWatchLogs({ client: fake.clients.logs });

    expect(await logs.tail({ group: BASE_OUTPUTS.LogGroup, stream: result.logStream ?? "", lines: 2 })).toEqual([
      "PG::UndefinedTable: ERROR",
      "rails aborted!",
    ]);
  });

  it("throws TaskError at once for a RunTask failure that another attempt would meet again", async () => {
    const { fake, tasks, outputs } = await setup();
    fake.fail("RunTask", { failures: [{ arn: "arn:aws:ecs:us-east-1:123456789012:container-instance/x", reason: "ATTRIBUTE", detail: "requires ecs.capability.secrets.asm.environment-variables" }] });
    const before = fake.calls.length;
    const error = await rejection(tasks.runTask(release(fake, outputs, ["bin/rails", "db:migrate"])));

    expect(error).toBeInstanceOf(TaskError);
    expect(error.userMessage).toBe("ECS could not start the release task: ATTRIBUTE: requires ecs.capability.secrets.asm.environment-variables");
    // Repeats until someone acts: not worth another deploy by itself.
    expect(error.transient).toBeUndefined();
    expect(fake.calls.slice(before).map((c) => c.command)).toEqual(["RunTask"]);
  });

  it.each([
    ["Capacity is unavailable at this time. Please try again later or in a different availability zone", "capacity"],
    ["RESOURCE:ENI", "network interfaces"],
  ])("runs the task again after RunTask fails with %s, and says so", async (reason, said) => {
    const { fake, tasks, outputs } = await setup({}, { retryDelayMs: 1 });
    fake.fail("RunTask", { failures: [{ arn: "arn:aws:ecs:us-east-1:123456789012:cluster/berth-previews", reason }], times: 2 });
    const retries: unknown[] = [];
    const before = fake.calls.length;
    const result = await tasks.runTask({ ...release(fake, outputs, ["bin/rails", "db:migrate"]), onRetry: (r) => void retries.push(r) });

    expect(result.exitCode).toBe(0);
    expect(retries).toEqual([
      { reason: said, attempt: 2, attempts: 4 },
      { reason: said, attempt: 3, attempts: 4 },
    ]);
    const runs = fake.calls.slice(before).filter((c) => c.command === "RunTask");
    expect(runs).toHaveLength(3);
    // Each attempt is its own request; an SDK retry of one attempt repeats its token.
    expect(new Set(runs.map((c) => c.input.clientToken)).size).toBe(3);
    expect(runs.every((c) => typeof c.input.clientToken === "string" && (c.input.clientToken as string).length <= 64)).toBe(true);
  });

  it("gives up after four attempts without capacity and names the reason", async () => {
    const { fake, tasks, outputs } = await setup({}, { retryDelayMs: 1 });
    fake.fail("RunTask", { failures: [{ reason: "Capacity is unavailable at this time" }], times: 10 });
    const before = fake.calls.length;
    const error = await rejection(tasks.runTask(release(fake, outputs, ["bin/rails", "db:migrate"])));

    expect(error).toBeInstanceOf(TaskError);
    expect(error.userMessage).toBe("ECS could not start the release task after 4 attempts: Capacity is unavailable at this time");
    expect(fake.calls.slice(before).map((c) => c.command)).toEqual(["RunTask", "RunTask", "RunTask", "RunTask"]);
    // A passing shortage: the resync deploys again later.
    expect(error.transient).toBe("AWS");
  });

  it.each(["RESOURCE:ENI", "RESOURCE:FARGATE"])("gives up after four attempts failing with %s as a shortage that may pass", async (reason) => {
    const { fake, tasks, outputs } = await setup({}, { retryDelayMs: 1 });
    fake.fail("RunTask", { failures: [{ arn: "arn:aws:ecs:us-east-1:123456789012:cluster/berth-previews", reason }], times: 10 });
    const error = await rejection(tasks.runTask(release(fake, outputs, ["bin/rails", "db:migrate"])));

    expect(error.userMessage).toBe(`ECS could not start the release task after 4 attempts: ${reason}`);
    expect(error.transient).toBe("AWS");
  });

  it("gives up on a task that kept stopping before its container started for want of a network interface, as a shortage that may pass", async () => {
    const { fake, tasks, outputs } = await setup({}, { retryDelayMs: 1 });
    fake.scriptTask({ commandIncludes: "db:migrate", failToStart: "Timeout waiting for network interface provisioning to complete.", times: 4 });
    const error = await rejection(tasks.runTask(release(fake, outputs, ["bin/rails", "db:migrate"])));

    expect(error.userMessage).toBe("ECS could not start the release task after 4 attempts: TaskFailedToStart: Timeout waiting for network interface provisioning to complete.");
    expect(error.transient).toBe("AWS");
  });

  it.each([
    ["Timeout waiting for network interface provisioning to complete.", 2],
    ["Capacity is unavailable at this time. Please try again later or in a different availability zone", 2],
    ["CannotPullContainerError: pull image manifest has been retried 5 time(s)", 1],
    ["ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed", 1],
  ])("a task that stopped before its container started (%s) runs %i time(s)", async (reason, runs) => {
    const { fake, tasks, outputs } = await setup({}, { retryDelayMs: 1 });
    fake.scriptTask({ commandIncludes: "db:migrate", failToStart: reason, times: 1 });
    const before = fake.calls.length;
    const result = await tasks.runTask(release(fake, outputs, ["bin/rails", "db:migrate"]));

    expect(fake.calls.slice(before).filter((c) => c.command === "RunTask")).toHaveLength(runs);
    expect(result.exitCode).toBe(runs === 2 ? 0 : undefined);
  });

  it("keeps waiting for a task while ECS throttles DescribeTasks", async () => {
    const { fake, tasks, outputs } = await setup();
    fake.fail("DescribeTasks", { error: { name: "ThrottlingException", message: "Rate exceeded" }, times: 3 });
    const result = await tasks.runTask(release(fake, outputs, ["bin/rails", "db:migrate"]));

    expect(result.exitCode).toBe(0);
  });

  it("a repeated RunTask with the same clientToken starts no second task", async () => {
    const { fake, outputs } = await setup();
    const { RunTaskCommand } = await import("@aws-sdk/client-ecs");
    const input = {
      cluster: CLUSTER,
      taskDefinition: outputs.ReleaseTaskDefinitionArn,
      launchType: "FARGATE" as const,
      networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-0a1b2c3d4e5f60001"] } },
      clientToken: "4b9c1f0e-token-1",
    };
    const first = await fake.clients.ecs.send(new RunTaskCommand(input));
    const again = await fake.clients.ecs.send(new RunTaskCommand(input));

    expect(again.tasks?.[0]?.taskArn).toBe(first.tasks?.[0]?.taskArn);
    expect([...fake.state.ecs.tasks.values()].filter((t) => t.startedBy === undefined && t.group === undefined)).toHaveLength(1);
  });
  it("stops a task that runs too long", async () => {
    const { fake, tasks, outputs } = await setup({}, { taskTimeoutMs: 30 });
    fake.scriptTask({ commandIncludes: "db:migrate", runningPolls: 1_000_000 });
    const error = await rejection(tasks.runTask(release(fake, outputs, ["bin/rails", "db:migrate"])));

    expect(error).toBeInstanceOf(TaskError);
    expect(error.userMessage).toBe("The release task ran for more than 1 s and was stopped.");
    expect(fake.commands("ecs").at(-1)).toBe("StopTask");
  });
});

describe("EcsTasks.registerStepChain", () => {
  const NEW = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop@sha256:" + "2".repeat(64);

  it("registers migrate and seed as containers of one revision: seed after migrate exited 0, only seed essential, the new image, berth's tags", async () => {
    const { fake, tasks, outputs } = await setup();

    const arn = await tasks.registerStepChain({ from: outputs.ReleaseTaskDefinitionArn ?? "", container: "release", steps: ["migrate", "seed"], image: NEW, tags: { "berth:managed": "true" } });

    const td = fake.state.ecs.taskDefinitions.get(arn);
    expect(td?.family).toBe(fake.state.ecs.findTaskDefinition(outputs.ReleaseTaskDefinitionArn ?? "")?.family);
    expect(td?.containerDefinitions?.map((c) => [c.name, c.essential, c.image, c.dependsOn ?? []])).toEqual([
      ["berth-dns-init", false, "public.ecr.aws/docker/library/busybox:stable", []],
      ["migrate", false, NEW, []],
      ["seed", true, NEW, [{ containerName: "migrate", condition: "SUCCESS" }]],
    ]);
    expect(fake.state.ecs.registeredTags.get(arn)).toEqual([{ key: "berth:managed", value: "true" }]);
  });

  it("copies the revision read ahead, without reading it again; a read ahead that failed is read again and its failure reported", async () => {
    const { fake, tasks, outputs } = await setup();
    const from = outputs.ReleaseTaskDefinitionArn ?? "";
    tasks.prepareStepChain(from);
    const before = fake.commands("ecs").length;
    const arn = await tasks.registerStepChain({ from, container: "release", steps: ["migrate", "seed"], tags: { "berth:managed": "true" } });

    expect(fake.commands("ecs").slice(before)).toEqual(["RegisterTaskDefinition"]);
    expect(fake.state.ecs.taskDefinitions.get(arn)?.containerDefinitions?.map((c) => c.name)).toEqual(["berth-dns-init", "migrate", "seed"]);

    const denied = { name: "AccessDeniedException", message: "User is not authorized to perform: ecs:DescribeTaskDefinition" };
    fake.fail("DescribeTaskDefinition", { error: denied, times: 2 });
    tasks.prepareStepChain(from);
    const error = await tasks.registerStepChain({ from, container: "release", steps: ["migrate"], tags: { "berth:managed": "true" } }).then(() => undefined, (e: unknown) => e);

    expect(fake.commands("ecs").filter((c) => c === "DescribeTaskDefinition")).toHaveLength(3);
    expect(String((error as Error).message)).toContain("ecs:DescribeTaskDefinition");
  });

  it("runs the chain: each container its own exit code and log stream; a seed after a failed migrate never starts", async () => {
    const { fake, tasks, outputs } = await setup();
    fake.scriptTask({ commandIncludes: "db:migrate", exitCode: 1, logLines: ["PG::UndefinedTable: ERROR"] });
    const arn = await tasks.registerStepChain({ from: outputs.ReleaseTaskDefinitionArn ?? "", container: "release", steps: ["migrate", "seed"], tags: { "berth:managed": "true" } });
    const told: Array<[string, number | undefined]> = [];

    const result = await tasks.runTask({
      ...release(fake, outputs, ["bin/rails", "db:seed"]),
      taskDefinition: arn,
      container: "seed",
      before: [{ container: "migrate", command: ["bin/rails", "db:migrate"] }],
      onContainerExit: (container, exitCode) => void told.push([container, exitCode]),
    });

    const id = taskId(result.taskArn);
    expect(result.containers).toEqual({
      migrate: { exitCode: 1, logStream: `${LABEL}/migrate/${id}` },
      seed: { exitCode: 143, reason: expect.stringMatching(/^CannotStartContainerError: dependency graph: failed to resolve container ordering dependency \[migrate/), logStream: `${LABEL}/seed/${id}` },
    });
    expect(result.stopCode).toBe("EssentialContainerExited");
    const logs = new CloudWatchLogs({ client: fake.clients.logs });
    expect(await logs.tail({ group: BASE_OUTPUTS.LogGroup, stream: `${LABEL}/migrate/${id}`, lines: 5 })).toEqual(["PG::UndefinedTable: ERROR"]);
    await tasks.deregisterTaskDefinition(arn);
    expect(fake.state.ecs.taskDefinitions.get(arn)?.status).toBe("INACTIVE");
    // The task stopped in the same look that saw migrate fail: nothing to tell while it ran.
    expect(told).toEqual([]);
  });

  it("a chained task stopped for running too long: the running container exits 137, the one waiting on it never started", async () => {
    const { fake, tasks, outputs } = await setup({}, { taskTimeoutMs: 30 });
    fake.scriptTask({ commandIncludes: "db:migrate", runningPolls: 1_000_000 });
    const arn = await tasks.registerStepChain({ from: outputs.ReleaseTaskDefinitionArn ?? "", container: "release", steps: ["migrate", "seed"], tags: { "berth:managed": "true" } });

    const error = await rejection(
      tasks.runTask({ ...release(fake, outputs, ["bin/rails", "db:seed"]), taskDefinition: arn, container: "seed", before: [{ container: "migrate", command: ["bin/rails", "db:migrate"] }] }),
    );

    expect(error).toBeInstanceOf(TaskError);
    const task = [...fake.state.ecs.tasks.values()].find((t) => t.taskDefinitionArn === arn);
    const byName = Object.fromEntries((task?.containers ?? []).map((c) => [c.name, c]));
    expect(byName.migrate?.exitCode).toBe(137);
    expect(byName.seed?.exitCode).toBeUndefined();
    expect(byName.seed?.reason).toBe("berth: release step timed out");
  });

  it("tells of migrate's exit while seed still runs", async () => {
    const { fake, tasks, outputs } = await setup();
    fake.scriptTask({ commandIncludes: "db:seed", runningPolls: 3 });
    const arn = await tasks.registerStepChain({ from: outputs.ReleaseTaskDefinitionArn ?? "", container: "release", steps: ["migrate", "seed"], tags: { "berth:managed": "true" } });
    const told: Array<[string, number | undefined]> = [];

    const result = await tasks.runTask({
      ...release(fake, outputs, ["bin/rails", "db:seed"]),
      taskDefinition: arn,
      container: "seed",
      before: [{ container: "migrate", command: ["bin/rails", "db:migrate"] }],
      onContainerExit: (container, exitCode) => void told.push([container, exitCode]),
    });

    expect(told).toEqual([["migrate", 0]]);
    expect(result.containers).toMatchObject({ migrate: { exitCode: 0 }, seed: { exitCode: 0 } });
  });
});

describe("EcsTasks.waitForRollout", () => {
  it("waits until the PRIMARY deployment is COMPLETED", async () => {
    const { fake, tasks, outputs } = await setup({ rolloutPolls: 3 });
    await tasks.waitForRollout({ cluster: CLUSTER, service: outputs.PublicServiceArn ?? "" });

    expect(fake.commands("ecs")).toEqual(["DescribeServices", "DescribeServices", "DescribeServices"]);
    const service = fake.state.ecs.services.get(outputs.PublicServiceArn ?? "");
    expect(service?.deployments.map((d) => [d.status, d.rolloutState])).toEqual([["PRIMARY", "COMPLETED"]]);
  });

  it("fails a circuit-breaker rollback that ECS calls stable", async () => {
    const { fake, tasks, outputs, deploy } = await setup();
    await tasks.waitForRollout({ cluster: CLUSTER, service: outputs.PublicServiceArn ?? "" });
    fake.scriptRollout({ service: "web", fail: "tasks failed to start" });
    await deploy("123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:def5678");
    const error = await rejection(tasks.waitForRollout({ cluster: CLUSTER, service: outputs.PublicServiceArn ?? "" }));

    expect(error).toBeInstanceOf(RolloutError);
    expect(error.reason).toBe("ECS deployment circuit breaker: tasks failed to start.");
    // Nothing says the tasks lacked capacity: the same version fails the same way again.
    expect(error.transient).toBeUndefined();
    expect(error.userMessage).toMatch(
      new RegExp(
        "^The rollout of arn:aws:ecs:us-east-1:123456789012:service/berth-previews/shop-pr-7-acme-1a2b3c-web failed: ECS deployment circuit breaker: tasks failed to start\\.\n" +
          "Latest service events:\n" +
          "- \\(service shop-pr-7-acme-1a2b3c-web\\) rolling back to deployment ecs-svc/\\d+\\.\n" +
          "- \\(service shop-pr-7-acme-1a2b3c-web\\) \\(deployment ecs-svc/\\d+\\) deployment failed: tasks failed to start\\.\n" +
          "- \\(service shop-pr-7-acme-1a2b3c-web\\) has reached a steady state\\.",
      ),
    );
    // What a "services stable" waiter concludes from the same service: all is well.
    await waitUntilServicesStable(
      { client: fake.clients.ecs, minDelay: 0.001, maxDelay: 0.002, maxWaitTime: 1 },
      { cluster: CLUSTER, services: [outputs.PublicServiceArn ?? ""] },
    );
    const service = fake.state.ecs.services.get(outputs.PublicServiceArn ?? "");
    expect(service?.deployments.map((d) => [d.status, d.rolloutState, d.taskDefinition])).toEqual([
      ["PRIMARY", "COMPLETED", `arn:aws:ecs:us-east-1:123456789012:task-definition/${LABEL}-web:1`],
    ]);
  });

  it("fails a rollout whose tasks ECS could not place for want of Fargate capacity as a shortage that may pass", async () => {
    const { fake, tasks, outputs, deploy } = await setup();
    await tasks.waitForRollout({ cluster: CLUSTER, service: outputs.PublicServiceArn ?? "" });
    fake.scriptRollout({ service: "web", fail: "tasks failed to start", placement: "Capacity is unavailable at this time. Please try again later or in a different availability zone." });
    await deploy("123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:def5678");
    const error = await rejection(tasks.waitForRollout({ cluster: CLUSTER, service: outputs.PublicServiceArn ?? "" }));

    expect(error).toBeInstanceOf(RolloutError);
    expect(error.userMessage).toContain("was unable to place a task. Reason: Capacity is unavailable at this time.");
    expect(error.transient).toBe("AWS");
  });

  it("gives up on a rollout that does not finish in time", async () => {
    const { tasks, outputs } = await setup({ rolloutPolls: 1_000_000 }, { rolloutTimeoutMs: 20 });
    const error = await rejection(tasks.waitForRollout({ cluster: CLUSTER, service: outputs.PublicServiceArn ?? "" }));

    expect(error).toBeInstanceOf(RolloutError);
    expect(error.userMessage).toBe(`The rollout of ${outputs.PublicServiceArn} did not complete within 1 s.`);
  });

  it("reports a service that does not exist", async () => {
    const { tasks } = await setup();
    const error = await rejection(tasks.waitForRollout({ cluster: CLUSTER, service: "ghost" }));

    expect(error).toBeInstanceOf(RolloutError);
    expect(error.userMessage).toBe("The ECS service ghost does not exist in cluster berth-previews (MISSING).");
  });
});

describe("EcsTasks.restartServices", () => {
  it("forces a new deployment of each service and waits for it", async () => {
    const { fake, tasks, outputs } = await setup();
    const db = `arn:aws:ecs:us-east-1:123456789012:service/berth-previews/${LABEL}-db`;
    await tasks.waitForRollout({ cluster: CLUSTER, service: db });
    const before = fake.calls.length;
    await tasks.restartServices({ cluster: CLUSTER, services: [db] });

    expect(fake.calls.slice(before).map((c) => c.command)).toEqual(["UpdateService", "DescribeServices", "DescribeServices"]);
    expect(fake.calls[before]?.input).toEqual({ cluster: CLUSTER, service: db, forceNewDeployment: true });
    expect(outputs.StatefulServiceArns).toBe(`db=${db}`);
  });

  it("throws RolloutError when a restarted service fails", async () => {
    const { fake, tasks } = await setup();
    const db = `arn:aws:ecs:us-east-1:123456789012:service/berth-previews/${LABEL}-db`;
    await tasks.waitForRollout({ cluster: CLUSTER, service: db });
    fake.scriptRollout({ service: "db", fail: "tasks failed to start" });
    const error = await rejection(tasks.restartServices({ cluster: CLUSTER, services: [db] }));

    expect(error).toBeInstanceOf(RolloutError);
    expect(error.reason).toBe("ECS deployment circuit breaker: tasks failed to start.");
  });
});

describe("EcsTasks.runningTasks", () => {
  it("lists each service's running task, and a new one after ECS replaced it", async () => {
    const { fake, tasks, outputs } = await setup();
    const db = `arn:aws:ecs:us-east-1:123456789012:service/berth-previews/${LABEL}-db`;
    const before = await tasks.runningTasks({ cluster: CLUSTER, services: [db, outputs.PublicServiceArn ?? ""] });
    expect(Object.values(before).map((ids) => ids.length)).toEqual([1, 1]);

    const [replacement] = fake.state.ecs.replaceServiceTask("-db");
    const after = await tasks.runningTasks({ cluster: CLUSTER, services: [db] });

    expect(after[db]).toEqual([replacement]);
    expect(after[db]).not.toEqual(before[db]);
    expect(fake.calls.at(-1)).toMatchObject({ command: "ListTasks", input: { cluster: CLUSTER, serviceName: `${LABEL}-db`, desiredStatus: "RUNNING" } });
  });
});

/** A migrate task started straight through ECS, as by a process that died since: nothing looks at it. */
async function startMigrate(fake: AwsFake, outputs: Record<string, string>): Promise<string> {
  const out = await fake.clients.ecs.send(
    new RunTaskCommand({
      cluster: CLUSTER,
      taskDefinition: outputs.ReleaseTaskDefinitionArn,
      overrides: { containerOverrides: [{ name: "release", command: ["bin/rails", "db:migrate"] }] },
      networkConfiguration: { awsvpcConfiguration: { subnets: (outputs.TaskSubnets ?? "").split(",") } },
      startedBy: "berth/migrate",
    }),
  );
  return out.tasks?.[0]?.taskArn ?? "";
}

describe("EcsTasks and the release tasks nothing watches", () => {
  it("finds the running tasks of a family only, waits for them to end, and leaves other families' alone", async () => {
    const { fake, tasks, outputs } = await setup();
    const family = (outputs.ReleaseTaskDefinitionArn ?? "").split("/").at(-1)!.replace(/:\d+$/, "");
    fake.scriptTask({ commandIncludes: "db:migrate", runningPolls: 5, times: 1 });
    const arn = await startMigrate(fake, outputs);

    expect(await tasks.findRunningTasks({ cluster: CLUSTER, families: [family] })).toEqual([arn]);
    expect(await tasks.findRunningTasks({ cluster: CLUSTER, families: [`${family}-2`] })).toEqual([]);
    await tasks.waitForTasks({ cluster: CLUSTER, tasks: [arn] });

    const task = fake.state.ecs.tasks.get(arn);
    expect(task).toMatchObject({ lastStatus: "STOPPED", stopCode: "EssentialContainerExited" });
    expect(fake.commands("ecs")).not.toContain("StopTask");
    expect(await tasks.findRunningTasks({ cluster: CLUSTER, families: [family] })).toEqual([]);
  });

  it("stops a task that outlasts the one-off task timeout", async () => {
    const { fake, tasks, outputs } = await setup({}, { taskTimeoutMs: 30 });
    fake.scriptTask({ commandIncludes: "db:migrate", runningPolls: 1_000_000, times: 1 });
    const arn = await startMigrate(fake, outputs);

    await tasks.waitForTasks({ cluster: CLUSTER, tasks: [arn] });

    expect(fake.state.ecs.tasks.get(arn)).toMatchObject({ lastStatus: "STOPPED", stopCode: "UserInitiated", stoppedReason: "berth: a release task ran too long" });
  });

  it("deregisters the run revisions earlier runs left ACTIVE, and keeps the stack's own", async () => {
    const { fake, tasks, outputs } = await setup();
    const from = outputs.ReleaseTaskDefinitionArn ?? "";
    const left = await tasks.registerStepChain({ from, container: "release", steps: ["migrate", "seed"], tags: { "berth:managed": "true" } });
    // Another process's run: this one never registered it, so it reads the revision to judge it.
    const otherProcess = new EcsTasks({ client: fake.clients.ecs, pollDelayMs: 1 });

    expect(await otherProcess.deregisterLeftRunRevisions({ from, container: "release" })).toBe(1);

    const status = (arn: string) => [...fake.state.ecs.taskDefinitions.values()].find((td) => td.taskDefinitionArn === arn)?.status;
    expect(status(left)).toBe("INACTIVE");
    expect(status(from)).toBe("ACTIVE");
    expect(await otherProcess.deregisterLeftRunRevisions({ from, container: "release" })).toBe(0);
  });
});

describe("EcsTasks.findStoppedTask", () => {
  it("finds the family's latest service task that stopped on its own, with its containers' exit codes, reasons and log streams", async () => {
    const { fake, tasks } = await setup();
    const [crashed] = fake.state.ecs.failServiceTasks(`${LABEL}-web`, { exitCode: 1, logLines: ["boom"] });
    const [killed] = fake.state.ecs.failServiceTasks(`${LABEL}-web`, { exitCode: 137, reason: "OutOfMemoryError: Container killed due to memory usage" });
    // A new deployment replaces the running task: a stop on purpose, not why a rollout failed.
    await fake.clients.ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: `${LABEL}-web`, forceNewDeployment: true }));

    const found = await tasks.findStoppedTask({ cluster: CLUSTER, family: `${LABEL}-web` });

    expect(crashed).not.toBe(killed);
    expect(found).toEqual({
      taskArn: expect.stringMatching(new RegExp(`/${killed}$`)),
      service: `${LABEL}-web`,
      stopCode: "EssentialContainerExited",
      stoppedReason: "Essential container in task exited",
      containers: [
        {
          name: "berth-dns-init",
          essential: false,
          exitCode: 0,
          image: "public.ecr.aws/docker/library/busybox:stable",
          log: { group: BASE_OUTPUTS.LogGroup, stream: `${LABEL}/berth-dns-init/${killed}` },
        },
        {
          name: "web",
          essential: true,
          exitCode: 137,
          reason: "OutOfMemoryError: Container killed due to memory usage",
          image: IMAGE,
          log: { group: BASE_OUTPUTS.LogGroup, stream: `${LABEL}/web/${killed}` },
        },
      ],
    });
    expect(fake.calls.find((c) => c.command === "ListTasks")?.input).toEqual({ cluster: CLUSTER, family: `${LABEL}-web`, desiredStatus: "STOPPED", maxResults: 100 });
  });

  it("keeps a task the scheduler stopped for failing its load balancer health checks", async () => {
    const { fake, tasks } = await setup();
    const reason = "Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef)";
    fake.state.ecs.failServiceTasks(`${LABEL}-web`, { stopCode: "ServiceSchedulerInitiated", stoppedReason: reason, exitCode: 143 });

    expect(await tasks.findStoppedTask({ cluster: CLUSTER, family: `${LABEL}-web` })).toMatchObject({ stopCode: "ServiceSchedulerInitiated", stoppedReason: reason });
  });

  it("finds none when no task stopped, or the stopped one aged out of ECS's view after an hour", async () => {
    const { fake, tasks } = await setup();
    expect(await tasks.findStoppedTask({ cluster: CLUSTER, family: `${LABEL}-web` })).toBeUndefined();

    fake.state.ecs.failServiceTasks(`${LABEL}-web`, { exitCode: 1 });
    expect(await tasks.findStoppedTask({ cluster: CLUSTER, family: `${LABEL}-web` })).toBeDefined();
    fake.advanceClock(61 * 60 * 1000);
    expect(await tasks.findStoppedTask({ cluster: CLUSTER, family: `${LABEL}-web` })).toBeUndefined();
  });
});
