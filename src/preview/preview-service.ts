import { loadRepoConfigSource } from "../config/load-repo-config.js";
import { BerthError } from "../errors.js";
import type { PreviewTarget } from "../plan/plan-preview.js";
import { previewHostLabel, previewLabel, stackName } from "../stack/naming.js";
import type { Logger } from "../util/logger.js";
import { DeployReporter, renderComment } from "./report/index.js";
import { approvalMarkerFor, awaitingApproval, awaitingMarkerFor, type BuildRun, type DeployDeps, ImageBuilds, deployPreview, describeFailure, destroyPreview, forkGate, gateDeploy, KeyedQueue, createWakeOnRequest, readIdleState, reconcile, RestartSignal, sleepPreview, sweepIdle, wakePreview, extendPreview, type IdleSweepSummary, type ReconcileSummary } from "./flow/index.js";
import { type CheckRunRequest, type CommandDeps, type CommentCommand, type DashboardActionRequest, handleCheckRunAction, handleCommand, handleDashboardAction } from "./commands/index.js";
import type { PreviewJob } from "./job.js";
import type { AppGitHub, LogPort, RepoGitHub, RepoRef, RequestMetricsPort, StackSummary } from "./ports.js";
import { formatIdleWindow } from "../config/schema.js";
import { createListPreviews, type ListPreviews } from "../dashboard/list-previews.js";
import type { DashboardRow } from "../dashboard/dashboard-row.js";

export interface PreviewServiceDeps extends Omit<DeployDeps, "log" | "logs"> {
  logs: LogPort;
  /** The load balancer's request counts: what the idle sweep judges `sleep_after` and `expire_after` by. */
  requests: RequestMetricsPort;
  /** GitHub access for one repository (an installation token under the hood). */
  github: (repo: RepoRef) => Promise<RepoGitHub>;
  /** The app's installations and repositories: a resync finds open pull requests without a stack there. */
  app?: AppGitHub;
  /** GitHub requests a resync may spend per installation looking for those; default RESYNC_BUDGET. */
  resyncBudget?: number;
  /** A resync whose list of berth's stacks failed transiently lists again after this, then twice this; default 30 s. */
  resyncRetryMs?: number;
  log: Logger;
  /** How many pull requests deploy at once. */
  concurrency: number;
  /** The operator's secret key of preview host names (previewHostLabel). */
  hostKey: string;
  /** berth's own target group, where a sleeping preview's rule forwards (see SleepWakeDeps). */
  wakeTargetGroupArn?: string;
}

const REMOVALS = new Set<PreviewJob["action"]>(["destroy", "close"]);
/** Jobs about a preview's idleness: they run to their end, and never interrupt a deploy. */
const IDLE_JOBS = new Set<PreviewJob["action"]>(["sleep", "wake", "expire", "extend"]);
/** Jobs only the idle sweep queues: any other job waiting for the pull request is worth more. */
const SWEPT = new Set<PreviewJob["action"]>(["sleep", "expire"]);
/** GitHub requests one resync spends per installation looking for open pull requests without a stack. */
export const RESYNC_BUDGET = 100;

/** What a deploy starts from once its rules, a fork's approval and a wake let it: the base stack being read, the preview stack as read. */
interface PreparedDeploy {
  base: Promise<{ name: string; outputs: Record<string, string> }>;
  /** The preview stack as read moments before (absent: a wake changed it, and the deploy reads it again). */
  stack?: { stack: StackSummary | undefined };
  approvalMarker?: string;
}

/**
 * The front door of the engine: handlers enqueue jobs, the service runs them off the request path,
 * one at a time per pull request (newest head wins, superseded deploys stop at a safe point), many
 * pull requests in parallel, and each webhook delivery at most once.
 */
