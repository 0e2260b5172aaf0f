import { stripInvisible, truncate } from "../../util/markdown.js";

/** GitHub's limit on deployment status descriptions. */
export const DESCRIPTION_LIMIT = 140;

/**
 * The one GitHub environment every preview deploys to; each deployment names its pull request in
 * its `payload`. One environment per pull request would pile up for ever: deleting an environment
 * needs the `administration: write` permission, which a preview bot should not hold.
 */
export const PREVIEW_ENVIRONMENT = "preview";

/** The environment a pull request's previews deployed to before they shared `preview`. */
export function legacyEnvironment(pr: number): string {
  return `preview/pr-${pr}`;
}

/** The per-pull-request environments of earlier versions: `preview/pr-7`, `preview/<name>/pr-7`. */
const LEGACY_ENVIRONMENT = /^preview\/(?:[^/]+\/)?pr-(\d+)$/;

/**
 * The pull request a deployment previews: the one its payload names in `preview`, or the one in
 * the name of a legacy per-pull-request environment; undefined for any other deployment.
 */
export function pullOfDeployment(deployment: { environment: string; pr: number | undefined }): number | undefined {
  if (deployment.environment === PREVIEW_ENVIRONMENT) return deployment.pr;
  const pr = Number(LEGACY_ENVIRONMENT.exec(deployment.environment)?.[1]);
  return Number.isSafeInteger(pr) && pr > 0 ? pr : undefined;
}

/** A deployment description: plain text (GitHub shows it as is), one line, at most 140 characters. */
export function deploymentDescription(text: string): string {
  return truncate(stripInvisible(text).trim(), DESCRIPTION_LIMIT);
}
