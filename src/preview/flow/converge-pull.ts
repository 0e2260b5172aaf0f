import type { Logger } from "../../util/logger.js";
import { CHECK_NAME, DEPLOY_ATTEMPTS, RESUMES_PER_ATTEMPT, type DeployAttempt, deploymentDescription, type InterruptedNext, listPullDeployments, readAttemptMarkers, renderInterrupted, renderSupersededWhileDown, shortSha } from "../report/index.js";
import type { CheckRunInfo, PullRequestInfo, RepoGitHub, RepoRef, StackSummary } from "../ports.js";
import type { PreviewJob } from "../job.js";
import { REMOVED_ON_CLOSE_MARKER } from "./destroy-preview.js";
import { DEPLOYING_TAG, SERVING_TAG, servingState } from "./serving-tags.js";

/** What converging one pull request reads and writes on its repository. */
export type ConvergeGitHub = Pick<RepoGitHub, "checks" | "deployments" | "comments">;

/** What converging one pull request asks of the rest of berth (ReconcileDeps says more). */
export interface ConvergeDeps {
  /** Queues a deploy as a webhook would. */
  enqueue: (job: PreviewJob) => void;
  /** Whether a job of the pull request runs now. */
  busy: (repo: RepoRef, pr: number) => boolean;
  /** Changes whenever a job of the pull request starts or ends. */
  activity: (repo: RepoRef, pr: number) => number;
  /** Whether this process took a deploy of the head already (asked only when it has no check run). */
  tried: (repo: RepoRef, pr: number, sha: string) => boolean;
  /** Look for older heads' open runs even when the head needs nothing (the first resync of a process). */
  sweep: boolean;
}

/** The counts converging adds to a resync's summary. */
export interface ConvergeCounts {
  redeployed: number;
  concluded: number;
}

/** A pull request's deployments (in `preview`, and in its legacy environment) read when looking for deploys a restart left open. */
const RECENT_DEPLOYMENTS = 3;
const OPEN_DEPLOYMENT = new Set(["in_progress", "queued", "pending"]);

/** One open pull request as a resync found it. */
export interface PullState {
  repo: RepoRef;
  github: ConvergeGitHub;
  pull: PullRequestInfo;
  /** The preview's stack; undefined when the pull request has none. */
  stack: StackSummary | undefined;
  log: Logger;
}

/**
 * Brings one open pull request to its head, judging by the head's newest berth check run (see
 * `reconcile`). Returns the GitHub requests spent.
 */
export async function convergePull(deps: ConvergeDeps, summary: ConvergeCounts, state: PullState): Promise<number> {
  const { repo, github, pull, stack, log } = state;
  const pr = pull.number;
  if (deps.busy(repo, pr)) return 0;
  const activity = deps.activity(repo, pr);
  let spent = 1;
  const runs = await github.checks.list({ headSha: pull.headSha, name: CHECK_NAME });
  // A job that started meanwhile owns the newest run, one that ended may have concluded what was
  // read as open: either way the next resync judges again.
  if (deps.busy(repo, pr) || deps.activity(repo, pr) !== activity) return spent;
  let decision = decide(deps, state, runs);
  if (decision.kind === "done" && decision.removed) {
    // Removed on close, open again: the reopened webhook was lost. One read, only in this case.
    spent += 1;
    if ((await github.comments.readSticky(pr))?.includes(REMOVED_ON_CLOSE_MARKER)) decision = { kind: "deploy", why: "reopened after its preview was removed on close" };
  }
  const open = runs.filter((run) => run.status !== "completed");
  if (open.length > 0 || decision.kind === "deploy" || deps.sweep) {
    const next = decision.kind === "deploy" ? "retrying" : decision.kind === "leave" ? "exhausted" : "replaced";
    spent += await concludeLeftOpen(summary, state, open, next);
  }
  if (decision.kind === "done") return spent;
  if (decision.kind === "leave") {
    log.info({ pr, head: pull.headSha, why: decision.why }, "head not deployed again");
    return spent;
  }
  deps.enqueue({
    repo,
    pr,
    action: decision.action ?? "deploy",
    sha: pull.headSha,
    baseSha: pull.baseSha,
    branch: pull.branch,
    fork: pull.fork,
    draft: pull.draft,
    labels: pull.labels,
    bot: pull.bot,
    baseBranch: pull.baseBranch,
    ...(decision.attempt ? { attempt: decision.attempt } : {}),
  });
  summary.redeployed += 1;
  log.info({ pr, serving: stack?.tags[SERVING_TAG], deploying: stack?.tags[DEPLOYING_TAG], head: pull.headSha, attempt: decision.attempt?.number ?? 1, why: decision.why }, "deploying the head");
  return spent;
}

type Decision =
  | { kind: "done"; removed?: true }
  | { kind: "leave"; why: string }
  | { kind: "deploy"; why: string; attempt?: DeployAttempt; action?: "deploy" | "reset" };

/** Why a deploy runs again after berth stopped it at a safe point to restart. */
export const RESUMED = "resumed after berth restarted";

