import type { TransientSource } from "../../errors.js";

/** How many deploys of one head berth starts on its own (the first one included) before it waits for a push. */
export const DEPLOY_ATTEMPTS = 3;
/**
 * How many times one attempt is resumed after a restart paused it (SIGTERM) before the next pause
 * counts as a failed attempt: an ordinary restart costs no attempt, but a deploy that every
 * restart (a crash loop, a stop deadline it never meets) pauses must not resume for ever.
 */
export const RESUMES_PER_ATTEMPT = 3;

/** Which attempt at a head a deploy is, and why the one before did not finish. */
export interface DeployAttempt {
  /** 1-based; the first deploy of a head (any deploy a person asked for) is attempt 1. */
  number: number;
  /** Why the last attempt did not finish, e.g. `the last one failed on a transient AWS error: …`. */
  previous?: string;
  /** How many times this attempt was paused by a restart and resumed; absent: never. */
  resumed?: number;
}

/** What berth wrote into a check run's summary about its own deploy, for the next resync to read. */
export interface AttemptRecord {
  attempt: number;
  /** How many times the attempt was resumed after a restart paused it (0: never). */
  resumed?: number;
  /** Set when the deploy failed on an error that may pass. */
  transient?: { source: TransientSource; reason: string };
  /** Set when the deploy stopped because berth was restarting: what it was, so the next process resumes it as such. */
  restarted?: "deploy" | "redeploy" | "reset";
  /** Set when the deploy was stopped because the preview was being removed: by a close, or by `/preview destroy`. */
  cancelled?: "close" | "destroy";
}

const ATTEMPT = /<!-- berth:attempt (\d+) -->/;
const RESUMED = /<!-- berth:resumed (\d+) -->/;
const TRANSIENT = /<!-- berth:transient (AWS|GitHub): (.*?) -->/;
const RESTARTED = /<!-- berth:restarted (deploy|redeploy|reset) -->/;
const CANCELLED = /<!-- berth:cancelled (close|destroy) -->/;

/**
 * Hidden lines for the end of a check run summary: the attempt number (from 2 on), for a
 * transient failure its source and reason, for a deploy stopped by a restart what it was, and for
 * one stopped by a removal what removed it. A
 * reason cannot close the HTML comment early.
 */
export function buildAttemptMarkers(record: AttemptRecord): string[] {
  const lines: string[] = [];
  if (record.attempt > 1) lines.push(`<!-- berth:attempt ${record.attempt} -->`);
  if ((record.resumed ?? 0) > 0) lines.push(`<!-- berth:resumed ${record.resumed} -->`);
  if (record.transient) {
    const reason = record.transient.reason.replace(/\s+/g, " ").replace(/-{2,}/g, "-").replace(/>/g, "›").trim().slice(0, 300);
    lines.push(`<!-- berth:transient ${record.transient.source}: ${reason} -->`);
  }
  if (record.restarted) lines.push(`<!-- berth:restarted ${record.restarted} -->`);
  if (record.cancelled) lines.push(`<!-- berth:cancelled ${record.cancelled} -->`);
  return lines;
}

/** Reads what `buildAttemptMarkers` wrote; a summary without markers is attempt 1, never resumed, not transient, not restarted. */
export function readAttemptMarkers(summary: string): AttemptRecord {
  const attempt = Number(ATTEMPT.exec(summary)?.[1] ?? 1);
  const resumed = Number(RESUMED.exec(summary)?.[1] ?? 0);
  const transient = TRANSIENT.exec(summary);
  const restarted = RESTARTED.exec(summary);
  const cancelled = CANCELLED.exec(summary);
  return {
    attempt: Number.isSafeInteger(attempt) && attempt >= 1 ? attempt : 1,
    ...(Number.isSafeInteger(resumed) && resumed > 0 ? { resumed } : {}),
    ...(transient ? { transient: { source: transient[1] as TransientSource, reason: transient[2]! } } : {}),
    ...(restarted ? { restarted: restarted[1] as NonNullable<AttemptRecord["restarted"]> } : {}),
    ...(cancelled ? { cancelled: cancelled[1] as NonNullable<AttemptRecord["cancelled"]> } : {}),
  };
}
