import type { Octokit } from "@octokit/core";
import type { CheckRunInfo, CheckRunOutput, CheckRunPort, RepoRef } from "../preview/ports.js";
import { truncate, truncateUtf8 } from "../util/markdown.js";
import { hasNextPage, requireGitHub } from "./github-error.js";

/** GitHub's limit on a check run's `output.summary` and `output.text`. */
export const CHECK_TEXT_LIMIT = 65535;
/** A check run title longer than this is cut; GitHub shows titles on one line. */
export const CHECK_TITLE_LIMIT = 255;
/** Appended where a summary or text was cut, so readers know something is missing. */
export const TRUNCATED_MARKER = "\n\n…(truncated)";

/**
 * Trims a check run output to GitHub's limits. Summary and text are cut by UTF-8 bytes
 * (GitHub stores them in 64 KiB columns; a byte limit also satisfies the character limit)
 * and end with a visible "…(truncated)" marker.
 */
export function fitCheckRunOutput(output: CheckRunOutput): CheckRunOutput {
  const fitted: CheckRunOutput = {
    title: truncate(output.title.replace(/\s+/g, " ").trim(), CHECK_TITLE_LIMIT),
    summary: truncateUtf8(output.summary, CHECK_TEXT_LIMIT, TRUNCATED_MARKER),
  };
  if (output.text !== undefined) fitted.text = truncateUtf8(output.text, CHECK_TEXT_LIMIT, TRUNCATED_MARKER);
  return fitted;
}

/** Check runs of one repository through the REST API. `now` stamps started_at and completed_at. */
export function createCheckRuns(octokit: Octokit, repo: RepoRef, now: () => Date): Omit<CheckRunPort, "list"> {
  const { owner, repo: name } = repo;
  return {
    async create({ headSha, name: checkName, output, detailsUrl }) {
      const { data } = await requireGitHub(`create check run "${checkName}" on ${headSha.slice(0, 7)}`, () =>
        octokit.request("POST /repos/{owner}/{repo}/check-runs", {
          owner,
          repo: name,
          name: checkName,
          head_sha: headSha,
          status: "in_progress",
          started_at: now().toISOString(),
          output: fitCheckRunOutput(output),
          ...(detailsUrl === undefined ? {} : { details_url: detailsUrl }),
        }),
      );
      return { id: Number(data.id), url: data.html_url ?? "" };
    },

    async update(id, { output, conclusion, detailsUrl }) {
      await requireGitHub(`update check run ${id}`, () =>
        octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
          owner,
          repo: name,
          check_run_id: id,
          output: fitCheckRunOutput(output),
          ...(conclusion === undefined ? {} : { status: "completed", conclusion, completed_at: now().toISOString() }),
          ...(detailsUrl === undefined ? {} : { details_url: detailsUrl }),
        }),
      );
    },
  };
}

/**
 * The check runs of that name on the SHA created by the app whose slug is given (any app's when
 * none is), newest first: what a resync reads to learn how berth's last deploy of a head ended.
 */
export async function listCheckRuns(octokit: Octokit, repo: RepoRef, input: { headSha: string; name: string; appSlug?: string }): Promise<CheckRunInfo[]> {
  const runs: CheckRunInfo[] = [];
  for (let page = 1; ; page++) {
    const response = await requireGitHub(`list check runs "${input.name}" on ${input.headSha.slice(0, 7)}`, () =>
      octokit.request("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", {
        owner: repo.owner,
        repo: repo.repo,
        ref: input.headSha,
        check_name: input.name,
        filter: "all",
        per_page: 100,
        page,
      }),
    );
    for (const run of response.data.check_runs) {
      if (input.appSlug !== undefined && run.app?.slug !== input.appSlug) continue;
      runs.push({
        id: Number(run.id),
        headSha: run.head_sha,
        status: run.status,
        ...(run.conclusion ? { conclusion: run.conclusion } : {}),
        output: { title: run.output.title ?? "", summary: run.output.summary ?? "" },
      });
    }
    if (!hasNextPage(response.headers)) break;
  }
  return runs.sort((a, b) => b.id - a.id);
}
