import { describe, expect, it } from "vitest";
import type { CheckRunInfo, PullRequestInfo, RepoRef, StackSummary } from "../../../src/preview/ports.js";
import type { PreviewJob } from "../../../src/preview/job.js";
import { reconcile, type ReconcileDeps, type ReconcileSummary } from "../../../src/preview/flow/reconcile.js";
import type { Logger } from "../../../src/util/logger.js";

const SHA1 = "1111111111111111111111111111111111111111";
const SHA2 = "2222222222222222222222222222222222222222";
const BASE = "b".repeat(40);
const SHOP = { owner: "acme", repo: "shop" };

function stack(pr: number, options: { repo?: string; sha?: string; status?: string; tags?: Record<string, string> } = {}): StackSummary {
  const repo = options.repo ?? "acme/shop";
  return {
    name: `berth-${repo.replace("/", "-")}-pr-${pr}`,
    status: options.status ?? "UPDATE_COMPLETE",
    outputs: {},
    tags: options.tags ?? { "berth:managed": "true", "berth:repository": repo, "berth:pr": String(pr), "berth:sha": options.sha ?? SHA1, "berth:seeded": "true" },
    parameters: {},
  };
}

function pull(number: number, patch: Partial<PullRequestInfo> = {}): PullRequestInfo {
  return { number, headSha: SHA1, baseSha: BASE, branch: "feature/checkout", fork: false, state: "open", draft: false, labels: [], bot: false, baseBranch: "main", ...patch };
}

interface LogEntry {
  level: string;
  msg: string | undefined;
  fields: Record<string, unknown>;
}

/** A logger that keeps every entry with its bindings. */
function recordingLogger(entries: LogEntry[], bindings: Record<string, unknown> = {}): Logger {
  const at = (level: string) => (obj: object, msg?: string) => entries.push({ level, msg, fields: { ...bindings, ...obj } });
  return { info: at("info"), warn: at("warn"), error: at("error"), debug: at("debug"), child: (more) => recordingLogger(entries, { ...bindings, ...more }) };
}

/**
 * Fake ports: the stacks `list` returns, the pull requests GitHub knows per `owner/repo` (a
 * function may throw), and what the queue says about running and tried jobs.
 */
function setup(input: {
  stacks: StackSummary[];
  pulls: Record<string, Record<number, PullRequestInfo | (() => never)>>;
  /** berth's check runs per head SHA, newest first; by default SHA1 was deployed with success. */
  runs?: Record<string, CheckRunInfo[]>;
  busy?: string[];
  tried?: string[];
  failingRepos?: string[];
  /** A job of the pull request ends while berth reads its check runs. */
  jobEndsWhileReading?: boolean;
}) {
  let activity = 0;
  const jobs: PreviewJob[] = [];
  const logs: LogEntry[] = [];
  const asked: string[] = [];
  const concluded: string[] = [];
  const runs = input.runs ?? { [SHA1]: [run("completed", "success")] };
  const key = (repo: RepoRef, pr: number) => `${repo.owner}/${repo.repo}#${pr}`;
  const deps: ReconcileDeps = {
    stacks: { list: async () => input.stacks, findOpenGate: async () => undefined },
    github: async (repo) => {
      const name = `${repo.owner}/${repo.repo}`;
      asked.push(`installation ${name}`);
      if (input.failingRepos?.includes(name)) throw new Error(`GET /repos/${name}/installation: 404 Not Found`);
      return {
        pullRequest: async (pr) => {
          asked.push(`${name}#${pr}`);
          const found = input.pulls[name]?.[pr];
          return typeof found === "function" ? found() : found;
        },
        openPullRequests: async () => ({ pulls: [], more: false }),
        reader: () => ({ readFile: async () => undefined, listFiles: async () => undefined }),
        checks: {
          create: async () => ({ id: 1, url: "" }),
          update: async (id, update) => void concluded.push(`${id} ${update.conclusion}: ${update.output.summary.split("\n")[0]}`),
          list: async ({ headSha }) => {
            asked.push(`check runs on ${headSha.slice(0, 7)}`);
            if (input.jobEndsWhileReading) activity += 1;
            return runs[headSha] ?? [];
          },
        },
        deployments: { create: async () => 1, setStatus: async () => {}, deactivateOthers: async () => [], listRecent: async () => [] },
        comments: { ensureSticky: async () => {}, readSticky: async () => undefined, reply: async () => {}, replaceLogs: async () => {}, react: async () => {} },
      };
    },
    budget: 100,
    resumeAt: new Map(),
    enqueue: (job) => jobs.push(job),
    busy: (repo, pr) => input.busy?.includes(key(repo, pr)) ?? false,
    activity: () => activity,
    tried: (repo, pr, sha) => input.tried?.includes(`${key(repo, pr)}@${sha}`) ?? false,
    sweep: false,
    log: recordingLogger(logs),
  };
  return { deps, jobs, logs, asked, concluded };
}

