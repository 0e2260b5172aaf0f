import { generateKeyPairSync } from "node:crypto";
import { Probot } from "probot";
import { afterEach, describe, expect, it, vi } from "vitest";
import { scheduleResync } from "../../handlers/create-engine.js";
import { productionDeps } from "../../handlers/index.js";
import type { ReconcileSummary } from "../../src/preview/flow/reconcile.js";
import { silentLogger, type Logger } from "../../src/util/logger.js";
import { createHarness, readFixtureRepo, type Harness } from "../helpers/app-harness.js";
import { SHA1, SHA2, STACK, IMAGE } from "../helpers/app-fixtures.js";
import { prCommentPayload, pullRequestPayload } from "../helpers/webhook-payloads.js";

const BRANCH = "feature/checkout";
const NOTHING: ReconcileSummary = { checked: 0, pulls: 0, removed: 0, redeployed: 0, concluded: 0, deferred: 0, errors: 0 };

describe("resync through the app", () => {
  let h: Harness;
  afterEach(() => {
    expect(h.github.problems()).toEqual([]);
    h.close();
  });

  /** PR 7 of acme/shop deployed at SHA1 through its `opened` webhook. */
  async function deployed(options: { fork?: boolean } = {}): Promise<Harness> {
    const harness = createHarness({ files: readFixtureRepo("rails-postgres") });
    harness.aws.putImage(IMAGE(SHA1));
    harness.aws.putImage(IMAGE(SHA2));
    harness.github.setPull({ number: 7, headSha: SHA1, branch: BRANCH, ...(options.fork ? { fork: true } : {}) });
    await harness.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1, ...(options.fork ? { fork: true } : {}) }));
    await harness.settle();
    if (options.fork) {
      harness.github.setPermission("maintainer", "maintain");
      const id = harness.github.addComment("/preview approve", { login: "maintainer", type: "User" });
      await harness.receive("issue_comment", prCommentPayload({ pr: 7, body: "/preview approve", commentId: id, user: "maintainer" }));
      await harness.settle();
    }
    expect(harness.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA1);
    return harness;
  }

  async function resync(harness: Harness): Promise<ReconcileSummary> {
    await harness.ready();
    const summary = await harness.previews.resync();
    await harness.settle();
    return summary;
  }

  it("removes the preview of a pull request whose closed webhook was missed, and nothing else", async () => {
    h = await deployed();
    // Stacks that are not berth's previews, though they look alike: a copy without the name
    // prefix, and one with the prefix and the PR tags but without the ownership tag.
    const prTags = { "berth:repository": "acme/shop", "berth:pr": "7", "berth:sha": SHA1 };
    h.aws.state.cloudformation.seedStack({ name: "shop-pr-7-copy", outputs: {}, tags: { "berth:managed": "true", ...prTags } });
    h.aws.state.cloudformation.seedStack({ name: "berth-legacy-pr-7", outputs: {}, tags: prTags });
    h.github.setPull({ number: 7, headSha: SHA1, branch: BRANCH, state: "closed" });
    const before = h.aws.mutations().length;

    expect(await resync(h)).toEqual({ ...NOTHING, checked: 1, removed: 1 });

    expect(h.aws.state.cloudformation.stacks.has(STACK)).toBe(false);
    expect([...h.aws.state.cloudformation.stacks.keys()]).toEqual(["berth-base", "shop-pr-7-copy", "berth-legacy-pr-7"]);
    // The stack, then its release task definition's revisions: nothing of any other preview.
    expect(h.aws.mutations().slice(before)).toEqual(["DeleteStack", "DeleteTaskDefinitions"]);
    expect(h.aws.calls.filter((c) => c.command === "DeleteStack").map((c) => c.input.StackName)).toEqual([STACK]);
    const deleted = h.aws.calls.filter((c) => c.command === "DeleteTaskDefinitions").flatMap((c) => c.input.taskDefinitions as string[]);
    expect(deleted.length).toBeGreaterThan(0);
    for (const arn of deleted) expect(arn).toMatch(new RegExp(`:task-definition/${STACK}-release:\\d+$`));
    expect(h.github.state.deployments.every((d) => d.statuses.at(-1)?.state === "inactive")).toBe(true);
    const comments = h.github.stickyComments();
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain("🗑️ Preview removed");
    expect(comments[0]?.body).toContain("The pull request was closed.");

    // Level-triggered: the next pass finds nothing left to do.
    expect(await resync(h)).toEqual(NOTHING);
  });

  it("deploys a head whose synchronize webhook was missed", async () => {
    h = await deployed();
    h.github.setPull({ number: 7, headSha: SHA2, branch: BRANCH });

    expect(await resync(h)).toEqual({ ...NOTHING, checked: 1, redeployed: 1 });

    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA2);
    expect(h.github.checkRun(SHA2)).toMatchObject({ status: "completed", conclusion: "success" });
    expect(h.github.stickyComments()[0]?.body).toContain("Preview ready");
    expect(await resync(h)).toEqual({ ...NOTHING, checked: 1 });
  });

  it.each([
    ["ListStacks", { name: "Throttling", message: "Rate exceeded" }],
    ["DescribeStacks", { name: "ServiceUnavailable", message: "Service Unavailable", status: 503 }],
  ])("deploys a missed head though AWS fails the resync's first look at berth's stacks (%s, past the SDK's retries)", async (command, error) => {
    h = await deployed();
    h.github.setPull({ number: 7, headSha: SHA2, branch: BRANCH });
    h.aws.fail(command, { error });
    const lists = h.aws.commands("cloudformation").filter((c) => c === "ListStacks").length;

    expect(await resync(h)).toEqual({ ...NOTHING, checked: 1, redeployed: 1 });

    expect(h.aws.commands("cloudformation").filter((c) => c === "ListStacks").length - lists).toBe(2);
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA2);
    expect(h.github.checkRun(SHA2)).toMatchObject({ status: "completed", conclusion: "success" });
  });

  it("fails a resync whose look at berth's stacks AWS refuses for good, without retrying it", async () => {
    h = await deployed();
    h.aws.fail("ListStacks", { error: { name: "AccessDenied", message: "User is not authorized to perform: cloudformation:ListStacks" }, times: 5 });
    const lists = h.aws.commands("cloudformation").filter((c) => c === "ListStacks").length;

    await expect(h.previews.resync()).rejects.toThrow(/ListStacks .*AccessDenied/);
    expect(h.aws.commands("cloudformation").filter((c) => c === "ListStacks").length - lists).toBe(1);
  });

  it("changes nothing while every preview serves its pull request's head, at a known GitHub cost", async () => {
    h = await deployed();
    const mutations = h.aws.mutations().length;
    let requests = h.github.state.requests.length;

    // The first resync after a start also reads the preview's recent deployments for older heads'
    // check runs a restart may have left open (in `preview`, then in its legacy environment
    // `preview/pr-7`, empty here), and the repository's for closed pull requests'.
    expect(await resync(h)).toEqual({ ...NOTHING, checked: 1 });
    expect(h.github.state.requests.slice(requests)).toEqual([
      "GET /repos/acme/shop/installation",
      "GET /repos/acme/shop/pulls/7",
      `GET /repos/acme/shop/commits/${SHA1}/check-runs`,
      "GET /repos/acme/shop/deployments",
      "GET /repos/acme/shop/deployments/1001/statuses",
      "GET /repos/acme/shop/deployments",
      "GET /app/installations",
      "GET /installation/repositories",
      "GET /repos/acme/shop/contents/.github%2Fpreview.yml",
      "GET /repos/acme/shop/pulls",
      "GET /repos/acme/shop/deployments",
      "GET /repos/acme/shop/deployments/1001/statuses",
    ]);
    requests = h.github.state.requests.length;

    // Later ones: per stack its pull request and the head's check runs; per installation its
    // repositories; per repository its config and its open pull requests.
    expect(await resync(h)).toEqual({ ...NOTHING, checked: 1 });
    expect(h.github.state.requests.slice(requests)).toEqual([
      "GET /repos/acme/shop/installation",
      "GET /repos/acme/shop/pulls/7",
      `GET /repos/acme/shop/commits/${SHA1}/check-runs`,
      "GET /app/installations",
      "GET /installation/repositories",
      "GET /repos/acme/shop/contents/.github%2Fpreview.yml",
      "GET /repos/acme/shop/pulls",
    ]);
    expect(h.aws.mutations().length).toBe(mutations);
  });

  it("does not retry a head whose deploy failed for a reason that repeats, even after a restart", async () => {
    h = await deployed();
    h.aws.scriptTask({ commandIncludes: "db:migrate", exitCode: 1, logLines: ["PG::DuplicateColumn"] });
    h.github.setPull({ number: 7, headSha: SHA2, branch: BRANCH });
    await h.receive("pull_request", pullRequestPayload("synchronize", { number: 7, sha: SHA2 }));
    await h.settle();
    expect(h.github.checkRun(SHA2)?.conclusion).toBe("failure");
    const checkRuns = h.github.state.checkRuns.length;

    expect(await resync(h)).toEqual({ ...NOTHING, checked: 1 });
    h.restart();
    expect(await resync(h)).toEqual({ ...NOTHING, checked: 1 });

    expect(h.github.state.checkRuns).toHaveLength(checkRuns);
    expect(h.github.checkRun(SHA2)?.output.summary).not.toContain("berth deploys this commit again");
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA1);
  });

  it("finishes a deploy a restart interrupted after the stack rolled the new SHA out, and concludes the old run", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.github.setPull({ number: 7, headSha: SHA1, branch: BRANCH });
    // The process dies while it waits for the load balancer, after the rollout's stack update
    // completed (naming the head): the check run left open is what tells the resync to finish.
    h.aws.fail("DescribeTargetHealth", { hang: true });
    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await vi.waitFor(() => expect(h.aws.commands("elbv2")).toContain("DescribeTargetHealth"), { timeout: 60_000, interval: 5 });
    expect(h.aws.state.cloudformation.stacks.get(STACK)).toMatchObject({ status: "CREATE_COMPLETE", tags: { "berth:sha": SHA1, "berth:deploying": SHA1 } });
    expect(h.github.checkRuns(SHA1).map((r) => r.status)).toEqual(["in_progress"]);

    h.restart();
    expect(await resync(h)).toEqual({ ...NOTHING, checked: 1, redeployed: 1, concluded: 1 });

    const [interrupted, retried, ...more] = h.github.checkRuns(SHA1);
    expect(more).toEqual([]);
    expect(interrupted).toMatchObject({ status: "completed", conclusion: "neutral", output: { title: "Interrupted" } });
    expect(interrupted?.output.summary.split("\n")[0]).toBe("Interrupted: berth restarted before this deploy finished; deploying again.");
    expect(retried).toMatchObject({ status: "completed", conclusion: "success" });
    expect(retried?.output.summary.split("\n")[0]).toBe(
      "Deploy of `1111111` for pull request #7, attempt 2 of 3 (the last one was interrupted: berth restarted before it finished)",
    );
    const [first, second] = h.github.deploymentsOf(SHA1);
    expect(first?.statuses.map((s) => `${s.state}: ${s.description ?? ""}`)).toEqual([
      "in_progress: Deploying",
      "inactive: Interrupted: berth restarted before this deploy finished",
    ]);
    expect(second?.statuses.at(-1)).toMatchObject({ state: "success", description: "Preview ready" });
    expect(h.github.stickyComments()[0]?.body).toContain("Preview ready");

    // Level-triggered: the next pass finds nothing left to do.
    expect(await resync(h)).toEqual({ ...NOTHING, checked: 1 });
    expect(h.github.state.checkRuns).toHaveLength(2);
  });

  it("concludes the run of a head superseded while berth was down, and deploys the new head", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2));
    h.github.setPull({ number: 7, headSha: SHA1, branch: BRANCH });
    h.aws.fail("DescribeTargetHealth", { hang: true });
    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await vi.waitFor(() => expect(h.aws.commands("elbv2")).toContain("DescribeTargetHealth"), { timeout: 60_000, interval: 5 });
    // Pushed while berth was down: the synchronize webhook reached nobody.
    h.github.setPull({ number: 7, headSha: SHA2, branch: BRANCH });

    h.restart();
    expect(await resync(h)).toEqual({ ...NOTHING, checked: 1, redeployed: 1, concluded: 1 });

    expect(h.github.checkRuns(SHA1)).toHaveLength(1);
    expect(h.github.checkRun(SHA1)).toMatchObject({ status: "completed", conclusion: "neutral", output: { title: "Superseded by 2222222" } });
    expect(h.github.checkRun(SHA1)?.output.summary.split("\n")[0]).toBe(
      "Superseded by `2222222`: berth restarted before this deploy finished, and the pull request has moved on.",
    );
    expect(h.github.deploymentsOf(SHA1)[0]?.statuses.map((s) => s.state)).toEqual(["in_progress", "inactive"]);
    expect(h.github.deploymentsOf(SHA1)[0]?.statuses[1]?.description).toBe("Superseded by 2222222");
    expect(h.github.checkRuns(SHA2).map((r) => r.conclusion)).toEqual(["success"]);
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA2);
  });

  it("the next push's successful deploy concludes an older head's run a restart left open, before any resync", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2));
    h.github.setPull({ number: 7, headSha: SHA1, branch: BRANCH });
    h.aws.fail("DescribeTargetHealth", { hang: true });
    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await vi.waitFor(() => expect(h.aws.commands("elbv2")).toContain("DescribeTargetHealth"), { timeout: 60_000, interval: 5 });

    h.restart();
    await h.ready();
    h.github.setPull({ number: 7, headSha: SHA2, branch: BRANCH });
    await h.receive("pull_request", pullRequestPayload("synchronize", { number: 7, sha: SHA2 }));
    await h.settle();

    // The success found the older deployment still in progress: its run was cut off too.
    expect(h.github.checkRun(SHA1)).toMatchObject({ status: "completed", conclusion: "neutral", output: { title: "Superseded by 2222222" } });
    expect(h.github.deploymentsOf(SHA1)[0]?.statuses.map((s) => s.state)).toEqual(["in_progress", "inactive"]);
    expect(h.github.checkRuns(SHA2).map((r) => r.conclusion)).toEqual(["success"]);
    expect(await resync(h)).toEqual({ ...NOTHING, checked: 1 });
    // Done once: later resyncs do not read the deployments again.
    const requests = h.github.state.requests.length;
    expect(await resync(h)).toEqual({ ...NOTHING, checked: 1 });
    expect(h.github.state.requests.slice(requests).filter((r) => r.includes("/deployments"))).toEqual([]);
  });

  it("sweeps an older head's run a restart left open at a later resync when the first one found the pull request busy", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2));
    h.github.setPull({ number: 7, headSha: SHA1, branch: BRANCH });
    // The process dies in its health check, however fast its waits got there.
    h.aws.fail("DescribeTargetHealth", { hang: true });
    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await vi.waitFor(() => expect(h.aws.commands("elbv2")).toContain("DescribeTargetHealth"), { timeout: 60_000, interval: 5 });

    h.restart();
    await h.ready();
    // A sweep cut off between its two writes: the deployment is inactive, its check run still open.
    h.github.deploymentsOf(SHA1)[0]!.statuses.push({ state: "inactive" });
    h.github.setPull({ number: 7, headSha: SHA2, branch: BRANCH });
    await h.receive("pull_request", pullRequestPayload("synchronize", { number: 7, sha: SHA2 }));
    // The start-up resync runs while the push's deploy does: it leaves the pull request to it.
    expect(await h.previews.resync()).toEqual({ ...NOTHING, checked: 1 });
    await h.settle();
    expect(h.github.checkRun(SHA1)?.status).toBe("in_progress");

    expect(await resync(h)).toEqual({ ...NOTHING, checked: 1, concluded: 1 });

    expect(h.github.checkRun(SHA1)).toMatchObject({ status: "completed", conclusion: "neutral", output: { title: "Superseded by 2222222" } });
    expect(h.github.checkRuns(SHA2).map((r) => r.conclusion)).toEqual(["success"]);
  });

  it("a later successful deploy of the same head concludes the run a restart left open on it", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.github.setPull({ number: 7, headSha: SHA1, branch: BRANCH });
    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await vi.waitFor(() => expect(h.aws.commands("elbv2")).toContain("DescribeTargetHealth"), { timeout: 60_000, interval: 5 });
    h.kill();

    h.restart();
    await h.ready();
    // A webhook deploys the head before any resync looked at the pull request.
    await h.receive("pull_request", pullRequestPayload("reopened", { number: 7, sha: SHA1 }));
    await h.settle();

    const [cutOff, later] = h.github.checkRuns(SHA1);
    expect(later).toMatchObject({ status: "completed", conclusion: "success" });
    expect(cutOff).toMatchObject({ status: "completed", conclusion: "neutral", output: { title: "Interrupted" } });
    expect(cutOff?.output.summary.split("\n")[0]).toBe("Interrupted: berth restarted before this deploy finished; a later deploy of this commit took its place.");
  });

  it("concludes the run a restart left open when the pull request is closed, which no resync looks at again", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.github.setPull({ number: 7, headSha: SHA1, branch: BRANCH });
    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await vi.waitFor(() => expect(h.aws.commands("elbv2")).toContain("DescribeTargetHealth"), { timeout: 60_000, interval: 5 });

    h.restart();
    await h.ready();
    h.github.setPull({ number: 7, headSha: SHA1, branch: BRANCH, state: "closed" });
    await h.receive("pull_request", pullRequestPayload("closed", { number: 7, sha: SHA1 }));
    await h.settle();

    expect(h.aws.state.cloudformation.stacks.has(STACK)).toBe(false);
    expect(h.github.checkRuns(SHA1)).toHaveLength(1);
    expect(h.github.checkRun(SHA1)).toMatchObject({ status: "completed", conclusion: "neutral", output: { title: "Preview removed" } });
    expect(h.github.checkRun(SHA1)?.output.summary.split("\n")[0]).toBe("Preview removed before this deploy finished: The pull request was closed.");
    expect(h.github.deploymentsOf(SHA1)[0]?.statuses.at(-1)?.state).toBe("inactive");
    expect(await resync(h)).toEqual(NOTHING);
  });

  it("concludes the run a restart left open before the pull request had a stack, when it closed while berth was down", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    // No image yet: the deploy waits in its image phase, before any stack exists.
    h.github.setPull({ number: 7, headSha: SHA1, branch: BRANCH });
    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await vi.waitFor(() => expect(h.github.checkRun(SHA1)?.output.summary).toMatch(/\| Image \| ⏳ waiting/), { timeout: 60_000, interval: 5 });
    h.kill();
    h.github.setPull({ number: 7, headSha: SHA1, branch: BRANCH, state: "closed" });
    h.restart();

    expect(await resync(h)).toEqual({ ...NOTHING, concluded: 1 });

    expect(h.aws.state.cloudformation.stacks.has(STACK)).toBe(false);
    expect(h.github.checkRuns(SHA1)).toHaveLength(1);
    expect(h.github.checkRun(SHA1)).toMatchObject({ status: "completed", conclusion: "neutral", output: { title: "Preview removed" } });
    expect(h.github.checkRun(SHA1)?.output.summary.split("\n")[0]).toBe("Preview removed before this deploy finished: The pull request was closed.");
    expect(h.github.deploymentsOf(SHA1)[0]?.statuses.at(-1)?.state).toBe("inactive");
    h.restart();
    expect(await resync(h)).toEqual(NOTHING);
  });

  it("deploys a pull request reopened while berth was down, whose preview was removed on close", async () => {
    h = await deployed();
    h.github.setPull({ number: 7, headSha: SHA1, branch: BRANCH, state: "closed" });
    await h.receive("pull_request", pullRequestPayload("closed", { number: 7, sha: SHA1 }));
    await h.settle();
    expect(h.aws.state.cloudformation.stacks.has(STACK)).toBe(false);
    // Reopened while berth was down: the reopened webhook reached nobody.
    h.github.setPull({ number: 7, headSha: SHA1, branch: BRANCH });
    h.restart();

    expect(await resync(h)).toEqual({ ...NOTHING, pulls: 1, redeployed: 1 });

    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA1);
    expect(h.github.checkRuns(SHA1).map((r) => r.conclusion)).toEqual(["success", "success"]);
    expect(h.github.stickyComments(7)[0]?.body).toContain("Preview ready");
    expect(await resync(h)).toEqual({ ...NOTHING, checked: 1 });
  });

  it("deploys a pull request reopened while berth was down, whose deploy the close had cancelled", async () => {
    h = await deployed();
    h.aws.scriptTask({ commandIncludes: "db:migrate", runningPolls: 40, times: 1 });
    h.github.setPull({ number: 7, headSha: SHA2, branch: BRANCH });
    await h.receive("pull_request", pullRequestPayload("synchronize", { number: 7, sha: SHA2 }));
    // The open's one release task (migrate and seed), then the push's migrate.
    await vi.waitFor(() => expect(h.aws.commands("ecs").filter((c) => c === "RunTask")).toHaveLength(2), { timeout: 60_000, interval: 2 });
    h.github.setPull({ number: 7, headSha: SHA2, branch: BRANCH, state: "closed" });
    await h.receive("pull_request", pullRequestPayload("closed", { number: 7, sha: SHA2 }));
    await h.settle();
    expect(h.github.checkRun(SHA2)?.conclusion).toBe("cancelled");
    h.github.setPull({ number: 7, headSha: SHA2, branch: BRANCH });
    h.restart();

    expect(await resync(h)).toEqual({ ...NOTHING, pulls: 1, redeployed: 1 });

    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA2);
    expect(h.github.checkRun(SHA2)?.conclusion).toBe("success");
  });

  it("deploys a pull request reopened while berth was down, whose close cancelled its deploy and whose removal ended in DELETE_FAILED", async () => {
    h = await deployed();
    h.aws.scriptTask({ commandIncludes: "db:migrate", runningPolls: 40, times: 1 });
    h.github.setPull({ number: 7, headSha: SHA2, branch: BRANCH });
    await h.receive("pull_request", pullRequestPayload("synchronize", { number: 7, sha: SHA2 }));
    // The first deploy ran migrate and seed in one task; the push's migrate is the second.
    await vi.waitFor(() => expect(h.aws.commands("ecs").filter((c) => c === "RunTask")).toHaveLength(2), { timeout: 60_000, interval: 2 });
    // The DeleteStack and both of its retries fail: the stack is left half deleted.
    h.aws.failStack({ operation: "delete", resource: "PreviewSecurityGroup", reason: "resource sg-0abc has a dependent object", times: 3 });
    h.github.setPull({ number: 7, headSha: SHA2, branch: BRANCH, state: "closed" });
    await h.receive("pull_request", pullRequestPayload("closed", { number: 7, sha: SHA2 }));
    await h.settle();
    expect(h.github.checkRun(SHA2)?.conclusion).toBe("cancelled");
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.status).toBe("DELETE_FAILED");
    h.github.setPull({ number: 7, headSha: SHA2, branch: BRANCH });
    h.restart();

    expect(await resync(h)).toEqual({ ...NOTHING, checked: 1, redeployed: 1 });

    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA2);
    expect(h.github.checkRun(SHA2)?.conclusion).toBe("success");
    expect(h.github.stickyComments(7)[0]?.body).toContain("Preview ready");
  });

  it("leaves a preview removed by /preview destroy removed", async () => {
    h = await deployed();
    h.github.setPermission("maintainer", "maintain");
    const id = h.github.addComment("/preview destroy", { login: "maintainer", type: "User" });
    await h.receive("issue_comment", prCommentPayload({ pr: 7, body: "/preview destroy", commentId: id, user: "maintainer" }));
    await h.settle();
    expect(h.aws.state.cloudformation.stacks.has(STACK)).toBe(false);

    expect(await resync(h)).toEqual({ ...NOTHING, pulls: 1 });
    expect(h.aws.state.cloudformation.stacks.has(STACK)).toBe(false);
  });

  it("deploys an open pull request whose opened webhook was lost", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.github.setPull({ number: 7, headSha: SHA1, branch: BRANCH });

    expect(await resync(h)).toEqual({ ...NOTHING, pulls: 1, redeployed: 1 });

    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA1);
    expect(h.github.checkRuns(SHA1).map((r) => r.conclusion)).toEqual(["success"]);
    expect(h.github.checkRun(SHA1)?.output.summary.split("\n")[0]).toBe("Deploy of `1111111` for pull request #7");
    expect(h.github.stickyComments()[0]?.body).toContain("Preview ready");
    expect(await resync(h)).toEqual({ ...NOTHING, checked: 1 });
  });

  it("in a repository without .github/preview.yml on its default branch, reads only the open pull requests' heads", async () => {
    h = createHarness({ files: { "compose.yaml": "services:\n  web:\n    image: nginx\n" } });
    h.github.setPull({ number: 7, headSha: SHA1, branch: BRANCH });
    h.github.setPull({ number: 8, headSha: SHA2, branch: "feature/other" });

    expect(await resync(h)).toEqual(NOTHING);

    expect(h.github.state.requests).toEqual([
      "GET /app/installations",
      "POST /app/installations/4242/access_tokens",
      "GET /installation/repositories",
      "GET /app",
      "GET /repos/acme/shop/contents/.github%2Fpreview.yml",
      "GET /repos/acme/shop/contents/.github%2Fpreview.yaml",
      "GET /repos/acme/shop/pulls",
      "GET /repos/acme/shop/contents/.github%2Fpreview.yml",
      "GET /repos/acme/shop/contents/.github%2Fpreview.yaml",
      "GET /repos/acme/shop/contents/.github%2Fpreview.yml",
      "GET /repos/acme/shop/contents/.github%2Fpreview.yaml",
      "GET /repos/acme/shop/deployments",
    ]);
    expect(h.github.state.checkRuns).toEqual([]);
  });

  it("deploys a pull request that adds .github/preview.yml for the first time, whose webhooks were lost", async () => {
    const app = readFixtureRepo("rails-postgres");
    const withoutConfig = Object.fromEntries(Object.entries(app).filter(([file]) => !file.startsWith(".github/")));
    h = createHarness({ files: withoutConfig });
    h.github.setFiles(SHA1, app);
    h.aws.putImage(IMAGE(SHA1));
    h.github.setPull({ number: 7, headSha: SHA1, branch: BRANCH });
    h.github.setPull({ number: 8, headSha: SHA2, branch: "feature/other" });

    expect(await resync(h)).toEqual({ ...NOTHING, pulls: 1, redeployed: 1 });

    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA1);
    expect(h.github.checkRuns(SHA1).map((r) => r.conclusion)).toEqual(["success"]);
    expect(h.github.checkRuns(SHA2)).toEqual([]);
    expect(await resync(h)).toEqual({ ...NOTHING, checked: 1 });
  });

  it("stops looking for pull requests when the installation's budget is spent, and goes on there next time", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres"), resyncBudget: 5 });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2));
    for (const pr of [7, 8]) h.github.setPull({ number: pr, headSha: pr === 7 ? SHA1 : SHA2, branch: `feature/${pr}` });

    // Repositories, config, open pull requests, #7's check runs and its deployments: 5.
    expect(await resync(h)).toEqual({ ...NOTHING, pulls: 1, redeployed: 1, deferred: 1 });
    expect(h.github.checkRuns(SHA1).map((r) => r.conclusion)).toEqual(["success"]);
    expect(h.github.checkRuns(SHA2)).toEqual([]);

    // #7 has a stack now; the search resumes after it.
    expect(await resync(h)).toEqual({ ...NOTHING, checked: 1, pulls: 1, redeployed: 1 });
    expect(h.github.checkRuns(SHA2).map((r) => r.conclusion)).toEqual(["success"]);
    expect(await resync(h)).toEqual({ ...NOTHING, checked: 2 });
  });

  it.each([
    [
      "AWS",
      (harness: Harness) => harness.aws.fail("DescribeImages", { error: { name: "ThrottlingException", message: "Rate exceeded" }, times: 3 }),
      `the last one failed on a transient AWS error: AWS DescribeImages failed for ${IMAGE(SHA2)}: Rate exceeded`,
    ],
    [
      "GitHub",
      (harness: Harness) => harness.github.failRequests("GET", new RegExp(`/contents/\\.github%2Fpreview\\.yml\\?ref=${SHA2}$`), 502, 3),
      // Markdown: the parentheses of the message are escaped, GitHub shows them plain.
      "the last one failed on a transient GitHub error: GitHub refused to read .github/preview.yml at 2222222 \\(HTTP 502\\).",
    ],
  ])("retries a deploy that failed on a transient %s error, 3 attempts in all, and says so", async (_source, fault, previous) => {
    h = await deployed();
    fault(h);
    h.github.setPull({ number: 7, headSha: SHA2, branch: BRANCH });
    await h.receive("pull_request", pullRequestPayload("synchronize", { number: 7, sha: SHA2 }));
    await h.settle();

    expect(await resync(h)).toEqual({ ...NOTHING, checked: 1, redeployed: 1 });
    expect(await resync(h)).toEqual({ ...NOTHING, checked: 1, redeployed: 1 });
    expect(await resync(h)).toEqual({ ...NOTHING, checked: 1 });

    const runs = h.github.checkRuns(SHA2);
    expect(runs.map((r) => r.conclusion)).toEqual(["failure", "failure", "failure"]);
    expect(runs.map((r) => r.output.summary.split("\n")[0])).toEqual([
      "Deploy of `2222222` for pull request #7",
      `Deploy of \`2222222\` for pull request #7, attempt 2 of 3 (${previous})`,
      `Deploy of \`2222222\` for pull request #7, attempt 3 of 3 (${previous})`,
    ]);
    expect(runs[0]?.output.summary).toContain("berth deploys this commit again at its next resync (attempt 2 of 3).");
    expect(runs[2]?.output.summary).toContain("but that was attempt 3 of 3: push again or comment `/preview redeploy` to retry.");
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA1);
  });

  it("succeeds on the attempt after a transient failure", async () => {
    h = await deployed();
    h.aws.fail("DescribeImages", { error: { name: "ThrottlingException", message: "Rate exceeded" } });
    h.github.setPull({ number: 7, headSha: SHA2, branch: BRANCH });
    await h.receive("pull_request", pullRequestPayload("synchronize", { number: 7, sha: SHA2 }));
    await h.settle();

    expect(await resync(h)).toEqual({ ...NOTHING, checked: 1, redeployed: 1 });

    expect(h.github.checkRuns(SHA2).map((r) => r.conclusion)).toEqual(["failure", "success"]);
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA2);
    expect(await resync(h)).toEqual({ ...NOTHING, checked: 1 });
  });

  it("sends a fork's new head through the approval gate", async () => {
    h = await deployed({ fork: true });
    h.github.setPull({ number: 7, headSha: SHA2, branch: BRANCH, fork: true });
    const mutations = h.aws.mutations().length;

    expect(await resync(h)).toEqual({ ...NOTHING, checked: 1, redeployed: 1 });

    expect(h.aws.mutations().length).toBe(mutations);
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA1);
    expect(h.github.stickyComments()[0]?.body).toContain("waiting for approval");
    expect(h.github.stickyComments()[0]?.body).toContain(`<!-- berth:awaiting-sha:${SHA2} -->`);
  });

  it("shares one resync between callers that overlap", async () => {
    h = await deployed();

    const first = h.previews.resync();
    const second = h.previews.resync();

    expect(second).toBe(first);
    expect(await first).toEqual({ ...NOTHING, checked: 1 });
    expect(h.previews.resync()).not.toBe(first);
    await h.settle();
  });
});