export class PreviewService {
  private readonly queue: KeyedQueue<PreviewJob>;
  private readonly seenDeliveries = new Map<string, true>();
  private readonly approvals = new Map<string, string>();
  private readonly refusals = new Set<string>();
  private readonly background = new Set<Promise<unknown>>();
  /** The newest head each pull request was queued to deploy; a resync does not queue it again. */
  private readonly heads = new Map<string, string>();
  private resyncing: Promise<ReconcileSummary> | undefined;
  /** Where each installation's search for pull requests without a stack resumes next resync. */
  private readonly resumeAt = new Map<number, { repo: number; afterPr: number }>();
  private resynced = false;
  private waker: ((host: string) => Promise<"waking" | "unknown">) | undefined;
  private lister: ListPreviews | undefined;
  /** Counts job starts and ends per pull request: a resync sees whether a job came or went while it read. */
  private readonly activity = new Map<string, number>();
  /** Set by `drain`: berth is stopping, and no new work starts. */
  private draining = false;
  /** Per pull request, the heads pushes replaced and every head its deploys named (newest last): late pushes name them. */
  private readonly pushes = new Map<string, { replaced: string[]; seen: string[] }>();
  /** CI's builds of each commit's images, from `workflow_run`. */
  private readonly builds: ImageBuilds;

  constructor(private readonly deps: PreviewServiceDeps) {
    this.builds = deps.builds ?? new ImageBuilds(deps.sleep);
    this.queue = new KeyedQueue<PreviewJob>({
      concurrency: deps.concurrency,
      run: async (key, job, signal) => {
        this.touch(key);
        try {
          await this.run(job, signal);
        } finally {
          this.touch(key);
        }
      },
      merge: mergeJobs,
      supersedes,
      onError: (key, job, error) => {
        deps.log.error({ err: error, key, action: job.action }, "preview job failed unexpectedly");
        // A deploy that broke before it wrote a check run is not "tried": the next resync, finding
        // no run on the head, deploys it.
        if (!REMOVALS.has(job.action) && !IDLE_JOBS.has(job.action)) this.untried(job);
      },
    });
  }

  /**
   * Queues a job; returns false (and does nothing) when this webhook delivery was seen already,
   * or while berth drains, or when it asks to deploy a head that a push already queued replaced.
   * Deliveries are at-least-once (GitHub and operators may redeliver) and in no guaranteed order.
   */
  enqueue(job: PreviewJob, deliveryId?: string): boolean {
    if (this.refuseWhileDraining("job", deliveryId)) return false;
    if (!this.firstDelivery(deliveryId)) return false;
    if (this.replacedAlready(job)) return false;
    this.push(job);
    return true;
  }

  /** How many pull requests deploy or remove now, and how many wait for their turn. */
  stats(): { running: number; waiting: number } {
    return { running: this.queue.runningCount, waiting: this.queue.waitingCount };
  }

  /**
   * Repairs what missed webhooks and restarts left behind (see `reconcile`): removes previews of
   * closed pull requests, deploys heads that moved or never deployed, concludes check runs a
   * restart left open and retries deploys that failed on an error that may pass. A call while a
   * resync runs shares that one.
   */
  resync(): Promise<ReconcileSummary> {
    // The sweep is done once a resync looked at every pull request: one it found busy (a push's
    // deploy running), whose stack was changing or that it could not read is swept next time.
    let skipped = false;
    this.resyncing ??= reconcile({
      stacks: this.deps.stacks,
      gates: this.deps.gates,
      github: this.deps.github,
      ...(this.deps.app ? { app: this.deps.app } : {}),
      budget: this.deps.resyncBudget ?? RESYNC_BUDGET,
      resumeAt: this.resumeAt,
      listRetry: { delayMs: this.deps.resyncRetryMs ?? 30_000, sleep: (ms) => this.deps.sleep(ms) },
      enqueue: (job) => this.push(job),
      busy: (repo, pr) => {
        const busy = this.queue.runningJob(prKey(repo, pr)) !== undefined;
        skipped ||= busy;
        return busy;
      },
      activity: (repo, pr) => this.activity.get(prKey(repo, pr)) ?? 0,
      tried: (repo, pr, sha) => this.heads.get(prKey(repo, pr)) === sha.toLowerCase(),
      onSkipped: () => (skipped = true),
      sweep: !this.resynced,
      log: this.deps.log.child({ resync: true }),
    })
      .then((summary) => {
        if (!skipped && summary.errors === 0) this.resynced = true;
        return summary;
      })
      .finally(() => (this.resyncing = undefined));
    return this.resyncing;
  }

