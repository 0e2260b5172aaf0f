// `npm start`: checks the settings and the app's credentials, then runs the app (see serve.ts), or
// Probot's setup flow outside production.
import { existsSync } from "node:fs";
import { createProbot, run } from "probot";
import { checkPrivateKey, verifyAppCredentials } from "./app-credentials.js";
import { createGitHubOctokit } from "./github-octokit.js";
import { serve } from "./serve.js";
import { checkAppSettings, loadSettings, type BerthSettings } from "./settings.js";

if (existsSync(".env")) process.loadEnvFile(".env");
let settings: BerthSettings | undefined;
try {
  // Without any app credentials Probot serves its setup page, which registers the app from app.yml.
  // In production that page would only hide a missing secret behind a healthy /ping.
  const mode = checkAppSettings(process.env);
  if (mode === "setup" && process.env.NODE_ENV === "production") {
    throw new Error("berth cannot start: NODE_ENV=production and no GitHub App credentials are set (APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET); the setup flow runs only outside production");
  }
  if (mode === "configured") {
    settings = loadSettings(process.env);
    checkPrivateKey(process.env);
    const probot = createProbot({ env: { ...process.env, LOG_LEVEL: "silent" }, overrides: { Octokit: createGitHubOctokit() } });
    const verified = await verifyAppCredentials(() => probot.auth(), process.env.APP_ID ?? "");
    if ("unverified" in verified) console.warn(`berth could not reach GitHub to check the app's credentials (${verified.unverified}); /readyz says when it can`);
  }
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
if (settings) await serve({ env: process.env, settings, process });
// The engine's code (the AWS SDK among it) is loaded here only for the setup flow; serve() loads it on the engine thread.
else await run((await import("./index.js")).default, { env: process.env, Octokit: createGitHubOctokit() });
