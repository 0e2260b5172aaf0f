import type { DeployAttempt } from "./report/index.js";
import type { RepoRef } from "./ports.js";

/** What someone asked berth to do for one pull request. */
export interface PreviewJob {
  repo: RepoRef;
  pr: number;
  /**
   * deploy: a push or an opened PR; redeploy: deploy the head again; reset: wipe data, migrate,
   * seed; destroy/close: remove; sleep/expire: the idle sweep found nobody looking (`sleep_after`,
   * `expire_after`); wake: `/preview wake`; extend: someone asked for more time (the dashboard),
   * recorded as activity, which restarts both idle windows.
   */
  action: "deploy" | "redeploy" | "reset" | "destroy" | "close" | "sleep" | "wake" | "expire" | "extend";
  /** The head SHA to deploy (ignored by destroy/close). */
  sha: string;
  branch?: string;
  /** Pull requests from forks never receive the repository's secrets. */
  fork?: boolean;
  /** Draft pull requests deploy only when the config allows (`drafts: true`, the default). */
  draft?: boolean;
  /** The pull request's labels, its author being a bot and its base branch: what `deploy` rules judge. */
  labels?: string[];
  bot?: boolean;
  baseBranch?: string;
  /** Set for a `labeled` or `unlabeled` event: the label, and whether it was added. */
  label?: { name: string; added: boolean };
  /** The base branch's commit: a fork's say over berth's own settings never counts, the base's does. */
  baseSha?: string;
  /** Set by `/preview approve`: the fork head SHA a maintainer approved. */
  approvedSha?: string;
  /** Set by a resync that deploys a head again after an interrupted or transiently failed attempt. */
  attempt?: DeployAttempt;
  /**
   * The `/preview` comment (its id) or check-run button (`button`: its label, and a key for the
   * reply) that alone asked for this job (reset, redeploy, destroy: no resync finds them again; an
   * approval is recorded in the sticky comment and is): told if dropped. Deploy rules do not apply.
   */
  asked?: { commentId: number | string; command: string; button?: string; from?: "check run" | "dashboard" };
  /** The head a push replaced (a `synchronize` webhook's `before`): tells a push delivered late from the newest one. */
  replaces?: string;
  /**
   * Set when the pull request's base branch changed (`pull_request.edited`): the `deploy` rules
   * judge it again, and a head already served is left as it is.
   */
  retargeted?: boolean;
}

/** Jobs that remove the preview: they run to their end, and a newer one is never merged away. */
export const REMOVALS: ReadonlySet<PreviewJob["action"]> = new Set<PreviewJob["action"]>(["destroy", "close"]);
/** Jobs about a preview's idleness: they run to their end, and never interrupt a deploy. */
export const IDLE_JOBS: ReadonlySet<PreviewJob["action"]> = new Set<PreviewJob["action"]>(["sleep", "wake", "expire", "extend"]);
/** Jobs only the idle sweep queues: any other job waiting for the pull request is worth more. */
const SWEPT: ReadonlySet<PreviewJob["action"]> = new Set<PreviewJob["action"]>(["sleep", "expire"]);

/** Whether `newer` stops the running job at its next safe point; removals and idle jobs run to the end, and idle jobs never interrupt. */
export function supersedes(running: PreviewJob, newer: PreviewJob): boolean {
  if (IDLE_JOBS.has(running.action) || IDLE_JOBS.has(newer.action)) return false;
  return !REMOVALS.has(running.action) && (REMOVALS.has(newer.action) || newer.action === "reset" || newer.sha !== running.sha);
}

/** What the check run calls a deploying job. */
export function kindOf(job: PreviewJob): "deploy" | "redeploy" | "reset" {
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
  // So does a new base branch, with the base the rules judge.
  if (newer.retargeted && !older.retargeted) return { ...older, ...(newer.baseBranch ? { baseBranch: newer.baseBranch } : {}), ...(newer.baseSha ? { baseSha: newer.baseSha } : {}) };
  // The sweep judged idleness from AWS before a job came: a deploy, a command or a wake waiting is activity.
  if (SWEPT.has(newer.action) && !SWEPT.has(older.action)) return older;
  if (REMOVALS.has(newer.action)) return newer;
  if (older.action === "reset" && !REMOVALS.has(newer.action)) return { ...newer, action: "reset" };
  return newer;
}
