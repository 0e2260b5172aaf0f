import { REPO_CONFIG_FILES } from "../../config/load-repo-config.js";
import type { Logger } from "../../util/logger.js";
import { concludeClosedLeftOpen } from "./conclude-closed.js";
import { convergePull, type ConvergeDeps } from "./converge-pull.js";
import type { AppGitHub, GatePort, InstalledRepo, RepoGitHub, RepoRef, RolloutHookPort, StackPort, StackSummary } from "../ports.js";
import { closeAbandonedGate } from "./gated-rollout.js";
import { clusterOfService, leftRollout } from "./rollout-hooks.js";
import type { PreviewJob } from "../job.js";
import { findTransient } from "./describe-failure.js";
import { DEPLOYING_TAG, SERVING_TAG } from "./serving-tags.js";

/** What one resync looked at, queued and repaired. */
export interface ReconcileSummary {
  /** berth's stacks looked at. */
  checked: number;
  /** Open pull requests without a stack looked at (repositories with `.github/preview.yml` only). */
  pulls: number;
  /** Removals queued: the stack's pull request is closed or gone. */
  removed: number;
  /** Deploys queued: a head moved, never deployed, interrupted, or failed on an error that may pass. */
  redeployed: number;
  /** berth's check runs left open by a restart and concluded (interrupted, or superseded by a newer head). */
  concluded: number;
  /** Repositories not looked at for open pull requests because the installation's budget ran out; next resync. */
  deferred: number;
  /** Things that could not be judged (unreadable tags, GitHub failed); the next resync tries again. */
  errors: number;
}

/** What a resync reads and writes on one repository. */
export type ReconcileGitHub = Pick<RepoGitHub, "pullRequest" | "openPullRequests" | "checks" | "deployments" | "comments" | "reader">;

/** The collaborators of a resync. */
export interface ReconcileDeps extends ConvergeDeps {
  stacks: Pick<StackPort, "list" | "findOpenGate">;
  /** Closes release gates a stopped berth left open; absent: changing stacks are only skipped. */
  gates?: GatePort;
  /** Acts on a fast rollout's deployment a stopped berth left waiting at its hook; absent: left to the hook's timeout. */
  hooks?: RolloutHookPort;
  /** GitHub access for one repository; the installation is looked up when `installationId` is absent. */
  github: (repo: RepoRef) => Promise<ReconcileGitHub>;
  /** The app's installations and their repositories; absent: open pull requests are found from stacks only. */
  app?: AppGitHub;
  /** GitHub requests one resync may spend per installation looking for open pull requests without a stack. */
  budget: number;
  /**
   * Where the search of each installation resumes when a budget ran out: the index of the
   * repository, and the last pull request of it already looked at (0: none).
   */
  resumeAt: Map<number, { repo: number; afterPr: number }>;
  /** Queues a job exactly as a webhook would; the queue coalesces it with anything waiting. */
  enqueue: (job: PreviewJob) => void;
  /** Whether a job of the pull request runs now: its check run is live, not left over from a restart. */
  busy: (repo: RepoRef, pr: number) => boolean;
  /**
   * A number that changes whenever a job of the pull request starts or ends: a run read as open
   * may have been concluded by a job that ended meanwhile, and is then not judged on that read.
   */
  activity: (repo: RepoRef, pr: number) => number;
  /**
   * Whether this process already took a deploy of the head. Only asked when the head has no check
   * run: a deploy that ran and wrote none (no config at that commit, a draft, a fork waiting for
   * approval) is not queued again every resync. A restart forgets it, which costs one more pass.
   */
  tried: (repo: RepoRef, pr: number, sha: string) => boolean;
  /**
   * Listing berth's stacks again after AWS failed transiently (throttled past the SDK's retries,
   * a 5xx): `LIST_ATTEMPTS` tries, waiting `delayMs` and then twice that. Absent: one try.
   */
  listRetry?: { delayMs: number; sleep: (ms: number) => Promise<void> };
  /** Told when a stack was not judged because it was changing: the sweep is then not done. */
  onSkipped?: () => void;
  /**
   * The first resync of a process: also reads each open pull request's recent deployments for
   * check runs of older heads a restart left open, even when the head needs nothing.
   */
  sweep: boolean;
  log: Logger;
}

