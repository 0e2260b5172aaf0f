import type { Octokit } from "@octokit/core";
import type { RepoGitHub, RepoRef } from "../preview/ports.js";
import { createCheckRuns, listCheckRuns } from "./check-runs.js";
import type { CreateRetry } from "./create-once.js";
import { createDeployments, listRecentDeployments } from "./deployments.js";
import { createRepoFileReader, findPermission } from "./repo-files.js";
import { createComments } from "./sticky-comment.js";
import { compareFiles, findPullRequest, listOpenPullRequests } from "./pull-requests.js";

export interface RepoGitHubOptions {
  /** Clock for check run timestamps; tests pass a fixed one. */
  now?: () => Date;
  /** Login of the app's bot user (`<slug>[bot]`): only its comments are taken as the sticky comment. */
  botLogin?: string;
  /**
   * How a check run, deployment or sticky comment whose create GitHub answered ambiguously (5xx,
   * no answer) is looked up and created again; tests pass millisecond delays.
   */
  retry?: CreateRetry;
}

/**
 * Everything the engine does on one repository's GitHub side, over an authenticated
 * Octokit (an installation token in the app). Failures throw GitHubError naming the call.
 */
export function createRepoGitHub(octokit: Octokit, repo: RepoRef, options: RepoGitHubOptions = {}): RepoGitHub {
  const now = options.now ?? (() => new Date());
  const retry = options.retry === undefined ? {} : { retry: options.retry };
  return {
    checks: {
      ...createCheckRuns(octokit, repo, { now, ...retry }),
      // The bot's login is `<slug>[bot]`: only the app's own runs tell how its deploys ended.
      list: (input) => listCheckRuns(octokit, repo, { ...input, ...(options.botLogin === undefined ? {} : { appSlug: options.botLogin.replace(/\[bot\]$/, "") }) }),
    },
    deployments: { ...createDeployments(octokit, repo, retry), listRecent: (input) => listRecentDeployments(octokit, repo, input) },
    comments: createComments(octokit, repo, { ...(options.botLogin === undefined ? {} : { botLogin: options.botLogin }), ...retry }),
    reader: (sha) => createRepoFileReader(octokit, repo, sha),
    pullRequest: (pr) => findPullRequest(octokit, repo, pr),
    changedFiles: (base, head) => compareFiles(octokit, repo, base, head),
    openPullRequests: (page) => listOpenPullRequests(octokit, repo, page),
    permission: (user) => findPermission(octokit, repo, user),
  };
}
