import { afterEach, describe, expect, it } from "vitest";
import type { ReconcileSummary } from "../../src/preview/flow/reconcile.js";
import type { FakeDeployment } from "../fakes/github-fake.js";
import { createHarness, readFixtureRepo, type Harness } from "../helpers/app-harness.js";
import { IMAGE, SHA1, SHA2, STACK } from "../helpers/app-fixtures.js";
import { pullRequestPayload } from "../helpers/webhook-payloads.js";

/**
 * Every preview deploys to the one GitHub environment `preview`, its pull request named in the
 * deployment's payload; deployments of the per-pull-request environments of earlier versions
 * (`preview/pr-7`, `preview/<name>/pr-7`) are still found and concluded.
 */

const SHA3 = "3".repeat(40);
/** A commit deployed before the upgrade. */
const OLD = "0".repeat(40);
const NOTHING: ReconcileSummary = { checked: 0, pulls: 0, removed: 0, redeployed: 0, concluded: 0, deferred: 0, errors: 0 };

let h: Harness;
afterEach(() => {
  expect(h.github.problems()).toEqual([]);
  h.close();
});

/** acme/shop with PR 7 at SHA1 and PR 8 at SHA2 (images pushed for SHA1 to SHA3), nothing deployed. */
function twoPulls(): Harness {
  const harness = createHarness({ files: readFixtureRepo("rails-postgres") });
  for (const sha of [SHA1, SHA2, SHA3]) harness.aws.putImage(IMAGE(sha));
  harness.github.setPull({ number: 7, headSha: SHA1, branch: "feature/seven" });
  harness.github.setPull({ number: 8, headSha: SHA2, branch: "feature/eight" });
  return harness;
}

async function open(harness: Harness, pr: number, sha: string): Promise<void> {
  await harness.receive("pull_request", pullRequestPayload("opened", { number: pr, sha }));
  await harness.settle();
}

/** Each deployment as `environment PR sha: latest state`, oldest first (PR `-` when the payload names none). */
function deployments(harness: Harness): string[] {
  return harness.github.state.deployments.map((d) => {
    const pr = (d.payload as { berth_pr?: number }).berth_pr ?? "-";
    return `${d.environment} ${pr} ${d.sha.slice(0, 7)}: ${d.statuses.at(-1)?.state ?? "none"}`;
  });
}

/** A deployment made earlier: by default as earlier versions did, in a per-pull-request environment with no PR in its payload. */
function legacyDeployment(harness: Harness, input: { environment: string; sha: string; state: string; payload?: object }): FakeDeployment {
  const deployment: FakeDeployment = {
    id: 500 + harness.github.state.deployments.length,
    sha: input.sha,
    environment: input.environment,
    task: "deploy",
    transient_environment: true,
    production_environment: false,
    payload: input.payload ?? { berth_key: "from-before" },
    statuses: [{ state: input.state }],
  };
  harness.github.state.deployments.unshift(deployment);
  return deployment;
}

/** berth's check run on `sha` that a deploy cut off by a restart left in progress. */
function openCheckRun(harness: Harness, id: number, sha: string): void {
  harness.github.state.checkRuns.push({
    id,
    head_sha: sha,
    name: "preview",
    status: "in_progress",
    output: { title: "Deploying", summary: "Deploy of `0000000`" },
    updates: 0,
    app: { id: 1, slug: "berth-previews" },
  });
}

async function resync(harness: Harness): Promise<ReconcileSummary> {
  await harness.ready();
  const summary = await harness.previews.resync();
  await harness.settle();
  return summary;
}

