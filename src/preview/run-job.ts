import { loadRepoConfigSource } from "../config/load-repo-config.js";
import { formatIdleWindow } from "../config/schema.js";
import { BerthError } from "../errors.js";
import type { PreviewTarget } from "../plan/plan-preview.js";
import { previewHostLabel, previewLabel, stackName } from "../stack/naming.js";
import type { Logger } from "../util/logger.js";
import { approvalMarkerFor, awaitingMarkerFor, type DeployDeps, deployPreview, describeFailure, destroyPreview, extendPreview, forkGate, gateDeploy, readIdleState, RestartSignal, sleepPreview, wakePreview } from "./flow/index.js";
import { IDLE_JOBS, kindOf, REMOVALS, type PreviewJob } from "./job.js";
import type { LogPort, RepoGitHub, RepoRef, StackSummary } from "./ports.js";
import { DeployReporter, renderComment } from "./report/index.js";

/** What running a job needs: the deploy's collaborators, GitHub per repository, and the service's memory of the pull request. */
export interface JobDeps extends Omit<DeployDeps, "log" | "logs"> {
  logs: LogPort;
  /** GitHub access for one repository (an installation token under the hood). */
  github: (repo: RepoRef) => Promise<RepoGitHub>;
  log: Logger;
  /** The operator's secret key of preview host names (previewHostLabel). */
  hostKey: string;
  /** berth's own target group, where a sleeping preview's rule forwards (see SleepWakeDeps). */
  wakeTargetGroupArn?: string;
  /** The fork head a maintainer approved in this process (`/preview approve`), if any. */
  approvedSha: (job: PreviewJob) => string | undefined;
  /** Told when a deploy of the job's head left nothing on GitHub (no check run could be written). */
  untried: (job: PreviewJob) => void;
}

/** What a deploy starts from once its rules, a fork's approval and a wake let it: the base stack being read, the preview stack as read. */
interface PreparedDeploy {
  base: Promise<{ name: string; outputs: Record<string, string> }>;
  /** The preview stack as read moments before (absent: a wake changed it, and the deploy reads it again). */
  stack?: { stack: StackSummary | undefined };
  approvalMarker?: string;
}

/**
 * Runs one job of a pull request's queue: a removal, an idle job (sleep, wake, expiry, extension)
 * or a deploy, which first reads the config at the head, then passes the `deploy` rules, a fork's
 * approval and a wake (`prepareDeploy`). A deploy that fails before it begins still reports.
 */
export async function runJob(deps: JobDeps, job: PreviewJob, signal: AbortSignal): Promise<void> {
  const github = await deps.github(job.repo);
  const ref = { owner: job.repo.owner, repo: job.repo.repo, pr: job.pr };
  const target: PreviewTarget = { ...ref, sha: job.sha, ...(job.branch ? { branch: job.branch } : {}), host: previewHostLabel(ref, deps.hostKey) };
  const log = deps.log.child({ repo: `${job.repo.owner}/${job.repo.repo}`, pr: job.pr, action: job.action });

  if (REMOVALS.has(job.action)) {
    const existing = await deps.stacks.find(stackName(previewLabel(target)));
    if (!existing && job.action === "close") {
      log.debug({}, "no preview to remove");
      return;
    }
    await destroyPreview(deps, { github, target, reason: job.action === "close" ? "closed" : "destroy" }, signal);
    return;
  }

  if (IDLE_JOBS.has(job.action)) {
    await runIdleJob(deps, { job, github, target, log }, signal);
    return;
  }
  let source;
  try {
    source = await loadRepoConfigSource(github.reader(job.sha));
  } catch (error) {
    // A config GitHub could not serve fails the deploy visibly too, so a resync can retry it.
    if (!(error instanceof BerthError)) throw error;
    await failBeforeDeploy(deps, { job, github, log }, error);
    return;
  }
  if (!source) {
    log.debug({}, "no .github/preview.yml: previews are off for this repository");
    return;
  }
  const { config } = source;
  if (job.draft && !config.drafts) {
    log.info({}, "draft pull request and drafts: false; not deploying");
    return;
  }
  let ready: PreparedDeploy | undefined;
  try {
    ready = await prepareDeploy(deps, { job, github, target, rules: config.deploy, log }, signal);
  } catch (error) {
    // Nothing has written a check run yet: an error here (AWS throttling the gate's or the
    // wake's DescribeStacks) must still leave one, or no resync would ever deploy the head again.
    if (!(error instanceof BerthError) || signal.aborted) throw error;
    await failBeforeDeploy(deps, { job, github, log }, error);
    return;
  }
  if (ready === undefined) return;
  const { approvalMarker, base, stack } = ready;
  const started = deps.now().getTime();
  let outcome = "error";
  try {
    outcome = await deployPreview(
      deps,
      {
        github,
        target,
        config,
        configLineOf: source.lineOf,
        configFile: source.file,
        configText: source.text,
        kind: kindOf(job),
        ...(job.attempt ? { attempt: job.attempt } : {}),
        ...(job.fork ? { withoutSecrets: true } : {}),
        ...(approvalMarker ? { commentSuffix: approvalMarker } : {}),
        onNoCheckRun: () => deps.untried(job),
        ...(stack ? { live: stack } : {}),
        base,
      },
      signal,
    );
  } finally {
    deps.metrics?.deployFinished(outcome, (deps.now().getTime() - started) / 1000);
  }
}

