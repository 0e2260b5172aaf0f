import type { Octokit } from "@octokit/core";
import type { PullRequestInfo, RepoRef } from "../preview/ports.js";
import { callGitHub } from "./github-error.js";

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
  const { data } = response;
  return {
    number: data.number,
    headSha: data.head.sha,
    baseSha: data.base.sha,
    branch: data.head.ref,
    fork: data.head.repo?.id !== data.base.repo.id,
    state: data.state === "open" ? "open" : "closed",
    draft: data.draft === true,
  };
}