/** What the head's newest berth check run (and the stack's tag) say to do next. Pure but for `tried`. */
function decide(deps: ConvergeDeps, state: PullState, runs: CheckRunInfo[]): Decision {
  const { repo, pull, stack } = state;
  const head = pull.headSha.toLowerCase();
  const latest = runs[0];
  if (latest === undefined) {
    if (deps.tried(repo, pull.number, head)) return { kind: "done" };
    return { kind: "deploy", why: stack ? "head moved" : "never deployed" };
  }
  const { attempt, resumed = 0, transient, restarted, cancelled } = readAttemptMarkers(latest.output.summary);
  const again = (previous: string): Decision =>
    attempt < DEPLOY_ATTEMPTS
      ? { kind: "deploy", why: previous, attempt: { number: attempt + 1, previous } }
      : { kind: "leave", why: `${previous}; ${DEPLOY_ATTEMPTS} attempts made` };
  if (latest.status !== "completed") return again("the last one was interrupted: berth restarted before it finished");
  switch (latest.conclusion) {
    case "success": {
      // No stack after a success: the preview was removed, by `/preview destroy` (it stays removed)
      // or because the pull request was closed (convergePull looks which).
      if (stack === undefined) return { kind: "done", removed: true };
      const state = servingState(stack, head);
      if (state === "serving") return { kind: "done" };
      // A deploy of the head began after that success (a redeploy) and its rollout never completed.
      if (state === "unconfirmed") return again("the last one was interrupted: its rollout and health were never confirmed");
      return { kind: "deploy", why: "the stack serves another commit" };
    }
    case "failure":
      return transient ? again(`the last one failed on a transient ${transient.source} error: ${transient.reason}`) : { kind: "done" };
    case "neutral":
      // Stopped at a safe point because berth was restarting (SIGTERM): an ordinary restart is
      // not a failed attempt, so the same attempt resumes, a reset as a reset; but an attempt
      // paused RESUMES_PER_ATTEMPT times already counts as failed, so it never resumes for ever.
      if (restarted !== undefined) {
        const action = restarted === "reset" ? "reset" : "deploy";
        if (resumed < RESUMES_PER_ATTEMPT) return { kind: "deploy", why: RESUMED, attempt: { number: attempt, previous: RESUMED, resumed: resumed + 1 }, action };
        const paused = `the last one was paused by ${resumed + 1} restarts`;
        const next = again(paused);
        return next.kind === "deploy" ? { ...next, action } : next;
      }
      // Concluded by a resync after a process died mid-deploy, with nothing newer on this head.
      return again("the last one was interrupted: berth restarted before it finished");
    case "cancelled":
      // Stopped by a close, and the pull request is open again (its reopened webhook lost): deploy,
      // whether the removal finished, failed (DELETE_FAILED) or was cut off by a restart.
      if (cancelled === "close") return { kind: "deploy", why: "reopened after a close stopped its deploy" };
      // The preview was being removed (/preview destroy, or a close before berth said which) while this deploy ran.
      return stack === undefined ? { kind: "done", removed: true } : { kind: "done" };
    default:
      return { kind: "done" };
  }
}

/**
 * Concludes the check runs and deployments a restart left open: the head's as interrupted, older
 * heads' as superseded by the head. Returns the GitHub requests spent.
 */
async function concludeLeftOpen(summary: ConvergeCounts, state: PullState, openOnHead: CheckRunInfo[], next: InterruptedNext): Promise<number> {
  const { github, pull, log } = state;
  const head = pull.headSha.toLowerCase();
  let spent = 0;
  for (const run of openOnHead) {
    await github.checks.update(run.id, { output: renderInterrupted(run.output, next), conclusion: "neutral" });
    spent += 1;
    summary.concluded += 1;
    log.info({ pr: pull.number, checkRun: run.id }, "check run left open by a restart concluded as interrupted");
  }
  const deployments = await listPullDeployments(github.deployments, pull.number, RECENT_DEPLOYMENTS);
  spent += 2 + deployments.length;
  const olderHeads = new Set<string>();
  for (const deployment of deployments) {
    const older = deployment.sha.toLowerCase() !== head;
    // A later success marks older deployments inactive, but not their check runs: look at them all.
    if (older) olderHeads.add(deployment.sha);
    if (deployment.state === undefined || !OPEN_DEPLOYMENT.has(deployment.state)) continue;
    const description = older ? `Superseded by ${shortSha(pull.headSha)}` : "Interrupted: berth restarted before this deploy finished";
    await github.deployments.setStatus(deployment.id, { state: "inactive", description: deploymentDescription(description) });
    spent += 1;
  }
  for (const sha of olderHeads) {
    const runs = await github.checks.list({ headSha: sha, name: CHECK_NAME });
    spent += 1;
    for (const run of runs.filter((r) => r.status !== "completed")) {
      await github.checks.update(run.id, { output: renderSupersededWhileDown(run.output, pull.headSha), conclusion: "neutral" });
      spent += 1;
      summary.concluded += 1;
      log.info({ pr: pull.number, checkRun: run.id, sha }, "check run of an older head left open by a restart concluded as superseded");
    }
  }
  return spent;
}