/** A berth check run on the head, with the hidden lines a deploy writes. */
function run(status: string, conclusion?: string, markers: string[] = []): CheckRunInfo {
  return { id: 42, headSha: SHA2, status, ...(conclusion ? { conclusion } : {}), output: { title: "", summary: ["Deploy of `2222222`", ...markers].join("\n\n") } };
}

const summaryOf = (patch: Partial<ReconcileSummary>): ReconcileSummary => ({ checked: 0, pulls: 0, removed: 0, redeployed: 0, concluded: 0, deferred: 0, errors: 0, ...patch });

const closeJob = (pr: number, sha = SHA1): PreviewJob => ({ repo: SHOP, pr, action: "close", sha });
const deployJob = (pr: number, patch: Partial<PreviewJob> = {}): PreviewJob => ({
  repo: SHOP,
  pr,
  action: "deploy",
  sha: SHA2,
  baseSha: BASE,
  branch: "feature/checkout",
  fork: false,
  draft: false,
  labels: [],
  bot: false,
  baseBranch: "main",
  ...patch,
});

describe("reconcile", () => {
  it.each<[string, StackSummary, PullRequestInfo | undefined, { busy?: string[]; tried?: string[] }, PreviewJob[]]>([
    ["closed pull request: remove", stack(7), pull(7, { state: "closed" }), {}, [closeJob(7)]],
    ["merged pull request with a newer head: remove, never deploy", stack(7), pull(7, { state: "closed", headSha: SHA2 }), {}, [closeJob(7, SHA2)]],
    ["pull request gone: remove", stack(7), undefined, {}, [closeJob(7)]],
    ["closed pull request whose stack failed to delete: remove again", stack(7, { status: "DELETE_FAILED" }), pull(7, { state: "closed" }), {}, [closeJob(7)]],
    ["closed pull request whose stack never left REVIEW_IN_PROGRESS: remove", stack(7, { status: "REVIEW_IN_PROGRESS" }), pull(7, { state: "closed" }), {}, [closeJob(7)]],
    ["closed pull request whose stack is being updated: wait for the next resync", stack(7, { status: "UPDATE_IN_PROGRESS" }), pull(7, { state: "closed" }), {}, []],
    [
      "closed pull request whose stack is being deleted: remove (the close waits for the deletion a restart stopped berth waiting for, then finishes the removal)",
      stack(7, { status: "DELETE_IN_PROGRESS" }),
      pull(7, { state: "closed" }),
      {},
      [closeJob(7)],
    ],
    ["moved head: deploy it", stack(7), pull(7, { headSha: SHA2 }), {}, [deployJob(7)]],
    ["moved head of a first deploy that never finished", stack(7, { sha: "none" }), pull(7, { headSha: SHA2 }), {}, [deployJob(7)]],
    ["moved head of a fork: deploy through the approval gate", stack(7), pull(7, { headSha: SHA2, fork: true, branch: "patch-1" }), {}, [deployJob(7, { fork: true, branch: "patch-1" })]],
    ["moved head of a draft: deploy as a draft", stack(7), pull(7, { headSha: SHA2, draft: true }), {}, [deployJob(7, { draft: true })]],
    ["moved head while a job of the pull request runs: leave it to that job", stack(7), pull(7, { headSha: SHA2 }), { busy: ["acme/shop#7"] }, []],
    ["moved head this process took without a check run (no config there, a draft, a fork waiting): not again", stack(7), pull(7, { headSha: SHA2 }), { tried: [`acme/shop#7@${SHA2}`] }, []],
    ["same head: nothing", stack(7), pull(7), {}, []],
    ["same head in other letter case: nothing", stack(7, { sha: SHA1.toUpperCase() }), pull(7), {}, []],
  ])("%s", async (_case, found, pr, queue, expected) => {
    const { deps, jobs } = setup({ stacks: [found], pulls: { "acme/shop": pr ? { 7: pr } : {} }, ...queue });

    const summary = await reconcile(deps);

    expect(jobs).toEqual(expected);
    expect(summary).toEqual(
      summaryOf({
        checked: 1,
        removed: expected.filter((j) => j.action === "close").length,
        redeployed: expected.filter((j) => j.action === "deploy").length,
      }),
    );
  });

  const transient = (attempt: number) => [...(attempt > 1 ? [`<!-- berth:attempt ${attempt} -->`] : []), "<!-- berth:transient AWS: AWS DescribeImages failed: Rate exceeded -->"];
  it.each<[string, CheckRunInfo[], PreviewJob[], string[]]>([
    ["head deployed with success: nothing", [run("completed", "success")], [], []],
    [
      "head's run left open by a restart: concluded, deployed again as attempt 2",
      [run("in_progress")],
      [deployJob(7, { attempt: { number: 2, previous: "the last one was interrupted: berth restarted before it finished" } })],
      ["42 neutral: Interrupted: berth restarted before this deploy finished; deploying again."],
    ],
    [
      "third attempt left open: concluded, not deployed again",
      [run("queued", undefined, ["<!-- berth:attempt 3 -->"])],
      [],
      ["42 neutral: Interrupted: berth restarted before this deploy finished; that was attempt 3 of 3; push again or comment `/preview redeploy` to retry."],
    ],
    [
      "transient failure: attempt 2 says why",
      [run("completed", "failure", transient(1))],
      [deployJob(7, { attempt: { number: 2, previous: "the last one failed on a transient AWS error: AWS DescribeImages failed: Rate exceeded" } })],
      [],
    ],
    ["transient failure of the third attempt: not again", [run("completed", "failure", transient(3))], [], []],
    ["failure that repeats (migrate exited 1): not again", [run("completed", "failure")], [], []],
    ["interrupted run a restart concluded before its retry started: attempt 2", [run("completed", "neutral")], [deployJob(7, { attempt: { number: 2, previous: "the last one was interrupted: berth restarted before it finished" } })], []],
    ["cancelled while the preview was being removed: nothing", [run("completed", "cancelled")], [], []],
    [
      "stopped at a safe point while berth restarted: resumed as the same attempt",
      [run("completed", "neutral", ["<!-- berth:restarted deploy -->"])],
      [deployJob(7, { attempt: { number: 1, previous: "resumed after berth restarted", resumed: 1 } })],
      [],
    ],
    [
      "third attempt stopped while berth restarted: resumed, a restart is no failed attempt",
      [run("completed", "neutral", ["<!-- berth:attempt 3 -->", "<!-- berth:restarted redeploy -->"])],
      [deployJob(7, { attempt: { number: 3, previous: "resumed after berth restarted", resumed: 1 } })],
      [],
    ],
    [
      "reset stopped while berth restarted: resumed as a reset",
      [run("completed", "neutral", ["<!-- berth:restarted reset -->"])],
      [deployJob(7, { action: "reset", attempt: { number: 1, previous: "resumed after berth restarted", resumed: 1 } })],
      [],
    ],
    [
      "an attempt resumed twice, paused again: resumed a third time",
      [run("completed", "neutral", ["<!-- berth:resumed 2 -->", "<!-- berth:restarted deploy -->"])],
      [deployJob(7, { attempt: { number: 1, previous: "resumed after berth restarted", resumed: 3 } })],
      [],
    ],
    [
      "a reset resumed three times, paused a fourth time: that counts as a failed attempt, attempt 2 (still a reset)",
      [run("completed", "neutral", ["<!-- berth:resumed 3 -->", "<!-- berth:restarted reset -->"])],
      [deployJob(7, { action: "reset", attempt: { number: 2, previous: "the last one was paused by 4 restarts" } })],
      [],
    ],
    ["the third attempt resumed three times, paused a fourth time: not again", [run("completed", "neutral", ["<!-- berth:attempt 3 -->", "<!-- berth:resumed 3 -->", "<!-- berth:restarted deploy -->"])], [], []],
    [
      "a later success of the same head, an older attempt left open: concluded as replaced",
      [{ ...run("completed", "success"), id: 43 }, run("in_progress")],
      [],
      ["42 neutral: Interrupted: berth restarted before this deploy finished; a later deploy of this commit took its place."],
    ],
  ])("%s", async (_case, runs, expected, conclusions) => {
    const { deps, jobs, concluded } = setup({ stacks: [stack(7, { sha: SHA2 })], pulls: { "acme/shop": { 7: pull(7, { headSha: SHA2 }) } }, runs: { [SHA2]: runs } });

    await reconcile(deps);

    expect(jobs).toEqual(expected);
    expect(concluded).toEqual(conclusions);
  });

  it("tells that a changing stack was not judged, so the first resync's sweep is not taken as done", async () => {
    const { deps, jobs } = setup({ stacks: [stack(7, { status: "UPDATE_IN_PROGRESS" })], pulls: { "acme/shop": { 7: pull(7) } } });
    let skipped = 0;

    await reconcile({ ...deps, onSkipped: () => void (skipped += 1) });

    expect(skipped).toBe(1);
    expect(jobs).toEqual([]);
  });

  const tagged = (sha: string, deploying: string) => stack(7, { tags: { ...stack(7).tags, "berth:sha": sha, "berth:deploying": deploying } });
  it.each<[string, StackSummary, PreviewJob[]]>([
    [
      "the head rolled out after its success and never confirmed (berth:deploying is the head, berth:sha is not): attempt 2",
      tagged(SHA1, SHA2),
      [deployJob(7, { attempt: { number: 2, previous: "the last one was interrupted: its rollout and health were never confirmed" } })],
    ],
    ["the head confirmed (berth:sha is the head): nothing", tagged(SHA2, SHA2), []],
    [
      "the head's rollout failed to roll back (berth:sha names the head, the stack UPDATE_ROLLBACK_FAILED): attempt 2",
      { ...tagged(SHA2, SHA2), status: "UPDATE_ROLLBACK_FAILED" },
      [deployJob(7, { attempt: { number: 2, previous: "the last one was interrupted: its rollout and health were never confirmed" } })],
    ],
    ["the stack serves and rolls out another commit: deploy the head", tagged(SHA1, SHA1), [deployJob(7)]],
  ])("after a success on the head: %s", async (_case, found, expected) => {
    const { deps, jobs } = setup({ stacks: [found], pulls: { "acme/shop": { 7: pull(7, { headSha: SHA2 }) } }, runs: { [SHA2]: [run("completed", "success")] } });

    await reconcile(deps);

    expect(jobs).toEqual(expected);
  });

  it("removes the stack of a vanished pull request under the commit it last rolled out", async () => {
    const { deps, jobs } = setup({ stacks: [tagged(SHA1, SHA2)], pulls: { "acme/shop": {} } });

    await reconcile(deps);

    expect(jobs).toEqual([closeJob(7, SHA2)]);
  });

  it("leaves a run read as open alone when a job of the pull request ended meanwhile (it may have concluded it)", async () => {
    const { deps, jobs, concluded } = setup({
      stacks: [stack(7, { sha: SHA2 })],
      pulls: { "acme/shop": { 7: pull(7, { headSha: SHA2 }) } },
      runs: { [SHA2]: [run("in_progress")] },
      jobEndsWhileReading: true,
    });

    await reconcile(deps);

    expect(jobs).toEqual([]);
    expect(concluded).toEqual([]);
  });

  it("goes on with the other stacks when one fails, and logs the summary", async () => {
    const { deps, jobs, logs, asked } = setup({
      stacks: [stack(1), stack(2), stack(3, { repo: "gone/app" }), stack(4, { tags: { "berth:managed": "true", "berth:pr": "4" } }), stack(5)],
      pulls: {
        "acme/shop": {
          1: pull(1, { state: "closed" }),
          2: () => {
            throw new Error("GitHub is down");
          },
          5: pull(5, { headSha: SHA2 }),
        },
      },
      failingRepos: ["gone/app"],
    });

    const summary = await reconcile(deps);

    expect(summary).toEqual(summaryOf({ checked: 5, removed: 1, redeployed: 1, errors: 3 }));
    expect(jobs).toEqual([closeJob(1), deployJob(5)]);
    // One installation lookup per repository, however many of its stacks there are.
    expect(asked).toEqual(["installation acme/shop", "acme/shop#1", "acme/shop#2", "installation gone/app", "acme/shop#5", "check runs on 2222222"]);
    expect(logs.filter((l) => l.level === "warn").map((l) => [l.fields.stack, l.msg, String(l.fields.err ?? "")])).toEqual([
      ["berth-acme-shop-pr-2", "could not compare the stack with its pull request; trying again next resync", "Error: GitHub is down"],
      ["berth-gone-app-pr-3", "could not compare the stack with its pull request; trying again next resync", "Error: GET /repos/gone/app/installation: 404 Not Found"],
      ["berth-acme-shop-pr-4", "stack has no readable berth:repository and berth:pr tags; left alone", ""],
    ]);
    expect(logs.at(-1)).toEqual({ level: "info", msg: "resync finished", fields: summaryOf({ checked: 5, removed: 1, redeployed: 1, errors: 3 }) });
  });

  it.each([
    ["no berth:repository", { "berth:pr": "7" }],
    ["a repository without an owner", { "berth:repository": "shop", "berth:pr": "7" }],
    ["a repository with a path", { "berth:repository": "acme/shop/x", "berth:pr": "7" }],
    ["no berth:pr", { "berth:repository": "acme/shop" }],
    ["a pull request that is not a number", { "berth:repository": "acme/shop", "berth:pr": "seven" }],
    ["pull request zero", { "berth:repository": "acme/shop", "berth:pr": "0" }],
  ])("leaves alone a stack with %s and counts an error", async (_case, tags) => {
    const { deps, jobs, asked } = setup({ stacks: [stack(7, { tags: { "berth:managed": "true", ...tags } })], pulls: { "acme/shop": { 7: pull(7, { state: "closed" }) } } });

    expect(await reconcile(deps)).toEqual(summaryOf({ checked: 1, errors: 1 }));
    expect(jobs).toEqual([]);
    expect(asked).toEqual([]);
  });

  it("checks nothing when berth has no stacks", async () => {
    const { deps, jobs, asked } = setup({ stacks: [], pulls: {} });

    expect(await reconcile(deps)).toEqual(summaryOf({}));
    expect(jobs).toEqual([]);
    expect(asked).toEqual([]);
  });

  it("fails as a whole when the stacks cannot be listed", async () => {
    const { deps } = setup({ stacks: [], pulls: {} });
    deps.stacks = { list: () => Promise.reject(new Error("AWS ListStacks failed for stacks named berth-*: throttled")), findOpenGate: async () => undefined };

    await expect(reconcile(deps)).rejects.toThrow("AWS ListStacks failed for stacks named berth-*: throttled");
  });
});
