/**
 * The thread split of `npm start` over real HTTP: the front door (handlers/front-door.ts) on this
 * thread, the engine on a worker thread built over the AWS and GitHub fakes
 * (test/helpers/harness-engine.ts). A signed delivery is answered 200 and deployed by the engine
 * thread; a badly signed one is answered 400 and never reaches it; `/readyz`, `/metrics` and the
 * waking page ask the engine thread; the engine thread dying ends the process with exit code 1.
 */
import { spawn } from "node:child_process";
import { createHmac, generateKeyPairSync } from "node:crypto";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createFrontDoor } from "../../handlers/front-door.js";
import { startEngineThread, type EngineThread } from "../../handlers/start-engine-thread.js";
import { listen, type WebhookServer } from "../../handlers/webhook-server.js";
import { IMAGE, SHA1, SHA2 } from "../helpers/app-fixtures.js";
import { WEBHOOK_SECRET } from "../helpers/app-harness.js";
import type { HarnessEngineCalls } from "../helpers/harness-engine.js";
import { pullRequestPayload } from "../helpers/webhook-payloads.js";

const MISMATCH = "Error: [@octokit/webhooks] signature does not match event payload and secret";

let engine: EngineThread<HarnessEngineCalls>;
let web: WebhookServer;
let url: string;
const exits: number[] = [];
const logged: string[] = [];

beforeAll(async () => {
  const log = pino({ level: "info" }, { write: (line: string) => void logged.push(line) });
  engine = startEngineThread<HarnessEngineCalls>({ entry: new URL("../helpers/harness-engine.ts", import.meta.url), log, exit: (code) => void exits.push(code) });
  web = createFrontDoor({ secret: WEBHOOK_SECRET, engine, log });
  url = `http://127.0.0.1:${await listen(web.server, 0, "127.0.0.1")}`;
  await engine.whenLoaded();
  await engine.call("putImages", [[IMAGE(SHA1), IMAGE(SHA2)]]);
  // The engine thread loads the app, the AWS SDK and the fakes from source: seconds on a busy machine.
}, 60_000);

afterAll(async () => {
  await web.close();
  await engine.terminate();
  // Stopping the engine thread on purpose is not its death.
  expect(exits).toEqual([]);
});

/** POSTs a pull_request delivery as GitHub does; `secret` signs it. */
async function deliver(base: string, payload: Record<string, unknown>, id: string, secret = WEBHOOK_SECRET): Promise<{ status: number; text: string }> {
  const body = JSON.stringify(payload);
  const response = await fetch(`${base}/api/github/webhooks`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": "pull_request",
      "x-github-delivery": id,
      "x-hub-signature-256": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`,
    },
    body,
  });
  return { status: response.status, text: await response.text() };
}

const deployed = (pr: number, sha: string) => ({ pr, stackSha: sha, checkRun: { status: "completed", conclusion: "success" } });

describe("the front door with the engine on its own thread", () => {
  it("answers a signed delivery 200, and the engine thread deploys it; a badly signed one is answered 400 and never reaches the engine", async () => {
    const forged = await deliver(url, pullRequestPayload("opened", { number: 8, sha: SHA2 }), "front-door-forged", "not-the-secret");
    const signed = await deliver(url, pullRequestPayload("opened", { number: 7, sha: SHA1 }), "front-door-signed");

    expect(forged).toEqual({ status: 400, text: JSON.stringify({ error: MISMATCH }) });
    expect(signed).toEqual({ status: 200, text: "ok\n" });
    await vi.waitFor(async () => expect(await engine.call("pulls", [[[7, SHA1]]])).toEqual([deployed(7, SHA1)]), { timeout: 30_000, interval: 50 });
    await engine.call("idle", []);
    // The engine handles deliveries in the order they were handed over: #8's came first.
    expect(await engine.call("pulls", [[[8, SHA2]]])).toEqual([{ pr: 8, stackSha: undefined, checkRun: undefined }]);
  });

  it("answers /readyz and /metrics through the engine thread, the front's metrics and the engine's in one answer", async () => {
    const ready = await fetch(`${url}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { ready: true, checks: { github: "ok", baseStack: "ok" } }]);

    const metrics = await fetch(`${url}/metrics`);
    const text = await metrics.text();
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    // The front thread timed both answers; the engine thread counted the deploy and reads its queue.
    expect(text).toContain('berth_webhook_ack_seconds_count{status="200"} 1\n');
    expect(text).toContain('berth_webhook_ack_seconds_count{status="400"} 1\n');
    expect(text).toContain('berth_deploys_total{outcome="success"} 1\n');
    expect(text).toContain('berth_queue_jobs{state="waiting"} 0\n');
    // Each thread's event loop, and no metric twice (Prometheus rejects a repeated family).
    expect(text).toMatch(/^berth_nodejs_eventloop_lag_seconds \d/m);
    expect(text).toMatch(/^berth_engine_nodejs_eventloop_lag_seconds \d/m);
    const families = [...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]);
    expect(families.length).toBeGreaterThan(20);
    expect(new Set(families).size).toBe(families.length);
  });

  it("answers /livez 200 while the engine thread answers, and 503 once it is held past the wait, whatever GitHub answers", async () => {
    const live = await fetch(`${url}/livez`);
    expect([live.status, await live.text()]).toEqual([200, "LIVE"]);

    // A second front door on the same engine, waiting 200 ms for it: a thread stuck in a loop answers nothing.
    const impatient = createFrontDoor({ secret: WEBHOOK_SECRET, engine, log: pino({ level: "silent" }), liveTimeoutMs: 200 });
    const impatientUrl = `http://127.0.0.1:${await listen(impatient.server, 0, "127.0.0.1")}`;
    try {
      const held = engine.call("hold", [1_000]);
      const stuck = await fetch(`${impatientUrl}/livez`);
      expect([stuck.status, await stuck.text()]).toEqual([503, "NOT LIVE: the engine does not answer"]);
      await held;
      expect((await fetch(`${impatientUrl}/livez`)).status).toBe(200);
      impatient.refuse();
      const draining = await fetch(`${impatientUrl}/livez`);
      expect([draining.status, await draining.text()]).toEqual([503, "DRAINING"]);
    } finally {
      await impatient.close();
    }
  });

  it("asks the engine thread for the dashboard's rows and actions: the rows cross the thread with their dates, a reader's repositories only", async () => {
    const rows = await engine.call("listPreviews", [["ACME/shop"]]);
    expect(rows.map((r) => [r.repository, r.pr, r.state, r.sha])).toEqual([["acme/shop", 7, "ready", SHA1]]);
    expect(rows[0]?.createdAt).toBeInstanceOf(Date);
    expect(await engine.call("listPreviews", [["acme/other"]])).toEqual([]);
    // The engine asks GitHub for the presser's permission: the fake's unknown user has none.
    expect(await engine.call("dashboardAction", [{ repo: { owner: "acme", repo: "shop" }, pr: 7, user: "stranger", action: "redeploy" }])).toBe("refused");
  });

  it("asks the engine thread whether a host is a preview's: another host gets a bare 404", async () => {
    const response = await fetch(`${url}/`, { headers: { host: "nothing-here.example.com" } });

    expect([response.status, await response.text()]).toEqual([404, "Not Found\n"]);
  });
});

