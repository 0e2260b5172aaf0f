// `npm start`: checks the settings, then runs the app with Probot's server.
import { existsSync } from "node:fs";
import { run } from "probot";
import { createGitHubOctokit } from "./github-octokit.js";
import app from "./index.js";
import { checkAppSettings, loadSettings } from "./settings.js";

if (existsSync(".env")) process.loadEnvFile(".env");
try {
  // Without any app credentials Probot serves its setup page, which registers the app from app.yml.
  if (checkAppSettings(process.env) === "configured") loadSettings(process.env);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
await run(app, { env: process.env, Octokit: createGitHubOctokit() });
