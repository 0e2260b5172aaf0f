import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  UpdateServiceCommand,
  waitUntilTasksStopped,
  type Deployment,
  type ECSClient,
  type Service,
} from "@aws-sdk/client-ecs";
import { RolloutError, TaskError } from "../preview/errors.js";
import type { RunTaskInput, Signal, TaskPort, TaskResult } from "../preview/ports.js";
import { awsCall, errorName, wrapAwsError } from "./aws-call.js";
import { formatDuration, pollUntil, timing, waiterTiming, type PollTiming } from "./poll.js";

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

  constructor(options: EcsTasksOptions) {
    this.client = options.client;
    const delay = options.pollDelayMs ?? 6_000;
    this.taskTiming = timing(delay, options.taskTimeoutMs ?? 30 * 60_000, options.maxPollDelayMs);
    this.rolloutTiming = timing(delay, options.rolloutTimeoutMs ?? 20 * 60_000, options.maxPollDelayMs);
    this.eventCount = options.eventCount ?? 5;
  }

  /**
   * Runs the task and waits until it stopped. A task that does not stop in time is stopped and
   * reported; an aborted wait leaves the task running (killing a migration halfway is worse).
   */
  async runTask(input: RunTaskInput): Promise<TaskResult> {
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
          overrides: { containerOverrides: [{ name: container, command: input.command }] },
        }),
        { abortSignal: signal },
      ),
    );
    const failures = out.failures ?? [];
    const taskArn = out.tasks?.[0]?.taskArn;
    if (failures.length > 0 || !taskArn) {
      const reasons = failures.map((f) => [f.reason, f.detail].filter(Boolean).join(": ")).join("; ") || "RunTask started no task";
      throw new TaskError(`run ${container} task in ${cluster}: ${reasons}`, {
        container,
        userMessage: `ECS could not start the ${container} task: ${reasons}`,
      });
    }

    try {
      await waitUntilTasksStopped(
        { client: this.client, ...waiterTiming(this.taskTiming), abortSignal: signal },
        { cluster, tasks: [taskArn] },
      );
    } catch (error) {
      signal?.throwIfAborted();
      if (errorName(error) !== "TimeoutError") throw wrapAwsError("DescribeTasks", taskArn, error);
      await awsCall("StopTask", taskArn, () =>
        this.client.send(new StopTaskCommand({ cluster, task: taskArn, reason: "berth: release step timed out" })),
      );
      throw new TaskError(`task ${taskArn} did not stop within ${this.taskTiming.timeoutMs} ms`, {
        container,
        taskArn,
        userMessage: `The ${container} task ran for more than ${formatDuration(this.taskTiming.timeoutMs)} and was stopped.`,
      });
    }

    const described = await awsCall("DescribeTasks", taskArn, () =>
      this.client.send(new DescribeTasksCommand({ cluster, tasks: [taskArn] })),
    );
    const task = described.tasks?.[0];
    const result = task?.containers?.find((c) => c.name === container);
    // A container that never started repeats the task's reason; say it once.
    const reasons = [task?.stoppedReason, result?.reason].filter((r): r is string => Boolean(r));
    const stoppedReason = [...new Set(reasons)].join(": ") || undefined;
    return {
      taskArn,
      exitCode: result?.exitCode ?? undefined,
      stopCode: task?.stopCode,
      stoppedReason,
      logStream: await this.logStream(task?.taskDefinitionArn ?? input.taskDefinition, container, taskArn),
    };
  }

  /** Waits until the service's newest deployment is PRIMARY and COMPLETED. */
  async waitForRollout(input: { cluster: string; service: string; signal?: Signal }): Promise<void> {
    await this.waitDeployment(input.cluster, input.service, undefined, input.signal);
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
    }, this.rolloutTiming, signal);
    if (!done) {
      throw new RolloutError(`rollout of ${service}: not completed within ${this.rolloutTiming.timeoutMs} ms`, {
        service,
        events: this.latestEvents(last),
        userMessage: withEvents(`The rollout of ${service} did not complete within ${formatDuration(this.rolloutTiming.timeoutMs)}.`, this.latestEvents(last)),
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
    });
  }

  private latestEvents(service: Service | undefined): string[] {
    return (service?.events ?? [])
      .slice(0, this.eventCount)
      .map((e) => e.message ?? "")
      .filter(Boolean);
  }

  private async logStream(taskDefinition: string, container: string, taskArn: string): Promise<string | undefined> {
    const out = await awsCall("DescribeTaskDefinition", taskDefinition, () =>
      this.client.send(new DescribeTaskDefinitionCommand({ taskDefinition })),
    );
    const definition = out.taskDefinition?.containerDefinitions?.find((c) => c.name === container);
    const logs = definition?.logConfiguration;
    const prefix = logs?.logDriver === "awslogs" ? logs.options?.["awslogs-stream-prefix"] : undefined;
    if (!prefix) return undefined;
    return `${prefix}/${container}/${taskArn.split("/").at(-1)}`;
  }
}

function isNewest(deployment: Deployment, all: Deployment[]): boolean {
  const time = deployment.createdAt?.getTime() ?? 0;
  return all.every((d) => (d.createdAt?.getTime() ?? 0) <= time);
}

function withEvents(message: string, events: string[]): string {
  return events.length === 0 ? message : `${message}\nLatest service events:\n${events.map((e) => `- ${e}`).join("\n")}`;
}
