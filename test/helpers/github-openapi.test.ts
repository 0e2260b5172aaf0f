import { describe, expect, it } from "vitest";
import { Octokit } from "@octokit/core";
import { expectValidGitHubRequest, findGitHubRequestProblems, githubApi, normalizeNullable, takeGitHubRequestProblems, useGitHubApiChecks } from "./github-openapi.js";

useGitHubApiChecks();

describe("findGitHubRequestProblems", () => {
  it.each([
    ["POST", "/repos/o/r/check-runs", { name: "berth", head_sha: "abc", status: "in_progress", output: { title: "t", summary: "s" } }],
    ["PATCH", "/repos/o/r/check-runs/12", { status: "completed", conclusion: "neutral", completed_at: "2024-01-02T03:04:05.000Z" }],
    ["POST", "/repos/o/r/deployments", { ref: "abc", environment: "preview", payload: { berth_key: "k", berth_pr: 1 }, required_contexts: [], transient_environment: true }],
    ["POST", "/repos/o/r/deployments/7/statuses", { state: "inactive" }],
    ["GET", "/repos/o/r/deployments?environment=preview&per_page=100&page=2", undefined],
    ["GET", "/repos/o/r/deployments?environment=preview%2Fpr-1&per_page=100&page=2", undefined],
    ["GET", "/repos/o/r/contents/.github%2Fpreview.yml?ref=abc", undefined],
    ["DELETE", "/repos/o/r/issues/comments/5", ""],
  ])("accepts %s %s", (method, url, body) => {
    expect(findGitHubRequestProblems(method, url, body)).toEqual([]);
  });

  it.each([
    [
      "a conclusion GitHub does not know",
      "PATCH",
      "/repos/o/r/check-runs/12",
      { conclusion: "superseded" },
      ["PATCH /repos/o/r/check-runs/12: body/conclusion must be equal to one of the allowed values (action_required, cancelled, failure, neutral, success, skipped, stale, timed_out)"],
    ],
    [
      "a missing required field",
      "POST",
      "/repos/o/r/check-runs",
      { name: "berth" },
      ["POST /repos/o/r/check-runs: body must have required property 'head_sha'"],
    ],
    [
      "a wrong type",
      "POST",
      "/repos/o/r/deployments",
      { ref: "abc", required_contexts: "none" },
      ["POST /repos/o/r/deployments: body/required_contexts must be array"],
    ],
    [
      "an over-long summary",
      "POST",
      "/repos/o/r/check-runs",
      { name: "b", head_sha: "a", output: { title: "t", summary: "x".repeat(65536) } },
      ["POST /repos/o/r/check-runs: body/output/summary must NOT have more than 65535 characters"],
    ],
    ["an undocumented path", "POST", "/repos/o/r/previews", {}, ["POST /repos/o/r/previews: no such operation in GitHub's OpenAPI description"]],
    [
      "an undeclared query parameter",
      "GET",
      "/repos/o/r/deployments?env=x",
      undefined,
      ['GET /repos/o/r/deployments: query parameter "env" is not declared by repos/list-deployments'],
    ],
    ["a body on a GET", "GET", "/repos/o/r/deployments", { a: 1 }, ["GET /repos/o/r/deployments: repos/list-deployments takes no JSON body"]],
  ])("rejects %s", (_case, method, url, body, expected) => {
    expect(findGitHubRequestProblems(method, url, body)).toEqual(expected);
  });

  it("accepts null where the description says nullable", () => {
    // `milestone` on issue creation is a nullable oneOf in the description.
    expect(findGitHubRequestProblems("POST", "/repos/o/r/issues", { title: "t", milestone: null })).toEqual([]);
  });

  it("expectValidGitHubRequest throws with every problem listed", () => {
    expect(() => expectValidGitHubRequest("POST", "/repos/o/r/check-runs", { name: 1 })).toThrow(
      "request does not match GitHub's OpenAPI description:\nPOST /repos/o/r/check-runs: body must have required property 'head_sha'\nPOST /repos/o/r/check-runs: body/name must be string",
    );
  });
});

describe("normalizeNullable", () => {
  it.each([
    [{ type: "string", nullable: true }, { type: ["string", "null"] }],
    [{ type: "string", enum: ["a"], nullable: true }, { type: ["string", "null"], enum: ["a", null] }],
    [{ $ref: "#/components/schemas/x", nullable: true }, { anyOf: [{ $ref: "https://api.github.com/openapi.json#/components/schemas/x" }, { type: "null" }] }],
    [{ properties: { description: { type: "integer", nullable: false } } }, { properties: { description: { type: "integer", nullable: false } } }],
  ])("rewrites %j", (input, expected) => {
    expect(normalizeNullable(input)).toEqual(expected);
  });
});

describe("githubApi", () => {
  it("records the problems of every intercepted request", async () => {
    githubApi().patch("/repos/o/r/check-runs/3").reply(200, {}).get("/repos/o/r/deployments?per_page=100").reply(200, []);
    const octokit = new Octokit({ auth: "test-token" });

    // Cast: the typed route refuses the value at compile time; the check must refuse it at run time too.
    await octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", { owner: "o", repo: "r", check_run_id: 3, conclusion: "superseded" as "neutral" });
    await octokit.request("GET /repos/{owner}/{repo}/deployments", { owner: "o", repo: "r", per_page: 100 });

    expect(takeGitHubRequestProblems()).toEqual([
      "PATCH /repos/o/r/check-runs/3: body/conclusion must be equal to one of the allowed values (action_required, cancelled, failure, neutral, success, skipped, stale, timed_out)",
    ]);
  });
});