describe("an engine thread that cannot build the engine", () => {
  it("makes the front thread log the reason and exit 1, answering webhooks 503 meanwhile", async () => {
    const lines: string[] = [];
    const codes: number[] = [];
    const failing = startEngineThread<HarnessEngineCalls>({
      entry: new URL("../helpers/harness-engine.ts", import.meta.url),
      env: { ...process.env, BERTH_TEST_CRASH: "on-build" },
      log: pino({ level: "info" }, { write: (line: string) => void lines.push(line) }),
      exit: (code) => void codes.push(code),
    });
    try {
      await vi.waitFor(() => expect(codes).toEqual([1]), { timeout: 30_000, interval: 20 });

      expect(lines.map((line) => JSON.parse(line) as { level: number; msg: string })).toEqual([expect.objectContaining({ level: 50, msg: "berth cannot start: the engine could not be built" })]);
      expect(failing.loaded()).toBe(false);
      await expect(failing.call("ready", [])).rejects.toThrow("the engine thread has stopped");
      // Until the process has exited, its front door acknowledges nothing nobody would handle.
      const front = createFrontDoor({ secret: WEBHOOK_SECRET, engine: failing, log: pino({ level: "silent" }) });
      const base = `http://127.0.0.1:${await listen(front.server, 0, "127.0.0.1")}`;
      try {
        const answer = await deliver(base, pullRequestPayload("opened", { number: 7, sha: SHA1 }), "front-door-stopped");

        expect(answer).toEqual({ status: 503, text: JSON.stringify({ error: "Error: berth's engine has stopped; redeliver this webhook once berth is back" }) });
      } finally {
        await front.close();
      }
    } finally {
      await failing.terminate();
    }
  });
});

describe("npm start's wiring (serve) when the engine thread dies", () => {
  it("logs why and exits 1, after having acknowledged the delivery", async () => {
    const privateKey = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const script = path.join(import.meta.dirname, "..", "helpers", "serve-harness-engine.ts");
    const child = spawn(process.execPath, ["--import", "tsx", script], {
      env: {
        PATH: process.env.PATH ?? "",
        NODE_ENV: "production",
        LOG_LEVEL: "info",
        APP_ID: "1",
        PRIVATE_KEY: privateKey,
        WEBHOOK_SECRET,
        AWS_REGION: "us-east-1",
        BERTH_HOST_KEY: "0123456789abcdef0123456789abcdef",
        PORT: "0",
        HOST: "127.0.0.1",
        BERTH_TEST_CRASH: "on-delivery",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    const timer = setTimeout(() => child.kill("SIGKILL"), 50_000);
    try {
      const port = await vi.waitFor(() => Number(/"msg":"berth listening on port (\d+)"/.exec(stdout)![1]), { timeout: 30_000, interval: 50 });
      const base = `http://127.0.0.1:${port}`;
      // Once the engine is built, /readyz no longer says it is loading.
      await vi.waitFor(async () => expect(await (await fetch(`${base}/readyz`)).text()).not.toContain("loading"), { timeout: 30_000, interval: 100 });

      const answer = await deliver(base, pullRequestPayload("opened", { number: 7, sha: SHA1 }), "front-door-crash");

      expect(answer).toEqual({ status: 200, text: "ok\n" });
      expect(await exited).toBe(1);
      const lines = stdout.split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as { level: number; msg: string });
      expect(lines.at(-1)).toMatchObject({ level: 50, msg: "the engine thread failed: the engine broke while handling a delivery; exiting so that a new process takes over" });
    } finally {
      clearTimeout(timer);
      child.kill("SIGKILL");
    }
  });
});
