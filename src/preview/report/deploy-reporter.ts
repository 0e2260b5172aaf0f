import { actionsFor } from "./check-run-actions.js";
import type { TransientSource } from "../../errors.js";
import type { Logger } from "../../util/logger.js";
import type { DeployAttempt } from "./deploy-attempts.js";
import { PHASES, buildPhases, checkConclusion, renderCheckRun, type DeployReport, type PhaseName, type PhaseReport } from "./render-check-run.js";
import { renderComment, type CommentState, type IdleFacts, type PreviewCost } from "./render-comment.js";
import { deactivatePullDeployments } from "./pull-deployments.js";
import { deploymentDescription, PREVIEW_ENVIRONMENT } from "./render-deployment.js";
import { renderInterrupted, renderSupersededWhileDown } from "./render-stale-run.js";
import type { RepoGitHub } from "../ports.js";

export const CHECK_NAME = "preview";

/**
 * Keeps the three things people see on the PR in step with one deploy: the `preview` check run
 * on the head SHA (a phase table), the PR's GitHub Deployment in `preview`, and the sticky
 * comment. Reporting failures are logged and never fail the deploy itself.
 */
export class DeployReporter {
  private readonly report: DeployReport;
  private readonly started = new Map<PhaseName, number>();
  private checkRun: { id: number; url: string } | undefined;
  /** The last check run update sent, to skip identical ones (an image wait polls for many minutes). */
  private lastPushed: string | undefined;
  private deploymentId: number | undefined;
  private pushing: Promise<void> = Promise.resolve();
  /** Set by `restarting`: it reports once; after it, nothing more is reported. */
  private paused = false;
  private silenced = false;
  /** The version serving while this one deploys, once the deploy read it from the stack. */
  private serving: { sha: string; url?: string } | undefined;

  constructor(
    private readonly github: RepoGitHub,
    private readonly context: {
      pr: number;
      sha: string;
      branch?: string;
      kind: DeployReport["kind"];
      log: Logger;
      now: () => Date;
      /** Hidden lines appended to the sticky comment (e.g. a fork approval). */
      commentSuffix?: string;
      /** Which attempt at this head the deploy is (a resync's retry); absent: the first. */
      attempt?: DeployAttempt;
      /** Told each phase's end, its status and duration (for metrics). */
      onPhase?: (phase: PhaseName, status: string, seconds: number) => void;
      /** Told when GitHub would not create the check run: nothing on the commit says this deploy ran. */
      onNoCheckRun?: () => void;
    },
  ) {
    this.report = {
      kind: context.kind,
      sha: context.sha,
      pr: context.pr,
      phases: PHASES.map((name) => ({ name, status: "pending" })),
      outcome: "running",
      warnings: [],
      ...(context.attempt === undefined ? {} : { attempt: context.attempt }),
    };
  }

  /** Opens the check run, the deployment and marks the comment as deploying. */
  async start(warnings: string[] = []): Promise<void> {
    this.report.warnings = warnings;
    this.checkRun = await this.quietly("create check run", () =>
      this.github.checks.create({ headSha: this.context.sha, name: CHECK_NAME, output: renderCheckRun(this.report) }),
    );
    if (this.checkRun === undefined) this.context.onNoCheckRun?.();
    this.deploymentId = await this.quietly("create deployment", () =>
      this.github.deployments.create({ sha: this.context.sha, environment: PREVIEW_ENVIRONMENT, pr: this.context.pr, description: `Preview of PR #${this.context.pr}` }),
    );
    if (this.deploymentId !== undefined) {
      const id = this.deploymentId;
      await this.quietly("deployment in_progress", () =>
        this.github.deployments.setStatus(id, { state: "in_progress", ...(this.checkRun ? { logUrl: this.checkRun.url } : {}), description: "Deploying" }),
      );
    }
    await this.comment({ state: "deploying" });
  }

  /**
   * Names the version that serves while this one deploys (the stack's confirmed commit and URL):
   * the sticky comment says so now, and again if this deploy fails.
   */
  async setServing(serving: { sha: string; url?: string }): Promise<void> {
    if (serving.sha.toLowerCase() === this.context.sha.toLowerCase()) return;
    this.serving = serving;
    await this.comment({ state: "deploying" });
  }

  setWarnings(warnings: string[]): Promise<void> {
    this.report.warnings = warnings;
    return this.push();
  }

  /** Links the CI runs that build the images (published with the next change, or now when they changed). */
  setBuilds(builds: NonNullable<DeployReport["builds"]>): Promise<void> {
    if (JSON.stringify(builds) === JSON.stringify(this.report.builds ?? [])) return Promise.resolve();
    this.report.builds = builds;
    return this.push();
  }

