import { taskDefinitionFamily } from "../../util/task-definition-family.js";
import { BerthError } from "../../errors.js";
import { containerName } from "../../stack/naming.js";
import { isOneShotStep, type ConfigReleaseStep, type ReleaseStep } from "../../stack/release.js";
import type { ContainerOutcome, LogPort, RunTaskInput, TaskPort } from "../ports.js";
import type { PreviewOutputs } from "./stack-outputs.js";

/** A release step failed; carries the tail of its log for the check run. */
export class ReleaseStepError extends BerthError {
  constructor(
    readonly step: string,
    message: string,
    readonly logTail: string[],
    /** Steps of the same task that never ran because this one failed. */
    readonly notRun: string[] = [],
  ) {
    super(`${step}: ${message}`, { userMessage: message });
  }
}

/** What running a release step needs of the preview stack: its stack outputs, or the resources a create made so far. */
export type ReleaseTarget = Pick<
  PreviewOutputs,
  "releaseTaskDefinitionArn" | "releaseContainerName" | "oneShotTaskDefinitions" | "subnets" | "securityGroups" | "assignPublicIp" | "logGroup" | "logStreamPrefix"
>;

/** Another run of a step: ECS could not start the task (`capacity`), or it exited non-zero and may restart. */
export type StepRetry = Parameters<NonNullable<RunTaskInput["onRetry"]>>[0];

/** The task definition families a preview's release steps run in: the release family's and each one-shot service's. */
export function releaseFamilies(outputs: Pick<ReleaseTarget, "releaseTaskDefinitionArn" | "oneShotTaskDefinitions">): string[] {
  const arns = [outputs.releaseTaskDefinitionArn, ...Object.values(outputs.oneShotTaskDefinitions)];
  return [...new Set(arns.map(taskDefinitionFamily))];
}

/**
 * Waits for the preview's release tasks that run while no step of this deploy does: a task berth
 * stopped watching (the process died, or a deploy stopped at a safe point while its step ran) goes
 * on running, and two migrations at once, or a seed over a migration, are worse than a wait. One
 * not stopped by the one-off task timeout is stopped. Returns how many there were.
 */
export async function waitForStrayReleaseTasks(
  deps: { tasks: Pick<TaskPort, "findRunningTasks" | "waitForTasks"> },
  input: { cluster: string; families: string[]; signal?: AbortSignal; onWaiting?: (tasks: string[]) => void | Promise<void> },
): Promise<number> {
  const strays = await deps.tasks.findRunningTasks({ cluster: input.cluster, families: input.families });
  if (strays.length === 0) return 0;
  await input.onWaiting?.(strays);
  await deps.tasks.waitForTasks({ cluster: input.cluster, tasks: strays, ...(input.signal ? { signal: input.signal } : {}) });
  return strays.length;
}

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
    outputs: ReleaseTarget;
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
function taskOf(outputs: ReleaseTarget, step: ReleaseStep): { taskDefinition: string; container: string; command?: string[] } {
  if (!isOneShotStep(step)) return { taskDefinition: outputs.releaseTaskDefinitionArn, container: outputs.releaseContainerName, command: step.command };
  const taskDefinition = outputs.oneShotTaskDefinitions[step.service];
  if (taskDefinition === undefined) {
    throw new BerthError(`stack has no task definition for one-shot service ${step.service}`, {
      userMessage: `The preview stack has no task definition for the one-shot service ${step.service}; push again to deploy it.`,
    });
  }
  return { taskDefinition, container: containerName(step.service) };
}

/**
 * Runs `migrate` and `seed` (those due, in that order) in ONE task: a revision of the release task
 * definition registered for this run, one container per step, each starting only once the one
 * before exited 0 (ECS `dependsOn` with condition SUCCESS). One Fargate launch instead of one per
 * step. Each step is judged by its own container, in order: the first that did not exit 0 fails
 * with its own log tail, and a step after it never ran. `image` replaces the image the stack's
 * release task definition runs (a push whose stack update berth skipped). The revision is
 * deregistered once the task stopped (or, with `deferCleanup`, when the caller runs what it was
 * given), and with it those earlier runs left ACTIVE. Calls `onPassed` with each step that exited 0, in order.
 */
