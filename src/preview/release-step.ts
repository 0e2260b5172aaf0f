import { BerthError } from "../errors.js";
import type { LogPort, RunTaskInput, TaskPort } from "./ports.js";
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

/**
 * Runs one release step (`migrate`, `seed`) as a one-off ECS task in the preview's network and
 * judges its outcome: only a container that exited 0 passes. A non-zero or missing exit code fails
 * the step with the last lines of its CloudWatch log.
 */
export async function runReleaseStep(
  deps: { tasks: TaskPort; logs: LogPort; options: { logTailLines: number } },
  input: {
    cluster: string;
    outputs: PreviewOutputs;
    step: { name: string; command: string[] };
    /** Told before ECS is asked again for a task it could not start (no capacity). */
    onRetry?: RunTaskInput["onRetry"];
  },
): Promise<void> {
  const { outputs, step } = input;
  const result = await deps.tasks.runTask({
    cluster: input.cluster,
    taskDefinition: outputs.releaseTaskDefinitionArn,
    container: outputs.releaseContainerName,
    command: step.command,
    subnets: outputs.subnets,
    securityGroups: outputs.securityGroups,
    assignPublicIp: outputs.assignPublicIp,
    startedBy: `berth/${step.name}`,
    ...(input.onRetry ? { onRetry: input.onRetry } : {}),
  });
  if (result.exitCode === 0) return;
  const taskId = result.taskArn.split("/").pop() ?? result.taskArn;
  const stream = result.logStream ?? `${outputs.logStreamPrefix}/${outputs.releaseContainerName}/${taskId}`;
  const tail = await deps.logs.tail({ group: outputs.logGroup, stream, lines: deps.options.logTailLines }).catch(() => []);
  const why =
    result.exitCode === undefined
      ? `the container never started (${[result.stopCode, result.stoppedReason].filter(Boolean).join(": ") || "no exit code"})`
      : `${step.command.join(" ")} exited with code ${result.exitCode}`;
  throw new ReleaseStepError(step.name, why, tail);
}