/**
 * Level-triggered repair of everything a restart or a missed webhook left behind. The desired
 * state is each open pull request's head (from GitHub); the actual state is berth's stacks and
 * their tags (from AWS) and berth's own check runs and deployments (from GitHub):
 *
 * - a stack whose pull request is closed or gone: removed;
 * - an open pull request, with a stack or found by listing the installations' repositories and
 *   their open pull requests (all of them where the default branch has `.github/preview.yml`,
 *   else those whose head adds it): its head's newest `preview` check run decides.
 *   None: deploy. Open while nothing here runs the PR (a restart): concluded neutral, deploy again.
 *   Success: done (if the stack serves the head or was removed on purpose). Failure on an error
 *   that may pass: deploy again, `DEPLOY_ATTEMPTS` attempts in all per head. Any other failure:
 *   left until the head changes. Before a deploy is queued, runs and deployments of older heads a
 *   restart left open are concluded "Superseded by".
 *
 * Forks keep `fork: true`, so the approval gate applies. Stacks that are changing are looked at
 * again next time; one whose update waits on a release gate while nothing here runs its pull
 * request gets the gate closed first (a restart during the release steps left it open). An error on one pull request does not stop the others. It never waits for a
 * deploy: it only queues.
 */
export async function reconcile(deps: ReconcileDeps): Promise<ReconcileSummary> {
  const summary: ReconcileSummary = { checked: 0, pulls: 0, removed: 0, redeployed: 0, concluded: 0, deferred: 0, errors: 0 };
  const repos = new Map<string, Promise<ReconcileGitHub>>();
  const repoGitHub = (repo: RepoRef) => {
    const key = repoKey(repo);
    let github = repos.get(key);
    if (!github) {
      // Awaited at once below; a failure counts as an error for every pull request of the repository.
      github = deps.github(repo);
      repos.set(key, github);
    }
    return github;
  };
  const judged = new Set<string>();

  // One stack at a time: a few GitHub requests per preview, gentle on the rate limit.
  for (const stack of await listStacks(deps)) {
    summary.checked += 1;
    const log = deps.log.child({ stack: stack.name });
    const owner = readOwner(stack);
    if (!owner) {
      summary.errors += 1;
      log.warn({ tags: stack.tags }, "stack has no readable berth:repository and berth:pr tags; left alone");
      continue;
    }
    const { repo, pr } = owner;
    judged.add(pullKey(repo, pr));
    // A deletion in progress is judged now: a removal berth stopped waiting for (a restart) is
    // finished by the pull request's close job, which waits for it.
    if (isChanging(stack.status) && stack.status !== "DELETE_IN_PROGRESS") {
      // An update waiting on a release gate while no deploy here runs the pull request: a berth
      // stopped during the release steps left it open. Closed, it rolls back; the next resync
      // judges the pull request on the settled stack.
      if (deps.gates && !deps.busy(repo, pr)) {
        await closeAbandonedGate({ stacks: deps.stacks, gates: deps.gates, log }, stack.name).catch((error: unknown) =>
          log.warn({ err: error }, "could not read whether the changing stack waits on a release gate"),
        );
      }
      if (deps.hooks && !deps.busy(repo, pr)) {
        await resumeLeftHook(deps.hooks, stack).catch((error: unknown) => log.warn({ err: error }, "could not act on the public service's deployment left waiting"));
      }
      log.debug({ status: stack.status }, "stack is changing; looked at again next resync");
      deps.onSkipped?.();
      continue;
    }
    try {
      const github = await repoGitHub(repo);
      const pull = await github.pullRequest(pr);
      if (!pull || pull.state === "closed") {
        deps.enqueue({ repo, pr, action: "close", sha: pull?.headSha ?? stack.tags[DEPLOYING_TAG] ?? stack.tags[SERVING_TAG] ?? "" });
        summary.removed += 1;
        log.info({ pr, state: pull ? "closed" : "missing" }, "pull request is not open; removing its preview");
        continue;
      }
      await convergePull(deps, summary, { repo, github, pull, stack, log });
    } catch (error) {
      summary.errors += 1;
      log.warn({ err: error, pr }, "could not compare the stack with its pull request; trying again next resync");
    }
  }

  if (deps.app) await findPullsWithoutStack(deps, deps.app, summary, judged);
  deps.log.info({ ...summary }, "resync finished");
  return summary;
}

