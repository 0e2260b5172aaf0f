import { spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { listen } from "../../handlers/webhook-server.js";

/** The built bot (`npm start`): run `npm run build` after changing handlers/. */
const MAIN = path.join(import.meta.dirname, "..", "..", "dist", "handlers", "main.js");
const HOST_KEY = "0123456789abcdef0123456789abcdef";

/** Starts the built bot in an empty directory (no .env, no .pem) with exactly `env`; resolves when it exits, or kills it after 20 s. */
function start(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN], { cwd: mkdtempSync(path.join(tmpdir(), "berth-main-")), env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

const pem = () => generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
const APP = { APP_ID: "4242", WEBHOOK_SECRET: "s", AWS_REGION: "us-east-1", BERTH_HOST_KEY: HOST_KEY, PORT: "0", HOST: "127.0.0.1" };

describe("npm start refuses to start rather than serve a broken app", () => {
  it("exits 1 with the reason when the private key does not parse", async () => {
    const broken = "-----BEGIN RSA PRIVATE KEY-----\nbm90IGEga2V5\n-----END RSA PRIVATE KEY-----\n";
    const { code, stderr } = await start({ ...APP, PRIVATE_KEY: broken });

    expect(code).toBe(1);
    expect(stderr).toMatch(/^berth cannot start: PRIVATE_KEY does not parse as a PEM private key \(.+\); download a new key in the App's settings\n$/);
  });

  it("exits 1 with the reason when the private key is not a PEM at all", async () => {
    const { code, stderr } = await start({ ...APP, PRIVATE_KEY: "paste the key here" });

    expect(code).toBe(1);
    expect(stderr).toContain("berth cannot start: PRIVATE_KEY is not the GitHub App's private key: The contents of \"env.PRIVATE_KEY\" could not be validated.");
  });

  it("exits 1 when GitHub rejects the app's credentials, after asking GitHub once as the app", async () => {
    const requests: Array<{ url?: string; issuer?: unknown }> = [];
    const github = createServer((req, res) => {
      // The app authenticates with a JWT whose issuer is its APP_ID.
      const jwt = /^bearer (\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
      requests.push({ url: req.url, issuer: jwt && JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString()).iss });
      res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ message: "A JSON web token could not be decoded", status: "401" }));
    });
    const port = await listen(github, 0, "127.0.0.1");
    try {
      const { code, stderr } = await start({ ...APP, PRIVATE_KEY: pem(), GHE_HOST: `127.0.0.1:${port}`, GHE_PROTOCOL: "http" });

      expect(code).toBe(1);
      expect(stderr.trim().split("\n").at(-1)).toMatch(/^berth cannot start: GitHub rejected the app's credentials \(APP_ID 4242 with this private key\): 401 A JSON web token could not be decoded/);
      expect(requests).toEqual([{ url: "/api/v3/app", issuer: 4242 }]);
    } finally {
      github.close();
    }
  });

  it("exits 1 in production without any app credentials instead of serving Probot's setup page", async () => {
    const { code, stderr } = await start({ AWS_REGION: "us-east-1", BERTH_HOST_KEY: HOST_KEY, NODE_ENV: "production", PORT: "0", HOST: "127.0.0.1" });

    expect(code).toBe(1);
    expect(stderr).toBe(
      "berth cannot start: NODE_ENV=production and no GitHub App credentials are set (APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET); the setup flow runs only outside production\n",
    );
  });

  it("exits 1 in production without BERTH_HOST_KEY", async () => {
    const { code, stderr } = await start({ ...APP, BERTH_HOST_KEY: "", NODE_ENV: "production", PRIVATE_KEY: pem() });

    expect(code).toBe(1);
    expect(stderr).toContain("- BERTH_HOST_KEY: BERTH_HOST_KEY is not set:");
  });
});
