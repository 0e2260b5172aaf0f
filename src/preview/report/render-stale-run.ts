import type { CheckRunOutput } from "../ports.js";
import { inlineCode } from "../../util/markdown.js";
import { shortSha } from "./render-check-run.js";
import { DEPLOY_ATTEMPTS } from "./deploy-attempts.js";

/**
 * What becomes of the head after an interrupted deploy: deployed again, left (the attempts are
 * used up), or already replaced by a later deploy of the same commit.
 */
export type InterruptedNext = "retrying" | "exhausted" | "replaced";

const NEXT: Record<InterruptedNext, string> = {
  retrying: "deploying again.",
  exhausted: `that was attempt ${DEPLOY_ATTEMPTS} of ${DEPLOY_ATTEMPTS}; push again or comment ${inlineCode("/preview redeploy")} to retry.`,
  replaced: "a later deploy of this commit took its place.",
};

/** The output a check run left open by a restart is concluded with; the summary as it stood follows. */
export function renderInterrupted(previous: CheckRunOutput, next: InterruptedNext): CheckRunOutput {
  return { title: "Interrupted", summary: withPrevious(`Interrupted: berth restarted before this deploy finished; ${NEXT[next]}`, previous) };
}

/** A check run of an older head left open by a restart while a newer commit was pushed. */
export function renderSupersededWhileDown(previous: CheckRunOutput, newerSha: string): CheckRunOutput {
  return {
    title: `Superseded by ${shortSha(newerSha)}`,
    summary: withPrevious(`Superseded by ${inlineCode(shortSha(newerSha))}: berth restarted before this deploy finished, and the pull request has moved on.`, previous),
  };
}

/** A check run left open by a restart, concluded when the preview was removed. */
export function renderRemovedWhileOpen(previous: CheckRunOutput, why: string): CheckRunOutput {
  return { title: "Preview removed", summary: withPrevious(`Preview removed before this deploy finished: ${why}`, previous) };
}

// The old summary keeps its hidden attempt lines, so the next resync still counts this attempt.
function withPrevious(reason: string, previous: CheckRunOutput): string {
  return previous.summary === "" ? reason : `${reason}\n\nThe deploy as it stood when berth stopped:\n\n${previous.summary}`;
}
