import type { CheckConclusion, CheckRunOutput } from "../ports.js";
import type { TransientSource } from "../../errors.js";
import { codeBlock, escapeMarkdown, inlineCode, markdownLink } from "../../util/markdown.js";
import { buildAttemptMarkers, DEPLOY_ATTEMPTS, type DeployAttempt } from "./deploy-attempts.js";

/**
 * The phases of one deploy. `init:<service>` is a one-shot compose service, run between the stack
 * and `migrate` (shown as "Init: <service>").
 */
export type PhaseName = "image" | "stack" | `init:${string}` | "migrate" | "seed" | "rollout" | "health";

/** Every phase in order but the one-shot services; the check run lists them all, whether they ran or not. */
export const PHASES: readonly PhaseName[] = ["image", "stack", "migrate", "seed", "rollout", "health"];

/** The phases of a deploy in order, with the one-shot services' `init:<service>` after the stack. */
export function buildPhases(oneShots: readonly `init:${string}`[] = []): PhaseName[] {
  return ["image", "stack", ...oneShots, "migrate", "seed", "rollout", "health"];
}

export type PhaseStatus = "pending" | "running" | "waiting" | "success" | "failure" | "skipped" | "cancelled" | "paused";

/** Where one phase stands. */
export interface PhaseReport {
  name: PhaseName;
  status: PhaseStatus;
  /** How long the phase ran (or has been running). */
  durationMs?: number;
  /** One line for the table, e.g. `waiting for CI to push the image` or `task exited 1`. */
  detail?: string;
}

/** Everything the check run shows about one deploy of one SHA. */
export interface DeployReport {
  /** What started the deploy: a push, `/preview reset` or `/preview redeploy`. */
  kind: "deploy" | "reset" | "redeploy";
  /** The full commit SHA being deployed. */
  sha: string;
  pr: number;
  /** Phases in order (see buildPhases); a standard phase not listed shows as pending. */
  phases: PhaseReport[];
  /** The preview's public URL, once known. */
  url?: string;
  /** `restarting`: berth stopped (SIGTERM) and the deploy stopped at a safe point; the next process resumes it. */
  outcome: "running" | "success" | "failure" | "superseded" | "cancelled" | "restarting";
  /** Why the deploy failed: the phase, a message for the PR, the tail of the phase's log. */
  failure?: {
    /** The phase that failed; undefined when the repository's files are wrong (nothing ran). */
    phase?: PhaseName;
    message: string;
    logTail?: string[];
    /** The container the log tail is of, when it is not the failed phase's own (a service's stopped task). */
    logOf?: string;
    /** Lines shown verbatim in a code block, e.g. `FILE:LINE: message` for bad config. */
    details?: string[];
    /** Set when the failure may pass (throttling, a server error): a resync tries the head again. */
    transient?: TransientSource;
  };
  /** Which attempt at this head the deploy is; absent: the first. */
  attempt?: DeployAttempt;
  /** Set while running when berth is stopping: the deploy stops at its next safe point. */
  stopping?: boolean;
  /** What stopped this deploy, when cancelled because the preview was being removed. */
  cancelledBy?: "close" | "destroy";
  /** The SHA that replaced this deploy, when superseded. */
  supersededBy?: string;
  /** Things berth accepted but changed or ignored (see Warning in src/errors.ts). */
  warnings: string[];
  /** The CI runs that build the images, as `workflow_run` told them, linked under the table. */
  builds?: Array<{ name: string; url: string; status: string; conclusion?: string | null }>;
}

const STATUS_LABEL: Record<PhaseStatus, string> = {
  pending: "⚪ pending",
  running: "🔄 running",
  waiting: "⏳ waiting",
  success: "✅ success",
  failure: "❌ failure",
  skipped: "⏭️ skipped",
  cancelled: "🚫 cancelled",
  paused: "⏸️ paused",
};

const PHASE_LABEL: Record<string, string> = {
  image: "Image",
  stack: "Stack",
  migrate: "Migrate",
  seed: "Seed",
  rollout: "Rollout",
  health: "Health",
};

const KIND_VERB: Record<DeployReport["kind"], { ing: string; noun: string }> = {
  deploy: { ing: "Deploying", noun: "Deploy" },
  reset: { ing: "Resetting", noun: "Reset" },
  redeploy: { ing: "Redeploying", noun: "Redeploy" },
};

/** The first seven characters of a SHA, as GitHub shows them. */
export function shortSha(sha: string): string {
  return sha.slice(0, 7);
}

