import { type ConfigReleaseStep, isOneShotStep, type ReleaseStep } from "../../stack/release.js";
import type { Logger } from "../../util/logger.js";
import type { DeployReporter, PhaseName } from "../report/index.js";
import type { LogPort, TaskPort } from "../ports.js";
import { releaseFamilies, runReleaseChain, runReleaseStep, waitForStrayReleaseTasks, type ReleaseTarget, type StepRetry } from "./release-step.js";

/** Which of a deploy's release steps run, in order, and why the others do not. */
export interface ReleaseStepsPlan {
  /** The compose file's one-shot services, in dependency order: they run on every deploy. */
  oneShots: ReleaseStep[];
  /** migrate, then seed, as far as they are due. */
  due: ConfigReleaseStep[];
  /** The steps not due, each with the reason the check run gives. */
  skipped: Array<[ConfigReleaseStep["name"], string]>;
}

/**
 * The release steps of one deploy (pure): every one-shot service, migrate when the config has one,
 * seed when the config has one and the data must be seeded (`reseed`).
 */
export function planReleaseSteps(steps: readonly ReleaseStep[], reseed: boolean): ReleaseStepsPlan {
  const due: ConfigReleaseStep[] = [];
  const skipped: ReleaseStepsPlan["skipped"] = [];
  for (const name of ["migrate", "seed"] as const) {
    const step = steps.find((s): s is ConfigReleaseStep => s.name === name);
    if (!step) skipped.push([name, `no release.${name} in .github/preview.yml`]);
    else if (name === "seed" && !reseed) skipped.push(["seed", "data kept from the previous deploy"]);
    else due.push(step);
  }
  return { oneShots: steps.filter(isOneShotStep), due, skipped };
}

/**
 * Runs the planned release steps in order, each shown on the check run as it starts and ends,
 * once the release tasks an earlier deploy left running have stopped (see waitForStrayReleaseTasks):
 * the one-shot services one task each, then migrate and seed, in one task when both are due (seed's
 * container starts after migrate's exited 0: one Fargate launch for both). Throws the first step's
 * failure (ReleaseStepError); checks `checkpoint` after each step.
 */
export async function runReleaseSteps(
  deps: { tasks: TaskPort; logs: LogPort; options: { logTailLines: number } },
  input: {
    plan: ReleaseStepsPlan;
    reporter: DeployReporter;
    cluster: string;
    /** Where the steps run, read as they start: a gated create knows it only once its resources exist. */
    target: () => ReleaseTarget;
    /** The image the release task runs, when the stack's task definition still names another. */
    image?: string;
    /** Tags for the task definition revision berth registers for migrate and seed. */
    tags: Record<string, string>;
    /** Why the data is seeded again, when berth found it gone. */
    dataGone?: string;
    /** Told as each step starts: the phase a failure is reported on. */
    onPhase: (name: PhaseName) => void;
    checkpoint: () => void;
    /** Takes the clean-up of the revision registered for the steps, run once the new version may start. */
    deferCleanup: (cleanup: () => Promise<void>) => void;
    abort: AbortSignal;
    log: Logger;
  },
): Promise<void> {
  const { plan, reporter, checkpoint, dataGone } = input;
  // Looked for beside the first step's preparation (registering the run's revision), and awaited
  // before its task starts.
  const strays =
    plan.oneShots.length > 0 || plan.due.length > 0
      ? waitForStrayReleaseTasks(deps, {
          cluster: input.cluster,
          families: releaseFamilies(input.target()),
          signal: input.abort,
          onWaiting: (tasks) => input.log.warn({ tasks }, "release tasks of an earlier deploy still run; waiting for them to stop"),
        }).then(() => checkpoint())
      : Promise.resolve();
  strays.catch(() => {});
  const retrying = (name: PhaseName) => (retry: StepRetry) =>
    reporter.phase(name, "running", `retrying: ${retry.reason}, attempt ${retry.attempt} of ${retry.attempts}`);
  /** Runs one step on the stack's own release task definition; returns its last retry, if any. */
  const runOne = async (name: PhaseName, step: ReleaseStep): Promise<StepRetry | undefined> => {
    let retried: StepRetry | undefined;
    await runReleaseStep(deps, {
      cluster: input.cluster,
      outputs: input.target(),
      step,
      onRetry: (retry) => {
        retried = retry;
        return retrying(name)(retry);
      },
    });
    return retried;
  };
  const startNote = (name: ConfigReleaseStep["name"], next: ConfigReleaseStep | undefined): string | undefined =>
    [name === "seed" && dataGone ? `seeding again: ${dataGone}` : undefined, next ? `${next.name} follows in the same task` : undefined].filter(Boolean).join("; ") ||
    undefined;
  const doneNote = (name: ConfigReleaseStep["name"], retried: StepRetry | undefined): string | undefined => {
    const why = name === "seed" && dataGone ? `seeded again: ${dataGone}` : undefined;
    const retriedNote = retried ? `retried: ${retried.reason}; started on attempt ${retried.attempt}` : undefined;
    return [why, retriedNote].filter(Boolean).join("; ") || undefined;
  };

  if (plan.oneShots.length > 0) await strays;
  for (const step of plan.oneShots) {
    input.onPhase(step.name);
    await reporter.phase(step.name);
    const retried = await runOne(step.name, step);
    await reporter.done(step.name, "success", retried ? `retried: ${retried.reason}; passed on attempt ${retried.attempt} of ${retried.attempts}` : undefined);
    checkpoint();
  }
  for (const [name, why] of plan.skipped) await reporter.done(name, "skipped", why);
  const due = plan.due;
  if (due.length === 1 && input.image === undefined) {
    // One step on the stack's own release task definition: nothing to register.
    const step = due[0]!;
    input.onPhase(step.name);
    await reporter.phase(step.name, "running", startNote(step.name, undefined));
    await strays;
    const retried = await runOne(step.name, step);
    await reporter.done(step.name, "success", doneNote(step.name, retried));
    checkpoint();
  } else if (due.length > 0) {
    const first = due[0]!;
    input.onPhase(first.name);
    let retried: StepRetry | undefined;
    await reporter.phase(first.name, "running", startNote(first.name, due[1]));
    await runReleaseChain(deps, {
      cluster: input.cluster,
      outputs: input.target(),
      steps: due,
      ...(input.image === undefined ? {} : { image: input.image }),
      tags: input.tags,
      ready: strays,
      onRetry: (retry) => {
        retried = retry;
        return retrying(first.name)(retry);
      },
      onPassed: async (name) => {
        await reporter.done(name, "success", doneNote(name, retried));
        const next = due[due.findIndex((s) => s.name === name) + 1];
        if (!next) return;
        input.onPhase(next.name);
        await reporter.phase(next.name, "running", startNote(next.name, due[due.indexOf(next) + 1]));
      },
      onCleanupError: (error) => input.log.warn({ err: error }, "could not deregister the release run's task definition"),
      deferCleanup: input.deferCleanup,
      abort: input.abort,
    });
    checkpoint();
  }
}