/** Tries at listing berth's stacks when AWS fails transiently; see `listRetry`. */
export const LIST_ATTEMPTS = 3;

/**
 * berth's stacks, read again after a back-off when the read failed on an error that may pass: the
 * whole resync hangs on this one list, so one throttled ListStacks or DescribeStacks must not cost
 * it. Any other error, or the last try's, fails the resync (the next one tries again).
 */
async function listStacks(deps: ReconcileDeps): Promise<StackSummary[]> {
  let delay = deps.listRetry?.delayMs ?? 0;
  for (let attempt = 1; ; attempt++) {
    try {
      return await deps.stacks.list();
    } catch (error) {
      if (!deps.listRetry || attempt >= LIST_ATTEMPTS || findTransient(error) === undefined) throw error;
      deps.log.warn({ err: error, attempt, delayMs: delay }, "could not list berth's stacks; trying again");
      await deps.listRetry.sleep(delay);
      delay *= 2;
    }
  }
}

/**
 * Lists each installation's repositories and their open pull requests and converges those no
 * stack belongs to, within `budget` GitHub requests per installation; the rest next time.
 */
async function findPullsWithoutStack(deps: ReconcileDeps, app: AppGitHub, summary: ReconcileSummary, judged: Set<string>): Promise<void> {
  let installations: number[];
  try {
    installations = await app.installations();
  } catch (error) {
    summary.errors += 1;
    deps.log.warn({ err: error }, "could not list the app's installations; open pull requests without a preview wait for the next resync");
    return;
  }
  for (const installationId of installations) {
    const log = deps.log.child({ installationId });
    let spent = 0;
    const repos: InstalledRepo[] = [];
    try {
      for (let page = 1, more = true; more; page++) {
        const listed = await app.repositories(installationId, page);
        spent += 1;
        repos.push(...listed.repos);
        more = listed.more;
      }
    } catch (error) {
      summary.errors += 1;
      log.warn({ err: error }, "could not list the installation's repositories; trying again next resync");
      continue;
    }
    const resume = deps.resumeAt.get(installationId);
    deps.resumeAt.delete(installationId);
    const start = (resume?.repo ?? 0) % Math.max(1, repos.length);
    for (let i = 0; i < repos.length; i++) {
      const index = (start + i) % repos.length;
      const repo = repos[index]!;
      const afterPr = i === 0 ? (resume?.afterPr ?? 0) : 0;
      let outcome: { spent: number; stoppedAfter?: number } = { spent: 0 };
      try {
        outcome = await convergeRepository(deps, summary, { repo, judged, afterPr, budget: deps.budget - spent, log: log.child({ repo: repoKey(repo) }) });
      } catch (error) {
        summary.errors += 1;
        log.warn({ err: error, repo: repoKey(repo) }, "could not look at the repository's open pull requests; trying again next resync");
      }
      spent += outcome.spent;
      if (outcome.stoppedAfter !== undefined || (spent >= deps.budget && i + 1 < repos.length)) {
        const unfinished = outcome.stoppedAfter !== undefined;
        deps.resumeAt.set(installationId, unfinished ? { repo: index, afterPr: outcome.stoppedAfter! } : { repo: (index + 1) % repos.length, afterPr: 0 });
        summary.deferred += repos.length - i - (unfinished ? 0 : 1);
        log.info({ spent, deferred: summary.deferred }, "GitHub budget of this resync spent; the rest comes next time");
        break;
      }
    }
  }
}

/**
 * Converges one repository's open pull requests that have no stack, those numbered above
 * `afterPr`, until the budget is spent. Returns the GitHub requests spent and, when the budget
 * ran out first, the last pull request looked at.
 */
