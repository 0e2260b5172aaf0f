import type { Logger } from "../util/logger.js";
import type { RepoGitHub, RepoRef, StackPort, StackSummary } from "./ports.js";
import type { PreviewJob } from "./preview-service.js";

/** What one resync looked at and queued. */
export interface ReconcileSummary {
  /** berth's stacks looked at. */
  checked: number;
  /** Removals queued: the stack's pull request is closed or gone. */
  removed: number;
  /** Deploys queued: the pull request's head moved past the SHA the stack serves. */
  redeployed: number;
  /** Stacks that could not be judged (unreadable tags, GitHub failed); the next resync tries again. */
  errors: number;
}

/** The collaborators of a resync. */
export interface ReconcileDeps {
  stacks: Pick<StackPort, "list">;
  /** GitHub access for one repository; the installation is looked up when `installationId` is absent. */
  github: (repo: RepoRef) => Promise<Pick<RepoGitHub, "pullRequest">>;
  /** Queues a job exactly as a webhook would; the queue coalesces it with anything waiting. */
  enqueue: (job: PreviewJob) => void;
  /** Whether a job of the pull request runs now: it decides where the stack goes next. */
  busy: (repo: RepoRef, pr: number) => boolean;
  /**
   * Whether berth already took a deploy of this head (queued, running, finished or failed). A
   * failed deploy leaves the stack on its old SHA; resync does not repeat it every few minutes.
   */
  tried: (repo: RepoRef, pr: number, sha: string) => boolean;
  log: Logger;
}

/**
 * Compares the actual state (berth's stacks and their `berth:repository`, `berth:pr`, `berth:sha`
 * tags) with the desired state (each stack's pull request on GitHub) and queues what a missed
 * webhook would have: a `close` for a pull request that is closed or gone, a `deploy` of the head
 * for an open one whose head moved and that nothing is deploying (forks keep `fork: true`, so the
 * approval gate applies as usual). It touches nothing itself, and stacks that are changing are
 * looked at again next time. An error on one stack does not stop the others.
 *
 * Open pull requests without any stack cannot be found from AWS alone (listing every open pull
 * request of every installation is not worth it); the next push or `/preview redeploy` covers them.
 */
export async function reconcile(deps: ReconcileDeps): Promise<ReconcileSummary> {
  const summary: ReconcileSummary = { checked: 0, removed: 0, redeployed: 0, errors: 0 };
  const repos = new Map<string, Promise<Pick<RepoGitHub, "pullRequest">>>();
  const repoGitHub = (repo: RepoRef) => {
    const key = `${repo.owner}/${repo.repo}`.toLowerCase();
    let github = repos.get(key);
    if (!github) {
      // Awaited at once below; a failure counts as an error for every stack of the repository.
      github = deps.github(repo);
      repos.set(key, github);
    }
    return github;
  };

  // One stack at a time: at most one GitHub request per preview, gentle on the rate limit.
  for (const stack of await deps.stacks.list()) {
    summary.checked += 1;
    const log = deps.log.child({ stack: stack.name });
    const owner = readOwner(stack);
    if (!owner) {
      summary.errors += 1;
      log.warn({ tags: stack.tags }, "stack has no readable berth:repository and berth:pr tags; left alone");
      continue;
    }
    const { repo, pr } = owner;
    if (isChanging(stack.status)) {
      log.debug({ status: stack.status }, "stack is changing; looked at again next resync");
      continue;
    }
    try {
      const pull = await (await repoGitHub(repo)).pullRequest(pr);
      if (!pull || pull.state === "closed") {
        deps.enqueue({ repo, pr, action: "close", sha: pull?.headSha ?? stack.tags["berth:sha"] ?? "" });
        summary.removed += 1;
        log.info({ pr, state: pull ? "closed" : "missing" }, "pull request is not open; removing its preview");
        continue;
      }
      const serving = stack.tags["berth:sha"]?.toLowerCase();
      const head = pull.headSha.toLowerCase();
      if (head === serving || deps.busy(repo, pr) || deps.tried(repo, pr, head)) continue;
      deps.enqueue({
        repo,
        pr,
        action: "deploy",
        sha: pull.headSha,
        baseSha: pull.baseSha,
        branch: pull.branch,
        fork: pull.fork,
        draft: pull.draft,
      });
      summary.redeployed += 1;
      log.info({ pr, serving, head: pull.headSha }, "pull request head moved; deploying it");
    } catch (error) {
      summary.errors += 1;
      log.warn({ err: error, pr }, "could not compare the stack with its pull request; trying again next resync");
    }
  }
  deps.log.info({ ...summary }, "resync finished");
  return summary;
}

/** The pull request a stack belongs to, from its tags; undefined when they are missing or malformed. */
function readOwner(stack: StackSummary): { repo: RepoRef; pr: number } | undefined {
  const [owner, repo, ...rest] = (stack.tags["berth:repository"] ?? "").split("/");
  const pr = Number(stack.tags["berth:pr"]);
  if (!owner || !repo || rest.length > 0 || !Number.isSafeInteger(pr) || pr < 1) return undefined;
  return { repo: { owner, repo }, pr };
}

/** An operation runs on the stack (REVIEW_IN_PROGRESS is an idle shell waiting for a change set). */
function isChanging(status: string): boolean {
  return status.endsWith("_IN_PROGRESS") && status !== "REVIEW_IN_PROGRESS";
}
