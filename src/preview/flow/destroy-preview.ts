import { BerthError } from "../../errors.js";
import type { PreviewTarget } from "../../plan/plan-preview.js";
import { releaseFamily } from "../../stack/build-template.js";
import { previewLabel, stackName } from "../../stack/naming.js";
import type { Logger } from "../../util/logger.js";
import type { RepoGitHub, StackPort, TaskPort } from "../ports.js";
import { CHECK_NAME, deactivatePullDeployments, listPullDeployments, renderComment, renderRemovedWhileOpen } from "../report/index.js";
import { RestartSignal } from "./keyed-queue.js";
import { releaseFamilies } from "./release-step.js";
import { parsePairs } from "./stack-outputs.js";

/**
 * Hidden in the sticky comment of a preview removed because its pull request was closed: a
 * resync that finds the pull request open again (its reopened webhook lost) deploys it, while a
 * preview removed by `/preview destroy` stays removed.
 */
export const REMOVED_ON_CLOSE_MARKER = "<!-- berth:removed-on-close -->";

/** Deployments of the preview read for check runs a restart left open when it is removed. */
const RECENT_DEPLOYMENTS = 3;

/**
 * Removes a pull request's preview: deletes its stack and waits until it is gone (DELETE_FAILED is
 * retried by the stack port, then reported), removes the release task definition's revisions
 * (those berth registered for release runs too), marks every deployment of the PR inactive (its
 * own in `preview` and those of its legacy per-PR environment) and updates the sticky comment. Safe to repeat: a missing stack is already removed, one
 * being deleted is waited for.
 *
 * When berth stops (`signal` aborts with a RestartSignal) it stops waiting at once: CloudFormation
 * goes on deleting the stack, and the next process's resync finds the closed pull request's stack
 * (deleting, or failed to delete) and finishes the removal.
 */
export async function destroyPreview(
  deps: {
    stacks: StackPort;
    tasks?: Pick<TaskPort, "removeTaskDefinitions" | "findRunningTasks" | "stopTasks">;
    /** The base stack's outputs (its cluster): without them, release tasks still running are not looked for. */
    base?: () => Promise<{ outputs: Record<string, string> }>;
    log: Logger;
    now: () => Date;
  },
  input: {
    github: RepoGitHub;
    target: Omit<PreviewTarget, "sha"> & { sha?: string };
    /** `expired`: nobody pushed, commanded or opened it for `expire_after` (the window, in words). */
    reason: "closed" | "destroy" | { expired: string };
  },
  signal?: AbortSignal,
): Promise<"removed" | "failure" | "restarting"> {
  const { target, github } = input;
  const name = stackName(previewLabel(target));
  const log = deps.log.child({ repo: `${target.owner}/${target.repo}`, pr: target.pr, stack: name });
  await stopReleaseTasks(deps, { name, label: previewLabel(target), log });
  try {
    await deps.stacks.delete(name, signal);
  } catch (error) {
    if (signal?.aborted && signal.reason instanceof RestartSignal) {
      log.info({}, "removal stopped waiting: berth is restarting; the next resync finishes it");
      return "restarting";
    }
    const message = error instanceof BerthError ? error.userMessage : "internal error while deleting the stack";
    log.error({ err: error }, "preview removal failed");
    await github.comments
      .ensureSticky(target.pr, renderComment({ state: "failed", message: `Removing the preview failed: ${message}`, updatedAt: deps.now() }))
      .catch((e: unknown) => log.warn({ err: e }, "sticky comment failed"));
    return "failure";
  }
  // The stack deregistered its own revisions; what berth registered for release runs is berth's to remove.
  await deps.tasks
    ?.removeTaskDefinitions(releaseFamily(previewLabel(target)))
    .catch((e: unknown) => log.warn({ err: e }, "removing the release task definition's revisions failed"));
  const message =
    input.reason === "closed"
      ? "The pull request was closed."
      : input.reason === "destroy"
        ? "Removed by `/preview destroy`; push or comment `/preview redeploy` to bring it back."
        : `Removed after ${input.reason.expired} without a push, command or request (expire_after); push or comment \`/preview redeploy\` to bring it back.`;
  const conclude = (shas: string[]) =>
    concludeLeftOpen(github, target.pr, message, shas).catch((e: unknown) => log.warn({ err: e }, "concluding check runs left open failed"));
  // Runs before deployments: a process that dies between the two leaves an open deployment, which
  // the next resync finds, rather than an inactive one over a run nobody looks at again.
  await conclude([]);
  // The deployments still open are deploys a restart cut off, however old: their check runs are concluded too.
  const cutOff = await deactivatePullDeployments(github.deployments, target.pr).catch((e: unknown) => {
      log.warn({ err: e }, "deactivating deployments failed");
      return [];
    });
  if (cutOff.length > 0) await conclude(cutOff);
  const body = renderComment({ state: "removed", message, updatedAt: deps.now() });
  await github.comments
    .ensureSticky(target.pr, input.reason === "closed" ? `${body}\n${REMOVED_ON_CLOSE_MARKER}` : body)
    .catch((e: unknown) => log.warn({ err: e }, "sticky comment failed"));
  log.info({ reason: input.reason }, "preview removed");
  return "removed";
}

/**
 * Stops the preview's release tasks that still run (a deploy this removal stopped while its step
 * ran, or one a process that died left): nothing watches them any more, and each holds a network
 * interface in the preview's security group, which keeps the stack deletion from removing it. A
 * failure is logged: the deletion goes ahead, and CloudFormation reports what it could not delete.
 */
async function stopReleaseTasks(deps: Parameters<typeof destroyPreview>[0], input: { name: string; label: string; log: Logger }): Promise<void> {
  const { tasks, base } = deps;
  if (!tasks || !base) return;
  try {
    const [outputs, stack] = await Promise.all([base().then((b) => b.outputs), deps.stacks.find(input.name)]);
    const cluster = outputs.ClusterName;
    if (!cluster) return;
    const families = releaseFamilies({ releaseTaskDefinitionArn: releaseFamily(input.label), oneShotTaskDefinitions: parsePairs(stack?.outputs.OneShotTaskDefinitions) });
    const running = await tasks.findRunningTasks({ cluster, families });
    if (running.length === 0) return;
    input.log.info({ tasks: running }, "stopping release tasks that still run before the stack is deleted");
    await tasks.stopTasks({ cluster, tasks: running, reason: "berth: the preview is being removed" });
  } catch (error) {
    input.log.warn({ err: error }, "could not stop the preview's release tasks that still run");
  }
}

/**
 * Concludes the check runs of the preview's recent deploys that a restart left open: nothing runs
 * them now (this removal is the pull request's job), and once the preview is gone no resync looks
 * at a closed pull request again.
 */
async function concludeLeftOpen(github: RepoGitHub, pr: number, why: string, cutOff: string[]): Promise<void> {
  const deployments = await listPullDeployments(github.deployments, pr, RECENT_DEPLOYMENTS);
  for (const sha of new Set([...deployments.map((d) => d.sha), ...cutOff])) {
    for (const run of await github.checks.list({ headSha: sha, name: CHECK_NAME })) {
      if (run.status === "completed") continue;
      await github.checks.update(run.id, { output: renderRemovedWhileOpen(run.output, why), conclusion: "neutral" });
    }
  }
}