async function convergeRepository(
  deps: ReconcileDeps,
  summary: ReconcileSummary,
  input: { repo: InstalledRepo; judged: Set<string>; afterPr: number; budget: number; log: Logger },
): Promise<{ spent: number; stoppedAfter?: number }> {
  const { repo, log } = input;
  const github = await deps.github(repo);
  let spent = 0;
  // With config on the default branch every open pull request is converged (the deploy reads the
  // head's config). Without, only those whose head adds one: a pull request that brings
  // .github/preview.yml for the first time and whose webhooks were lost.
  const configured = await hasConfig(github.reader(repo.defaultBranch));
  spent += configured.reads;
  if (!configured.found) log.debug({}, "no .github/preview.yml on the default branch; only pull requests whose head adds one are converged");
  let last = input.afterPr;
  const open = new Set<number>();
  for (let page = 1, more = true; more; page++) {
    if (spent >= input.budget) return { spent, stoppedAfter: last };
    const listed = await github.openPullRequests(page);
    spent += 1;
    more = listed.more;
    for (const pull of listed.pulls) {
      open.add(pull.number);
      if (pull.number <= input.afterPr) continue;
      if (spent >= input.budget) return { spent, stoppedAfter: last };
      last = pull.number;
      if (input.judged.has(pullKey(repo, pull.number))) continue;
      input.judged.add(pullKey(repo, pull.number));
      if (!configured.found) {
        const atHead = await hasConfig(github.reader(pull.headSha));
        spent += atHead.reads;
        if (!atHead.found) continue;
      }
      summary.pulls += 1;
      try {
        spent += await convergePull(deps, summary, { repo, github, pull, stack: undefined, log: log.child({ pr: pull.number }) });
      } catch (error) {
        summary.errors += 1;
        log.warn({ err: error, pr: pull.number }, "could not compare the pull request with berth's check runs; trying again next resync");
      }
    }
  }
  // Every open pull request listed: the first resync of a process also concludes what a restart
  // left open on pull requests that closed before they had a stack.
  if (deps.sweep && input.afterPr === 0) spent += await concludeClosedLeftOpen(deps, summary, { repo, github, open });
  return { spent };
}

/** Whether a commit has berth's config, and the GitHub requests it took to find out. */
async function hasConfig(reader: ReturnType<ReconcileGitHub["reader"]>): Promise<{ found: boolean; reads: number }> {
  let reads = 0;
  for (const file of REPO_CONFIG_FILES) {
    reads += 1;
    if ((await reader.readFile(file)) !== undefined) return { found: true, reads };
  }
  return { found: false, reads };
}

/** The pull request a stack belongs to, from its tags; undefined when they are missing or malformed. */
function readOwner(stack: StackSummary): { repo: RepoRef; pr: number } | undefined {
  const [owner, repo, ...rest] = (stack.tags["berth:repository"] ?? "").split("/");
  const pr = Number(stack.tags["berth:pr"]);
  if (!owner || !repo || rest.length > 0 || !Number.isSafeInteger(pr) || pr < 1) return undefined;
  return { repo: { owner, repo }, pr };
}

function repoKey(repo: RepoRef): string {
  return `${repo.owner}/${repo.repo}`.toLowerCase();
}

function pullKey(repo: RepoRef, pr: number): string {
  return `${repoKey(repo)}#${pr}`;
}

/** An operation runs on the stack (REVIEW_IN_PROGRESS is an idle shell waiting for a change set). */
function isChanging(status: string): boolean {
  return status.endsWith("_IN_PROGRESS") && status !== "REVIEW_IN_PROGRESS";
}

/**
 * A fast rollout's deployment of the public service that waits at its hook while no deploy here
 * runs the pull request: one a stopped berth's push left (the stack still updating) is rolled back,
 * since its release steps never finished; CloudFormation's rollback's own is continued. One look
 * per resync; the next resync looks again.
 */
async function resumeLeftHook(hooks: RolloutHookPort, stack: StackSummary): Promise<void> {
  const left = leftRollout(stack);
  if (!left) return;
  const paused = await hooks.findPaused({ cluster: clusterOfService(left.service), service: left.service });
  if (paused) await hooks.resume({ ...paused, action: left.action });
}
