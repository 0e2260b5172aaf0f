import { generateKeyPairSync } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { serve } from "../../handlers/serve.js";
import { startWebhookProxy, type SmeeModule } from "../../handlers/webhook-proxy.js";
import { loadSettings } from "../../handlers/settings.js";
import { call, visibleText } from "../helpers/dashboard-harness.js";

/**
 * `serve` with a configured app on a free port of 127.0.0.1, `more` added to its environment;
 * returns the port, the signal handlers it installed and the exit codes it asked for.
 */
async function startServe(more: NodeJS.ProcessEnv = {}, options: { loadSmee?: () => Promise<SmeeModule> } = {}) {
  vi.stubEnv("AWS_REGION", "us-east-1");
  const privateKey = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const signals = new Map<string, () => void>();
  const exits: number[] = [];
  const env: NodeJS.ProcessEnv = { APP_ID: "1", PRIVATE_KEY: privateKey, WEBHOOK_SECRET: "s", PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "silent", AWS_REGION: "us-east-1", ...more };
  const { port } = await serve({
    env,
    settings: loadSettings(env),
    ...options,
    process: { on: (signal, listener) => signals.set(signal, listener), exit: (code) => void exits.push(code) },
  });
  return { port, signals, exits };
}

describe("serve (npm start with a configured app)", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("answers /ping and verifies webhooks, and on SIGTERM with nothing running closes the server and exits 0", async () => {
    const { port, signals, exits } = await startServe();
    const url = `http://127.0.0.1:${port}`;

    const ping = await fetch(`${url}/ping`);
    expect([ping.status, await ping.text()]).toEqual([200, "PONG"]);
    const unsigned = await fetch(`${url}/api/github/webhooks`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-github-event": "ping", "x-github-delivery": "serve-test" },
      body: "{}",
    });
    expect(unsigned.status).toBe(400);
    expect((await fetch(`${url}/setup`)).status).toBe(404);
    // The production wiring serves metrics: the front thread's, with the unsigned delivery's answer
    // timed, and, once the engine thread has loaded, the engine's.
    await vi.waitFor(
      async () => {
        const metrics = await fetch(`${url}/metrics`);
        const text = await metrics.text();
        expect(metrics.status).toBe(200);
        expect(text).toContain('berth_webhook_ack_seconds_count{status="400"} 1\n');
        expect(text).toContain('berth_queue_jobs{state="waiting"} 0\n');
      },
      { timeout: 30_000, interval: 100 },
    );

    signals.get("SIGTERM")!();
    await vi.waitFor(() => expect(exits).toEqual([0]), { timeout: 10_000, interval: 5 });
    await expect(fetch(`${url}/ping`)).rejects.toThrow("fetch failed");
  });

  it("with BERTH_PUBLIC_URL serves the dashboard on that host, signing in with the App's client id", async () => {
    const { port, signals, exits } = await startServe({
      BERTH_PUBLIC_URL: "https://berth.example.com",
      GITHUB_CLIENT_ID: "Iv1.0123456789abcdef",
      GITHUB_CLIENT_SECRET: "secret",
    });

    const home = await call(port, { path: "/", host: "berth.example.com" });
    expect(home.status).toBe(200);
    expect(visibleText(home.text)).toContain("Sign in with GitHub");
    const login = await call(port, { path: "/auth/login", host: "berth.example.com" });
    expect(login.status).toBe(302);
    expect(login.headers.location).toMatch(/^https:\/\/github\.com\/login\/oauth\/authorize\?allow_signup=true&client_id=Iv1\.0123456789abcdef&redirect_uri=https%3A%2F%2Fberth\.example\.com%2Fauth%2Fcallback&state=[A-Za-z0-9_-]{43}$/);

    signals.get("SIGTERM")!();
    await vi.waitFor(() => expect(exits).toEqual([0]), { timeout: 10_000, interval: 5 });
  });

  it("with WEBHOOK_PROXY_URL forwards the smee channel's webhooks to its own webhook path, and stops forwarding on SIGTERM", async () => {
    const proxies: Array<{ source: string; target: string; closed: boolean }> = [];
    const loadSmee = async (): Promise<SmeeModule> => ({
      SmeeClient: class {
        constructor(private readonly options: { source: string; target: string }) {}
        async start() {
          const proxy = { source: this.options.source, target: this.options.target, closed: false };
          proxies.push(proxy);
          return { close: () => void (proxy.closed = true) };
        }
      },
    });
    const { port, signals, exits } = await startServe({ WEBHOOK_PROXY_URL: "https://smee.io/berth-dev" }, { loadSmee });

    expect(proxies).toEqual([{ source: "https://smee.io/berth-dev", target: `http://127.0.0.1:${port}/api/github/webhooks`, closed: false }]);
    signals.get("SIGTERM")!();
    await vi.waitFor(() => expect(exits).toEqual([0]), { timeout: 10_000, interval: 5 });
    expect(proxies[0]?.closed).toBe(true);
  });

  it("without smee-client installed says how to install it, and serves without a proxy", async () => {
    const warnings: string[] = [];
    const log = { info: () => {}, error: () => {}, warn: (message: string) => void warnings.push(message) };

    const proxy = await startWebhookProxy({ url: "https://smee.io/berth-dev", target: "http://localhost:3000/api/github/webhooks", log: log as never, load: () => Promise.reject(new Error("Cannot find package 'smee-client'")) });

    expect(proxy).toBeUndefined();
    expect(warnings).toEqual(["Run `npm install --save-dev smee-client` to proxy webhooks to localhost."]);
  });
});
