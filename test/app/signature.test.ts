/**
 * Forged webhooks, over HTTP: the real app behind berth's webhook endpoint (the one `npm start`
 * serves) on an ephemeral port, receiving real payload bodies. Only a delivery signed with the app's webhook secret over
 * exactly the bytes received reaches a handler; everything else is refused before any handler
 * runs, so neither AWS nor GitHub hears of it.
 */
import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createWebhookMiddleware } from "../../handlers/webhooks.js";
import { afterEach, describe, expect, it } from "vitest";
import { createHarness, readFixtureRepo, WEBHOOK_SECRET, type Harness } from "../helpers/app-harness.js";
import { SHA1, SHA2, STACK } from "../helpers/app-fixtures.js";
import { pullRequestPayload } from "../helpers/webhook-payloads.js";

const IMAGE = `123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:${SHA1}`;
const PATH = "/api/github/webhooks";

let h: Harness;
let server: Server | undefined;

afterEach(async () => {
  expect(h.github.problems()).toEqual([]);
  h.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** The real app behind `createWebhookMiddleware` on 127.0.0.1; returns the webhook URL. */
async function serve(): Promise<string> {
  h = createHarness({ files: readFixtureRepo("rails-postgres") });
  h.aws.putImage(IMAGE);
  await h.ready();
  const middleware = createWebhookMiddleware({ secret: WEBHOOK_SECRET, deps: { previews: h.previews }, log: h.probot.log });
  const listening = createServer((req, res) => {
    void middleware(req, res, () => res.writeHead(404).end());
  });
  server = listening;
  await new Promise<void>((resolve) => listening.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(listening.address() as AddressInfo).port}${PATH}`;
}

function sign(body: string, secret = WEBHOOK_SECRET, algorithm: "sha256" | "sha1" = "sha256"): string {
  return `${algorithm}=${createHmac(algorithm, secret).update(body).digest("hex")}`;
}

let deliveries = 0;

/** POSTs a body as GitHub would, with the given signature headers; returns the status and the response text. */
async function post(url: string, body: string, signatures: Record<string, string>): Promise<{ status: number; text: string }> {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": "pull_request",
      "x-github-delivery": `signature-test-${++deliveries}`,
      "user-agent": "GitHub-Hookshot/test",
      ...signatures,
    },
    body,
  });
  return { status: response.status, text: await response.text() };
}

const MISSING = "Required headers missing: x-hub-signature-256";
const MISMATCH = "Error: [@octokit/webhooks] signature does not match event payload and secret";

const opened = () => JSON.stringify(pullRequestPayload("opened", { number: 7, sha: SHA1 }));

describe("webhook signatures over HTTP", () => {
  it("a delivery signed with the webhook secret is accepted and deploys the pull request", async () => {
    const url = await serve();
    const body = opened();

    const response = await post(url, body, { "x-hub-signature-256": sign(body) });
    await h.settle();

    expect(response).toEqual({ status: 200, text: "ok\n" });
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA1);
    expect(h.github.checkRun(SHA1)?.conclusion).toBe("success");
  });

  it("is acknowledged at once: the answer comes while the deploy is still waiting for CI's image", async () => {
    const url = await serve();
    h.aws.putImage(`123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:${SHA2}`, { afterPolls: 1_000_000 });
    const body = JSON.stringify(pullRequestPayload("opened", { number: 7, sha: SHA2 }));

    const response = await post(url, body, { "x-hub-signature-256": sign(body) });

    expect(response).toEqual({ status: 200, text: "ok\n" });
    expect(h.aws.mutations()).toEqual([]);
    // Closing the pull request stops the waiting deploy, so the test leaves nothing running.
    const closed = JSON.stringify(pullRequestPayload("closed", { number: 7, sha: SHA2 }));
    await post(url, closed, { "x-hub-signature-256": sign(closed) });
    await h.settle();
    expect(h.github.checkRun(SHA2)?.conclusion).toBe("cancelled");
  });

  it.each<{ name: string; headers: (body: string) => Record<string, string>; status: number; error: string }>([
    { name: "no signature header at all", headers: () => ({}), status: 400, error: MISSING },
    { name: "a signature that is not an HMAC", headers: () => ({ "x-hub-signature-256": `sha256=${"0".repeat(64)}` }), status: 400, error: MISMATCH },
    { name: "a malformed signature", headers: () => ({ "x-hub-signature-256": "sha256=not-hex" }), status: 400, error: MISMATCH },
    { name: "a signature made with another secret", headers: (body) => ({ "x-hub-signature-256": sign(body, "not-the-secret") }), status: 400, error: MISMATCH },
    {
      name: "a signature over a different body (tampered payload)",
      headers: () => ({ "x-hub-signature-256": sign(JSON.stringify(pullRequestPayload("opened", { number: 8, sha: SHA1 }))) }),
      status: 400,
      error: MISMATCH,
    },
    { name: "only the legacy sha1 header, correctly signed", headers: (body) => ({ "x-hub-signature": sign(body, WEBHOOK_SECRET, "sha1") }), status: 400, error: MISSING },
    {
      name: "the sha1 value under the sha256 header",
      headers: (body) => ({ "x-hub-signature-256": sign(body, WEBHOOK_SECRET, "sha1").replace("sha1=", "sha256=") }),
      status: 400,
      error: MISMATCH,
    },
  ])("$name: $status, and nothing reaches AWS or GitHub", async ({ headers, status, error }) => {
    const url = await serve();
    const body = opened();

    const response = await post(url, body, headers(body));
    await h.settle();

    expect(response).toEqual({ status, text: JSON.stringify({ error }) });
    expect(h.aws.calls).toEqual([]);
    expect(h.github.state.requests).toEqual([]);
    expect(h.aws.state.cloudformation.stacks.has(STACK)).toBe(false);
  });

  it("a tampered body under the signature of the original is refused", async () => {
    const url = await serve();
    const original = opened();
    const tampered = original.replace(`"number":7`, `"number":9`);
    expect(tampered).not.toBe(original);

    const response = await post(url, tampered, { "x-hub-signature-256": sign(original) });
    await h.settle();

    expect(response).toEqual({ status: 400, text: JSON.stringify({ error: MISMATCH }) });
    expect(h.aws.calls).toEqual([]);
    expect(h.github.state.requests).toEqual([]);
  });
});