  /**
   * News of a CI run that builds a commit's images (`workflow_run`): a deploy waiting for that
   * commit's images looks at ECR again as soon as the run completes, and its check run links to it.
   */
  imageBuild(repo: RepoRef, sha: string, run: BuildRun): void {
    this.builds.note(repo, sha, run);
  }

  /**
   * The idle sweep (`sleep_after`, `expire_after`): queues a sleep or an expiry for every preview
   * whose load balancer counted no request in its window (see `sweepIdle`). Jobs go through the
   * pull request's queue like deploys, so they never race one.
   */
  sweepIdle(): Promise<IdleSweepSummary> {
    return sweepIdle({
      stacks: this.deps.stacks,
      requests: this.deps.requests,
      base: this.deps.base,
      enqueue: (job) => this.push(job),
      busy: (repo, pr) => this.queue.runningJob(prKey(repo, pr)) !== undefined,
      now: this.deps.now,
      log: this.deps.log.child({ sweep: "idle" }),
    });
  }

  /**
   * A request for `host` reached berth: a sleeping preview's rule forwards there. Answers "waking"
   * when `host` is a preview's (and queues one wake for it through its pull request's queue, at
   * most one per preview every 30 s), "unknown" otherwise.
   */
  wakeOnRequest(host: string): Promise<"waking" | "unknown"> {
    this.waker ??= createWakeOnRequest({ stacks: this.deps.stacks, enqueue: (job) => this.push(job), now: this.deps.now, log: this.deps.log.child({ wake: "request" }) });
    return this.waker(host);
  }

  /**
   * The dashboard's rows of the repositories `readable` names: every live preview with its state,
   * size, price and last deploy (see createListPreviews). Reads only.
   */
  listPreviews(readable: readonly string[]): Promise<DashboardRow[]> {
    this.lister ??= createListPreviews({ stacks: this.deps.stacks, github: this.deps.github, base: this.deps.base, now: this.deps.now, log: this.deps.log.child({ dashboard: true }) });
    return this.lister(readable);
  }

  /**
   * Handles a PR comment that may hold a `/preview` command, off the request path. Returns false
   * for a duplicate delivery, or while berth drains.
   */
  command(input: CommentCommand, deliveryId?: string): boolean {
    const log = this.deps.log.child({ repo: `${input.repo.owner}/${input.repo.repo}`, pr: input.pr, commentId: input.commentId });
    return this.runInBackground("command", deliveryId, log, async () => {
      const github = await this.deps.github(input.repo);
      const outcome = await handleCommand(this.commandDeps(log), github, input);
      log.info({ outcome }, "comment handled");
    });
  }

  /**
   * Handles a button pressed on berth's check run, or its "Re-run", off the request path: as the
   * `/preview` command of the same name. Returns false for a duplicate delivery, or while berth drains.
   */
  checkRunAction(input: CheckRunRequest, deliveryId?: string): boolean {
    const log = this.deps.log.child({ repo: `${input.repo.owner}/${input.repo.repo}`, sha: input.sha, checkRunId: input.checkRunId });
    return this.runInBackground("check run action", deliveryId, log, async () => {
      const github = await this.deps.github(input.repo);
      const outcome = await handleCheckRunAction(this.commandDeps(log), github, input);
      log.info({ outcome, action: input.action, by: input.author }, "check run action handled");
    });
  }

  /**
   * A button pressed on the dashboard: checks the presser's write access through the API and queues
   * the job through the pull request's queue, as the `/preview` command of the same name. Resolves
   * once queued (or refused); `restarting` while berth drains.
   */
  async dashboardAction(input: DashboardActionRequest): Promise<"queued" | "refused" | "closed" | "restarting"> {
    if (this.refuseWhileDraining("command", undefined)) return "restarting";
    const log = this.deps.log.child({ repo: `${input.repo.owner}/${input.repo.repo}`, pr: input.pr, action: input.action, by: input.user });
    const github = await this.deps.github(input.repo);
    const outcome = await handleDashboardAction(this.commandDeps(log), github, input);
    log.info({ outcome }, "dashboard action handled");
    return outcome;
  }