/**
 * What runs before a deploy starts: the `deploy` rules, the fork approval gate and waking a
 * sleeping preview. Returns undefined when the deploy does not go ahead.
 */
async function prepareDeploy(
deps: JobDeps,
  input: { job: PreviewJob; github: RepoGitHub; target: PreviewTarget; rules: Parameters<typeof gateDeploy>[1]["rules"]; log: Logger },
  signal: AbortSignal,
): Promise<PreparedDeploy | undefined> {
  const { job, github, target, log } = input;
  // The preview stack, read once for the deploy rules, the wake and the deploy: one answer serves all.
  let liveRead: Promise<StackSummary | undefined> | undefined;
  const live = () => (liveRead ??= deps.stacks.find(stackName(previewLabel(target))));
  const gate = await gateDeploy({ stacks: deps.stacks, log }, { github, job, rules: input.rules, target, live });
  if (gate === "remove") {
    // `mode: label` and the label was taken off: the preview goes, as with /preview destroy.
    if (await deps.stacks.find(stackName(previewLabel(target)))) await destroyPreview(deps, { github, target, reason: "destroy" }, signal);
    return undefined;
  }
  if (gate === "skipped") return undefined;
  let approvalMarker: string | undefined;
  if (job.fork) {
    const gate = await forkGate(github, { ...job, approvedSha: job.approvedSha ?? deps.approvedSha(job) });
    if (gate !== "approved") {
      const state = gate === "never" ? "disabled-for-forks" : "awaiting-approval";
      const body = renderComment({ state, sha: job.sha, ...(job.branch ? { branch: job.branch } : {}), updatedAt: deps.now() });
      await github.comments.ensureSticky(job.pr, gate === "never" ? body : `${body}\n${awaitingMarkerFor(job.sha)}`);
      log.info({ gate }, "fork pull request not deployed");
      return undefined;
    }
    approvalMarker = approvalMarkerFor(job.sha);
  }
  // Stopped for a restart before the deploy began: it opens no check run only to close it, and
  // the next process's resync judges the head as if this job never ran.
  if (signal.aborted && signal.reason instanceof RestartSignal) {
    log.info({}, "draining: deploy not started");
    return undefined;
  }
  // The base stack is read beside the preview stack: the deploy needs both before anything else.
  const base = deps.base();
  base.catch(() => {});
  // A sleeping preview wakes before it deploys: the rollout waits for its public service to be
  // healthy, and the deploy must leave it awake and its tags consistent.
  const woken = await wakePreview(deps, { github, target, signal, silent: true, live });
  // A wake changed the stack's tags: the deploy reads it again.
  const stack = woken === "awake" ? undefined : { stack: await live() };
  return { base, ...(stack ? { stack } : {}), ...(approvalMarker === undefined ? {} : { approvalMarker }) };
}

/**
 * A deploy that failed before it began (its config unreadable, the gate's or the wake's AWS
 * calls failing) reports like any failed deploy: a check run, a deployment and the sticky
 * comment say why, and an error that may pass is marked so that a resync deploys the head again.
 */
async function failBeforeDeploy(deps: JobDeps, { job, github, log }: { job: PreviewJob; github: RepoGitHub; log: Logger }, error: BerthError): Promise<void> {
  log.warn({ err: error }, "deploy failed before it began");
  const reporter = new DeployReporter(github, {
    pr: job.pr,
    sha: job.sha,
    kind: kindOf(job),
    log,
    now: deps.now,
    ...(job.branch ? { branch: job.branch } : {}),
    ...(job.attempt ? { attempt: job.attempt } : {}),
    onNoCheckRun: () => deps.untried(job),
  });
  await reporter.start();
  const { message, ...extra } = describeFailure(error, deps.redact);
  await reporter.fail(undefined, message, extra);
}

/** Runs a sleep, a wake or an expiry; a `/preview wake` that found nothing to wake says so. */
async function runIdleJob(
  deps: JobDeps,
  { job, github, target, log }: { job: PreviewJob; github: RepoGitHub; target: PreviewTarget; log: Logger },
  signal: AbortSignal,
): Promise<void> {
  const withLog = { ...deps, log };
  if (job.action === "sleep") {
    log.info({ outcome: await sleepPreview(withLog, { github, target, signal }) }, "sleep");
    return;
  }
  if (job.action === "wake") {
    const outcome = await wakePreview(withLog, { github, target, signal });
    log.info({ outcome }, "wake");
    if (outcome !== "awake" && job.asked) {
      const body = outcome === "no-preview" ? "There is no preview to wake; push or comment `/preview deploy`." : "The preview is awake already.";
      await github.comments.reply(job.pr, body, job.asked.commentId);
    }
    return;
  }
  if (job.action === "extend") {
    log.info({ outcome: await extendPreview(withLog, { github, target, signal }) }, "extend");
    return;
  }
  const stack = await deps.stacks.find(stackName(previewLabel(target)));
  if (!stack) return;
  const window = readIdleState(stack.tags).expireAfterSeconds;
  await destroyPreview(deps, { github, target, reason: { expired: window === undefined ? "a while" : formatIdleWindow(window) } }, signal);
}