/** A duration for people: `850 ms`, `12s`, `1m 12s`, `1h 5m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
  return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`;
}

/** The inverse of formatDuration, in ms (to its precision); undefined for anything it does not write. */
export function parseDuration(text: string): number | undefined {
  const ms = /^(\d+) ms$/.exec(text);
  if (ms) return Number(ms[1]);
  const match = /^(?:(\d+)h )?(?:(\d+)m ?)?(?:(\d+)s)?$/.exec(text);
  if (!match || text === "" || (match[1] !== undefined && match[3] !== undefined)) return undefined;
  return ((Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0)) * 60 + Number(match[3] ?? 0)) * 1000;
}

/**
 * The phases a check run's summary (renderCheckRun) shows as finished, each with its duration, in
 * order: how long the last deploy took where. Phases that did not run (pending, skipped) are left out.
 */
export function readPhaseDurations(summary: string): Array<{ phase: string; durationMs: number }> {
  const done = new Set([STATUS_LABEL.success, STATUS_LABEL.failure]);
  const phases: Array<{ phase: string; durationMs: number }> = [];
  for (const line of summary.split("\n")) {
    const cells = /^\| (.+?) \| (.+?) \| (.*?) \| .*\|$/.exec(line);
    if (!cells || !done.has(cells[2]!)) continue;
    const durationMs = parseDuration(cells[3]!);
    if (durationMs !== undefined) phases.push({ phase: cells[1]!.replace(/\\(.)/g, "$1"), durationMs });
  }
  return phases;
}

/** The conclusion that completes the check run; undefined while the deploy runs. A superseded deploy is neutral, never a failure. */
export function checkConclusion(report: DeployReport): CheckConclusion | undefined {
  switch (report.outcome) {
    case "running":
      return undefined;
    case "success":
      return "success";
    case "failure":
      return "failure";
    case "superseded":
    case "restarting":
      return "neutral";
    case "cancelled":
      return "cancelled";
  }
}

/** The check run title and Markdown summary for a deploy: the phase table, then the URL or the failure, then warnings. */
export function renderCheckRun(report: DeployReport): CheckRunOutput {
  return { title: renderTitle(report), summary: renderSummary(report) };
}

function renderTitle(report: DeployReport): string {
  const verb = KIND_VERB[report.kind];
  switch (report.outcome) {
    case "running": {
      const current = phasesInOrder(report).find((p) => p.status === "running" || p.status === "waiting");
      const where = current === undefined ? "" : ` (${current.status === "waiting" ? "waiting for " : ""}${current.name})`;
      return `${verb.ing} ${shortSha(report.sha)}${report.stopping ? " (stopping: berth is restarting)" : where}`;
    }
    case "success":
      return report.url === undefined ? "Preview ready" : `Preview ready: ${report.url}`;
    case "failure":
      return report.failure?.phase === undefined ? `${verb.noun} failed` : `${phaseLabel(report.failure.phase)} failed`;
    case "superseded":
      return report.supersededBy === undefined ? "Superseded" : `Superseded by ${shortSha(report.supersededBy)}`;
    case "cancelled":
      return `${verb.noun} cancelled`;
    case "restarting":
      return RESTARTING_TITLE;
  }
}

/** The title of a check run whose deploy stopped because berth was restarting. */
export const RESTARTING_TITLE = "Paused: berth is restarting";

/** "Migrate"; a one-shot service `init:createbuckets` is "Init: createbuckets". */
export function phaseLabel(name: PhaseName): string {
  return name.startsWith("init:") ? `Init: ${name.slice("init:".length)}` : (PHASE_LABEL[name] ?? name);
}

function phasesInOrder(report: DeployReport): PhaseReport[] {
  const oneShots = report.phases.map((p) => p.name).filter((name): name is `init:${string}` => name.startsWith("init:"));
  return buildPhases(oneShots).map((name) => report.phases.find((p) => p.name === name) ?? { name, status: "pending" });
}

/** "built by [preview images](url)", "being built by ...", or that the run ended otherwise. */
function renderBuild(run: NonNullable<DeployReport["builds"]>[number]): string {
  const link = markdownLink(run.url, run.name);
  if (run.status !== "completed") return `being built by ${link}`;
  if (run.conclusion === "success") return `built by ${link}`;
  return `${link} ended ${escapeMarkdown(run.conclusion ?? "without a conclusion")}: re-run it, or push again`;
}

