import { randomUUID } from "node:crypto";
import type { Octokit } from "@octokit/core";
import type { DeploymentInfo, DeploymentPort, RepoRef } from "../preview/ports.js";
import { truncate } from "../util/markdown.js";
import { createOnce, NO_BLIND_RETRY, type CreateRetry } from "./create-once.js";
import { GitHubError, hasNextPage, requireGitHub } from "./github-error.js";

/** GitHub's limit on deployment and deployment status descriptions. */
export const DEPLOYMENT_DESCRIPTION_LIMIT = 140;

export interface DeploymentOptions {
  /** How a create GitHub answered ambiguously (5xx, no answer) is looked up and tried again. */
  retry?: CreateRetry;
  /** A new key for each create, sent in the deployment's `payload`; tests pass a fixed one. */
  newKey?: () => string;
}

/** Where a deployment's `payload` carries the key of the create that made it. */
export const DEPLOYMENT_KEY = "berth_key";

/** Where a deployment's `payload` carries the number of the pull request it previews. */
export const DEPLOYMENT_PR = "berth_pr";

/**
 * The `task` of a pull request's deployments. GitHub filters its list of deployments by task, so
 * one pull request's deployments in the shared environment are found without reading every other
 * pull request's.
 */
export function pullTask(pr: number): string {
  return `deploy:pr-${pr}`;
}

/** The task GitHub gives a deployment created without one, as berth's were before they named their pull request. */
const DEFAULT_TASK = "deploy";

type ListedDeployment = { id: number | bigint; sha: string; environment: string; payload: unknown };

/**
 * A pull request's deployments in the environment, newest first, page by page as they are read:
 * those of its task, then, with `older`, those made before deployments had one (task `deploy`)
 * whose payload names it. Stop iterating to stop reading.
 */
async function* pullDeployments(octokit: Octokit, repo: RepoRef, environment: string, pr: number, older: boolean): AsyncGenerator<ListedDeployment> {
  const { owner, repo: name } = repo;
  for (const task of older ? [pullTask(pr), DEFAULT_TASK] : [pullTask(pr)]) {
    for (let page = 1; ; page++) {
      const response = await requireGitHub(`list deployments of PR #${pr} in ${environment}`, () =>
        octokit.request("GET /repos/{owner}/{repo}/deployments", { owner, repo: name, environment, task, per_page: 100, page }),
      );
      for (const deployment of response.data) if (task !== DEFAULT_TASK || pullOf(deployment.payload) === pr) yield deployment;
      if (!hasNextPage(response.headers)) break;
    }
  }
}

/** The pull request a listed deployment's payload names; undefined when it names none. */
function pullOf(payload: unknown): number | undefined {
  if (typeof payload !== "object" || payload === null) return undefined;
  const pr = (payload as Record<string, unknown>)[DEPLOYMENT_PR];
  return typeof pr === "number" && Number.isSafeInteger(pr) && pr > 0 ? pr : undefined;
}

/**
 * Deployments of one repository through the REST API. A create carries a key of its own in the
 * deployment's `payload`, so one that failed ambiguously is looked up (by SHA and environment)
 * before it is sent again: there is exactly one deployment per create, however GitHub answered.
 */
