import { describe, expect, it } from "vitest";
import { createGitHubOctokit } from "../../handlers/github-octokit.js";
import { githubApi, useGitHubApiChecks } from "../helpers/github-openapi.js";

useGitHubApiChecks();

const pull = "/repos/acme/shop/pulls/7";
const SECONDARY = { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again." };

/** berth's Octokit with 1 s lasting 1 ms, its warnings collected. */
function octokit() {
  const warnings: string[] = [];
  const log = { debug: () => {}, info: () => {}, warn: (message: string) => warnings.push(message), error: () => {} };
  const GitHub = createGitHubOctokit({ msPerSecond: 1 });
  return { client: new GitHub({ auth: "test-token", log }), warnings };
}

describe("createGitHubOctokit", () => {
  it("waits out a secondary rate limit for retry-after seconds, up to 3 times", async () => {
    githubApi().get(pull).times(3).reply(403, SECONDARY, { "retry-after": "2" }).get(pull).reply(200, { number: 7 });
    const { client, warnings } = octokit();

    await expect(client.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { owner: "acme", repo: "shop", pull_number: 7 })).resolves.toMatchObject({ data: { number: 7 } });
    expect(warnings).toEqual(Array(3).fill("GitHub secondary rate limit on GET /repos/{owner}/{repo}/pulls/{pull_number}: retrying in 2 s"));
  });

  it("gives a fourth secondary rate limit to the caller", async () => {
    githubApi().get(pull).times(4).reply(429, SECONDARY, { "retry-after": "1" });
    const { client, warnings } = octokit();

    await expect(client.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { owner: "acme", repo: "shop", pull_number: 7 })).rejects.toMatchObject({ status: 429 });
    expect(warnings.at(-1)).toBe("GitHub secondary rate limit on GET /repos/{owner}/{repo}/pulls/{pull_number}: giving up");
  });

  it("waits for x-ratelimit-reset when the primary limit is used up, up to 2 times", async () => {
    const reset = String(Math.floor(Date.now() / 1000));
    const used = { "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset };
    githubApi().get(pull).times(2).reply(403, { message: "API rate limit exceeded for installation ID 1." }, used).get(pull).reply(200, { number: 7 });
    const { client, warnings } = octokit();

    await expect(client.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { owner: "acme", repo: "shop", pull_number: 7 })).resolves.toMatchObject({ status: 200 });
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^GitHub rate limit used up on GET \/repos\/\{owner\}\/\{repo\}\/pulls\/\{pull_number\}: retrying in [01] s$/);
  });

  it("retries a 502 with back-off, as Probot's retry plugin does", async () => {
    githubApi().get(pull).reply(502, { message: "Server Error" }).get(pull).reply(200, { number: 7 });
    const { client } = octokit();

    await expect(client.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { owner: "acme", repo: "shop", pull_number: 7 })).resolves.toMatchObject({ status: 200 });
  });
});