export async function runReleaseChain(
  deps: { tasks: TaskPort; logs: LogPort; options: { logTailLines: number } },
  input: {
    cluster: string;
    outputs: ReleaseTarget;
    steps: ConfigReleaseStep[];
    image?: string;
    tags: Record<string, string>;
    /** Settles when the task may start: registering its revision runs meanwhile; a rejection stops the run. */
    ready?: Promise<unknown>;
    onRetry?: (retry: StepRetry) => void | Promise<void>;
    onPassed?: (step: ConfigReleaseStep["name"]) => void | Promise<void>;
    /** Told when deregistering the run's revision failed (it is left ACTIVE, and harmless). */
    onCleanupError?: (error: unknown) => void;
    /**
     * Takes the deregistration (which never throws: a failure goes to `onCleanupError`) for the
     * caller to run later, off the deploy's path; without it, it runs once the task stopped.
     */
    deferCleanup?: (cleanup: () => Promise<void>) => void;
    /**
     * The deploy stopping (superseded, berth restarting): the step that runs finishes, the task is
     * stopped before the next, and the abort's reason is thrown instead of the step not run.
     */
    abort?: AbortSignal;
  },
): Promise<void> {
  const { outputs, steps } = input;
  const last = steps.at(-1);
  if (!last) return;
  const taskDefinition = await deps.tasks.registerStepChain({
    from: outputs.releaseTaskDefinitionArn,
    container: outputs.releaseContainerName,
    steps: steps.map((s) => s.name),
    ...(input.image === undefined ? {} : { image: input.image }),
    tags: input.tags,
  });
  const passed = new Set<string>();
  const pass = async (name: ConfigReleaseStep["name"]) => {
    if (passed.has(name)) return;
    passed.add(name);
    await input.onPassed?.(name);
  };
  let result: Awaited<ReturnType<TaskPort["runTask"]>>;
  try {
    await input.ready;
    result = await deps.tasks.runTask({
      cluster: input.cluster,
      taskDefinition,
      container: last.name,
      command: last.command,
      ...(steps.length > 1 ? { before: steps.slice(0, -1).map((s) => ({ container: s.name, command: s.command })) } : {}),
      subnets: outputs.subnets,
      securityGroups: outputs.securityGroups,
      assignPublicIp: outputs.assignPublicIp,
      label: outputs.releaseContainerName,
      startedBy: `berth/${steps.map((s) => s.name).join("+")}`,
      ...(input.onRetry ? { onRetry: input.onRetry } : {}),
      ...(input.abort ? { stopBetweenSteps: input.abort } : {}),
      // A step that exited 0 while the next one runs is reported at once, so each phase has its own time.
      onContainerExit: async (container, exitCode) => {
        const step = steps.find((s) => s.name === container);
        if (step && exitCode === 0) await pass(step.name);
      },
    });
  } finally {
    // Then what earlier runs left ACTIVE (a process that died first), so revisions never pile up.
    const cleanup = () =>
      deps.tasks
        .deregisterTaskDefinition(taskDefinition)
        .then(() => deps.tasks.deregisterLeftRunRevisions({ from: outputs.releaseTaskDefinitionArn, container: outputs.releaseContainerName }))
        .then(() => undefined)
        .catch((error: unknown) => input.onCleanupError?.(error));
    if (input.deferCleanup) input.deferCleanup(cleanup);
    else await cleanup();
  }
  const taskId = result.taskArn.split("/").pop() ?? result.taskArn;
  for (const [i, step] of steps.entries()) {
    const outcome: ContainerOutcome = result.containers?.[step.name] ?? {
      ...(result.exitCode === undefined ? {} : { exitCode: result.exitCode }),
      ...(result.logStream ? { logStream: result.logStream } : {}),
    };
    if (outcome.exitCode === 0) {
      await pass(step.name);
      continue;
    }
    // Stopped between steps because the deploy stops: not a failure of the step that never ran.
    if (input.abort?.aborted && i > 0 && outcome.exitCode === undefined) throw input.abort.reason;
    const stream = outcome.logStream ?? `${outputs.logStreamPrefix}/${step.name}/${taskId}`;
    const tail = await deps.logs.tail({ group: outputs.logGroup, stream, lines: deps.options.logTailLines }).catch(() => []);
    const why =
      outcome.exitCode === undefined
        ? `the container never started (${[result.stopCode, result.stoppedReason].filter(Boolean).join(": ") || "no exit code"})`
        : `${step.command.join(" ")} exited with code ${outcome.exitCode}`;
    const after = steps.slice(i + 1).map((s) => s.name);
    throw new ReleaseStepError(step.name, why, tail, after);
  }
}
