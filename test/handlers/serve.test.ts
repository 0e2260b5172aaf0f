import { generateKeyPairSync } from "node:crypto";
import { ProbotOctokit } from "probot";
import { afterEach, describe, expect, it, vi } from "vitest";
import { serve } from "../../handlers/serve.js";
import { loadSettings } from "../../handlers/settings.js";

describe("serve (npm start with a configured app)", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("answers /ping and verifies webhooks, and on SIGTERM with nothing running closes the server and exits 0", async () => {
    vi.stubEnv("AWS_REGION", "us-east-1");
    const privateKey = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const signals = new Map<string, () => void>();
    const exits: number[] = [];
    const env: NodeJS.ProcessEnv = { APP_ID: "1", PRIVATE_KEY: privateKey, WEBHOOK_SECRET: "s", PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "silent", AWS_REGION: "us-east-1" };

    const { port } = await serve({
      env,
      settings: loadSettings(env),
      Octokit: ProbotOctokit,
      process: { on: (signal, listener) => signals.set(signal, listener), exit: (code) => void exits.push(code) },
    });
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

    signals.get("SIGTERM")!();
    await vi.waitFor(() => expect(exits).toEqual([0]), { timeout: 10_000, interval: 5 });
    await expect(fetch(`${url}/ping`)).rejects.toThrow("fetch failed");
  });
});