describe("scheduleResync", () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllEnvs();
  });

  function counting(outcomes: Array<"ok" | "fail"> = []) {
    const at: number[] = [];
    const previews = {
      resync: async () => {
        at.push(Date.now());
        if (outcomes.shift() === "fail") throw new Error("AWS ListStacks failed for stacks named berth-*: throttled");
        return NOTHING;
      },
    };
    return { previews, at };
  }

  it("resyncs 30 s after start, then every interval, until stopped", async () => {
    vi.useFakeTimers({ now: 0 });
    const { previews, at } = counting();
    const stop = scheduleResync(previews, { firstDelayMs: 30_000, everyMs: 15 * 60_000, log: silentLogger });

    await vi.advanceTimersByTimeAsync(29_999);
    expect(at).toEqual([]);
    await vi.advanceTimersByTimeAsync(2 * 15 * 60_000 + 1);
    expect(at).toEqual([30_000, 930_000, 1_830_000]);

    stop();
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(at).toHaveLength(3);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("logs a failed resync and keeps the schedule", async () => {
    vi.useFakeTimers({ now: 0 });
    const { previews, at } = counting(["fail", "ok"]);
    const errors: string[] = [];
    const log: Logger = { ...silentLogger, error: (obj, msg) => errors.push(`${msg}: ${String((obj as { err: unknown }).err)}`) };
    scheduleResync(previews, { firstDelayMs: 1_000, everyMs: 60_000, log });

    await vi.advanceTimersByTimeAsync(61_000);

    expect(at).toEqual([1_000, 61_000]);
    expect(errors).toEqual(["resync failed: Error: AWS ListStacks failed for stacks named berth-*: throttled"]);
  });

  it("never keeps the process alive", () => {
    const timers: NodeJS.Timeout[] = [];
    const real = globalThis.setTimeout;
    vi.spyOn(globalThis, "setTimeout").mockImplementation(((fn: () => void, ms: number) => {
      const timer = real(fn, ms);
      timers.push(timer);
      return timer;
    }) as typeof setTimeout);
    const stop = scheduleResync(counting().previews, { firstDelayMs: 30_000, everyMs: 60_000, log: silentLogger });
    vi.restoreAllMocks();
    stop();

    expect(timers).toHaveLength(1);
    expect(timers[0]?.hasRef()).toBe(false);
  });

  it.each([
    ["by default", undefined, 1],
    ["every 5 minutes", "5", 1],
    ["not at all with BERTH_RESYNC_MINUTES=0", "0", 0],
  ])("the app resyncs %s", (_case, minutes, timers) => {
    vi.useFakeTimers();
    vi.stubEnv("AWS_REGION", "us-east-1");
    if (minutes !== undefined) vi.stubEnv("BERTH_RESYNC_MINUTES", minutes);
    const privateKey = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const before = vi.getTimerCount();

    productionDeps(new Probot({ appId: 1, privateKey, secret: "test-secret", log: silentLogger as never }));

    expect(vi.getTimerCount() - before).toBe(timers);
    vi.clearAllTimers();
  });
});
