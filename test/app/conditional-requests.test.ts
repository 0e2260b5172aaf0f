import { afterEach, describe, expect, it } from "vitest";
import { createHarness, readFixtureRepo, type Harness } from "../helpers/app-harness.js";
import { IMAGE, SHA1, SHA2, STACK } from "../helpers/app-fixtures.js";
import { pullRequestPayload } from "../helpers/webhook-payloads.js";

let h: Harness;
afterEach(() => {
  expect(h.github.problems()).toEqual([]);
  h.close();
});

/** acme/shop#7 deployed at SHA1, with GitHub reached through production's Octokit. */
async function deployed(): Promise<Harness> {
  h = createHarness({ files: readFixtureRepo("rails-postgres"), githubRetries: { msPerSecond: 1 } });
  h.aws.putImage(IMAGE(SHA1));
  h.aws.putImage(IMAGE(SHA2));
  h.github.setPull({ number: 7, headSha: SHA1, branch: "feature/checkout" });
  await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
  await h.settle();
  return h;
}

async function resync(): Promise<string[]> {
  const before = h.github.state.notModified.length;
  await h.previews.resync();
  await h.settle();
  return h.github.state.notModified.slice(before);
}

describe("the resync's GitHub reads are conditional", () => {
  it("costs no rate limit while nothing changed: every read of a steady resync is answered 304", async () => {
    await deployed();
    await resync();
    const requests = h.github.state.requests.length;

    const unchanged = await resync();

    const sent = h.github.state.requests.slice(requests);
    expect(sent).toHaveLength(7);
    expect(unchanged).toEqual(sent);
  });

  it("sees a change at once: a push whose webhook was lost is deployed by the next resync", async () => {
    await deployed();
    await resync();
    h.github.setPull({ number: 7, headSha: SHA2, branch: "feature/checkout" });

    const unchanged = await resync();

    expect(unchanged).not.toContain("GET /repos/acme/shop/pulls/7");
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA2);
    expect(h.github.checkRun(SHA2)).toMatchObject({ status: "completed", conclusion: "success" });
  });

  it("forgets everything on a restart, as a new process would", async () => {
    await deployed();
    await resync();
    h.restart();
    await h.ready();

    // Nothing the first process read comes back 304; only what this resync reads twice does (a
    // deployment's status: once for the pull request's recent deployments, once for the repository's).
    expect(await resync()).toEqual(["GET /repos/acme/shop/deployments/1001/statuses"]);
    expect(await resync()).not.toEqual([]);
  });
});
