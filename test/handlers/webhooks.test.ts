/**
 * berth's webhook endpoint on its own, over HTTP, with the engine's front door recorded: what a
 * signed delivery becomes, and that acknowledging it needs nothing but the webhook secret (no
 * GitHub client, no app credentials: the deps below have none to give).
 */
import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createWebhookMiddleware } from "../../handlers/webhooks.js";
import type { HandlerDeps } from "../../handlers/deps.js";
import type { PreviewJob } from "../../src/preview/index.js";
import { INSTALLATION_ID, prCommentPayload, pullRequestPayload, workflowRunPayload } from "../helpers/webhook-payloads.js";

const SECRET = "webhook-secret";
const SHA = "a".repeat(40);
const BEFORE = "b".repeat(40);

let server: Server | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** Serves the endpoint on 127.0.0.1 over `deps`; returns its URL. */
async function serve(deps: HandlerDeps, path?: string): Promise<string> {
  const middleware = createWebhookMiddleware({ secret: SECRET, deps, log: pino({ level: "silent" }), ...(path ? { path } : {}) });
  const listening = createServer((req, res) => void middleware(req, res, () => res.writeHead(404).end()));
  server = listening;
  await new Promise<void>((resolve) => listening.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
}

function recorder(): HandlerDeps & { jobs: Array<[PreviewJob, string | undefined]>; commands: unknown[]; builds: unknown[] } {
  const jobs: Array<[PreviewJob, string | undefined]> = [];
  const commands: unknown[] = [];
  const builds: unknown[] = [];
  return {
    jobs,
    commands,
    builds,
    previews: {
      enqueue: (job, id) => jobs.push([job, id]) > 0,
      command: (input, id) => commands.push([input, id]) > 0,
      imageBuild: (repo, sha, run) => void builds.push([repo, sha, run]),
      checkRunAction: (input, id) => commands.push([input, id]) > 0,
    },
  };
}

async function deliver(url: string, event: string, payload: object, id: string, secret = SECRET): Promise<{ status: number; text: string }> {
  const body = JSON.stringify(payload);
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": event,
      "x-github-delivery": id,
      "x-hub-signature-256": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`,
    },
    body,
  });
  return { status: response.status, text: await response.text() };
}

describe("createWebhookMiddleware", () => {
  it("passes a pull request's CI run on to the engine, as news of the head's image build", async () => {
    const deps = recorder();
    const url = await serve(deps);

    const started = await deliver(`${url}/api/github/webhooks`, "workflow_run", workflowRunPayload("in_progress", { sha: SHA, pr: 7 }), "delivery-wr-1");
    const ended = await deliver(`${url}/api/github/webhooks`, "workflow_run", workflowRunPayload("completed", { sha: SHA, pr: 7, conclusion: "failure" }), "delivery-wr-2");

    expect([started.status, ended.status]).toEqual([200, 200]);
    const repo = { owner: "acme", repo: "shop", installationId: INSTALLATION_ID };
    const run = { name: "preview images", url: "https://github.com/acme/shop/actions/runs/30433642" };
    expect(deps.builds).toEqual([
      [repo, SHA, { ...run, status: "in_progress", conclusion: null }],
      [repo, SHA, { ...run, status: "completed", conclusion: "failure" }],
    ]);
    expect(deps.jobs).toEqual([]);
  });

  it("ignores CI runs that build no pull request (a push to main, a schedule)", async () => {
    const deps = recorder();
    const url = await serve(deps);
    const payload = workflowRunPayload("completed", { sha: SHA, pr: 7 });
    payload.workflow_run.event = "push";
    payload.workflow_run.pull_requests = [];

    expect((await deliver(`${url}/api/github/webhooks`, "workflow_run", payload, "delivery-wr-3")).status).toBe(200);
    expect(deps.builds).toEqual([]);
  });

  it("turns a signed push into a deploy job carrying the delivery id and the head it replaces, and answers 200", async () => {
    const deps = recorder();
    const url = await serve(deps);

    const answer = await deliver(`${url}/api/github/webhooks`, "pull_request", pullRequestPayload("synchronize", { number: 7, sha: SHA, before: BEFORE }), "delivery-1");

    expect(answer).toEqual({ status: 200, text: "ok\n" });
    expect(deps.jobs).toEqual([
      [
        {
          repo: { owner: "acme", repo: "shop", installationId: INSTALLATION_ID },
          pr: 7,
          action: "deploy",
          sha: SHA,
          baseSha: expect.stringMatching(/^[0-9a-f]{40}$/),
          branch: "feature/checkout",
          fork: false,
          draft: false,
          labels: ["bug"],
          bot: false,
          baseBranch: "master",
          replaces: BEFORE,
        },
        "delivery-1",
      ],
    ]);
  });

  it("hands a person's /preview comment to the engine and ignores a bot's", async () => {
    const deps = recorder();
    const url = await serve(deps);

    await deliver(`${url}/api/github/webhooks`, "issue_comment", prCommentPayload({ pr: 7, body: "/preview reset", commentId: 11 }), "delivery-2");
    await deliver(`${url}/api/github/webhooks`, "issue_comment", prCommentPayload({ pr: 7, body: "/preview reset", commentId: 12, userType: "Bot" }), "delivery-3");

    expect(deps.commands).toEqual([[expect.objectContaining({ pr: 7, commentId: 11, body: "/preview reset" }), "delivery-2"]]);
  });

  it("refuses a delivery signed with another secret before any handler runs", async () => {
    const deps = recorder();
    const url = await serve(deps);

    const answer = await deliver(`${url}/api/github/webhooks`, "pull_request", pullRequestPayload("opened", { number: 7, sha: SHA }), "delivery-4", "not-the-secret");

    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text)).toEqual({ error: "Error: [@octokit/webhooks] signature does not match event payload and secret" });
    expect(deps.jobs).toEqual([]);
  });

  it("answers 500 when the engine refuses the job by throwing, so GitHub's delivery log shows the failure", async () => {
    const url = await serve({
      previews: {
        enqueue: () => {
          throw new Error("queue is gone");
        },
        command: () => true,
        imageBuild: () => {},
        checkRunAction: () => true,
      },
    });

    const answer = await deliver(`${url}/api/github/webhooks`, "pull_request", pullRequestPayload("opened", { number: 7, sha: SHA }), "delivery-5");

    expect(answer.status).toBe(500);
  });

  it("serves on the path it is given (WEBHOOK_PATH) and nowhere else", async () => {
    const deps = recorder();
    const url = await serve(deps, "/hooks");

    const elsewhere = await deliver(`${url}/api/github/webhooks`, "pull_request", pullRequestPayload("opened", { number: 7, sha: SHA }), "delivery-6");
    const there = await deliver(`${url}/hooks`, "pull_request", pullRequestPayload("opened", { number: 7, sha: SHA }), "delivery-7");

    expect([elsewhere.status, there.status]).toEqual([404, 200]);
    expect(deps.jobs.map(([, id]) => id)).toEqual(["delivery-7"]);
  });
});