  /** Runs `work` off the request path, once per delivery, unless berth drains; failures are logged. */
  private runInBackground(what: "command" | "check run action", deliveryId: string | undefined, log: Logger, work: () => Promise<void>): boolean {
    if (this.refuseWhileDraining(what === "command" ? "command" : "job", deliveryId)) return false;
    if (!this.firstDelivery(deliveryId)) return false;
    const running = work()
      .catch((error: unknown) => log.error({ err: error }, `${what} failed`))
      .finally(() => this.background.delete(running));
    this.background.add(running);
    return true;
  }

  private commandDeps(log: Logger): CommandDeps {
    return {
      stacks: this.deps.stacks,
      logs: this.deps.logs,
      log,
      redact: this.deps.redact,
      enqueue: (job) => this.push(job),
      approve: async (repo, pr, sha) => {
        this.approvals.set(prKey(repo, pr), sha);
      },
      awaitingApproval,
      refusedBefore: (repo, pr, user) => {
        const key = `${prKey(repo, pr)} ${user.toLowerCase()}`;
        if (this.refusals.has(key)) return true;
        this.refusals.add(key);
        if (this.refusals.size > 10_000) this.refusals.delete(this.refusals.values().next().value as string);
        return false;
      },
      logTailLines: this.deps.options.logTailLines,
    };
  }

  /**
   * Stops berth's work for a restart (SIGTERM): nothing new starts (later jobs and commands are
   * refused), jobs waiting in the queue are dropped (the next process's start-up resync finds them
   * again from GitHub and AWS), and every running deploy stops at its next safe point, its check
   * run saying that berth is restarting and the deploy resumes when it is back. Resolves once
   * nothing runs any more ("drained"), or once `deadlineMs` has passed and the deploys still
   * running (inside a stack update, a release step, a call that does not return) have said the
   * same where they stand ("deadline"). The next process's resync resumes them all.
   */
  async drain(deadlineMs: number): Promise<"drained" | "deadline"> {
    this.draining = true;
    const restart = new RestartSignal();
    const dropped = this.queue.stop(restart);
    for (const job of dropped) if (job.asked !== undefined) this.tellDropped(job, job.asked);
    this.deps.log.info(
      { running: this.queue.runningCount, commands: this.background.size, dropped: dropped.map((job) => `${prKey(job.repo, job.pr)} ${job.action}`) },
      "draining: no new work starts; running deploys stop at their next safe point",
    );
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<"deadline">((resolve) => {
      timer = setTimeout(() => resolve("deadline"), deadlineMs);
      timer.unref();
    });
    let outcome: "drained" | "deadline";
    try {
      outcome = await Promise.race([this.idle().then(() => "drained" as const), deadline]);
    } finally {
      clearTimeout(timer);
    }
    if (outcome === "deadline") await restart.expire();
    return outcome;
  }

  /**
   * Says on the pull request that a waiting `/preview` command will not run: unlike a deploy, the
   * next process's resync does not find it again. Counted as work, so the drain waits for it.
   */
  private tellDropped(job: PreviewJob, asked: NonNullable<PreviewJob["asked"]>): void {
    const body =
      asked.button === undefined
        ? `berth is restarting and did not get to \`/preview ${asked.command}\`; comment it again once berth is back.`
        : `berth is restarting and did not get to the ${asked.from ?? "check run"}'s \`${asked.button}\` button; press it again once berth is back.`;
    const work = this.deps
      .github(job.repo)
      .then((github) => github.comments.reply(job.pr, body, asked.commentId))
      .catch((error: unknown) => this.deps.log.warn({ err: error, pr: job.pr }, "could not say that a command was dropped"))
      .finally(() => this.background.delete(work));
    this.background.add(work);
  }

  /** Resolves when no job or command runs or waits. */
  async idle(): Promise<void> {
    while (this.background.size > 0) await Promise.all([...this.background]);
    await this.queue.idle();
    if (this.background.size > 0) await this.idle();
  }

