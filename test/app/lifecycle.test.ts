import { afterEach, describe, expect, it } from "vitest";
import { createHarness, readFixtureRepo, type Harness } from "../helpers/app-harness.js";
import { HOST, SHA1, SHA2, STACK, IMAGE } from "../helpers/app-fixtures.js";
import { pullRequestPayload } from "../helpers/webhook-payloads.js";
import { releaseStepRuns, releaseThenDeployment } from "../helpers/release-runs.js";

const URL = `https://${HOST}`;

let h: Harness;
afterEach(() => {
  expect(h.github.problems()).toEqual([]);
  h.close();
});

/** The release steps run so far, as `step: command`. */
function releaseRuns(harness: Harness): string[] {
  return releaseStepRuns(harness, { commands: true });
}

describe("deploy on open and push", () => {
  it("opens a preview: image, stack, migrate, seed, rollout, health, and reports on the PR", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));

    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await h.settle();

    const stack = h.aws.state.cloudformation.stacks.get(STACK);
    expect(stack?.status).toBe("UPDATE_COMPLETE");
    expect(stack?.tags).toMatchObject({ "berth:managed": "true", "berth:repository": "acme/shop", "berth:pr": "7", "berth:sha": SHA1, "berth:seeded": "true" });
    expect(releaseRuns(h)).toEqual(["berth/migrate: bin/rails db:migrate", "berth/seed: bin/rails db:seed"]);

    const run = h.github.checkRun(SHA1);
    expect(run).toMatchObject({ name: "preview", status: "completed", conclusion: "success" });
    expect(run?.output.title).toContain(URL);
    for (const phase of ["Image", "Stack", "Migrate", "Seed", "Rollout", "Health"]) expect(run?.output.summary).toMatch(new RegExp(`\\| ${phase} \\| ✅ success \\|`));

    const [deployment] = h.github.state.deployments;
    expect(deployment).toMatchObject({ sha: SHA1, environment: "preview", payload: expect.objectContaining({ berth_pr: 7 }), transient_environment: true, production_environment: false });
    expect(deployment?.statuses.map((s) => s.state)).toEqual(["in_progress", "success"]);
    expect(deployment?.statuses.at(-1)?.environment_url).toBe(URL);
    // The deployment's log link opens the public service's log in CloudWatch.
    expect(deployment?.statuses.at(-1)?.log_url).toBe("https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/$252Fberth$252Fpreviews$253FlogStreamNameFilter$253Dshop-pr-7-acme-d21b2c$252Fweb$252F");

    const comments = h.github.stickyComments();
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain("Preview ready");
    expect(comments[0]?.body).toContain(URL);
    expect(comments[0]?.body).toContain("/preview reset");
  });

  it("runs migrate before the new version takes traffic, and not seed, on a push", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2));
    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await h.settle();
    const before = h.aws.calls.length;
    const signalled = h.aws.state.cloudformation.signals.length;

    await h.receive("pull_request", pullRequestPayload("synchronize", { number: 7, sha: SHA2 }));
    await h.settle();

    const later = h.aws.calls.slice(before);
    const runTask = later.findIndex((c) => c.command === "RunTask");
    const executes = later.map((c, i) => (c.command === "ExecuteChangeSet" ? i : -1)).filter((i) => i >= 0);
    // Only the code changed: no release-phase update (the release task's new image is registered
    // directly); the rollout update, which also names the new commit in the stack's tags, starts
    // with migrate behind the release gate, and ECS starts the new version only after migrate exited 0.
    expect(executes).toHaveLength(1);
    expect(later.slice(0, runTask).map((c) => c.command)).toContain("RegisterTaskDefinition");
    const { released, deployed } = releaseThenDeployment(h);
    expect(deployed).toBeGreaterThanOrEqual(released);
    expect(h.aws.state.cloudformation.signals.slice(signalled).map((s) => `${s.status}: ${s.reason}`)).toEqual(["SUCCESS: every release step exited 0"]);
    expect(h.github.checkRun(SHA2)?.output.summary).toMatch(/\| Stack \| ✅ success \| [^|]* \| no stack update: the release task's new image is registered directly \|/);
    expect(releaseRuns(h).slice(2)).toEqual(["berth/migrate: bin/rails db:migrate"]);
    expect(h.github.checkRun(SHA2)?.output.summary).toMatch(/\| Seed \| ⏭️ skipped \|/);
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA2);
    expect(h.github.stickyComments()).toHaveLength(1);
    const deployments = h.github.state.deployments;
    expect(deployments).toHaveLength(2);
    expect(deployments[0]?.statuses.at(-1)?.state).toBe("inactive");
    expect(deployments[1]?.statuses.at(-1)?.state).toBe("success");
  });

  it("a reopened pull request gets a fresh preview, seeded again", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await h.settle();
    await h.receive("pull_request", pullRequestPayload("closed", { number: 7, sha: SHA1 }));
    await h.settle();
    expect(h.aws.state.cloudformation.stacks.has(STACK)).toBe(false);

    await h.receive("pull_request", pullRequestPayload("reopened", { number: 7, sha: SHA1 }));
    await h.settle();

    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA1);
    expect(releaseRuns(h)).toEqual([
      "berth/migrate: bin/rails db:migrate",
      "berth/seed: bin/rails db:seed",
      "berth/migrate: bin/rails db:migrate",
      "berth/seed: bin/rails db:seed",
    ]);
    expect(h.github.stickyComments()).toHaveLength(1);
    expect(h.github.stickyComments()[0]?.body).toContain("Preview ready");
  });

  it("finds the installation itself when a payload carries none", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    const payload = pullRequestPayload("opened", { number: 7, sha: SHA1 });
    delete payload.installation;

    await h.receive("pull_request", payload);
    await h.settle();

    expect(h.github.state.requests).toContain("GET /repos/acme/shop/installation");
    expect(h.github.checkRun(SHA1)?.conclusion).toBe("success");
  });

  it("does nothing at all for a repository without .github/preview.yml", async () => {
    const files = readFixtureRepo("rails-postgres");
    delete files[".github/preview.yml"];
    h = createHarness({ files });

    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await h.settle();

    expect(h.aws.mutations()).toEqual([]);
    expect(h.github.state.checkRuns).toEqual([]);
    expect(h.github.state.comments).toEqual([]);
    expect(h.github.state.deployments).toEqual([]);
  });
});
