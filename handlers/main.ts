// `npm start`: checks the settings, then runs the app (see serve.ts), or Probot's setup flow.
import { existsSync } from "node:fs";
import { run } from "probot";
import { createGitHubOctokit } from "./github-octokit.js";
import app from "./index.js";
import { serve } from "./serve.js";
import { checkAppSettings, loadSettings, type BerthSettings } from "./settings.js";

if (existsSync(".env")) process.loadEnvFile(".env");
let settings: BerthSettings | undefined;
try {
  // Without any app credentials Probot serves its setup page, which registers the app from app.yml.
  if (checkAppSettings(process.env) === "configured") settings = loadSettings(process.env);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
if (settings) await serve({ env: process.env, settings, Octokit: createGitHubOctokit(), process });
else await run(app, { env: process.env, Octokit: createGitHubOctokit() });
