import { BerthError } from "../../errors.js";
import { HealthError, RolloutError, StackError } from "../errors.js";
import type { LogPort, StoppedContainer, StoppedTask, TaskPort } from "../ports.js";
import type { Logger } from "../../util/logger.js";

/**
 * A rollout failed because a service's new tasks stopped: the failure as it was reported, with why
 * the latest task stopped and the tail of its essential container's log.
 */
export class ServiceStoppedError extends BerthError {
  constructor(
    readonly failure: BerthError,
    userMessage: string,
    /** Each container that stopped, with its exit code and reason: shown verbatim. */
    readonly details: string[],
    readonly logTail: string[],
    /** The container whose log the tail is. */
    readonly logOf: string | undefined,
  ) {
    super(failure.message, { cause: failure, userMessage });
  }
}

/** The compose services that run as ECS services, with what finds them (see PreviewStack.ecsServices). */
export type EcsServices = Record<string, { logicalId: string; family: string; arn?: string }>;

/**
 * The compose service a failed rollout names: the ECS service CloudFormation failed on, the one
 * berth's rollout check saw rolled back, or the public service whose target never became healthy.
 * Undefined for any other failure, and for one that may pass (it is deployed again as it was).
 */
export function findStoppedService(error: unknown, input: { services: EcsServices; publicService: string }): string | undefined {
  if (!(error instanceof BerthError) || error.transient !== undefined) return undefined;
  const named = (match: (s: EcsServices[string]) => boolean) => Object.entries(input.services).find(([, s]) => match(s))?.[0];
  if (error instanceof StackError) {
    const failure = error.firstFailure;
    return failure?.type === "AWS::ECS::Service" ? named((s) => s.logicalId === failure.resource) : undefined;
  }
  if (error instanceof RolloutError) return named((s) => s.arn !== undefined && (s.arn === error.service || s.arn.split("/").at(-1) === error.service.split("/").at(-1)));
  if (error instanceof HealthError) return input.publicService;
  return undefined;
}

/**
 * Reads why the service's latest task stopped (TaskPort.findStoppedTask) and the tail of its
 * essential container's log, and returns the failure with them (a ServiceStoppedError); the failure
 * as it was when the error names no service, no stopped task is left, or a read fails (logged).
 */
export async function explainStoppedService(
  deps: { tasks: Pick<TaskPort, "findStoppedTask">; logs: Pick<LogPort, "tail">; log: Logger; options: { logTailLines: number } },
  error: unknown,
  input: { cluster: string; services: EcsServices; publicService: string; healthcheck: { path: string; grace_period: number } },
): Promise<unknown> {
  const service = findStoppedService(error, input);
  const family = service === undefined ? undefined : input.services[service]?.family;
  if (service === undefined || family === undefined || !(error instanceof BerthError)) return error;
  let task: StoppedTask | undefined;
  try {
    task = await deps.tasks.findStoppedTask({ cluster: input.cluster, family });
  } catch (readError) {
    deps.log.warn({ err: readError, service }, "could not read why the service's tasks stopped; reporting the failure without it");
    return error;
  }
  if (task === undefined) return error;
  const essential = task.containers.filter((c) => c.essential).at(-1);
  const tail = essential?.log
    ? await deps.logs.tail({ group: essential.log.group, stream: essential.log.stream, lines: deps.options.logTailLines }).catch((readError: unknown) => {
        deps.log.warn({ err: readError, service }, "could not read the stopped task's log; reporting the failure without it");
        return [];
      })
    : [];
  const stopped = renderStoppedTask(service, task, input.healthcheck);
  const message = [error.userMessage, stopped.summary, ...(stopped.hint === undefined ? [] : [stopped.hint])].join("\n");
  return new ServiceStoppedError(error, message, stopped.containers, tail, essential?.name);
}

/**
 * What a developer reads about a stopped task: the service, the task's stop reason and code, each
 * container that stopped with its exit code and reason, and a hint where the cause is clear.
 */
export function renderStoppedTask(
  service: string,
  task: StoppedTask,
  healthcheck: { path: string; grace_period: number },
): { summary: string; containers: string[]; hint?: string } {
  const why = [task.stoppedReason, task.stopCode && `(${task.stopCode})`].filter(Boolean).join(" ") || "no reason given";
  const stopped = task.containers.filter((c) => c.essential || (c.exitCode !== undefined && c.exitCode !== 0) || c.reason !== undefined);
  const hint = findHint(service, task, healthcheck);
  return {
    summary: `The latest task of service ${service} stopped: ${why}.`,
    containers: stopped.map(describeContainer),
    ...(hint === undefined ? {} : { hint }),
  };
}

function describeContainer(c: StoppedContainer): string {
  const how = c.exitCode === undefined ? "never started" : `exited with code ${c.exitCode}`;
  return `container ${c.name} ${how}${c.reason ? `: ${c.reason}` : ""}`;
}

function findHint(service: string, task: StoppedTask, healthcheck: { path: string; grace_period: number }): string | undefined {
  const essential = task.containers.filter((c) => c.essential).at(-1);
  const reasons = [task.stoppedReason, ...task.containers.map((c) => c.reason)].filter((r): r is string => r !== undefined);
  if (reasons.some((r) => /CannotPullContainerError/.test(r))) {
    const image = task.containers.find((c) => c.reason !== undefined && /CannotPullContainerError/.test(c.reason))?.image ?? essential?.image;
    return `Hint: ECS could not pull ${image === undefined ? "the image" : `the image ${image}`}: check that it exists and that the reference is right (\`image\` in .github/preview.yml for a service with \`build:\`, else the service's \`image:\` in the compose file).`;
  }
  // ECS says so on the container, and sometimes on the task as well.
  if (reasons.some((r) => /OutOfMemoryError/i.test(r))) {
    return `Hint: ${service} ran out of memory: raise its memory in .github/preview.yml, \`resources.services.${service}\` (cpu and memory) for this service or \`resources.memory\` for every service.`;
  }
  if (task.stoppedReason !== undefined && /health check/i.test(task.stoppedReason)) {
    return `Hint: the load balancer found no healthy answer at \`${healthcheck.path}\` within the ${healthcheck.grace_period} s grace period: set \`healthcheck.path\` to a path that answers 200 without signing in, and raise \`healthcheck.grace_period\` if the app is slow to boot (.github/preview.yml).`;
  }
  if (essential?.exitCode === 0) {
    return `Hint: ${service} exited 0: it ran once and stopped, but ECS runs every compose service as a long-running service and counts a stop as a failure. If it should run once per deploy, make it a one-shot service: \`restart: "no"\` with no \`ports\`, \`expose\` or \`healthcheck\`, or a service that depends on it with \`condition: service_completed_successfully\`.`;
  }
  return undefined;
}
