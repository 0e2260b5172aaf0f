import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  DeleteTaskDefinitionsCommand,
  DeregisterTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  UpdateServiceCommand,
  type ContainerDefinition,
  type Deployment,
  type DescribeTaskDefinitionCommandOutput,
  type ECSClient,
  type Service,
  type Task,
} from "@aws-sdk/client-ecs";
import { randomUUID } from "node:crypto";
import { RolloutError, TaskError } from "../preview/errors.js";
import type { ContainerOutcome, RunTaskInput, Signal, StepChainInput, StoppedTask, TaskPort, TaskResult } from "../preview/ports.js";
import { awsCall } from "./aws-call.js";
import { AwsPace } from "./aws-pace.js";
import { DurationMemory, TYPICAL_MS } from "./expected-duration.js";
import { formatDuration, pause, pollUntil, timing, type PollTiming } from "./poll.js";
import { taskDefinitionFamily } from "../util/task-definition-family.js";

/** How many revisions read ahead for registerStepChain are kept. */
const READ_AHEAD = 8;

export interface EcsTasksOptions {
  client: ECSClient;
  /** First delay between polls; doubles up to `maxPollDelayMs`. Default 6 s. */
  pollDelayMs?: number;
  /** Default four times `pollDelayMs`. */
  maxPollDelayMs?: number;
  /** Longest wait for a one-off task to stop. Default 30 min. */
  taskTimeoutMs?: number;
  /** Longest wait for one service rollout. Default 20 min. */
  rolloutTimeoutMs?: number;
  /** How many of the service's latest events a RolloutError carries. Default 5. */
  eventCount?: number;
  /** RunTask attempts when ECS has no capacity (or the task fails to start for a transient reason). Default 4. */
  runTaskAttempts?: number;
  /** Back-off before the second attempt; doubles up to eight times this. Default 15 s. */
  retryDelayMs?: number;
  /** AWS's pace as the engine's adapters last timed it (shared with the CloudFormation adapter); default one of its own. */
  pace?: AwsPace;
}

/**
 * TaskPort on ECS: one-off Fargate tasks for release steps, and rollouts judged by the
 * deployment's rolloutState rather than by "stable" (which a circuit-breaker rollback also reaches).
 *
 * The log stream of a task is derived from its task definition's awslogs options
 * (`<awslogs-stream-prefix>/<container>/<task id>`), read with DescribeTaskDefinition, so callers
 * need not know how the template configured logging.
 */
export class EcsTasks implements TaskPort {
  private readonly client: ECSClient;
  private readonly taskTiming: PollTiming;
  private readonly rolloutTiming: PollTiming;
  private readonly eventCount: number;
  private readonly runTaskAttempts: number;
  private readonly retryDelayMs: number;
  /** Container definitions of the revisions registered by registerStepChain, until deregistered. */
  private readonly registered = new Map<string, ContainerDefinition[]>();
  /** Revisions read ahead for registerStepChain (prepareStepChain), the newest few. */
  private readonly readAhead = new Map<string, Promise<DescribeTaskDefinitionCommandOutput>>();
  /**
   * By ECS's timestamps: how long the last one-off task took to launch (RunTask to running; key
   * `launch`), and how long each kind of task (task definition family, each step's container and
   * command) last ran.
   */
  private readonly durations = new DurationMemory();
  /** AWS's pace as last timed: what an untimed launch or step is expected at. */
  private readonly pace: AwsPace;

  constructor(options: EcsTasksOptions) {
    this.client = options.client;
    const delay = options.pollDelayMs ?? 6_000;
    this.taskTiming = timing(delay, options.taskTimeoutMs ?? 30 * 60_000, options.maxPollDelayMs);
    this.rolloutTiming = timing(delay, options.rolloutTimeoutMs ?? 20 * 60_000, options.maxPollDelayMs);
    this.eventCount = options.eventCount ?? 5;
    this.runTaskAttempts = options.runTaskAttempts ?? 4;
    this.retryDelayMs = options.retryDelayMs ?? 15_000;
    this.pace = options.pace ?? new AwsPace();
  }

