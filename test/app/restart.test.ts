/**
 * Restarts are ordinary: SIGTERM drains the real app (running deploys stop at their next safe
 * point and say berth is restarting, webhooks are answered 503), and the next process's start-up
 * resync finishes what was stopped, with one check run success and one sticky comment.
 */
import { createHmac } from "node:crypto";
import { createNodeMiddleware } from "probot";
import { afterEach, describe, expect, it, vi } from "vitest";
import { handleShutdown } from "../../handlers/shutdown.js";
import { createWebhookServer, listen, type WebhookServer } from "../../handlers/webhook-server.js";
import type { ReconcileSummary } from "../../src/preview/flow/reconcile.js";
import { createHarness, readFixtureRepo, WEBHOOK_SECRET, type Harness } from "../helpers/app-harness.js";
import { IMAGE, SHA1, SHA2, STACK } from "../helpers/app-fixtures.js";
import { prCommentPayload, pullRequestPayload } from "../helpers/webhook-payloads.js";

const BRANCH = "feature/checkout";
const NOTHING: ReconcileSummary = { checked: 0, pulls: 0, removed: 0, redeployed: 0, concluded: 0, deferred: 0, errors: 0 };

let h: Harness;
let web: WebhookServer | undefined;

afterEach(async () => {
  expect(h.github.problems()).toEqual([]);
  h.close();
  await web?.close();
  web = undefined;
});

/** PR 7 opened at SHA1 before CI pushed its image: the deploy waits in the image phase. */
async function waitingForImage(options: { load?: boolean } = {}): Promise<Harness> {
  const harness = createHarness({ files: readFixtureRepo("rails-postgres"), ...(options.load === false ? { load: false } : {}) });
  harness.github.setPull({ number: 7, headSha: SHA1, branch: BRANCH });
  return harness;
}

async function imageWaitStarted(harness: Harness): Promise<void> {
  await vi.waitFor(() => expect(harness.github.checkRun(SHA1)?.output.title).toBe("Deploying 1111111 (waiting for image)"), { timeout: 30_000, interval: 5 });
}

async function resync(harness: Harness): Promise<ReconcileSummary> {
  await harness.ready();
  const summary = await harness.previews.resync();
  await harness.settle();
  return summary;
}

/** What the next process leaves on the pull request: the paused run, then one success. */
function expectResumedAndReady(harness: Harness): void {
  const [paused, resumed, ...more] = harness.github.checkRuns(SHA1);
  expect(more).toEqual([]);
  expect(paused).toMatchObject({ status: "completed", conclusion: "neutral", output: { title: "Paused: berth is restarting" } });
  expect(resumed).toMatchObject({ status: "completed", conclusion: "success" });
  expect(resumed?.output.summary.split("\n")[0]).toBe("Deploy of `1111111` for pull request #7 (resumed after berth restarted)");
  const comments = harness.github.stickyComments();
  expect(comments).toHaveLength(1);
  expect(comments[0]?.body).toContain("Preview ready");
  expect(harness.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA1);
}