  private push(newer: PreviewJob): void {
    if (this.draining) return;
    const key = prKey(newer.repo, newer.pr);
    // A job that interrupts a running one inherits what it was asked for: a reset stopped after
    // wiping the data, before seeding, must not leave the next head on an empty database.
    const running = this.queue.runningJob(key);
    const job = running && supersedes(running, newer) ? mergeJobs(running, newer) : newer;
    if (REMOVALS.has(job.action) || job.action === "expire") this.heads.delete(key);
    else if (!IDLE_JOBS.has(job.action)) this.heads.set(key, job.sha.toLowerCase());
    if (this.heads.size > 10_000) this.heads.delete(this.heads.keys().next().value as string);
    this.queue.push(key, job);
  }

  /**
   * Forgets that this process took a deploy of the job's head, when GitHub shows nothing of it (no
   * check run could be written), so that the resync, which skips heads tried without a run (no
   * config, a draft, a fork awaiting approval), deploys it again.
   */
  private untried(job: PreviewJob): void {
    const key = prKey(job.repo, job.pr);
    if (this.heads.get(key) === job.sha.toLowerCase()) this.heads.delete(key);
  }

  private touch(key: string): void {
    this.activity.set(key, (this.activity.get(key) ?? 0) + 1);
    if (this.activity.size > 10_000) this.activity.delete(this.activity.keys().next().value as string);
  }

  /** While draining, says so and refuses: the delivery is not marked seen, so a redelivery to the next process counts. */
  private refuseWhileDraining(what: "job" | "command", deliveryId: string | undefined): boolean {
    if (!this.draining) return false;
    this.deps.log.info({ deliveryId }, `draining: ${what} not started`);
    return true;
  }

  /**
   * Whether a deploy was delivered after a newer push: it asks for a head that a queued push
   * replaced (that push's `before`), or its push starts from a head berth knew that is no longer
   * the newest (a branch moves from its newest head only). A push back to an earlier head starts
   * from the newest one, so it deploys; a push from a head berth never heard of (a lost delivery)
   * deploys too. Records the heads of a deploy it lets through.
   */
  private replacedAlready(job: PreviewJob): boolean {
    if (job.action !== "deploy") return false;
    const key = prKey(job.repo, job.pr);
    const sha = job.sha.toLowerCase();
    const before = job.replaces?.toLowerCase();
    const newest = this.heads.get(key);
    const known = this.pushes.get(key) ?? { replaced: [], seen: [] };
    const late = before !== newest && (known.replaced.includes(sha) || (before !== undefined && known.seen.includes(before)));
    if (late) {
      this.deps.log.info({ key, sha, before, newest }, "push delivered after a newer one; its head is not deployed");
      return true;
    }
    const keep = (list: string[], ...more: Array<string | undefined>) => [...list, ...more.filter((m): m is string => m !== undefined)].slice(-40);
    this.pushes.delete(key);
    this.pushes.set(key, { replaced: keep(known.replaced, before), seen: keep(known.seen, before, sha) });
    if (this.pushes.size > 10_000) this.pushes.delete(this.pushes.keys().next().value as string);
    return false;
  }

  private firstDelivery(deliveryId: string | undefined): boolean {
    if (deliveryId === undefined) return true;
    if (this.seenDeliveries.has(deliveryId)) {
      this.deps.log.info({ deliveryId }, "duplicate delivery ignored");
      return false;
    }
    this.seenDeliveries.set(deliveryId, true);
    if (this.seenDeliveries.size > 10_000) this.seenDeliveries.delete(this.seenDeliveries.keys().next().value as string);
    return true;
  }