  /** Lists the one-shot services' phases (`init:<service>`, in run order) after the stack, pending. */
  setOneShots(names: readonly `init:${string}`[]): Promise<void> {
    this.report.phases = buildPhases(names).map((name) => this.report.phases.find((p) => p.name === name) ?? { name, status: "pending" });
    return this.push();
  }

  /** Marks a phase running (or waiting, e.g. for the image) and publishes it. */
  async phase(name: PhaseName, status: "running" | "waiting" = "running", detail?: string): Promise<void> {
    if (!this.started.has(name)) this.started.set(name, this.context.now().getTime());
    this.update(name, { status, ...(detail === undefined ? {} : { detail }) });
    await this.push();
  }

  /** Marks a phase finished; the duration counts from its first `phase()` call. */
  async done(name: PhaseName, status: "success" | "skipped" = "success", detail?: string): Promise<void> {
    const start = this.started.get(name);
    const durationMs = start === undefined ? undefined : this.context.now().getTime() - start;
    this.update(name, {
      status,
      ...(durationMs === undefined ? {} : { durationMs }),
      ...(detail === undefined ? {} : { detail }),
    });
    if (durationMs !== undefined) this.context.onPhase?.(name, status, durationMs / 1000);
    await this.push();
  }

  /** The deploy succeeded: check run success with the URL, deployment success, comment ready. */
  /** The preview serves `url`; the deployment's log link is `logUrl` (CloudWatch) when given, else the check run. */
  async succeed(url: string, logUrl?: string, cost?: PreviewCost, idle?: IdleFacts): Promise<void> {
    this.report.outcome = "success";
    this.report.url = url;
    await this.push(true);
    if (this.deploymentId !== undefined) {
      const id = this.deploymentId;
      await this.quietly("deployment success", () =>
        this.github.deployments.setStatus(id, {
          state: "success",
          environmentUrl: url,
          ...(logUrl ? { logUrl } : this.checkRun ? { logUrl: this.checkRun.url } : {}),
          description: "Preview ready",
        }),
      );
      const cutOff = await this.quietly("deactivate older deployments", () => deactivatePullDeployments(this.github.deployments, this.context.pr, id));
      for (const sha of new Set(cutOff ?? [])) await this.quietly("conclude superseded check runs", () => this.concludeSuperseded(sha));
    }
    await this.comment({ state: "ready", url, ...(cost ? { cost } : {}), ...(idle ? { idle } : {}) });
  }

  /**
   * The deploy failed in `phase` (undefined: the repository's files are wrong and nothing ran):
   * the reason a developer can act on, with verbatim `details` lines or a log tail.
   */
  async fail(phase: PhaseName | undefined, message: string, extra: { logTail?: string[]; logOf?: string; details?: string[]; transient?: TransientSource } = {}): Promise<void> {
    this.report.outcome = "failure";
    const failedPhase = phase ?? this.currentPhase();
    this.report.failure = {
      message,
      ...(failedPhase === undefined ? {} : { phase: failedPhase }),
      ...(extra.logTail && extra.logTail.length > 0 ? { logTail: extra.logTail, ...(extra.logOf === undefined ? {} : { logOf: extra.logOf }) } : {}),
      ...(extra.details && extra.details.length > 0 ? { details: extra.details } : {}),
      ...(extra.transient === undefined ? {} : { transient: extra.transient }),
    };
    this.finishOpenPhases("failure", failedPhase);
    await this.push(true);
    await this.setDeployment("failure", `Failed: ${message}`);
    await this.comment({ state: "failed", message });
  }

  /** A newer push replaced this deploy: neutral, never failure; names the newer SHA. */
  async supersede(newerSha: string | undefined): Promise<void> {
    this.report.outcome = "superseded";
    if (newerSha !== undefined) this.report.supersededBy = newerSha;
    this.finishOpenPhases("cancelled");
    await this.push(true);
    await this.setDeployment("inactive", newerSha ? `Superseded by ${newerSha.slice(0, 7)}` : "Superseded");
  }

  /**
   * The deploy was stopped (e.g. the PR closed while it ran); `by` names the removal that stopped
   * it, hidden in the check run for a resync that finds the pull request open again.
   */
  async cancel(reason: string, by?: "close" | "destroy"): Promise<void> {
    this.report.outcome = "cancelled";
    if (by !== undefined) this.report.cancelledBy = by;
    this.finishOpenPhases("cancelled");
    const current = this.currentPhase();
    this.report.failure = { message: reason, ...(current === undefined ? {} : { phase: current }) };
    await this.push(true);
    await this.setDeployment("inactive", reason);
  }

