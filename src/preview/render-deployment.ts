import type { DeploymentState } from "./ports.js";
import { stripInvisible, truncate } from "../util/markdown.js";
import { shortSha, type DeployReport } from "./render-check-run.js";

/** GitHub's limit on deployment status descriptions. */
export const DESCRIPTION_LIMIT = 140;

/**
 * The GitHub environment of a PR's preview: `preview/pr-42`, or `preview/<name>/pr-42` when
 * a name (e.g. the app within a monorepo) is given. The name is reduced to `[a-z0-9._-]`.
 */
export function deploymentEnvironment(pr: number, repo?: string): string {
  const name = repo === undefined ? "" : repo.toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "");
  return name === "" ? `preview/pr-${pr}` : `preview/${name}/pr-${pr}`;
}

/** A deployment description: plain text (GitHub shows it as is), one line, at most 140 characters. */
export function deploymentDescription(text: string): string {
  return truncate(stripInvisible(text).trim(), DESCRIPTION_LIMIT);
}

/** The deployment status that mirrors a deploy report: its state and a short description. */
export function renderDeploymentStatus(report: DeployReport): { state: DeploymentState; description: string } {
  const sha = shortSha(report.sha);
  switch (report.outcome) {
    case "running": {
      const waitingForImage = report.phases.some((p) => p.name === "image" && p.status === "waiting");
      return waitingForImage
        ? { state: "queued", description: deploymentDescription(`Waiting for the image of ${sha}`) }
        : { state: "in_progress", description: deploymentDescription(`Deploying ${sha}`) };
    }
    case "success":
      return { state: "success", description: deploymentDescription(`Preview of ${sha} is live`) };
    case "failure": {
      const f = report.failure;
      const text = f === undefined ? `Deploy of ${sha} failed` : `${f.phase} failed on ${sha}: ${f.message}`;
      return { state: "failure", description: deploymentDescription(text) };
    }
    case "superseded":
      return {
        state: "inactive",
        description: deploymentDescription(report.supersededBy === undefined ? "Superseded" : `Superseded by ${shortSha(report.supersededBy)}`),
      };
    case "cancelled":
      return { state: "error", description: deploymentDescription(`Deploy of ${sha} cancelled`) };
  }
}

/** The description of the final inactive status when the preview is removed. */
export function renderRemovedDescription(reason?: string): string {
  return deploymentDescription(reason === undefined ? "Preview removed" : `Preview removed: ${reason}`);
}
