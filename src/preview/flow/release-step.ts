import { BerthError } from "../../errors.js";
import { containerName } from "../../stack/naming.js";
import { isOneShotStep, type ReleaseStep } from "../../stack/release.js";
import type { LogPort, RunTaskInput, TaskPort } from "../ports.js";
import type { PreviewOutputs } from "./stack-outputs.js";

/** A release step failed; carries the tail of its log for the check run. */
export class ReleaseStepError extends BerthError {
  constructor(
    readonly step: string,
    message: string,
    readonly logTail: string[],
  ) {
    super(`${step}: ${message}`, { userMessage: message });
  }
}

/** Another run of a step: ECS could not start the task (`capacity`), or it exited non-zero and may restart. */
export type StepRetry = Parameters<NonNullable<RunTaskInput["onRetry"]>>[0];

/**
 * Runs one release step as a one-off ECS task in the preview's network and judges its outcome:
 * only a container that exited 0 passes. `migrate` and `seed` run in the release task definition
 * with their command; a one-shot compose service runs its own task definition as the compose file
 * wrote it. A non-zero or missing exit code fails the step with the last lines of its CloudWatch log.
 *
 * A one-shot service with `retries` (`restart: on-failure`) runs in a new task after a non-zero
 * exit, up to `retries` more times, as Compose restarts its container; the failure then says how
 * many attempts ran and carries the last one's log. A container that never started is not run
 * again here: TaskPort already retried the transient reasons (capacity), the others stay.
 */
export async function runReleaseStep(
  deps: { tasks: TaskPort; logs: LogPort; options: { logTailLines: number } },
  input: {
    cluster: string;
    outputs: PreviewOutputs;
    step: ReleaseStep;
    /** Told before another attempt: ECS could not start the task (no capacity), or it exited non-zero and restarts on failure. */
    onRetry?: (retry: StepRetry) => void | Promise<void>;
  },
): Promise<void> {
  const { outputs, step } = input;
  const target = taskOf(outputs, step);
  const attempts = isOneShotStep(step) ? 1 + (step.retries ?? 0) : 1;
  for (let attempt = 1; ; attempt++) {
    const result = await deps.tasks.runTask({
      cluster: input.cluster,
      taskDefinition: target.taskDefinition,
      container: target.container,
      ...(target.command ? { command: target.command } : {}),
      subnets: outputs.subnets,
      securityGroups: outputs.securityGroups,
      assignPublicIp: outputs.assignPublicIp,
      startedBy: `berth/${step.name}`.slice(0, 128),
      ...(input.onRetry ? { onRetry: input.onRetry } : {}),
    });
    if (result.exitCode === 0) return;
    if (result.exitCode !== undefined && attempt < attempts) {
      await input.onRetry?.({ reason: `exited with code ${result.exitCode}`, attempt: attempt + 1, attempts });
      continue;
    }
    const taskId = result.taskArn.split("/").pop() ?? result.taskArn;
    const stream = result.logStream ?? `${outputs.logStreamPrefix}/${target.container}/${taskId}`;
    const tail = await deps.logs.tail({ group: outputs.logGroup, stream, lines: deps.options.logTailLines }).catch(() => []);
    const what = isOneShotStep(step) ? `service ${step.service}${step.command ? ` (${step.command.join(" ")})` : ""}` : step.command.join(" ");
    const tries = attempt > 1 ? ` on attempt ${attempt} of ${attempts}` : "";
    const why =
      result.exitCode === undefined
        ? `${isOneShotStep(step) ? `service ${step.service}: ` : ""}the container never started${tries} (${[result.stopCode, result.stoppedReason].filter(Boolean).join(": ") || "no exit code"})`
        : `${what} exited with code ${result.exitCode}${tries}`;
    throw new ReleaseStepError(step.name, why, tail);
  }
}

/** The task definition and container a step runs in, and the command to override. */
function taskOf(outputs: PreviewOutputs, step: ReleaseStep): { taskDefinition: string; container: string; command?: string[] } {
  if (!isOneShotStep(step)) return { taskDefinition: outputs.releaseTaskDefinitionArn, container: outputs.releaseContainerName, command: step.command };
  const taskDefinition = outputs.oneShotTaskDefinitions[step.service];
  if (taskDefinition === undefined) {
    throw new BerthError(`stack has no task definition for one-shot service ${step.service}`, {
      userMessage: `The preview stack has no task definition for the one-shot service ${step.service}; push again to deploy it.`,
    });
  }
  return { taskDefinition, container: containerName(step.service) };
}
