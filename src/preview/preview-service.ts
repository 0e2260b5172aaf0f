import type { Logger } from "../util/logger.js";
import { type BuildRun, ImageBuilds, awaitingApproval, KeyedQueue, createWakeOnRequest, reconcile, RestartSignal, sweepIdle, type IdleSweepSummary, type ReconcileSummary } from "./flow/index.js";
import { type CheckRunRequest, type CommandDeps, type CommentCommand, type DashboardActionRequest, handleCheckRunAction, handleCommand, handleDashboardAction } from "./commands/index.js";
import { IDLE_JOBS, mergeJobs, prKey, REMOVALS, supersedes, type PreviewJob } from "./job.js";
import type { AppGitHub, RequestMetricsPort, RepoRef } from "./ports.js";
import { runJob, type JobDeps } from "./run-job.js";
import { createListPreviews, type ListPreviews } from "../dashboard/list-previews.js";
import type { DashboardRow } from "../dashboard/dashboard-row.js";

export interface PreviewServiceDeps extends Omit<JobDeps, "approvedSha" | "untried"> {
  /** The load balancer's request counts: what the idle sweep judges `sleep_after` and `expire_after` by. */
  requests: RequestMetricsPort;
  /** The app's installations and repositories: a resync finds open pull requests without a stack there. */
  app?: AppGitHub;
  /** GitHub requests a resync may spend per installation looking for those; default RESYNC_BUDGET. */
  resyncBudget?: number;
  /** A resync whose list of berth's stacks failed transiently lists again after this, then twice this; default 30 s. */
  resyncRetryMs?: number;
  /** How many pull requests deploy at once. */
  concurrency: number;
}

/** GitHub requests one resync spends per installation looking for open pull requests without a stack. */
export const RESYNC_BUDGET = 100;

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
          await runJob(
            { ...this.deps, builds: this.builds, approvedSha: (job) => this.approvals.get(prKey(job.repo, job.pr)), untried: (job) => this.untried(job) },
            job,
            signal,
          );
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
      hooks: this.deps.hooks,
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
}
