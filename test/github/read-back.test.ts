import { Octokit } from "@octokit/core";
import { describe, expect, it } from "vitest";
import { listCheckRuns } from "../../src/github/check-runs.js";
import { listRecentDeployments } from "../../src/github/deployments.js";
import { createAppGitHub } from "../../src/github/installations.js";
import { listOpenPullRequests } from "../../src/github/pull-requests.js";
import { githubApi, useGitHubApiChecks } from "../helpers/github-openapi.js";

useGitHubApiChecks();

const repo = { owner: "acme", repo: "shop", installationId: 1 };
const octokit = () => new Octokit({ auth: "test-token" });
const SHA = "2222222222222222222222222222222222222222";

/** A check run as GitHub lists it (the fields berth reads). */
function checkRun(id: number, slug: string, status: string, conclusion: string | null, summary = "") {
  return { id, head_sha: SHA, name: "preview", status, conclusion, output: { title: "t", summary, text: null }, app: { id: slug === "berth-previews" ? 1 : 2, slug } };
}

describe("reading berth's own record back", () => {
  it("lists berth's check runs of a name on a commit, newest first, without other apps' runs, over every page", async () => {
    githubApi()
      .get(`/repos/acme/shop/commits/${SHA}/check-runs`)
      .query({ check_name: "preview", filter: "all", per_page: "100", page: "1" })
      .reply(200, { total_count: 3, check_runs: [checkRun(10, "berth-previews", "completed", "failure", "<!-- berth:attempt 2 -->"), checkRun(11, "other-ci", "in_progress", null)] }, {
        link: `<https://api.github.com/repositories/1/commits/${SHA}/check-runs?page=2>; rel="next"`,
      })
      .get(`/repos/acme/shop/commits/${SHA}/check-runs`)
      .query({ check_name: "preview", filter: "all", per_page: "100", page: "2" })
      .reply(200, { total_count: 3, check_runs: [checkRun(12, "berth-previews", "in_progress", null)] });

    const runs = await listCheckRuns(octokit(), repo, { headSha: SHA, name: "preview", appSlug: "berth-previews" });

    expect(runs).toEqual([
      { id: 12, headSha: SHA, status: "in_progress", output: { title: "t", summary: "" } },
      { id: 10, headSha: SHA, status: "completed", conclusion: "failure", output: { title: "t", summary: "<!-- berth:attempt 2 -->" } },
    ]);
  });

  it("reads the newest deployments of a legacy environment with the state of each one's latest status", async () => {
    githubApi()
      .get("/repos/acme/shop/deployments")
      .query({ environment: "preview/pr-7", per_page: "3" })
      .reply(200, [
        { id: 3, sha: SHA, environment: "preview/pr-7" },
        { id: 2, sha: "1".repeat(40), environment: "preview/pr-7" },
      ])
      .get("/repos/acme/shop/deployments/3/statuses")
      .query({ per_page: "1" })
      .reply(200, [{ id: 30, state: "in_progress" }])
      .get("/repos/acme/shop/deployments/2/statuses")
      .query({ per_page: "1" })
      .reply(200, []);

    expect(await listRecentDeployments(octokit(), repo, { environment: "preview/pr-7", limit: 3 })).toEqual([
      { id: 3, sha: SHA, environment: "preview/pr-7", pr: undefined, state: "in_progress" },
      { id: 2, sha: "1".repeat(40), environment: "preview/pr-7", pr: undefined, state: undefined },
    ]);
  });

  it("reads a pull request's newest deployments in the shared environment by its task, page after page until it has enough", async () => {
    const page = (n: number) => ({ link: `<https://api.github.com/repositories/1/deployments?environment=preview&task=deploy%3Apr-7&per_page=100&page=${n}>; rel="next"` });
    githubApi()
      .get("/repos/acme/shop/deployments")
      .query({ environment: "preview", task: "deploy:pr-7", per_page: "100", page: "1" })
      .reply(200, [{ id: 8, sha: SHA, environment: "preview", payload: { berth_key: "k8", berth_pr: 7 } }], page(2))
      .get("/repos/acme/shop/deployments")
      .query({ environment: "preview", task: "deploy:pr-7", per_page: "100", page: "2" })
      .reply(
        200,
        [
          { id: 6, sha: "6".repeat(40), environment: "preview", payload: { berth_key: "k6", berth_pr: 7 } },
          { id: 5, sha: "5".repeat(40), environment: "preview", payload: { berth_key: "k5", berth_pr: 7 } },
        ],
        page(3),
      )
      .get("/repos/acme/shop/deployments/8/statuses")
      .query({ per_page: "1" })
      .reply(200, [{ id: 80, state: "success" }])
      .get("/repos/acme/shop/deployments/6/statuses")
      .query({ per_page: "1" })
      .reply(200, [{ id: 60, state: "inactive" }]);

    // Two found by the second page: the third is never asked for.
    expect(await listRecentDeployments(octokit(), repo, { environment: "preview", pr: 7, limit: 2 })).toEqual([
      { id: 8, sha: SHA, environment: "preview", pr: 7, state: "success" },
      { id: 6, sha: "6".repeat(40), environment: "preview", pr: 7, state: "inactive" },
    ]);
  });

  it("lists one page of open pull requests and says whether more follow", async () => {
    const baseRepo = { id: 1 };
    githubApi()
      .get("/repos/acme/shop/pulls")
      .query({ state: "open", sort: "created", direction: "asc", per_page: "100", page: "2" })
      .reply(
        200,
        [
          {
            number: 7,
            state: "open",
            draft: true,
            head: { sha: SHA, ref: "feature/x", repo: baseRepo },
            base: { sha: "b".repeat(40), ref: "main", repo: baseRepo },
            labels: [{ id: 1, name: "preview" }],
            user: { login: "octocat", type: "User" },
          },
          {
            number: 9,
            state: "open",
            head: { sha: SHA, ref: "patch-1", repo: null },
            base: { sha: "b".repeat(40), ref: "release/2", repo: baseRepo },
            labels: [],
            user: { login: "dependabot[bot]", type: "Bot" },
          },
        ],
        { link: '<https://api.github.com/repositories/1/pulls?page=3>; rel="next"' },
      );

    expect(await listOpenPullRequests(octokit(), repo, 2)).toEqual({
      pulls: [
        { number: 7, headSha: SHA, baseSha: "b".repeat(40), branch: "feature/x", fork: false, state: "open", draft: true, labels: ["preview"], bot: false, baseBranch: "main" },
        // A head repository that was deleted counts as a fork: its code is not the base's.
        { number: 9, headSha: SHA, baseSha: "b".repeat(40), branch: "patch-1", fork: true, state: "open", draft: false, labels: [], bot: true, baseBranch: "release/2" },
      ],
      more: true,
    });
  });

  it("lists the app's installations and one page of an installation's repositories with their default branch", async () => {
    githubApi()
      .get("/app/installations")
      .query({ per_page: "100", page: "1" })
      .reply(200, [{ id: 4242 }, { id: 7 }])
      .get("/installation/repositories")
      .query({ per_page: "100", page: "1" })
      .reply(200, { total_count: 1, repositories: [{ name: "shop", owner: { login: "acme" }, default_branch: "trunk" }] });
    const app = createAppGitHub({ app: async () => octokit(), installation: async () => octokit() });

    expect(await app.installations()).toEqual([4242, 7]);
    expect(await app.repositories(4242, 1)).toEqual({ repos: [{ owner: "acme", repo: "shop", installationId: 4242, defaultBranch: "trunk" }], more: false });
  });
});
