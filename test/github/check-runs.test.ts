import { Octokit } from "@octokit/core";
import { describe, expect, it } from "vitest";
import { CHECK_TEXT_LIMIT, createCheckRuns, fitCheckRunOutput } from "../../src/github/check-runs.js";
import { GitHubError } from "../../src/github/github-error.js";
import { githubApi, useGitHubApiChecks } from "../helpers/github-openapi.js";

useGitHubApiChecks();

const repo = { owner: "acme", repo: "shop", installationId: 1 };
const now = () => new Date("2024-05-06T07:08:09.000Z");
const retry = { attempts: 3, baseDelayMs: 0 };
const checks = () => createCheckRuns(new Octokit({ auth: "test-token" }), repo, { now, newKey: () => "berth:key-1", retry });
const runsOnCommit = "/repos/acme/shop/commits/abc1234def/check-runs?check_name=berth%20preview&filter=all&per_page=100";
const create = { headSha: "abc1234def", name: "berth preview", output: { title: "t", summary: "s" } };

describe("createCheckRuns", () => {
  it("creates an in-progress check run on the head SHA", async () => {
    githubApi()
      .post("/repos/acme/shop/check-runs", {
        name: "berth preview",
        head_sha: "abc1234def",
        external_id: "berth:key-1",
        status: "in_progress",
        started_at: "2024-05-06T07:08:09.000Z",
        output: { title: "Deploying abc1234 (image)", summary: "waiting" },
        details_url: "https://berth.example/pr/1",
      })
      .reply(201, { id: 42, html_url: "https://github.com/acme/shop/runs/42" });

    const created = await checks().create({
      headSha: "abc1234def",
      name: "berth preview",
      output: { title: "Deploying abc1234 (image)", summary: "waiting" },
      detailsUrl: "https://berth.example/pr/1",
    });
    expect(created).toEqual({ id: 42, url: "https://github.com/acme/shop/runs/42" });
  });

  it("completes a check run when given a conclusion", async () => {
    githubApi()
      .patch("/repos/acme/shop/check-runs/42", {
        output: { title: "Preview ready", summary: "ok", text: "details" },
        status: "completed",
        conclusion: "success",
        completed_at: "2024-05-06T07:08:09.000Z",
      })
      .reply(200, { id: 42 });

    await checks().update(42, { output: { title: "Preview ready", summary: "ok", text: "details" }, conclusion: "success" });
  });

  it("updates only the output while running", async () => {
    githubApi()
      .patch("/repos/acme/shop/check-runs/42", { output: { title: "Deploying abc1234 (stack)", summary: "…" } })
      .reply(200, { id: 42 });

    await checks().update(42, { output: { title: "Deploying abc1234 (stack)", summary: "…" } });
  });

  it("truncates an over-long summary and text with a visible marker", async () => {
    let sent: { output: { summary: string; text: string } } | undefined;
    githubApi()
      .patch("/repos/acme/shop/check-runs/42", (body: typeof sent) => {
        sent = body;
        return true;
      })
      .reply(200, { id: 42 });

    await checks().update(42, { output: { title: "t", summary: "é".repeat(40_000), text: "x".repeat(70_000) } });

    expect(Buffer.byteLength(sent!.output.summary)).toBeLessThanOrEqual(CHECK_TEXT_LIMIT);
    expect(sent!.output.summary.endsWith("é\n\n…(truncated)")).toBe(true);
    expect(sent!.output.text).toBe(`${"x".repeat(CHECK_TEXT_LIMIT - 16)}\n\n…(truncated)`);
  });

  it("wraps a refusal in a GitHubError that names the call", async () => {
    githubApi().post("/repos/acme/shop/check-runs").reply(403, { message: "Resource not accessible by integration" });

    const error = await checks()
      .create({ headSha: "abc1234def", name: "berth preview", output: { title: "t", summary: "s" } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubError);
    expect((error as GitHubError).userMessage).toBe('GitHub refused to create check run "berth preview" on abc1234 (HTTP 403).');
    expect((error as GitHubError).message).toMatch(/^create check run "berth preview" on abc1234: HTTP 403: Resource not accessible by integration/);
  });
});

describe("createCheckRuns after an ambiguous answer", () => {
  it("finds the run a 502 answer did create, by its external_id, and creates no second one", async () => {
    githubApi()
      .post("/repos/acme/shop/check-runs", (b: { external_id: string }) => b.external_id === "berth:key-1")
      .reply(502, { message: "Server Error" })
      .get(`${runsOnCommit}&page=1`)
      .reply(200, {
        total_count: 2,
        check_runs: [
          { id: 40, external_id: "berth:an-earlier-deploy", html_url: "https://github.com/acme/shop/runs/40" },
          { id: 41, external_id: "berth:key-1", html_url: "https://github.com/acme/shop/runs/41" },
        ],
      });

    await expect(checks().create(create)).resolves.toEqual({ id: 41, url: "https://github.com/acme/shop/runs/41" });
  });

  it("creates again when the look-up finds nothing, with the same external_id", async () => {
    githubApi()
      .post("/repos/acme/shop/check-runs")
      .reply(503, { message: "Service Unavailable" })
      .get(`${runsOnCommit}&page=1`)
      .reply(200, { total_count: 1, check_runs: [{ id: 40, external_id: "berth:an-earlier-deploy", html_url: "https://github.com/acme/shop/runs/40" }] })
      .post("/repos/acme/shop/check-runs", (b: { external_id: string }) => b.external_id === "berth:key-1")
      .reply(201, { id: 42, html_url: "https://github.com/acme/shop/runs/42" });

    await expect(checks().create(create)).resolves.toEqual({ id: 42, url: "https://github.com/acme/shop/runs/42" });
  });

  it("looks on every page of the commit's runs", async () => {
    githubApi()
      .post("/repos/acme/shop/check-runs")
      .reply(504, { message: "Gateway Timeout" })
      .get(`${runsOnCommit}&page=1`)
      .reply(200, { total_count: 101, check_runs: [{ id: 40, external_id: null, html_url: "https://github.com/acme/shop/runs/40" }] }, { link: '<https://api.github.com/x?page=2>; rel="next"' })
      .get(`${runsOnCommit}&page=2`)
      .reply(200, { total_count: 101, check_runs: [{ id: 43, external_id: "berth:key-1", html_url: "https://github.com/acme/shop/runs/43" }] });

    await expect(checks().create(create)).resolves.toEqual({ id: 43, url: "https://github.com/acme/shop/runs/43" });
  });

  it("gives up after three ambiguous answers with nothing created, naming the call", async () => {
    const scope = githubApi();
    for (let i = 0; i < 3; i++) {
      scope.post("/repos/acme/shop/check-runs").reply(502, { message: "Server Error" }).get(`${runsOnCommit}&page=1`).reply(200, { total_count: 0, check_runs: [] });
    }

    const error = await checks()
      .create(create)
      .catch((e: unknown) => e);
    expect((error as GitHubError).userMessage).toBe('GitHub refused to create check run "berth preview" on abc1234 (HTTP 502).');
  });
});

describe("fitCheckRunOutput", () => {
  it.each([
    ["short texts unchanged", { title: "Ready", summary: "s" }, { title: "Ready", summary: "s" }],
    ["title on one line", { title: "a\nb  c", summary: "s" }, { title: "a b c", summary: "s" }],
    ["title cut at 255 code points", { title: "ü".repeat(300), summary: "s" }, { title: `${"ü".repeat(254)}…`, summary: "s" }],
    ["summary at the limit kept", { title: "t", summary: "y".repeat(65535) }, { title: "t", summary: "y".repeat(65535) }],
  ])("%s", (_case, input, expected) => {
    expect(fitCheckRunOutput(input)).toEqual(expected);
  });
});
