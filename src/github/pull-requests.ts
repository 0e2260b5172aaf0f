import type { Octokit } from "@octokit/core";
import type { PullRequestInfo, RepoRef } from "../preview/ports.js";
import { callGitHub, hasNextPage, requireGitHub } from "./github-error.js";

/**
 * The pull request's head, fork-ness and state, read from the API (comment events do not carry
 * the head SHA). A missing pull request (404) is undefined.
 */
export async function findPullRequest(octokit: Octokit, repo: RepoRef, pr: number): Promise<PullRequestInfo | undefined> {
  const response = await callGitHub(
    `read pull request #${pr}`,
    () => octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { owner: repo.owner, repo: repo.repo, pull_number: pr }),
    [404],
  );
  if (response === undefined) return undefined;
  return toPullRequestInfo(response.data);
}

/** One page (1-based, 100 a page) of the repository's open pull requests, oldest first, and whether more follow. */
export async function listOpenPullRequests(octokit: Octokit, repo: RepoRef, page: number): Promise<{ pulls: PullRequestInfo[]; more: boolean }> {
  const response = await requireGitHub(`list open pull requests, page ${page}`, () =>
    octokit.request("GET /repos/{owner}/{repo}/pulls", { owner: repo.owner, repo: repo.repo, state: "open", sort: "created", direction: "asc", per_page: 100, page }),
  );
  return { pulls: response.data.map(toPullRequestInfo), more: hasNextPage(response.headers) };
}

interface PullData {
  number: number;
  title?: string;
  state: string;
  draft?: boolean | undefined;
  head: { sha: string; ref: string; repo: { id: number | bigint } | null };
  base: { sha: string; ref: string; repo: { id: number | bigint } };
  labels?: Array<{ name?: string }>;
  user?: { type?: string; login?: string } | null;
}

function toPullRequestInfo(data: PullData): PullRequestInfo {
  return {
    number: data.number,
    headSha: data.head.sha,
    baseSha: data.base.sha,
    branch: data.head.ref,
    fork: data.head.repo?.id !== data.base.repo.id,
    state: data.state === "open" ? "open" : "closed",
    draft: data.draft === true,
    labels: (data.labels ?? []).flatMap((label) => (label.name ? [label.name] : [])),
    bot: isBot(data.user),
    baseBranch: data.base.ref,
    ...(typeof data.title === "string" ? { title: data.title } : {}),
  };
}

/** A bot account: GitHub says so (`type: Bot`, as for Dependabot and every app), or its login ends in `[bot]`. */
export function isBot(user: { type?: string; login?: string } | null | undefined): boolean {
  return user?.type === "Bot" || (user?.login ?? "").endsWith("[bot]");
}

/** The files that differ between two commits, as GitHub's comparison lists them (at most 300: more is undefined). */
export async function compareFiles(octokit: Octokit, repo: RepoRef, base: string, head: string): Promise<string[] | undefined> {
  const response = await requireGitHub(`compare ${base.slice(0, 7)}...${head.slice(0, 7)}`, () =>
    // One commit a page: the files come with the first page whatever its size.
    octokit.request("GET /repos/{owner}/{repo}/compare/{basehead}", { owner: repo.owner, repo: repo.repo, basehead: `${base}...${head}`, per_page: 1 }),
  );
  const files = response.data.files ?? [];
  return files.length >= COMPARE_FILE_LIMIT ? undefined : files.map((file) => file.filename);
}

/** GitHub's comparison lists at most this many files. */
const COMPARE_FILE_LIMIT = 300;