export function createDeployments(octokit: Octokit, repo: RepoRef, options: DeploymentOptions = {}): Omit<DeploymentPort, "listRecent"> {
  const { owner, repo: name } = repo;
  const newKey = options.newKey ?? (() => randomUUID());

  async function findByKey(sha: string, environment: string, key: string): Promise<number | undefined> {
    for (let page = 1; ; page++) {
      const response = await requireGitHub(`list deployments of ${sha.slice(0, 7)} in ${environment}`, () =>
        octokit.request("GET /repos/{owner}/{repo}/deployments", { owner, repo: name, sha, environment, per_page: 100, page }),
      );
      const found = response.data.find((d) => typeof d.payload === "object" && d.payload !== null && d.payload[DEPLOYMENT_KEY] === key);
      if (found) return Number(found.id);
      if (!hasNextPage(response.headers)) return undefined;
    }
  }

  /**
   * Sets a deployment's state. Statuses pile up, so a POST GitHub answered ambiguously is not sent
   * blind again: when the deployment's newest status already has the state, it has landed.
   */
  async function setStatus(
    id: number,
    input: { state: Parameters<DeploymentPort["setStatus"]>[1]["state"]; environmentUrl?: string; logUrl?: string; description?: string },
  ): Promise<void> {
    const { state, environmentUrl, logUrl, description } = input;
    await createOnce({
      action: `set deployment ${id} to ${state}`,
      ...(options.retry === undefined ? {} : { retry: options.retry }),
      create: async () => {
        await octokit.request("POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses", {
          owner,
          repo: name,
          deployment_id: id,
          state,
          ...(environmentUrl === undefined ? {} : { environment_url: environmentUrl }),
          ...(logUrl === undefined ? {} : { log_url: logUrl }),
          ...(description === undefined ? {} : { description: truncate(description, DEPLOYMENT_DESCRIPTION_LIMIT) }),
          request: NO_BLIND_RETRY,
        });
        return true;
      },
      find: async () => ((await latestState(id)) === state ? true : undefined),
    });
  }

  async function latestState(id: number): Promise<string | undefined> {
    const { data } = await requireGitHub(`read statuses of deployment ${id}`, () =>
      octokit.request("GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses", {
        owner,
        repo: name,
        deployment_id: id,
        per_page: 1,
      }),
    );
    return data[0]?.state;
  }

  return {
    async create({ sha, environment, pr, description }) {
      const action = `create deployment of ${sha.slice(0, 7)} in ${environment}`;
      const key = newKey();
      return createOnce({
        action,
        ...(options.retry === undefined ? {} : { retry: options.retry }),
        create: async () => {
          const { data } = await octokit.request("POST /repos/{owner}/{repo}/deployments", {
            owner,
            repo: name,
            ref: sha,
            environment,
            task: pullTask(pr),
            description: truncate(description, DEPLOYMENT_DESCRIPTION_LIMIT),
            payload: { [DEPLOYMENT_KEY]: key, [DEPLOYMENT_PR]: pr },
            transient_environment: true,
            production_environment: false,
            // The SHA is deployed as is: no merge of the default branch, and no wait on the
            // commit's checks (berth's own check run is one of them and is still pending).
            auto_merge: false,
            required_contexts: [],
            request: NO_BLIND_RETRY,
          });
          // 202 (a merge was attempted) cannot happen with auto_merge false; say so if it does.
          if (!("id" in data)) throw new GitHubError(action, new Error(data.message ?? "no deployment was created"));
          return Number(data.id);
        },
        find: () => findByKey(sha, environment, key),
      });
    },

    setStatus,

    async deactivateOthers({ environment, pr, exceptId }) {
      const others: Array<{ id: number; sha: string }> = [];
      const add = (deployment: ListedDeployment) => {
        if (Number(deployment.id) !== exceptId) others.push({ id: Number(deployment.id), sha: deployment.sha });
      };
      if (pr !== undefined) {
        for await (const deployment of pullDeployments(octokit, repo, environment, pr, true)) add(deployment);
      } else {
        for (let page = 1; ; page++) {
          const response = await requireGitHub(`list deployments in ${environment}`, () =>
            octokit.request("GET /repos/{owner}/{repo}/deployments", { owner, repo: name, environment, per_page: 100, page }),
          );
          response.data.forEach(add);
          if (!hasNextPage(response.headers)) break;
        }
      }
      // Reading first keeps repeated calls from piling inactive statuses onto old deployments.
      const cutOff = new Set<string>();
      for (const { id, sha } of others) {
        const state = await latestState(id);
        if (state === "inactive") continue;
        if (state === undefined || ["queued", "in_progress", "pending"].includes(state)) cutOff.add(sha);
        await setStatus(id, { state: "inactive" });
      }
      return [...cutOff];
    },
  };
}

/**
 * The newest `limit` deployments of the environment (at most 100), newest first, each with the
 * state of its latest status: one request per page of the list and one per deployment. With `pr`
 * and `environment`, only that pull request's (of its task), read page by page until `limit` are
 * found; otherwise one page.
 */
export async function listRecentDeployments(
  octokit: Octokit,
  repo: RepoRef,
  input: { environment?: string; pr?: number; limit: number },
): Promise<DeploymentInfo[]> {
  const { owner, repo: name } = repo;
  const { environment, pr, limit } = input;
  const where = `${environment ?? "every environment"}${pr === undefined ? "" : ` of PR #${pr}`}`;
  const picked: Array<{ id: number; sha: string; environment: string; pr: number | undefined }> = [];
  const pick = (deployment: ListedDeployment) => picked.push({ id: Number(deployment.id), sha: deployment.sha, environment: deployment.environment, pr: pullOf(deployment.payload) });
  if (pr !== undefined && environment !== undefined) {
    // Only the task's: a steady resync reads this for every open pull request, and those made
    // before deployments had a task are retired by the pull request's next success or close.
    for await (const deployment of pullDeployments(octokit, repo, environment, pr, false)) {
      pick(deployment);
      if (picked.length >= limit) break;
    }
  } else {
    const response = await requireGitHub(`list deployments in ${where}`, () =>
      octokit.request("GET /repos/{owner}/{repo}/deployments", { owner, repo: name, ...(environment === undefined ? {} : { environment }), per_page: Math.min(100, limit) }),
    );
    for (const deployment of response.data) if (pr === undefined || pullOf(deployment.payload) === pr) pick(deployment);
  }
  const found: DeploymentInfo[] = [];
  for (const deployment of picked.slice(0, limit)) {
    const statuses = await requireGitHub(`read statuses of deployment ${deployment.id}`, () =>
      octokit.request("GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses", { owner, repo: name, deployment_id: deployment.id, per_page: 1 }),
    );
    found.push({ ...deployment, state: statuses.data[0]?.state });
  }
  return found;
}