  /**
   * Runs the task and waits until it stopped. A task that does not stop in time is stopped and
   * reported; an aborted wait leaves the task running (killing a migration halfway is worse).
   *
   * A task ECS could not place (RunTask `failures[]` for capacity or network interfaces) or that
   * stopped before its container started for a transient reason (see `transientStartFailure`) is
   * run again after a back-off, up to `runTaskAttempts` times; the container never ran, so a
   * migration never runs twice. Each attempt carries its own `clientToken`, so the SDK's own retry
   * of a RunTask that AWS applied but whose answer was lost returns that task instead of starting
   * a second one.
   */
  async runTask(input: RunTaskInput): Promise<TaskResult> {
    const { container, signal } = input;
    const token = randomUUID();
    let delay = this.retryDelayMs;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.runOnce(input, `${token}-${attempt}`);
      const transient = "failures" in outcome ? outcome.transient : transientStartFailure(outcome);
      if (!transient) {
        if ("failures" in outcome) throw this.notStarted(input.label ?? container, outcome.reasons, attempt);
        return outcome;
      }
      if (attempt >= this.runTaskAttempts) {
        const reasons = "failures" in outcome ? outcome.reasons : describeStop(outcome);
        // Capacity comes back by itself: the deploy failed, but a later attempt may not.
        throw this.notStarted(input.label ?? container, reasons, attempt, "AWS");
      }
      await input.onRetry?.({ reason: transient, attempt: attempt + 1, attempts: this.runTaskAttempts });
      await pause(delay, signal);
      delay = Math.min(delay * 2, this.retryDelayMs * 8);
    }
  }

  private notStarted(container: string, reasons: string, attempts: number, transient?: "AWS"): TaskError {
    const tries = attempts > 1 ? ` after ${attempts} attempts` : "";
    return new TaskError(`run ${container} task: ${reasons}${tries}`, {
      container,
      userMessage: `ECS could not start the ${container} task${tries}: ${reasons}`,
      ...(transient ? { transient } : {}),
    });
  }

  /** One RunTask and its wait: the failures when ECS placed nothing, else the stopped task's outcome. */
  private async runOnce(input: RunTaskInput, clientToken: string): Promise<TaskResult | { failures: true; reasons: string; transient: string | undefined }> {
    const { cluster, container, signal } = input;
    const out = await awsCall("RunTask", `${container} task in ${cluster}`, () =>
      this.client.send(
        new RunTaskCommand({
          cluster,
          taskDefinition: input.taskDefinition,
          launchType: "FARGATE",
          count: 1,
          startedBy: input.startedBy,
          enableExecuteCommand: false,
          propagateTags: "TASK_DEFINITION",
          networkConfiguration: {
            awsvpcConfiguration: {
              subnets: input.subnets,
              securityGroups: input.securityGroups,
              assignPublicIp: input.assignPublicIp ? "ENABLED" : "DISABLED",
            },
          },
          overrides: {
            containerOverrides: [...(input.before ?? []), { container, command: input.command }].map((c) => ({
              name: c.container,
              ...(c.command ? { command: c.command } : {}),
            })),
          },
          clientToken,
        }),
        { abortSignal: signal },
      ),
    );
    const failures = out.failures ?? [];
    const taskArn = out.tasks?.[0]?.taskArn;
    if (failures.length > 0 || !taskArn) {
      const reasons = failures.map((f) => [f.reason, f.detail].filter(Boolean).join(": ")).join("; ") || "RunTask started no task";
      const transient = failures.length > 0 && failures.every((f) => transientPlacementFailure(f.reason)) ? transientPlacementFailure(failures[0]!.reason) : undefined;
      return { failures: true, reasons, transient };
    }

    const told = new Set<string>();
    let stopping = false;
    // Nothing to see before the launch: the first look is at the expected end (the last launch and
    // this kind of task's last run, else typical ones), then every couple of seconds around it.
    // Once ECS says when the task started, the end is expected that long after its start. A
    // chained task runs its `before` steps first: its kind names them all, and each adds a step.
    // Untimed, a launch goes at AWS's pace as last timed, and so does a step's typical figure: its
    // container starts on the same Fargate host, and the data it works on runs in AWS's tasks too.
    const steps = [...(input.before ?? []), { container, command: input.command }].map((s) => `${s.container}|${(s.command ?? []).join(" ")}`);
    const kind = `${input.taskDefinition.replace(/:\d+$/, "")}|${steps.join("|")}`;
    const run = this.durations.find(kind) ?? this.pace.scale(TYPICAL_MS.step * steps.length);
    let expected = (this.durations.find("launch") ?? this.pace.scale(TYPICAL_MS.taskLaunch)) + run;
    let timedLaunch = false;
    const started = Date.now();
    const task = await pollUntil(async () => {
      const described = await awsCall("DescribeTasks", taskArn, () =>
        this.client.send(new DescribeTasksCommand({ cluster, tasks: [taskArn] })),
      );
      const found = described.tasks?.[0];
      if (found?.lastStatus !== "STOPPED") await this.tellExits(input, found, told);
      if (found?.lastStatus !== "STOPPED" && input.stopBetweenSteps?.aborted && !stopping && told.size > 0) {
        stopping = true;
        await awsCall("StopTask", taskArn, () =>
          this.client.send(new StopTaskCommand({ cluster, task: taskArn, reason: "berth: the deploy stopped; no further release step" })),
        );
      }
      const launch = span(found?.createdAt, found?.startedAt);
      if (launch !== undefined) expected = launch + run;
      if (launch !== undefined && !timedLaunch) {
        timedLaunch = true;
        this.pace.record(launch, TYPICAL_MS.taskLaunch);
      }
      return found?.lastStatus === "STOPPED" ? found : undefined;
    }, { ...this.taskTiming, expectedMs: () => expected, checkAtOnce: false }, signal);
    if (task) {
      const launch = span(task.createdAt, task.startedAt);
      if (launch !== undefined) this.durations.record("launch", launch);
      this.durations.record(kind, span(task.startedAt, task.stoppedAt) ?? Date.now() - started - (launch ?? TYPICAL_MS.taskLaunch));
    }
    if (!task) {
      await awsCall("StopTask", taskArn, () =>
        this.client.send(new StopTaskCommand({ cluster, task: taskArn, reason: "berth: release step timed out" })),
      );
      throw new TaskError(`task ${taskArn} did not stop within ${this.taskTiming.timeoutMs} ms`, {
        container,
        taskArn,
        userMessage: `The ${container} task ran for more than ${formatDuration(this.taskTiming.timeoutMs)} and was stopped.`,
      });
    }

    const result = task.containers?.find((c) => c.name === container);
    // A container that never started repeats the task's reason; say it once.
    const reasons = [task.stoppedReason, result?.reason].filter((r): r is string => Boolean(r));
    const stoppedReason = [...new Set(reasons)].join(": ") || undefined;
    const names = [...(input.before ?? []).map((c) => c.container), container];
    const streams = await this.logStreams(task.taskDefinitionArn ?? input.taskDefinition, names, taskArn);
    const outcomes: Record<string, ContainerOutcome> = {};
    for (const name of names) {
      const c = task.containers?.find((x) => x.name === name);
      outcomes[name] = {
        ...(c?.exitCode == null ? {} : { exitCode: c.exitCode }),
        ...(c?.reason ? { reason: c.reason } : {}),
        ...(streams[name] ? { logStream: streams[name] } : {}),
      };
    }
    return {
      taskArn,
      exitCode: result?.exitCode ?? undefined,
      stopCode: task.stopCode,
      stoppedReason,
      logStream: streams[container],
      ...(input.before?.length ? { containers: outcomes } : {}),
    };
  }

  /** Tells `onContainerExit` of each `before` container seen stopped for the first time. */
  private async tellExits(input: RunTaskInput, task: Task | undefined, told: Set<string>): Promise<void> {
    if (!input.onContainerExit) return;
    for (const { container } of input.before ?? []) {
      const state = task?.containers?.find((c) => c.name === container);
      if (state?.lastStatus !== "STOPPED" || told.has(container)) continue;
      told.add(container);
      await input.onContainerExit(container, state.exitCode ?? undefined);
    }
  }

  /**
   * Registers the release steps' task definition revision: `from`'s container copied once per step,
   * each depending on the one before with condition SUCCESS. ECS refuses a SUCCESS dependency on
   * an essential container, so only the last step is essential: the task stops when it stops, and
   * a step after one that exited non-zero never starts.
   */
  async registerStepChain(input: StepChainInput): Promise<string> {
    const ahead = this.readAhead.get(input.from);
    this.readAhead.delete(input.from);
    const described = (await ahead?.catch(() => undefined)) ?? (await this.describeTaskDefinition(input.from));
    const td = described.taskDefinition;
    const base = td?.containerDefinitions?.find((c) => c.name === input.container);
    if (!td || !base) throw new TaskError(`task definition ${input.from} has no container ${input.container}`, {
      container: input.container,
      userMessage: `The release task definition ${input.from} has no container ${input.container}; push again to deploy it.`,
    });
    const swap = (c: ContainerDefinition): ContainerDefinition => (input.image !== undefined && c.image === base.image ? { ...c, image: input.image } : c);
    const helpers = (td.containerDefinitions ?? []).filter((c) => c.name !== input.container).map(swap);
    const steps = input.steps.map((step, i): ContainerDefinition => ({
      ...swap(base),
      name: step,
      essential: i === input.steps.length - 1,
      dependsOn: [...(base.dependsOn ?? []), ...(i > 0 ? [{ containerName: input.steps[i - 1]!, condition: "SUCCESS" as const }] : [])],
    }));
    const out = await awsCall("RegisterTaskDefinition", `family ${td.family}`, () =>
      this.client.send(
        new RegisterTaskDefinitionCommand({
          family: td.family,
          taskRoleArn: td.taskRoleArn,
          executionRoleArn: td.executionRoleArn,
          networkMode: td.networkMode,
          requiresCompatibilities: td.requiresCompatibilities,
          cpu: td.cpu,
          memory: td.memory,
          ...(td.runtimePlatform ? { runtimePlatform: td.runtimePlatform } : {}),
          ...(td.ephemeralStorage ? { ephemeralStorage: td.ephemeralStorage } : {}),
          ...(td.volumes?.length ? { volumes: td.volumes } : {}),
          containerDefinitions: [...helpers, ...steps],
          tags: Object.entries(input.tags).map(([key, value]) => ({ key, value })),
        }),
      ),
    );
    const arn = out.taskDefinition?.taskDefinitionArn;
    if (arn && out.taskDefinition?.containerDefinitions) this.registered.set(arn, out.taskDefinition.containerDefinitions);
    if (!arn) throw new TaskError(`register ${td.family}: no task definition ARN in the answer`, {
      container: input.container,
      userMessage: `ECS registered no revision of ${td.family} for the release steps.`,
    });
    return arn;
  }

  /**
   * Reads a revision (`family:revision`, whose content never changes) ahead of a registerStepChain
   * from it; keeps the newest few reads. A name without a revision is read by the registration.
   */
  prepareStepChain(from: string): void {
    if (!/:\d+$/.test(from) || this.readAhead.has(from)) return;
    const read = this.describeTaskDefinition(from);
    read.catch(() => this.readAhead.delete(from));
    this.readAhead.set(from, read);
    if (this.readAhead.size > READ_AHEAD) this.readAhead.delete(this.readAhead.keys().next().value!);
  }

  private describeTaskDefinition(taskDefinition: string): Promise<DescribeTaskDefinitionCommandOutput> {
    return awsCall("DescribeTaskDefinition", taskDefinition, () => this.client.send(new DescribeTaskDefinitionCommand({ taskDefinition })));
  }

  /** Deregisters a revision berth registered for one run (it runs no task once that run stopped). */
  async deregisterTaskDefinition(arn: string): Promise<void> {
    this.registered.delete(arn);
    await awsCall("DeregisterTaskDefinition", arn, () => this.client.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn })));
  }

  /**
   * Deregisters the revisions of `from`'s family that earlier release runs registered and left
   * ACTIVE (a process that died before its run's clean-up, a deregistration that failed): those
   * without a container named `container`, which registerStepChain copies once per step under the
   * step's name. `from` and the stack's other revisions keep it, and stay. Returns how many.
   */
  async deregisterLeftRunRevisions(input: { from: string; container: string }): Promise<number> {
    const family = taskDefinitionFamily(input.from);
    let count = 0;
    for (const arn of await this.listRevisions(family, "ACTIVE")) {
      if (arn === input.from) continue;
      const containers = this.registered.get(arn) ?? (await this.describeTaskDefinition(arn)).taskDefinition?.containerDefinitions ?? [];
      if (containers.some((c) => c.name === input.container)) continue;
      await this.deregisterTaskDefinition(arn);
      count += 1;
    }
    return count;
  }

  /**
   * Deregisters the family's ACTIVE revisions and deletes its INACTIVE ones (ListTaskDefinitions
   * by the full family name, DeleteTaskDefinitions ten at a time). A revision ECS refuses to delete
   * is left and not counted.
   */
  async removeTaskDefinitions(family: string): Promise<number> {
    for (const arn of await this.listRevisions(family, "ACTIVE")) await this.deregisterTaskDefinition(arn);
    const inactive = await this.listRevisions(family, "INACTIVE");
    let deleted = 0;
    for (let i = 0; i < inactive.length; i += 10) {
      const batch = inactive.slice(i, i + 10);
      const out = await awsCall("DeleteTaskDefinitions", `${batch.length} revisions of ${family}`, () =>
        this.client.send(new DeleteTaskDefinitionsCommand({ taskDefinitions: batch })),
      );
      deleted += out.taskDefinitions?.length ?? 0;
    }
    return deleted;
  }

  private async listRevisions(family: string, status: "ACTIVE" | "INACTIVE"): Promise<string[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await awsCall("ListTaskDefinitions", `${status} revisions of ${family}`, () =>
        this.client.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status, nextToken })),
      );
      // The filter is the full family name; a family that merely starts with it is not ours to touch.
      arns.push(...(page.taskDefinitionArns ?? []).filter((arn) => taskDefinitionFamily(arn) === family));
      nextToken = page.nextToken;
    } while (nextToken);
    return arns;
  }

  /**
   * The tasks of these task definition families that run now (ListTasks by family, desired status
   * RUNNING), by ARN: one-off tasks of a preview that nothing may be watching any more.
   */
  async findRunningTasks(input: { cluster: string; families: string[] }): Promise<string[]> {
    const arns: string[] = [];
    for (const family of input.families) {
      let nextToken: string | undefined;
      do {
        const page = await awsCall("ListTasks", `running tasks of ${family}`, () =>
          this.client.send(new ListTasksCommand({ cluster: input.cluster, family, desiredStatus: "RUNNING", nextToken })),
        );
        arns.push(...(page.taskArns ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
    }
    return arns;
  }

  /**
   * Waits until each task stopped (DescribeTasks, up to 100 a call, with the back-off of a one-off
   * task's wait); those still running after the task timeout are stopped (StopTask), as a release
   * step that runs too long is.
   */
  async waitForTasks(input: { cluster: string; tasks: string[]; signal?: Signal }): Promise<void> {
    const { cluster } = input;
    let running = [...input.tasks];
    const settled = await pollUntil(async () => {
      const still: string[] = [];
      for (let i = 0; i < running.length; i += 100) {
        const batch = running.slice(i, i + 100);
        const out = await awsCall("DescribeTasks", `${batch.length} running tasks`, () => this.client.send(new DescribeTasksCommand({ cluster, tasks: batch })));
        still.push(...(out.tasks ?? []).filter((t) => t.lastStatus !== "STOPPED").map((t) => t.taskArn ?? ""));
      }
      running = still;
      return running.length === 0 ? true : undefined;
    }, this.taskTiming, input.signal);
    if (!settled) await this.stopTasks({ cluster, tasks: running, reason: "berth: a release task ran too long" });
  }

  /** Stops the tasks (StopTask); one already stopped stays so. */
  async stopTasks(input: { cluster: string; tasks: string[]; reason: string }): Promise<void> {
    for (const task of input.tasks) {
      await awsCall("StopTask", task, () => this.client.send(new StopTaskCommand({ cluster: input.cluster, task, reason: input.reason })));
    }
  }

  /**
   * The task ids running for each service now (ListTasks, desired status RUNNING): what the
   * services' task storage belongs to. Services given by ARN or name.
   */
  async runningTasks(input: { cluster: string; services: string[] }): Promise<Record<string, string[]>> {
    const out: Record<string, string[]> = {};
    for (const service of input.services) {
      const serviceName = service.split("/").at(-1) ?? service;
      const ids: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = await awsCall("ListTasks", `tasks of service ${serviceName}`, () =>
          this.client.send(new ListTasksCommand({ cluster: input.cluster, serviceName, desiredStatus: "RUNNING", nextToken })),
        );
        for (const arn of page.taskArns ?? []) ids.push(arn.split("/").at(-1) ?? arn);
        nextToken = page.nextToken;
      } while (nextToken);
      out[service] = ids.sort();
    }
    return out;
  }

  /** Reads the services (ten per DescribeServices) and returns the first of their latest events that tells of a placement shortage. */
  async findPlacementShortage(input: { cluster: string; services: string[] }): Promise<string | undefined> {
    for (let i = 0; i < input.services.length; i += 10) {
      const batch = input.services.slice(i, i + 10);
      const out = await awsCall("DescribeServices", `services ${batch.join(", ")}`, () =>
        this.client.send(new DescribeServicesCommand({ cluster: input.cluster, services: batch })),
      );
      for (const service of out.services ?? []) {
        const found = this.latestEvents(service).find((message) => SHORTAGE.test(message));
        if (found !== undefined) return found;
      }
    }
    return undefined;
  }

  /** Waits until the service's newest deployment is PRIMARY and COMPLETED. */
  async waitForRollout(input: { cluster: string; service: string; signal?: Signal }): Promise<void> {
    await this.waitDeployment(input.cluster, input.service, undefined, input.signal);
  }

  /** Sets each service's desired count; ECS starts or stops the tasks on its own. */
  async scaleServices(input: { cluster: string; services: string[]; desiredCount: number; signal?: Signal }): Promise<void> {
    const { cluster, desiredCount, signal } = input;
    await Promise.all(
      input.services.map((service) =>
        awsCall("UpdateService", `service ${service}`, () => this.client.send(new UpdateServiceCommand({ cluster, service, desiredCount }), { abortSignal: signal })),
      ),
    );
  }

  /** Forces a new deployment of each service (fresh tasks, fresh ephemeral storage) and waits for all. */
  async restartServices(input: { cluster: string; services: string[]; signal?: Signal }): Promise<void> {
    const { cluster, signal } = input;
    await Promise.all(
      input.services.map(async (service) => {
        const out = await awsCall("UpdateService", `service ${service}`, () =>
          this.client.send(new UpdateServiceCommand({ cluster, service, forceNewDeployment: true }), { abortSignal: signal }),
        );
        const primary = out.service?.deployments?.find((d) => d.status === "PRIMARY");
        await this.waitDeployment(cluster, service, primary?.id, signal);
      }),
    );
  }

  /**
   * Follows one deployment: the given one, or the service's PRIMARY at the first look. It must
   * stay PRIMARY and reach COMPLETED; FAILED, or another deployment taking over as PRIMARY (the
   * circuit breaker's rollback), is a RolloutError.
   */
  private async waitDeployment(cluster: string, service: string, deploymentId: string | undefined, signal: Signal): Promise<void> {
    let target = deploymentId;
    let last: Service | undefined;
    const done = await pollUntil(async () => {
      const out = await awsCall("DescribeServices", `service ${service}`, () =>
        this.client.send(new DescribeServicesCommand({ cluster, services: [service] })),
      );
      last = out.services?.[0];
      if (!last || last.status === "INACTIVE") {
        const reason = out.failures?.[0]?.reason ?? "INACTIVE";
        throw new RolloutError(`rollout of ${service} in ${cluster}: service ${reason}`, {
          service,
          reason,
          userMessage: `The ECS service ${service} does not exist in cluster ${cluster} (${reason}).`,
        });
      }
      const deployments = last.deployments ?? [];
      const primary = deployments.find((d) => d.status === "PRIMARY");
      target ??= primary?.id;
      const ours = deployments.find((d) => d.id === target);
      if (ours?.rolloutState === "FAILED") throw this.rolloutFailed(service, last, ours);
      if (!ours || primary?.id !== target) throw this.rolloutFailed(service, last, ours, primary);
      return ours.rolloutState === "COMPLETED" && isNewest(ours, deployments) ? true : undefined;
      // A deployment berth just started cannot be done before its tasks launch and pass health checks.
    }, deploymentId === undefined ? this.rolloutTiming : { ...this.rolloutTiming, expectedMs: () => this.pace.scale(TYPICAL_MS.serviceRollout), checkAtOnce: false }, signal);
    if (!done) {
      const ours = last?.deployments?.find((d) => d.id === target);
      throw new RolloutError(`rollout of ${service}: not completed within ${this.rolloutTiming.timeoutMs} ms`, {
        service,
        events: this.latestEvents(last),
        userMessage: withEvents(`The rollout of ${service} did not complete within ${formatDuration(this.rolloutTiming.timeoutMs)}.`, this.latestEvents(last)),
        ...(placementShortage(last, ours) ? { transient: "AWS" as const } : {}),
      });
    }
  }

  private rolloutFailed(service: string, current: Service, ours: Deployment | undefined, primary?: Deployment): RolloutError {
    const events = this.latestEvents(current);
    const reason = ours?.rolloutState === "FAILED"
      ? (ours.rolloutStateReason ?? "rollout FAILED")
      : `deployment ${ours?.id ?? "(gone)"} was replaced by ${primary?.id ?? "another deployment"} (rolled back)`;
    return new RolloutError(`rollout of ${service}: ${reason}`, {
      service,
      reason,
      events,
      userMessage: withEvents(`The rollout of ${service} failed: ${reason}`, events),
      // ECS could not place the new tasks for want of capacity: a later deploy may well find some.
      ...(placementShortage(current, ours) ? { transient: "AWS" as const } : {}),
    });
  }

  /**
   * Lists the family's stopped tasks (ListTasks, one page of 100, newest first is not promised),
   * describes them (DescribeTasks takes 100), keeps those a service started that the scheduler did
   * not stop to replace or scale them, and reads the latest one's task definition for its
   * containers' log streams.
   */
  async findStoppedTask(input: { cluster: string; family: string }): Promise<StoppedTask | undefined> {
    const listed = await awsCall("ListTasks", `stopped tasks of ${input.family}`, () =>
      this.client.send(new ListTasksCommand({ cluster: input.cluster, family: input.family, desiredStatus: "STOPPED", maxResults: 100 })),
    );
    const arns = listed.taskArns ?? [];
    if (arns.length === 0) return undefined;
    const described = await awsCall("DescribeTasks", `stopped tasks of ${input.family}`, () =>
      this.client.send(new DescribeTasksCommand({ cluster: input.cluster, tasks: arns })),
    );
    const latest = (described.tasks ?? [])
      .filter((t) => t.group?.startsWith("service:") && !isReplacement(t))
      .sort((a, b) => (b.stoppedAt?.getTime() ?? 0) - (a.stoppedAt?.getTime() ?? 0))[0];
    if (!latest?.taskArn) return undefined;
    const taskArn = latest.taskArn;
    const definitions = latest.taskDefinitionArn
      ? (await this.describeTaskDefinition(latest.taskDefinitionArn)).taskDefinition?.containerDefinitions ?? []
      : [];
    const containers = (latest.containers ?? []).map((c) => {
      const name = c.name ?? "";
      const definition = definitions.find((d) => d.name === name);
      const { group, stream } = awslogsOf(definition, taskArn);
      return {
        name,
        essential: definition?.essential !== false,
        ...(c.exitCode === undefined ? {} : { exitCode: c.exitCode }),
        ...(c.reason ? { reason: c.reason } : {}),
        ...(c.image ? { image: c.image } : {}),
        ...(group && stream ? { log: { group, stream } } : {}),
      };
    });
    return {
      taskArn,
      service: latest.group!.slice("service:".length),
      ...(latest.stopCode ? { stopCode: latest.stopCode } : {}),
      ...(latest.stoppedReason ? { stoppedReason: latest.stoppedReason } : {}),
      containers,
    };
  }

  private latestEvents(service: Service | undefined): string[] {
    return (service?.events ?? [])
      .slice(0, this.eventCount)
      .map((e) => e.message ?? "")
      .filter(Boolean);
  }

  /** Each container's log stream, from its task definition's awslogs options (one DescribeTaskDefinition). */
  private async logStreams(taskDefinition: string, containers: string[], taskArn: string): Promise<Record<string, string | undefined>> {
    // A revision berth registered itself is known already: no second look.
    const definitions =
      this.registered.get(taskDefinition) ??
      (await awsCall("DescribeTaskDefinition", taskDefinition, () => this.client.send(new DescribeTaskDefinitionCommand({ taskDefinition })))).taskDefinition
        ?.containerDefinitions;
    const streams: Record<string, string | undefined> = {};
    for (const container of containers) streams[container] = awslogsOf(definitions?.find((c) => c.name === container), taskArn).stream;
    return streams;
  }
}

/**
 * A service task the scheduler stopped on purpose: replaced by a deployment, scaled in, the service
 * deleted. Tasks stopped for failing their load balancer health checks are stopped by the
 * scheduler too, but say so, and are kept.
 */
function isReplacement(task: Task): boolean {
  if (task.stopCode === "UserInitiated") return true;
  if (task.stopCode !== "ServiceSchedulerInitiated") return false;
  return !/health check/i.test(task.stoppedReason ?? "");
}

/** Milliseconds between two of ECS's timestamps, when both are there and in order. */
function span(from: Date | undefined, to: Date | undefined): number | undefined {
  if (!from || !to) return undefined;
  const ms = new Date(to).getTime() - new Date(from).getTime();
  return ms > 0 ? ms : undefined;
}

function isNewest(deployment: Deployment, all: Deployment[]): boolean {
  const time = deployment.createdAt?.getTime() ?? 0;
  return all.every((d) => (d.createdAt?.getTime() ?? 0) <= time);
}

function withEvents(message: string, events: string[]): string {
  return events.length === 0 ? message : `${message}\nLatest service events:\n${events.map((e) => `- ${e}`).join("\n")}`;
}

/**
 * RunTask `failures[]` reasons that go away by themselves: no Fargate capacity in the zones right
 * now, or the account briefly out of network interfaces (`RESOURCE:ENI`) or another resource.
 * Anything else (`MISSING`, `ATTRIBUTE`, a task quota) needs someone to act. Returns a short name
 * for the check run, or undefined when not transient.
 */
export function transientPlacementFailure(reason: string | undefined): string | undefined {
  if (!reason) return undefined;
  if (/capacity is unavailable|insufficient capacity/i.test(reason)) return "capacity";
  if (/^RESOURCE:ENI\b/i.test(reason)) return "network interfaces";
  if (/^RESOURCE:/i.test(reason)) return "capacity";
  return undefined;
}

/**
 * A stopped task whose container never started, for a reason another attempt may not meet: no
 * capacity when Fargate placed it, a network interface that was not provisioned in time, an ECS
 * internal error. `ResourceInitializationError` (secrets, registry auth, log group unreachable)
 * and `CannotPullContainerError` are left alone: they come from the network set-up or the image
 * and fail again the same way. Returns a short name for the check run, or undefined.
 */
export function transientStartFailure(result: TaskResult): string | undefined {
  if (result.exitCode !== undefined || result.stopCode !== "TaskFailedToStart") return undefined;
  const reason = result.stoppedReason ?? "";
  if (/capacity is unavailable|insufficient capacity/i.test(reason)) return "capacity";
  if (/network interface provisioning|RESOURCE:ENI/i.test(reason)) return "network interfaces";
  if (/^InternalError\b|Internal error/i.test(reason)) return "ECS internal error";
  return undefined;
}

/**
 * Whether ECS failed to place a deployment's tasks for a reason that passes (no Fargate capacity,
 * no network interface): its rolloutStateReason, or a service event since the deployment began,
 * e.g. `(service web) was unable to place a task. Reason: Capacity is unavailable at this time.`
 */
export function placementShortage(service: Service | undefined, deployment: Deployment | undefined): boolean {
  const since = deployment?.createdAt?.getTime() ?? 0;
  const texts = [
    deployment?.rolloutStateReason,
    ...(service?.events ?? []).filter((e) => (e.createdAt?.getTime() ?? 0) >= since).map((e) => e.message),
  ];
  return texts.some((text) => text !== undefined && SHORTAGE.test(text));
}

const SHORTAGE = /capacity is unavailable|insufficient capacity|RESOURCE:(?:ENI|FARGATE)\b|network interface provisioning/i;

function describeStop(result: TaskResult): string {
  return [result.stopCode, result.stoppedReason].filter(Boolean).join(": ") || "the task stopped before its container started";
}

/**
 * Where a container of a task logs, from its definition's awslogs options: the group, and the
 * stream `<prefix>/<container>/<task id>` as the awslogs driver names it. Empty for another driver.
 */
function awslogsOf(definition: ContainerDefinition | undefined, taskArn: string): { group?: string; stream?: string } {
  const logs = definition?.logConfiguration;
  if (logs?.logDriver !== "awslogs" || !definition?.name) return {};
  const group = logs.options?.["awslogs-group"];
  const prefix = logs.options?.["awslogs-stream-prefix"];
  return { ...(group ? { group } : {}), ...(prefix ? { stream: `${prefix}/${definition.name}/${taskArn.split("/").at(-1)}` } : {}) };
}