describe("restarts through the app", () => {
  it("drains a deploy waiting for its image: the check run says berth is restarting, and the next process finishes it", async () => {
    h = await waitingForImage();
    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await imageWaitStarted(h);
    const old = h.previews;

    expect(await old.drain(60_000)).toBe("drained");

    const run = h.github.checkRun(SHA1);
    expect(run).toMatchObject({ status: "completed", conclusion: "neutral", output: { title: "Paused: berth is restarting" } });
    expect(run?.output.summary.split("\n\n").slice(0, 1)).toEqual(["Deploy of `1111111` for pull request #7"]);
    expect(run?.output.summary).toContain("| Image | ⏸️ paused |");
    expect(run?.output.summary).toContain("berth is restarting, so this deploy stopped at a safe point; it resumes when berth is back.");
    expect(h.github.deploymentsOf(SHA1)[0]?.statuses.map((s) => `${s.state}: ${s.description ?? ""}`)).toEqual([
      "in_progress: Deploying",
      "inactive: Paused: berth is restarting; the deploy resumes when it is back",
    ]);
    // The old engine starts nothing more, whatever reaches it.
    const requests = h.github.state.requests.length;
    const awsCalls = h.aws.calls.length;
    h.github.setPull({ number: 7, headSha: SHA2, branch: BRANCH });
    await h.receive("pull_request", pullRequestPayload("synchronize", { number: 7, sha: SHA2 }));
    await old.idle();
    expect(h.github.state.requests.slice(requests)).toEqual([]);
    expect(h.aws.calls.length).toBe(awsCalls);
    h.github.setPull({ number: 7, headSha: SHA1, branch: BRANCH });

    h.aws.putImage(IMAGE(SHA1));
    h.restart();
    expect(await resync(h)).toEqual({ ...NOTHING, pulls: 1, redeployed: 1 });

    expectResumedAndReady(h);
    expect(await resync(h)).toEqual({ ...NOTHING, checked: 1 });
    expect(h.github.state.checkRuns).toHaveLength(2);
  });

  it("resumes an attempt three times; the fourth restart that pauses it counts as a failed attempt", async () => {
    h = await waitingForImage();
    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    for (let pause = 1; pause <= 4; pause++) {
      await imageWaitStarted(h);
      expect(await h.previews.drain(60_000)).toBe("drained");
      h.restart();
      if (pause < 4) {
        await h.ready();
        void h.previews.resync();
        await vi.waitFor(() => expect(h.github.checkRuns(SHA1)).toHaveLength(pause + 1), { timeout: 30_000, interval: 5 });
      }
    }
    h.aws.putImage(IMAGE(SHA1));
    expect(await resync(h)).toEqual({ ...NOTHING, pulls: 1, redeployed: 1 });

    const runs = h.github.checkRuns(SHA1);
    expect(runs.map((r) => r.conclusion)).toEqual(["neutral", "neutral", "neutral", "neutral", "success"]);
    expect(runs.map((r) => r.output.summary.split("\n")[0])).toEqual([
      "Deploy of `1111111` for pull request #7",
      "Deploy of `1111111` for pull request #7 (resumed after berth restarted)",
      "Deploy of `1111111` for pull request #7 (resumed after berth restarted)",
      "Deploy of `1111111` for pull request #7 (resumed after berth restarted)",
      "Deploy of `1111111` for pull request #7, attempt 2 of 3 (the last one was paused by 4 restarts)",
    ]);
  });

  it("stops waiting for a stack deletion at the drain; CloudFormation goes on, and the next process's resync finishes the removal", async () => {
    // Each DescribeStacks sees the deletion still running 50 times: a wait of many minutes.
    h = createHarness({ files: readFixtureRepo("rails-postgres"), aws: { stackPolls: 50 } });
    h.aws.putImage(IMAGE(SHA1));
    h.github.setPull({ number: 7, headSha: SHA1, branch: BRANCH });
    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await h.settle();
    h.github.setPull({ number: 7, headSha: SHA1, branch: BRANCH, state: "closed" });
    await h.receive("pull_request", pullRequestPayload("closed", { number: 7, sha: SHA1 }));
    await vi.waitFor(() => expect(h.aws.commands("cloudformation")).toContain("DeleteStack"), { timeout: 30_000, interval: 5 });

    expect(await h.previews.drain(60_000)).toBe("drained");

    expect(h.aws.state.cloudformation.stacks.get(STACK)?.status).toBe("DELETE_IN_PROGRESS");
    expect(h.github.stickyComments()[0]?.body).toContain("Preview ready");
    expect(h.github.replies()).toEqual([]);
    h.restart();

    expect(await resync(h)).toEqual({ ...NOTHING, checked: 1, removed: 1 });

    expect(h.aws.state.cloudformation.stacks.has(STACK)).toBe(false);
    expect(h.aws.commands("cloudformation").filter((c) => c === "DeleteStack")).toHaveLength(1);
    expect(h.github.stickyComments()[0]?.body).toContain("Preview removed");
    expect(h.github.deploymentsOf(SHA1).map((d) => d.statuses.at(-1)?.state)).toEqual(["inactive"]);
  });

  it("says on the pull request that a /preview command still waiting will not run", async () => {
    h = await waitingForImage();
    h.github.setPermission("maintainer", "maintain");
    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await imageWaitStarted(h);
    // Same head: the redeploy waits behind the running deploy instead of replacing it.
    const id = h.github.addComment("/preview redeploy", { login: "maintainer", type: "User" });
    await h.receive("issue_comment", prCommentPayload({ pr: 7, body: "/preview redeploy", commentId: id, user: "maintainer" }));
    await vi.waitFor(() => expect(h.logs.some((line) => line.includes('"msg":"comment handled"'))).toBe(true), { timeout: 30_000, interval: 5 });
    expect(h.github.state.comments.find((c) => c.id === id)?.reactions).toEqual(["eyes"]);

    expect(await h.previews.drain(60_000)).toBe("drained");

    expect(h.github.replies()).toEqual(["berth is restarting and did not get to `/preview redeploy`; comment it again once berth is back."]);
    expect(h.github.checkRuns(SHA1).map((r) => r.output.title)).toEqual(["Paused: berth is restarting"]);
  });

  it("pauses a deploy stuck in an AWS call where it stands at the drain deadline; the next process resumes it", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.github.setPull({ number: 7, headSha: SHA1, branch: BRANCH });
    h.aws.fail("DescribeTargetHealth", { hang: true });
    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await vi.waitFor(() => expect(h.aws.commands("elbv2")).toContain("DescribeTargetHealth"), { timeout: 60_000, interval: 5 });
    // The health check starts beside the rollout's: once the rollout passed, only the hung call is left.
    await vi.waitFor(() => expect(h.github.checkRun(SHA1)?.output.summary).toContain("| Rollout | ✅ success |"), { timeout: 60_000, interval: 5 });

    const drained = h.previews.drain(1_500);
    // Said at once, while the deploy is still inside the call.
    await vi.waitFor(() => expect(h.github.checkRun(SHA1)?.output.title).toBe("Deploying 1111111 (stopping: berth is restarting)"), { timeout: 1_400, interval: 2 });
    expect(h.github.checkRun(SHA1)?.output.summary).toContain("berth is restarting: this deploy stops at its next safe point and resumes when berth is back.");
    expect(await drained).toBe("deadline");

    const [paused] = h.github.checkRuns(SHA1);
    expect(paused).toMatchObject({ status: "completed", conclusion: "neutral", output: { title: "Paused: berth is restarting" } });
    expect(paused?.output.summary).toContain("| Rollout | ✅ success |");
    expect(paused?.output.summary).toContain("| Health | ⏸️ paused |");
    expect(h.github.deploymentsOf(SHA1)[0]?.statuses.map((s) => s.state)).toEqual(["in_progress", "inactive"]);

    h.restart();
    expect(await resync(h)).toEqual({ ...NOTHING, checked: 1, redeployed: 1 });
    expectResumedAndReady(h);
  });

  it("on SIGTERM answers webhooks 503, drains, closes the server and exits 0; the next process finishes the deploy", async () => {
    h = await waitingForImage({ load: false });
    const middleware = await createNodeMiddleware(h.app, { probot: h.probot });
    web = createWebhookServer(middleware);
    const port = await listen(web.server, 0, "127.0.0.1");
    const url = `http://127.0.0.1:${port}`;
    const signals = new Map<string, () => void>();
    const exited: number[] = [];
    const lines: string[] = [];
    const log = { info: (_: object, msg?: string) => lines.push(`info ${msg}`), warn: (_: object, msg?: string) => lines.push(`warn ${msg}`), error: (_: object, msg?: string) => lines.push(`error ${msg}`), debug: () => {}, child: () => log };
    let resyncStopped = false;
    handleShutdown({
      signals: { on: (signal, listener) => signals.set(signal, listener) },
      exit: (code) => void exited.push(code),
      stopResync: () => void (resyncStopped = true),
      server: web,
      previews: h.previews,
      deadlineMs: 60_000,
      log,
    });
    expect([...signals.keys()]).toEqual(["SIGTERM", "SIGINT"]);

    expect(await deliver(url, pullRequestPayload("opened", { number: 7, sha: SHA1 }))).toEqual({ status: 200, text: "ok\n" });
    await imageWaitStarted(h);
    expect(await (await fetch(`${url}/ping`)).text()).toBe("PONG");

    signals.get("SIGTERM")!();
    expect(resyncStopped).toBe(true);
    const refused = await deliver(url, pullRequestPayload("synchronize", { number: 7, sha: SHA2 }));
    expect(refused).toEqual({ status: 503, text: "berth is restarting; redeliver this webhook once it is back\n" });
    await vi.waitFor(() => expect(exited).toEqual([0]), { timeout: 30_000, interval: 5 });

    expect(lines).toEqual([
      "info SIGTERM: stopping within 60 s",
      "info stopping: resync schedule stopped",
      "info stopping: webhooks are answered 503 and /ping says DRAINING",
      "info stopping: no work runs any more",
      "info stopping: server closed",
      "info stopped: exiting",
    ]);
    expect(web.server.listening).toBe(false);
    expect(h.github.checkRuns(SHA1).map((r) => `${r.conclusion}: ${r.output.title}`)).toEqual(["neutral: Paused: berth is restarting"]);
    expect(h.github.checkRuns(SHA2)).toEqual([]);

    h.aws.putImage(IMAGE(SHA1));
    h.restart();
    expect(await resync(h)).toEqual({ ...NOTHING, pulls: 1, redeployed: 1 });
    expectResumedAndReady(h);
  });

  it("answers /ping with 503 DRAINING once stopping", async () => {
    h = createHarness({ files: {}, load: false });
    web = createWebhookServer(await createNodeMiddleware(h.app, { probot: h.probot }));
    const url = `http://127.0.0.1:${await listen(web.server, 0, "127.0.0.1")}`;

    web.refuse();

    const ping = await fetch(`${url}/ping`);
    expect([ping.status, await ping.text()]).toEqual([503, "DRAINING"]);
  });
});

let deliveries = 0;

/** POSTs a webhook as GitHub does, signed with the app's secret. */
async function deliver(url: string, payload: Record<string, unknown>): Promise<{ status: number; text: string }> {
  const body = JSON.stringify(payload);
  const response = await fetch(`${url}/api/github/webhooks`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": "pull_request",
      "x-github-delivery": `restart-test-${++deliveries}`,
      "x-hub-signature-256": `sha256=${createHmac("sha256", WEBHOOK_SECRET).update(body).digest("hex")}`,
    },
    body,
  });
  return { status: response.status, text: await response.text() };
}