describe("one environment for all previews", () => {
  it("two pull requests deploying into preview keep each other's deployments active; a push retires only its own PR's older one", async () => {
    h = twoPulls();
    await open(h, 7, SHA1);
    await open(h, 8, SHA2);

    expect(deployments(h)).toEqual(["preview 7 1111111: success", "preview 8 2222222: success"]);

    h.github.setPull({ number: 7, headSha: SHA3, branch: "feature/seven" });
    await h.receive("pull_request", pullRequestPayload("synchronize", { number: 7, sha: SHA3 }));
    await h.settle();

    expect(deployments(h)).toEqual(["preview 7 1111111: inactive", "preview 8 2222222: success", "preview 7 3333333: success"]);
    // The "View deployment" link of each pull request's newest deployment is its own preview's.
    const [, eight, seven] = h.github.state.deployments;
    expect(seven?.statuses.at(-1)?.environment_url).toMatch(/^https:\/\/shop-pr-7-/);
    expect(eight?.statuses.at(-1)?.environment_url).toMatch(/^https:\/\/shop-pr-8-/);
  });

  it("a push reads only its own pull request's deployments: GitHub filters them by the task that names the pull request", async () => {
    h = twoPulls();
    await open(h, 7, SHA1);
    await open(h, 8, SHA2);
    const before = h.github.state.requests.length;

    h.github.setPull({ number: 7, headSha: SHA3, branch: "feature/seven" });
    await h.receive("pull_request", pullRequestPayload("synchronize", { number: 7, sha: SHA3 }));
    await h.settle();

    expect(h.github.state.deployments.map((d) => `${d.task} ${d.sha.slice(0, 7)}`)).toEqual(["deploy:pr-7 1111111", "deploy:pr-8 2222222", "deploy:pr-7 3333333"]);
    const reads = h.github.state.requests.slice(before).filter((r) => /^GET \/repos\/acme\/shop\/deployments(\/\d+\/statuses)?$/.test(r));
    // PR 8's deployment (id of 2222222) is never read: neither listed nor its statuses asked for.
    const eight = h.github.state.deployments.find((d) => d.sha === SHA2)!.id;
    expect(reads.some((r) => r.includes(`/deployments/${eight}/`))).toBe(false);
    expect(deployments(h)).toEqual(["preview 7 1111111: inactive", "preview 8 2222222: success", "preview 7 3333333: success"]);
  });

  it("a deployment in preview from before deployments named their pull request's task is still retired by its own pull request", async () => {
    h = twoPulls();
    legacyDeployment(h, { environment: "preview", sha: OLD, state: "success", payload: { berth_key: "k", berth_pr: 8 } });
    legacyDeployment(h, { environment: "preview", sha: OLD, state: "success", payload: { berth_key: "k", berth_pr: 7 } });

    await open(h, 7, SHA1);

    expect(deployments(h)).toEqual(["preview 7 0000000: inactive", "preview 8 0000000: success", "preview 7 1111111: success"]);
  });

  it("closing one pull request deactivates only its deployments", async () => {
    h = twoPulls();
    await open(h, 7, SHA1);
    await open(h, 8, SHA2);

    h.github.setPull({ number: 8, headSha: SHA2, branch: "feature/eight", state: "closed" });
    await h.receive("pull_request", pullRequestPayload("closed", { number: 8, sha: SHA2 }));
    await h.settle();

    expect(deployments(h)).toEqual(["preview 7 1111111: success", "preview 8 2222222: inactive"]);
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.status).toBe("UPDATE_COMPLETE");
    expect(h.github.stickyComments(7)[0]?.body).toContain("Preview ready");
    expect(h.github.stickyComments(8)[0]?.body).toContain("The pull request was closed.");
  });

  it("a pull request's first deploy after the upgrade deactivates its deployment in its legacy environment, and no other's", async () => {
    h = twoPulls();
    legacyDeployment(h, { environment: "preview/pr-8", sha: OLD, state: "success" });
    legacyDeployment(h, { environment: "preview/pr-7", sha: OLD, state: "success" });

    await open(h, 7, SHA1);

    expect(deployments(h)).toEqual(["preview/pr-7 - 0000000: inactive", "preview/pr-8 - 0000000: success", "preview 7 1111111: success"]);
  });

  it("closing a pull request deactivates its deployments in its legacy environment too", async () => {
    h = twoPulls();
    await open(h, 7, SHA1);
    legacyDeployment(h, { environment: "preview/pr-7", sha: OLD, state: "success" });

    h.github.setPull({ number: 7, headSha: SHA1, branch: "feature/seven", state: "closed" });
    await h.receive("pull_request", pullRequestPayload("closed", { number: 7, sha: SHA1 }));
    await h.settle();

    expect(deployments(h)).toEqual(["preview/pr-7 - 0000000: inactive", "preview 7 1111111: inactive"]);
  });

  it("the first resync after the upgrade concludes an open pull request's legacy deploy a restart left open", async () => {
    h = twoPulls();
    await open(h, 7, SHA1);
    legacyDeployment(h, { environment: "preview/pr-7", sha: OLD, state: "in_progress" });
    openCheckRun(h, 600, OLD);

    h.restart();
    expect(await resync(h)).toEqual({ ...NOTHING, checked: 1, pulls: 1, redeployed: 1, concluded: 1 });

    const legacy = h.github.state.deployments.find((d) => d.environment === "preview/pr-7");
    expect(legacy?.statuses.at(-1)).toEqual({ state: "inactive", description: "Superseded by 1111111" });
    expect(h.github.checkRun(OLD)).toMatchObject({ status: "completed", conclusion: "neutral", output: { title: "Superseded by 1111111" } });
  });

  it.each([
    ["preview/pr-9", undefined],
    ["preview/shop/pr-9", undefined],
    ["preview", { berth_key: "k", berth_pr: 9 }],
  ])("the first resync after a start concludes a closed pull request's deploy left open in %s (payload %j)", async (environment, payload) => {
    h = twoPulls();
    await open(h, 7, SHA1);
    h.github.setPull({ number: 9, headSha: OLD, branch: "feature/nine", state: "closed" });
    legacyDeployment(h, { environment, sha: OLD, state: "in_progress", ...(payload ? { payload } : {}) });
    openCheckRun(h, 600, OLD);

    h.restart();
    const summary = await resync(h);

    expect(summary.concluded).toBe(1);
    const legacy = h.github.state.deployments.find((d) => d.environment === environment);
    expect(legacy?.statuses.at(-1)).toEqual({ state: "inactive", description: "Stopped: The pull request was closed." });
    expect(h.github.checkRun(OLD)).toMatchObject({ status: "completed", conclusion: "neutral" });
    expect(h.github.checkRun(OLD)?.output.summary.split("\n")[0]).toContain("The pull request was closed.");
    expect(deployments(h)).toContain("preview 7 1111111: success");
  });
});
