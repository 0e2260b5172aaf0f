import { stripInvisible, truncate } from "../../util/markdown.js";

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
