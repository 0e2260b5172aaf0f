import { Octokit } from "@octokit/core";
import { describe, expect, it } from "vitest";
import { createRepoGitHub } from "../../src/github/create-repo-github.js";
import { STICKY_MARKER } from "../../src/github/sticky-comment.js";
import { githubApi, useGitHubApiChecks } from "../helpers/github-openapi.js";

useGitHubApiChecks();

const repo = { owner: "acme", repo: "shop", installationId: 1 };

describe("createRepoGitHub", () => {
  it("wires every port to the repository, with the given clock and bot login", async () => {
    githubApi()
      .post("/repos/acme/shop/check-runs", (b: { started_at: string }) => b.started_at === "2030-01-01T00:00:00.000Z")
      .reply(201, { id: 1, html_url: "https://github.com/acme/shop/runs/1" })
      .get("/repos/acme/shop/issues/3/comments?per_page=100&page=1")
      .reply(200, [{ id: 8, body: `${STICKY_MARKER}\nold`, user: { login: "someone-else[bot]", type: "Bot" } }])
      .post("/repos/acme/shop/issues/3/comments", { body: `${STICKY_MARKER}\nnew` })
      .reply(201, { id: 9 })
      .get("/repos/acme/shop/collaborators/octocat/permission")
      .reply(200, { permission: "write", role_name: "maintain", user: null })
      .get("/repos/acme/shop/contents/compose.yaml?ref=abc")
      .reply(404, { message: "Not Found" });

    const github = createRepoGitHub(new Octokit({ auth: "test-token" }), repo, {
      now: () => new Date("2030-01-01T00:00:00Z"),
      botLogin: "berth[bot]",
    });
    await expect(github.checks.create({ headSha: "abc", name: "berth", output: { title: "t", summary: "s" } })).resolves.toEqual({
      id: 1,
      url: "https://github.com/acme/shop/runs/1",
    });
    await github.comments.ensureSticky(3, `${STICKY_MARKER}\nnew`);
    await expect(github.permission("octocat")).resolves.toBe("maintain");
    await expect(github.reader("abc").readFile("compose.yaml")).resolves.toBeUndefined();
  });
});