  /**
   * berth is restarting and the deploy stopped at a safe point: the check run concludes neutral
   * and says the deploy resumes when berth is back (the next process's resync reads that and
   * deploys the head again); the deployment goes inactive. Never left in progress.
   */
  async restarting(): Promise<void> {
    if (this.paused) return;
    this.paused = true;
    this.report.outcome = "restarting";
    this.finishOpenPhases("paused");
    await this.push(true);
    await this.setDeployment("inactive", "Paused: berth is restarting; the deploy resumes when it is back");
    // Said for a deploy still inside a call when berth's stop deadline came: whatever that deploy
    // reports later (berth exits first, in production) must not contradict it.
    this.silenced = true;
  }

  private update(name: PhaseName, patch: Partial<PhaseReport>): void {
    this.report.phases = this.report.phases.map((p) => (p.name === name ? { ...p, ...patch } : p));
  }

  private currentPhase(): PhaseName | undefined {
    return this.report.phases.find((p) => p.status === "running" || p.status === "waiting")?.name;
  }

  private finishOpenPhases(status: "failure" | "cancelled" | "paused", failed?: PhaseName): void {
    const now = this.context.now().getTime();
    this.report.phases = this.report.phases.map((p) => {
      if (p.status === "running" || p.status === "waiting" || (failed === p.name && p.status === "pending")) {
        const start = this.started.get(p.name);
        const ended = p.name === failed ? "failure" : status;
        if (start !== undefined) this.context.onPhase?.(p.name, ended, (now - start) / 1000);
        return { ...p, status: ended, ...(start === undefined ? {} : { durationMs: now - start }) };
      }
      return p;
    });
  }

  /**
   * berth was asked to stop while this deploy runs: until it reaches its next safe point the run
   * says so, and still says so if berth exits first (the next process's resync concludes it).
   */
  stopping(): Promise<void> {
    this.report.stopping = true;
    return this.push();
  }

  /** Sends updates one after the other: `stopping` comes from outside the deploy's own sequence. */
  private push(final = false): Promise<void> {
    const next = this.pushing.then(() => this.send(final));
    this.pushing = next;
    return next;
  }

  private async send(final: boolean): Promise<void> {
    if (!this.checkRun) return;
    const { id } = this.checkRun;
    const output = renderCheckRun(this.report);
    const actions = final ? actionsFor(this.report) : undefined;
    const update = {
      output,
      ...(final ? { conclusion: checkConclusion(this.report) } : {}),
      ...(this.report.url ? { detailsUrl: this.report.url } : {}),
      ...(actions ? { actions } : {}),
    };
    const key = JSON.stringify(update);
    if (key === this.lastPushed) return;
    const sent = await this.quietly("update check run", async () => {
      await this.github.checks.update(id, update);
      return true;
    });
    if (sent) this.lastPushed = key;
  }

  private async setDeployment(state: "failure" | "inactive", description: string): Promise<void> {
    if (this.deploymentId === undefined) return;
    const id = this.deploymentId;
    await this.quietly(`deployment ${state}`, () =>
      this.github.deployments.setStatus(id, { state, description: deploymentDescription(description), ...(this.checkRun ? { logUrl: this.checkRun.url } : {}) }),
    );
  }

  private async comment(state: Omit<CommentState, "updatedAt" | "sha" | "branch" | "checkRunUrl" | "serving">): Promise<void> {
    const body = renderComment({
      ...state,
      ...(this.serving ? { serving: this.serving } : {}),
      sha: this.context.sha,
      ...(this.context.branch === undefined ? {} : { branch: this.context.branch }),
      updatedAt: this.context.now(),
      ...(this.checkRun ? { checkRunUrl: this.checkRun.url } : {}),
    });
    const suffix = this.context.commentSuffix === undefined ? "" : `\n${this.context.commentSuffix}`;
    await this.quietly("sticky comment", () => this.github.comments.ensureSticky(this.context.pr, `${body}${suffix}`));
  }

  /**
   * Concludes the open runs of a deploy a restart cut off: an older head's (this head replaced it),
   * or an earlier run of this head (this deploy took its place).
   */
  private async concludeSuperseded(sha: string): Promise<void> {
    const same = sha.toLowerCase() === this.context.sha.toLowerCase();
    for (const run of await this.github.checks.list({ headSha: sha, name: CHECK_NAME })) {
      if (run.status === "completed" || run.id === this.checkRun?.id) continue;
      const output = same ? renderInterrupted(run.output, "replaced") : renderSupersededWhileDown(run.output, this.context.sha);
      await this.github.checks.update(run.id, { output, conclusion: "neutral" });
    }
  }

  private async quietly<T>(what: string, action: () => Promise<T>): Promise<T | undefined> {
    if (this.silenced) return undefined;
    try {
      return await action();
    } catch (error) {
      this.context.log.warn({ err: error, pr: this.context.pr }, `GitHub report failed: ${what}`);
      return undefined;
    }
  }
}
