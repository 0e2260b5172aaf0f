import { Octokit } from "@octokit/core";
import { describe, expect, it } from "vitest";
import { createDeployments } from "../../src/github/deployments.js";
import { GitHubError } from "../../src/github/github-error.js";
import { githubApi, useGitHubApiChecks } from "../helpers/github-openapi.js";

useGitHubApiChecks();

const repo = { owner: "acme", repo: "shop", installationId: 1 };
const deployments = () => createDeployments(new Octokit({ auth: "test-token" }), repo, { newKey: () => "key-1", retry: { attempts: 3, baseDelayMs: 0 } });
const next = (page: number) => ({
  link: `<https://api.github.com/repositories/1/deployments?environment=preview%2Fpr-7&per_page=100&page=${page}>; rel="next"`,
});

describe("createDeployments", () => {
  it("creates a transient, non-production deployment of the exact SHA that waits on no checks, its task and payload naming the pull request", async () => {
    githubApi()
      .post("/repos/acme/shop/deployments", {
        ref: "abc1234def",
        environment: "preview",
        task: "deploy:pr-7",
        description: "Preview of #7",
        payload: { berth_key: "key-1", berth_pr: 7 },
        transient_environment: true,
        production_environment: false,
        auto_merge: false,
        required_contexts: [],
      })
      .reply(201, { id: 901 });

    await expect(deployments().create({ sha: "abc1234def", environment: "preview", pr: 7, description: "Preview of #7" })).resolves.toBe(901);
  });

  it("cuts a description to 140 characters", async () => {
    let description = "";
    githubApi()
      .post("/repos/acme/shop/deployments", (body: { description: string }) => {
        description = body.description;
        return true;
      })
      .reply(201, { id: 902 });

    await deployments().create({ sha: "abc", environment: "preview", pr: 7, description: "d".repeat(200) });
    expect(description).toBe(`${"d".repeat(139)}…`);
  });

  it("finds the deployment a 502 answer did create, by the key in its payload, and creates no second one", async () => {
    githubApi()
      .post("/repos/acme/shop/deployments")
      .reply(502, { message: "Server Error" })
      .get("/repos/acme/shop/deployments")
      .query({ sha: "abc1234def", environment: "preview", per_page: "100", page: "1" })
      .reply(200, [
        { id: 905, payload: "" },
        { id: 904, payload: { berth_key: "key-1" } },
        { id: 903, payload: { berth_key: "key-0" } },
      ]);

    await expect(deployments().create({ sha: "abc1234def", environment: "preview", pr: 7, description: "d" })).resolves.toBe(904);
  });

  it("creates again when a connection broke and the look-up finds nothing", async () => {
    githubApi()
      .post("/repos/acme/shop/deployments")
      .replyWithError({ code: "ECONNRESET", message: "socket hang up" })
      .get("/repos/acme/shop/deployments")
      .query({ sha: "abc1234def", environment: "preview", per_page: "100", page: "1" })
      .reply(200, [])
      .post("/repos/acme/shop/deployments", (b: { payload: object }) => JSON.stringify(b.payload) === '{"berth_key":"key-1","berth_pr":7}')
      .reply(201, { id: 906 });

    await expect(deployments().create({ sha: "abc1234def", environment: "preview", pr: 7, description: "d" })).resolves.toBe(906);
  });

  it("does not look up or repeat a create GitHub refused", async () => {
    githubApi().post("/repos/acme/shop/deployments").reply(422, { message: "Validation Failed" });

    const error = await deployments()
      .create({ sha: "abc1234def", environment: "preview", pr: 7, description: "d" })
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe("create deployment of abc1234 in preview: HTTP 422: Validation Failed");
  });

  it("refuses a 202 answer that created no deployment", async () => {
    githubApi().post("/repos/acme/shop/deployments").reply(202, { message: "Auto-merged main into topic on deployment." });

    const error = await deployments()
      .create({ sha: "abc1234def", environment: "preview", pr: 7, description: "d" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubError);
    expect((error as Error).message).toBe("create deployment of abc1234 in preview: Auto-merged main into topic on deployment.");
  });

  it.each([
    [
      "success with the URLs",
      { state: "success" as const, environmentUrl: "https://pr-7.preview.example", logUrl: "https://github.com/acme/shop/runs/42", description: "Ready" },
      { state: "success", environment_url: "https://pr-7.preview.example", log_url: "https://github.com/acme/shop/runs/42", description: "Ready" },
    ],
    ["in progress without URLs", { state: "in_progress" as const }, { state: "in_progress" }],
    ["failure, description cut", { state: "failure" as const, description: "f".repeat(150) }, { state: "failure", description: `${"f".repeat(139)}…` }],
  ])("sets a status: %s", async (_case, input, body) => {
    githubApi().post("/repos/acme/shop/deployments/901/statuses", body).reply(201, { id: 1 });
    await deployments().setStatus(901, input);
  });

  it("does not post a status again when the one a 502 answered has landed", async () => {
    githubApi()
      .post("/repos/acme/shop/deployments/901/statuses", { state: "success" })
      .reply(502, { message: "Server Error" })
      .get("/repos/acme/shop/deployments/901/statuses?per_page=1")
      .reply(200, [{ state: "success" }]);

    await deployments().setStatus(901, { state: "success" });
  });

  it("posts a status again when the newest one is still the earlier state", async () => {
    githubApi()
      .post("/repos/acme/shop/deployments/901/statuses", { state: "success" })
      .reply(503, { message: "Service Unavailable" })
      .get("/repos/acme/shop/deployments/901/statuses?per_page=1")
      .reply(200, [{ state: "in_progress" }])
      .post("/repos/acme/shop/deployments/901/statuses", { state: "success" })
      .reply(201, { id: 2 });

    await deployments().setStatus(901, { state: "success" });
  });

  it("marks every other deployment of a legacy per-PR environment inactive, across pages, once", async () => {
    githubApi()
      .get("/repos/acme/shop/deployments")
      .query({ environment: "preview/pr-7", per_page: "100", page: "1" })
      .reply(200, [{ id: 903, sha: "d903" }, { id: 902, sha: "d902" }], next(2))
      .get("/repos/acme/shop/deployments")
      .query({ environment: "preview/pr-7", per_page: "100", page: "2" })
      .reply(200, [{ id: 901, sha: "d901" }, { id: 900, sha: "d900" }])
      // 902 is already inactive; 900 has no status yet.
      .get("/repos/acme/shop/deployments/902/statuses?per_page=1")
      .reply(200, [{ state: "inactive" }])
      .get("/repos/acme/shop/deployments/901/statuses?per_page=1")
      .reply(200, [{ state: "success" }])
      .get("/repos/acme/shop/deployments/900/statuses?per_page=1")
      .reply(200, [])
      .post("/repos/acme/shop/deployments/901/statuses", { state: "inactive" })
      .reply(201, { id: 2 })
      .post("/repos/acme/shop/deployments/900/statuses", { state: "inactive" })
      .reply(201, { id: 3 });

    // 900 was created and never reported on: a deploy cut off, whose check run may be open too.
    expect(await deployments().deactivateOthers({ environment: "preview/pr-7", exceptId: 903 })).toEqual(["d900"]);
  });

  it("marks inactive only the pull request's own deployments in the shared environment: its task's, across pages, then older ones its payload names", async () => {
    githubApi()
      .get("/repos/acme/shop/deployments")
      .query({ environment: "preview", task: "deploy:pr-7", per_page: "100", page: "1" })
      .reply(
        200,
        [
          { id: 906, sha: "d906", payload: { berth_key: "k6", berth_pr: 7 } },
          { id: 904, sha: "d904", payload: { berth_key: "k4", berth_pr: 7 } },
        ],
        { link: '<https://api.github.com/repositories/1/deployments?environment=preview&task=deploy%3Apr-7&per_page=100&page=2>; rel="next"' },
      )
      .get("/repos/acme/shop/deployments")
      .query({ environment: "preview", task: "deploy:pr-7", per_page: "100", page: "2" })
      .reply(200, [{ id: 903, sha: "d903", payload: { berth_key: "k3", berth_pr: 7 } }])
      // Made before deployments named their pull request's task: 902 names PR 70, 901 no pull request, 900 PR 7.
      .get("/repos/acme/shop/deployments")
      .query({ environment: "preview", task: "deploy", per_page: "100", page: "1" })
      .reply(200, [
        { id: 902, sha: "d902", payload: { berth_key: "k2", berth_pr: 70 } },
        { id: 901, sha: "d901", payload: "" },
        { id: 900, sha: "d900", payload: { berth_key: "k0", berth_pr: 7 } },
      ])
      .get("/repos/acme/shop/deployments/904/statuses?per_page=1")
      .reply(200, [{ state: "success" }])
      .get("/repos/acme/shop/deployments/903/statuses?per_page=1")
      .reply(200, [{ state: "inactive" }])
      .get("/repos/acme/shop/deployments/900/statuses?per_page=1")
      .reply(200, [{ state: "in_progress" }])
      .post("/repos/acme/shop/deployments/904/statuses", { state: "inactive" })
      .reply(201, { id: 7 })
      .post("/repos/acme/shop/deployments/900/statuses", { state: "inactive" })
      .reply(201, { id: 8 });

    expect(await deployments().deactivateOthers({ environment: "preview", pr: 7, exceptId: 906 })).toEqual(["d900"]);
  });

  it("names the commits of deployments it found still in progress", async () => {
    githubApi()
      .get("/repos/acme/shop/deployments?environment=preview%2Fpr-7&per_page=100&page=1")
      .reply(200, [{ id: 905, sha: "d905" }, { id: 904, sha: "d904" }])
      .get("/repos/acme/shop/deployments/904/statuses?per_page=1")
      .reply(200, [{ state: "in_progress" }])
      .post("/repos/acme/shop/deployments/904/statuses", { state: "inactive" })
      .reply(201, { id: 5 });

    expect(await deployments().deactivateOthers({ environment: "preview/pr-7", exceptId: 905 })).toEqual(["d904"]);
  });

  it("marks all deployments inactive when none is excepted", async () => {
    githubApi()
      .get("/repos/acme/shop/deployments?environment=preview%2Fpr-7&per_page=100&page=1")
      .reply(200, [{ id: 903, sha: "d903" }])
      .get("/repos/acme/shop/deployments/903/statuses?per_page=1")
      .reply(200, [{ state: "success" }])
      .post("/repos/acme/shop/deployments/903/statuses", { state: "inactive" })
      .reply(201, { id: 4 });

    expect(await deployments().deactivateOthers({ environment: "preview/pr-7" })).toEqual([]);
  });
});