  private async run(job: PreviewJob, signal: AbortSignal): Promise<void> {
    const github = await this.deps.github(job.repo);
    const ref = { owner: job.repo.owner, repo: job.repo.repo, pr: job.pr };
    const target: PreviewTarget = { ...ref, sha: job.sha, ...(job.branch ? { branch: job.branch } : {}), host: previewHostLabel(ref, this.deps.hostKey) };
    const log = this.deps.log.child({ repo: `${job.repo.owner}/${job.repo.repo}`, pr: job.pr, action: job.action });

    if (REMOVALS.has(job.action)) {
      const existing = await this.deps.stacks.find(stackName(previewLabel(target)));
      if (!existing && job.action === "close") {
        log.debug({}, "no preview to remove");
        return;
      }
      await destroyPreview(this.deps, { github, target, reason: job.action === "close" ? "closed" : "destroy" }, signal);
      return;
    }

    if (IDLE_JOBS.has(job.action)) {
      await this.runIdleJob(job, github, target, log, signal);
      return;
    }
    let source;
    try {
      source = await loadRepoConfigSource(github.reader(job.sha));
    } catch (error) {
      // A config GitHub could not serve fails the deploy visibly too, so a resync can retry it.
      if (!(error instanceof BerthError)) throw error;
      await this.failBeforeDeploy(job, github, log, error);
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
      ready = await this.prepareDeploy({ job, github, target, rules: config.deploy, log }, signal);
    } catch (error) {
      // Nothing has written a check run yet: an error here (AWS throttling the gate's or the
      // wake's DescribeStacks) must still leave one, or no resync would ever deploy the head again.
      if (!(error instanceof BerthError) || signal.aborted) throw error;
      await this.failBeforeDeploy(job, github, log, error);
      return;
    }
    if (ready === undefined) return;
    const { approvalMarker, base, stack } = ready;
    const started = this.deps.now().getTime();
    let outcome = "error";
    try {
      outcome = await deployPreview(
        { ...this.deps, builds: this.builds },
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
          onNoCheckRun: () => this.untried(job),
          ...(stack ? { live: stack } : {}),
          base,
        },
        signal,
      );
    } finally {
      this.deps.metrics?.deployFinished(outcome, (this.deps.now().getTime() - started) / 1000);
    }
  }

  /**
   * What runs before a deploy starts: the `deploy` rules, the fork approval gate and waking a
   * sleeping preview. Returns undefined when the deploy does not go ahead.
   */
  private async prepareDeploy(
    input: { job: PreviewJob; github: RepoGitHub; target: PreviewTarget; rules: Parameters<typeof gateDeploy>[1]["rules"]; log: Logger },
    signal: AbortSignal,
  ): Promise<PreparedDeploy | undefined> {
    const { job, github, target, log } = input;
    // The preview stack, read once for the deploy rules, the wake and the deploy: one answer serves all.
    let liveRead: Promise<StackSummary | undefined> | undefined;
    const live = () => (liveRead ??= this.deps.stacks.find(stackName(previewLabel(target))));
    const gate = await gateDeploy({ stacks: this.deps.stacks, log }, { github, job, rules: input.rules, target, live });
    if (gate === "remove") {
      // `mode: label` and the label was taken off: the preview goes, as with /preview destroy.
      if (await this.deps.stacks.find(stackName(previewLabel(target)))) await destroyPreview(this.deps, { github, target, reason: "destroy" }, signal);
      return undefined;
    }
    if (gate === "skipped") return undefined;
    let approvalMarker: string | undefined;
    if (job.fork) {
      const gate = await forkGate(github, { ...job, approvedSha: job.approvedSha ?? this.approvals.get(prKey(job.repo, job.pr)) });
      if (gate !== "approved") {
        const state = gate === "never" ? "disabled-for-forks" : "awaiting-approval";
        const body = renderComment({ state, sha: job.sha, ...(job.branch ? { branch: job.branch } : {}), updatedAt: this.deps.now() });
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
    const base = this.deps.base();
    base.catch(() => {});
    // A sleeping preview wakes before it deploys: the rollout waits for its public service to be
    // healthy, and the deploy must leave it awake and its tags consistent.
    const woken = await wakePreview(this.deps, { github, target, signal, silent: true, live });
    // A wake changed the stack's tags: the deploy reads it again.
    const stack = woken === "awake" ? undefined : { stack: await live() };
    return { base, ...(stack ? { stack } : {}), ...(approvalMarker === undefined ? {} : { approvalMarker }) };
  }

  /**
   * A deploy that failed before it began (its config unreadable, the gate's or the wake's AWS
   * calls failing) reports like any failed deploy: a check run, a deployment and the sticky
   * comment say why, and an error that may pass is marked so that a resync deploys the head again.
   */
  private async failBeforeDeploy(job: PreviewJob, github: RepoGitHub, log: Logger, error: BerthError): Promise<void> {
    log.warn({ err: error }, "deploy failed before it began");
    const reporter = new DeployReporter(github, {
      pr: job.pr,
      sha: job.sha,
      kind: kindOf(job),
      log,
      now: this.deps.now,
      ...(job.branch ? { branch: job.branch } : {}),
      ...(job.attempt ? { attempt: job.attempt } : {}),
      onNoCheckRun: () => this.untried(job),
    });
    await reporter.start();
    const { message, ...extra } = describeFailure(error, this.deps.redact);
    await reporter.fail(undefined, message, extra);
  }

  /** Runs a sleep, a wake or an expiry; a `/preview wake` that found nothing to wake says so. */
  private async runIdleJob(job: PreviewJob, github: RepoGitHub, target: PreviewTarget, log: Logger, signal: AbortSignal): Promise<void> {
    const deps = { ...this.deps, log };
    if (job.action === "sleep") {
      log.info({ outcome: await sleepPreview(deps, { github, target, signal }) }, "sleep");
      return;
    }
    if (job.action === "wake") {
      const outcome = await wakePreview(deps, { github, target, signal });
      log.info({ outcome }, "wake");
      if (outcome !== "awake" && job.asked) {
        const body = outcome === "no-preview" ? "There is no preview to wake; push or comment `/preview deploy`." : "The preview is awake already.";
        await github.comments.reply(job.pr, body, job.asked.commentId);
      }
      return;
    }
    if (job.action === "extend") {
      log.info({ outcome: await extendPreview(deps, { github, target, signal }) }, "extend");
      return;
    }
    const stack = await this.deps.stacks.find(stackName(previewLabel(target)));
    if (!stack) return;
    const window = readIdleState(stack.tags).expireAfterSeconds;
    await destroyPreview(this.deps, { github, target, reason: { expired: window === undefined ? "a while" : formatIdleWindow(window) } }, signal);
  }
}

/** Whether `newer` stops the running job at its next safe point; removals and idle jobs run to the end, and idle jobs never interrupt. */
function supersedes(running: PreviewJob, newer: PreviewJob): boolean {
  if (IDLE_JOBS.has(running.action) || IDLE_JOBS.has(newer.action)) return false;
  return !REMOVALS.has(running.action) && (REMOVALS.has(newer.action) || newer.action === "reset" || newer.sha !== running.sha);
}

function kindOf(job: PreviewJob): "deploy" | "redeploy" | "reset" {
  return job.action === "reset" ? "reset" : job.action === "redeploy" ? "redeploy" : "deploy";
}

/** The queue key of a pull request. */
export function prKey(repo: Pick<RepoRef, "owner" | "repo">, pr: number): string {
  return `${repo.owner}/${repo.repo}#${pr}`.toLowerCase();
}

/**
 * Coalesces an older job (waiting, or running and interrupted) with a newer one: a label event
 * only updates the labels of what waits; removal wins over everything else; a reset stays a reset (with the newer head) so the data wipe someone asked for is
 * not lost; otherwise newest wins.
 */
export function mergeJobs(older: PreviewJob, newer: PreviewJob): PreviewJob {
  // A label event brings the pull request's labels, not work of its own: what waits still runs.
  if (newer.label !== undefined && older.label === undefined) return { ...older, ...(newer.labels ? { labels: newer.labels } : {}) };
  // The sweep judged idleness from AWS before a job came: a deploy, a command or a wake waiting is activity.
  if (SWEPT.has(newer.action) && !SWEPT.has(older.action)) return older;
  if (REMOVALS.has(newer.action)) return newer;
  if (older.action === "reset" && !REMOVALS.has(newer.action)) return { ...newer, action: "reset" };
  return newer;
}
