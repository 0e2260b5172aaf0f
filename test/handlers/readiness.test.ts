import { afterEach, describe, expect, it } from "vitest";
import { createReadiness } from "../../handlers/readiness.js";
import { createWebhookServer, listen, type WebhookServer } from "../../handlers/webhook-server.js";

let web: WebhookServer | undefined;
afterEach(async () => {
  await web?.close();
  web = undefined;
});

/** Serves /readyz over HTTP with the given checks and a clock the test moves. */
async function serveReadiness(checks: Parameters<typeof createReadiness>[0]["checks"], options: { timeoutMs?: number } = {}) {
  let clock = 0;
  web = createWebhookServer(() => false, { ready: createReadiness({ checks, now: () => clock, ...options }) });
  const port = await listen(web.server, 0, "127.0.0.1");
  const get = async () => {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`);
    return { status: response.status, body: (await response.json()) as unknown };
  };
  return { get, advance: (ms: number) => void (clock += ms), server: web };
}

/** A check that counts its calls and answers as told. */
function check(answer: () => Promise<unknown>) {
  const counted = Object.assign(async () => {
    counted.calls++;
    return answer();
  }, { calls: 0 });
  return counted;
}

describe("GET /readyz", () => {
  it("answers 200 when GitHub and the base stack answer berth's credentials", async () => {
    const { get } = await serveReadiness({ github: check(async () => ({ slug: "berth" })), baseStack: check(async () => ({ Domain: "preview.example.com" })) });

    expect(await get()).toEqual({ status: 200, body: { ready: true, checks: { github: "ok", baseStack: "ok" } } });
  });

  it("answers 503 naming what failed: GitHub refusing the app, or the base stack berth cannot read", async () => {
    const refused = Object.assign(new Error("Bad credentials"), { status: 401 });
    const { get } = await serveReadiness({
      github: check(() => Promise.reject(refused)),
      baseStack: check(() => Promise.reject(new Error("describe stack berth-base: User is not authorized to perform: cloudformation:DescribeStacks"))),
    });

    expect(await get()).toEqual({
      status: 503,
      body: { ready: false, checks: { github: "401 Bad credentials", baseStack: "describe stack berth-base: User is not authorized to perform: cloudformation:DescribeStacks" } },
    });
  });

  it("asks GitHub and AWS at most once per 5 s however often it is polled, and again after", async () => {
    const github = check(async () => ({}));
    const baseStack = check(async () => ({}));
    const { get, advance } = await serveReadiness({ github, baseStack });

    await Promise.all(Array.from({ length: 5 }, get));
    for (let i = 0; i < 4; i++) {
      advance(1_000);
      expect((await get()).status).toBe(200);
    }
    expect([github.calls, baseStack.calls]).toEqual([1, 1]);

    advance(1_000);
    await get();
    expect([github.calls, baseStack.calls]).toEqual([2, 2]);
  });

  it("recovers on the next answer after the cache expires", async () => {
    let up = false;
    const { get, advance } = await serveReadiness({ github: check(async () => (up ? {} : Promise.reject(new Error("getaddrinfo ENOTFOUND api.github.com")))), baseStack: check(async () => ({})) });

    expect((await get()).status).toBe(503);
    up = true;
    expect((await get()).status).toBe(503);
    advance(5_000);
    expect((await get()).status).toBe(200);
  });

  it("fails a check that does not answer in time, so the load balancer's health check never hangs", async () => {
    const { get } = await serveReadiness({ github: check(() => new Promise(() => {})), baseStack: check(async () => ({})) }, { timeoutMs: 50 });

    expect(await get()).toEqual({ status: 503, body: { ready: false, checks: { github: "no answer within 50 ms", baseStack: "ok" } } });
  });

  it("answers 503 while berth stops, without asking anyone", async () => {
    const github = check(async () => ({}));
    const { get, server } = await serveReadiness({ github, baseStack: check(async () => ({})) });

    server.refuse();
    expect(await get()).toEqual({ status: 503, body: { ready: false, draining: true } });
    expect(github.calls).toBe(0);
  });
});
