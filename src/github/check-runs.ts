import { randomUUID } from "node:crypto";
import type { Octokit } from "@octokit/core";
import type { CheckRunInfo, CheckRunOutput, CheckRunPort, RepoRef } from "../preview/ports.js";
import { truncate, truncateUtf8 } from "../util/markdown.js";
import { createOnce, NO_BLIND_RETRY, type CreateRetry } from "./create-once.js";
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

export interface CheckRunOptions {
  /** Stamps started_at and completed_at. */
  now: () => Date;
  /** How a create GitHub answered ambiguously (5xx, no answer) is looked up and tried again. */
  retry?: CreateRetry;
  /** A new key for each create, sent as `external_id`; tests pass a fixed one. */
  newKey?: () => string;
}

/**
 * Check runs of one repository through the REST API. A create carries an `external_id` of its
 * own, so one that failed ambiguously is looked up on the commit before it is sent again: there
 * is exactly one check run per create, however GitHub answered.
 */
export function createCheckRuns(octokit: Octokit, repo: RepoRef, options: CheckRunOptions): Omit<CheckRunPort, "list"> {
  const { owner, repo: name } = repo;
  const { now } = options;
  const newKey = options.newKey ?? (() => `berth:${randomUUID()}`);

  async function findByKey(headSha: string, checkName: string, key: string): Promise<{ id: number; url: string } | undefined> {
    for (let page = 1; ; page++) {
      const response = await requireGitHub(`list check runs "${checkName}" on ${headSha.slice(0, 7)}`, () =>
        octokit.request("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", {
          owner,
          repo: name,
          ref: headSha,
          check_name: checkName,
          filter: "all",
          per_page: 100,
          page,
        }),
      );
      const run = response.data.check_runs.find((r) => r.external_id === key);
      if (run) return { id: Number(run.id), url: run.html_url ?? "" };
      if (!hasNextPage(response.headers)) return undefined;
    }
  }

  return {
    async create({ headSha, name: checkName, output, detailsUrl }) {
      const key = newKey();
      return createOnce({
        action: `create check run "${checkName}" on ${headSha.slice(0, 7)}`,
        ...(options.retry === undefined ? {} : { retry: options.retry }),
        create: async () => {
          const { data } = await octokit.request("POST /repos/{owner}/{repo}/check-runs", {
            owner,
            repo: name,
            name: checkName,
            head_sha: headSha,
            external_id: key,
            status: "in_progress",
            started_at: now().toISOString(),
            output: fitCheckRunOutput(output),
            ...(detailsUrl === undefined ? {} : { details_url: detailsUrl }),
            request: NO_BLIND_RETRY,
          });
          return { id: Number(data.id), url: data.html_url ?? "" };
        },
        find: () => findByKey(headSha, checkName, key),
      });
    },

    async update(id, { output, conclusion, detailsUrl, actions }) {
      await requireGitHub(`update check run ${id}`, () =>
        octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
          owner,
          repo: name,
          check_run_id: id,
          output: fitCheckRunOutput(output),
          ...(conclusion === undefined ? {} : { status: "completed", conclusion, completed_at: now().toISOString() }),
          ...(detailsUrl === undefined ? {} : { details_url: detailsUrl }),
          ...(actions === undefined ? {} : { actions }),
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