function renderSummary(report: DeployReport): string {
  const verb = KIND_VERB[report.kind];
  const attempt = report.attempt?.number ?? 1;
  const previous = report.attempt?.previous ? ` (${escapeMarkdown(report.attempt.previous)})` : "";
  // A deploy resumed after a restart is the same attempt: it says why, without a number.
  const retry = attempt > 1 ? `, attempt ${attempt} of ${DEPLOY_ATTEMPTS}${previous}` : previous;
  const parts: string[] = [`${verb.noun} of ${inlineCode(shortSha(report.sha))} for pull request #${report.pr}${retry}`];

  const rows = phasesInOrder(report).map(
    (p) =>
      `| ${escapeMarkdown(phaseLabel(p.name))} | ${STATUS_LABEL[p.status]} | ${p.durationMs === undefined ? "" : formatDuration(p.durationMs)} | ${p.detail === undefined ? "" : escapeMarkdown(p.detail)} |`,
  );
  parts.push(["| Phase | Status | Duration | Detail |", "| --- | --- | --- | --- |", ...rows].join("\n"));
  if (report.builds && report.builds.length > 0) parts.push(`**Images:** ${report.builds.map(renderBuild).join("; ")}`);

  switch (report.outcome) {
    case "running":
      if (report.stopping) parts.push(`berth is restarting: this ${verb.noun.toLowerCase()} stops at its next safe point and resumes when berth is back.`);
      else if (report.url !== undefined) parts.push(`The preview will be at ${markdownLink(report.url)} once it is healthy.`);
      break;
    case "success":
      parts.push(report.url === undefined ? "**Preview ready.**" : `**Preview ready:** ${markdownLink(report.url)}`);
      break;
    case "failure":
      parts.push(...renderFailure(report));
      break;
    case "superseded":
      parts.push(
        report.supersededBy === undefined
          ? "A newer commit is being deployed; this deploy stopped at a safe point."
          : `Commit ${inlineCode(shortSha(report.supersededBy))} is being deployed instead; this deploy stopped at a safe point.`,
      );
      break;
    case "cancelled":
      parts.push(`The ${verb.noun.toLowerCase()} was cancelled; the previous version, if any, keeps serving.`);
      break;
    case "restarting":
      parts.push(`berth is restarting, so this ${verb.noun.toLowerCase()} stopped at a safe point; it resumes when berth is back.`);
      break;
  }

  if (report.warnings.length > 0) {
    parts.push(["**Warnings**", "", ...report.warnings.map((w) => `- ${escapeMarkdown(w)}`)].join("\n"));
  }
  const transient = report.outcome === "failure" ? report.failure?.transient : undefined;
  const markers = buildAttemptMarkers({
    attempt,
    ...(report.attempt?.resumed ? { resumed: report.attempt.resumed } : {}),
    ...(transient ? { transient: { source: transient, reason: report.failure!.message } } : {}),
    ...(report.outcome === "restarting" ? { restarted: report.kind } : {}),
    ...(report.outcome === "cancelled" && report.cancelledBy ? { cancelled: report.cancelledBy } : {}),
  });
  if (markers.length > 0) parts.push(markers.join("\n"));
  return parts.join("\n\n");
}

function renderFailure(report: DeployReport): string[] {
  const failure = report.failure;
  if (failure === undefined) return ["**The deploy failed.** The previous version, if any, keeps serving."];
  const what = failure.phase === undefined ? "Nothing was deployed" : `${escapeMarkdown(phaseLabel(failure.phase))} failed`;
  const parts = [`**${what}:** ${escapeMarkdown(failure.message)}`];
  if (failure.details !== undefined && failure.details.length > 0) parts.push(codeBlock(failure.details, "text"));
  parts.push("The previous version, if any, keeps serving.");
  if (failure.transient !== undefined) {
    const attempt = report.attempt?.number ?? 1;
    parts.push(
      attempt < DEPLOY_ATTEMPTS
        ? `This looks like a passing ${failure.transient} problem: berth deploys this commit again at its next resync (attempt ${attempt + 1} of ${DEPLOY_ATTEMPTS}).`
        : `This looks like a passing ${failure.transient} problem, but that was attempt ${attempt} of ${DEPLOY_ATTEMPTS}: push again or comment \`/preview redeploy\` to retry.`,
    );
  }
  if (failure.logTail !== undefined && failure.logTail.length > 0) {
    const of = failure.logOf !== undefined ? `container ${inlineCode(failure.logOf)}` : failure.phase === undefined ? "the step" : failure.phase.startsWith("init:") ? inlineCode(failure.phase.slice("init:".length)) : failure.phase;
    parts.push(`Last ${failure.logTail.length} log ${failure.logTail.length === 1 ? "line" : "lines"} of ${of}:`);
    parts.push(codeBlock(failure.logTail, "text"));
  }
  return parts;
}
