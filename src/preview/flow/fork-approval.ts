import { loadRepoConfig } from "../../config/load-repo-config.js";
import type { RepoGitHub } from "../ports.js";

/**
 * Fork pull requests run code berth did not write with the operator's AWS account, so they deploy
 * only when approved. Approvals survive a restart as hidden markers in berth's own sticky comment,
 * which only berth can edit: the head berth asked about (`awaiting`), and the head approved.
 */
const APPROVAL_MARKER = /<!-- berth:approved-sha:([0-9a-f]{40}) -->/;
const AWAITING_MARKER = /<!-- berth:awaiting-sha:([0-9a-f]{40}) -->/;

/** The hidden line that records a fork approval in the sticky comment. */
export function approvalMarkerFor(sha: string): string {
  return `<!-- berth:approved-sha:${sha.toLowerCase()} -->`;
}

/** The hidden line that records which fork head berth asked a maintainer to approve. */
export function awaitingMarkerFor(sha: string): string {
  return `<!-- berth:awaiting-sha:${sha.toLowerCase()} -->`;
}

/** The fork head berth last announced as awaiting approval on the pull request, if any. */
export async function awaitingApproval(github: RepoGitHub, pr: number): Promise<string | undefined> {
  return parseMarker(AWAITING_MARKER, await github.comments.readSticky(pr));
}

/**
 * Whether a fork's head may deploy: the base branch's config decides (`forks: never` refuses; the
 * fork's own config has no say), and only an approval of exactly this SHA opens it, whether given
 * in this process (`approvedSha`) or recorded in the sticky comment before a restart.
 */
export async function forkGate(
  github: RepoGitHub,
  job: { pr: number; sha: string; baseSha?: string; approvedSha?: string },
): Promise<"approved" | "awaiting" | "never"> {
  const baseConfig = job.baseSha ? await loadRepoConfig(github.reader(job.baseSha)).catch(() => undefined) : undefined;
  if (baseConfig?.forks === "never") return "never";
  if (job.approvedSha === job.sha) return "approved";
  const recorded = parseMarker(APPROVAL_MARKER, await github.comments.readSticky(job.pr));
  return recorded === job.sha ? "approved" : "awaiting";
}

function parseMarker(marker: RegExp, body: string | undefined): string | undefined {
  return body === undefined ? undefined : marker.exec(body)?.[1];
}
