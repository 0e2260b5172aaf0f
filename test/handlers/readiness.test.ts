import { afterEach, describe, expect, it, vi } from "vitest";
import { createMetrics } from "../../handlers/metrics.js";
import { createReadiness, watchReadiness } from "../../handlers/readiness.js";
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

describe("berth watching its own readiness", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("logs once when a check starts failing, naming it, once when all pass again, and hands every answer to the gauge", async () => {
    vi.useFakeTimers();
    let github: () => Promise<unknown> = async () => ({});
    const ready = createReadiness({ checks: { github: () => github(), baseStack: async () => ({}) }, ttlMs: 0, timeoutMs: 1_000 });
    const lines: Array<[string, string]> = [];
    const log = { warn: (_: object, message: string) => void lines.push(["warn", message]), info: (_: object, message: string) => void lines.push(["info", message]) };
    const metrics = createMetrics();
    const stop = watchReadiness({ ready, everyMs: 60_000, log, onAnswer: (answer) => metrics.setReadiness(answer.checks) });
    const gauge = async () => (await metrics.render()).body.split("\n").filter((line) => line.startsWith("berth_ready{"));

    await vi.advanceTimersByTimeAsync(0);
    expect(lines).toEqual([]);
    expect(await gauge()).toEqual(['berth_ready{check="github"} 1', 'berth_ready{check="baseStack"} 1']);

    github = () => Promise.reject(Object.assign(new Error("Service Unavailable"), { status: 503 }));
    await vi.advanceTimersByTimeAsync(60_000);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(lines).toEqual([["warn", "berth is not ready: github: 503 Service Unavailable"]]);
    expect(await gauge()).toEqual(['berth_ready{check="github"} 0', 'berth_ready{check="baseStack"} 1']);

    github = async () => ({});
    await vi.advanceTimersByTimeAsync(60_000);
    expect(lines).toEqual([
      ["warn", "berth is not ready: github: 503 Service Unavailable"],
      ["info", "berth is ready again: GitHub and the base stack answer"],
    ]);
    stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});
