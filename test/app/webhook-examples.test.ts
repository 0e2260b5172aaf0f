/**
 * Every webhook GitHub can send berth, as GitHub sends it: each recorded example in
 * @octokit/webhooks-examples (every event and action there, the events app.yml subscribes to, the
 * ones GitHub sends every app, and those an operator may add), plus the actions and shapes the
 * examples lack, built from an example and checked against GitHub's OpenAPI description of the
 * payload. Each is signed and POSTed to berth's webhook endpoint over the real app's engine.
 *
 * What GitHub sees: 200 for every one. What must not happen: an error in the log, or any AWS call
 * or GitHub request for what berth does not act on. What must happen: the one engine call that
 * the event means (deploy, close, command, button, image build), carrying the payload's pull request.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- payloads are JSON fixtures patched field by field */
import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HandlerDeps } from "../../handlers/deps.js";
import { createWebhookMiddleware } from "../../handlers/webhooks.js";
import { createHarness, readFixtureRepo, WEBHOOK_SECRET, type Harness } from "../helpers/app-harness.js";
import { findAbsentSteps, findWebhookPayloadProblems } from "../helpers/github-openapi.js";

interface Definition {
  name: string;
  examples: Array<Record<string, any>>;
}

const definitions = createRequire(import.meta.url)("@octokit/webhooks-examples/api.github.com/index.json") as Definition[];

/** What berth does with a delivery, as the engine's front door hears it. */
type Outcome =
  | { ignored: string }
  | { job: "deploy" | "close" }
  | { command: string }
  | { button: "redeploy" | "reset" | "destroy" }
  | { build: { name: string; status: string; conclusion: string | null } };

interface Case {
  name: string;
  event: string;
  payload: Record<string, any>;
  outcome: Outcome;
}

const DEPLOY = { job: "deploy" } as const;
const NOTHING_A_PREVIEW_RUNS = { ignored: "it changes nothing a preview runs" };

/**
 * What each action of the events app.yml subscribes to means to berth. Every action an example
 * shows must be listed here: a new one in the examples fails the test until someone decides.
 */
const SUBSCRIBED: Record<string, Record<string, Outcome | ((payload: Record<string, any>) => Outcome)>> = {
  pull_request: {
    opened: DEPLOY,
    reopened: DEPLOY,
    synchronize: DEPLOY,
    ready_for_review: DEPLOY,
    // The engine decides from the config whether the label means anything.
    labeled: DEPLOY,
    unlabeled: DEPLOY,
    closed: { job: "close" },
    assigned: NOTHING_A_PREVIEW_RUNS,
    unassigned: NOTHING_A_PREVIEW_RUNS,
    locked: NOTHING_A_PREVIEW_RUNS,
    unlocked: NOTHING_A_PREVIEW_RUNS,
    review_requested: NOTHING_A_PREVIEW_RUNS,
    review_request_removed: NOTHING_A_PREVIEW_RUNS,
    // `drafts: false` applies to the next deploy; a running preview keeps serving meanwhile.
    converted_to_draft: { ignored: "a running preview keeps serving; the next deploy applies drafts" },
  },
  issue_comment: {
    // The recorded comments are on plain issues, without `/preview`.
    created: (p) => (p.issue.pull_request ? { ignored: "no /preview in it" } : { ignored: "a comment on an issue, not on a pull request" }),
    edited: { ignored: "only a new comment is a command" },
    deleted: { ignored: "only a new comment is a command" },
  },
  check_run: {
    created: { ignored: "news of a check run, not a button pressed" },
    completed: { ignored: "news of a check run, not a button pressed" },
    requested_action: { ignored: "another app's check run" },
    rerequested: { ignored: "another app's check run" },
  },
  workflow_run: {
    requested: { ignored: "a run that has not started builds nothing yet" },
    completed: (p) =>
      p.workflow_run.pull_requests.length === 0
        ? { ignored: `a ${p.workflow_run.event} run builds no pull request` }
        : // Its run has no name of its own: the workflow's names it.
          { build: { name: "test", status: "completed", conclusion: "success" } },
  },
};

/** Sent to every app, whatever it subscribes to; berth keeps no state of its own about them (the resync reads installations). */
const ALWAYS_SENT = ["ping", "installation", "installation_repositories", "github_app_authorization"];

function outcomeOf(event: string, payload: Record<string, any>): Outcome {
  if (ALWAYS_SENT.includes(event)) return { ignored: "sent to every app; berth reads installations when it resyncs" };
  const actions = SUBSCRIBED[event];
  if (!actions) return { ignored: "berth does not subscribe to it (an operator may)" };
  const outcome = actions[payload.action];
  if (outcome === undefined) throw new Error(`${event}.${payload.action} is not in the table: decide what berth does with it`);
  return typeof outcome === "function" ? outcome(payload) : outcome;
}

/** The outcome in a test's name: what berth does, or why it ignores the delivery on purpose. */
function told(outcome: Outcome): string {
  if ("ignored" in outcome) return `ignored on purpose, ${outcome.ignored}`;
  if ("job" in outcome) return `a ${outcome.job} job`;
  if ("command" in outcome) return `the command ${outcome.command}`;
  if ("button" in outcome) return `the ${outcome.button} button`;
  return `an image build ${outcome.build.status}`;
}

const recorded: Case[] = definitions.flatMap((definition) =>
  definition.examples.map((payload, index) => {
    const outcome = outcomeOf(definition.name, payload);
    const shape = "installation" in payload ? "" : " (no installation)";
    return { name: `${definition.name}${payload.action ? `.${payload.action}` : ""} #${index + 1}${shape}: ${told(outcome)}`, event: definition.name, payload, outcome };
  }),
);

/** A copy of the first recorded `event.action`, one with an installation when there is one. */
function example(event: string, action: string): Record<string, any> {
  const examples = definitions.find((d) => d.name === event)?.examples.filter((e) => e.action === action) ?? [];
  const found = examples.find((e) => "installation" in e) ?? examples[0];
  if (!found) throw new Error(`no ${event}.${action} example`);
  return structuredClone(found);
}

/** A pull_request action the examples lack, from a recorded one, with the fields GitHub's description requires of it. */
function pullRequestAction(action: string): Record<string, any> {
  const payload = example("pull_request", "assigned");
  delete payload.assignee;
  payload.action = action;
  for (const side of [payload.pull_request.head, payload.pull_request.base]) side.repo.has_discussions ??= false;
  if (action === "edited") payload.changes = { title: { from: "Update the README" } };
  if (action === "auto_merge_disabled") payload.reason = "the pull request was closed";
  if (action === "dequeued") payload.reason = "MERGE_CONFLICT";
  if (action === "milestoned" || action === "demilestoned") payload.milestone = example("issues", "milestoned").milestone;
  return payload;
}

/** A recorded comment, moved onto pull request #2 of the examples' repository. */
function commentOnPull(action: "created" | "edited", body: string): Record<string, any> {
  const payload = example("issue_comment", action);
  const repo = payload.repository.html_url;
  payload.issue.pull_request = { url: `${payload.repository.url}/pulls/2`, html_url: `${repo}/pull/2`, diff_url: `${repo}/pull/2.diff`, patch_url: `${repo}/pull/2.patch`, merged_at: null };
  payload.comment.body = body;
  return payload;
}

/** The recorded button press, moved onto berth's own check run. */
function pressOnBerthsRun(identifier: string | undefined): Record<string, any> {
  const payload = example("check_run", "requested_action");
  payload.check_run.name = "preview";
  if (identifier === undefined) delete payload.requested_action;
  else payload.requested_action = { identifier };
  return payload;
}

/** A recorded workflow run, turned into a pull request's CI run. */
function pullRequestRun(payload: Record<string, any>): Record<string, any> {
  const run = payload.workflow_run;
  run.event = "pull_request";
  run.pull_requests = [{ url: `${payload.repository.url}/pulls/2`, id: 1002, number: 2, head: { ref: "feature", sha: run.head_sha, repo: { id: payload.repository.id, url: payload.repository.url, name: payload.repository.name } }, base: { ref: "main", sha: "0".repeat(40), repo: { id: payload.repository.id, url: payload.repository.url, name: payload.repository.name } } }];
  return payload;
}

/** Cases the examples lack: `key` names the payload in GitHub's OpenAPI description when the patched payload is one it accepts. */
const patched: Array<Case & { key?: string }> = [
  ...["auto_merge_disabled", "auto_merge_enabled", "demilestoned", "dequeued", "edited", "enqueued", "milestoned"].map((action) => ({
    name: `pull_request.${action}${action === "edited" ? " (its title)" : ""}: ignored on purpose, it changes nothing a preview runs`,
    event: "pull_request",
    key: `pull-request-${action.replaceAll("_", "-")}`,
    payload: pullRequestAction(action),
    outcome: NOTHING_A_PREVIEW_RUNS,
  })),
  {
    name: "pull_request.edited onto another base branch: a deploy job, for the deploy rules to judge again",
    event: "pull_request",
    key: "pull-request-edited",
    payload: (() => {
      const payload = pullRequestAction("edited");
      payload.changes = { base: { ref: { from: "develop" }, sha: { from: "0".repeat(40) } } };
      return payload;
    })(),
    outcome: DEPLOY,
  },
  {
    name: "pull_request.labeled from a fork since deleted (head.repo null): deploys as a fork",
    event: "pull_request",
    key: "pull-request-labeled",
    payload: (() => {
      const payload = example("pull_request", "labeled");
      payload.pull_request.head.repo = null;
      payload.pull_request.base.repo.has_discussions ??= false;
      return payload;
    })(),
    outcome: DEPLOY,
  },
  {
    name: "pull_request.labeled by a deleted account (user null): deploys as a person's",
    event: "pull_request",
    payload: (() => {
      const payload = example("pull_request", "labeled");
      payload.pull_request.user = null;
      return payload;
    })(),
    outcome: DEPLOY,
  },
  {
    name: "an event GitHub adds after this berth was built: ignored, it means nothing to berth",
    event: "an_event_added_later",
    payload: (() => {
      const { repository, sender, installation } = example("pull_request", "opened");
      return { action: "created", repository, sender, installation };
    })(),
    outcome: { ignored: "unknown to berth" },
  },
  { name: "issue_comment.created on a pull request with a command: the command", event: "issue_comment", payload: commentOnPull("created", "/preview reset"), outcome: { command: "/preview reset" } },
  {
    name: "issue_comment.created with a command by a deleted account (user null): the sender's command",
    event: "issue_comment",
    payload: (() => {
      const payload = commentOnPull("created", "/preview redeploy");
      payload.comment.user = null;
      return payload;
    })(),
    outcome: { command: "/preview redeploy" },
  },
  {
    name: "issue_comment.created with a command by a bot: ignored on purpose, bots never trigger anything",
    event: "issue_comment",
    payload: (() => {
      const payload = commentOnPull("created", "/preview destroy");
      payload.comment.user.type = "Bot";
      payload.sender.type = "Bot";
      return payload;
    })(),
    outcome: { ignored: "a bot's comment" },
  },
  {
    name: "issue_comment.created with a command on a plain issue: ignored on purpose, an issue has no preview",
    event: "issue_comment",
    payload: (() => {
      const payload = example("issue_comment", "created");
      payload.comment.body = "/preview deploy";
      return payload;
    })(),
    outcome: { ignored: "a comment on an issue, not on a pull request" },
  },
  { name: "issue_comment.edited into a command: ignored on purpose, only a new comment is one", event: "issue_comment", payload: commentOnPull("edited", "/preview reset"), outcome: { ignored: "only a new comment is a command" } },
  { name: "check_run.requested_action on berth's run: the button", event: "check_run", payload: pressOnBerthsRun("reset"), outcome: { button: "reset" } },
  { name: "check_run.requested_action on berth's run without requested_action: ignored", event: "check_run", payload: pressOnBerthsRun(undefined), outcome: { ignored: "no button named" } },
  { name: "check_run.requested_action on berth's run with a button berth never offered: ignored", event: "check_run", payload: pressOnBerthsRun("lgtm|26764"), outcome: { ignored: "not one of berth's buttons" } },
  {
    name: "check_run.rerequested on berth's run: a redeploy",
    event: "check_run",
    payload: (() => {
      const payload = example("check_run", "rerequested");
      payload.check_run.name = "preview";
      return payload;
    })(),
    outcome: { button: "redeploy" },
  },
  {
    name: "workflow_run.in_progress of a pull request's run: an image build under way",
    event: "workflow_run",
    key: "workflow-run-in-progress",
    payload: (() => {
      const payload = pullRequestRun(definitions.find((d) => d.name === "workflow_run")!.examples.map((e) => structuredClone(e)).find((e) => e.action === "requested" && e.workflow_run.status === "queued")!);
      payload.action = "in_progress";
      payload.workflow_run.status = "in_progress";
      return payload;
    })(),
    outcome: { build: { name: "test", status: "in_progress", conclusion: null } },
  },
  {
    name: "workflow_run.completed of a pull request's run whose status still says queued: a completed build",
    event: "workflow_run",
    payload: pullRequestRun(definitions.find((d) => d.name === "workflow_run")!.examples.map((e) => structuredClone(e)).find((e) => e.action === "completed" && e.workflow_run.status === "queued")!),
    outcome: { build: { name: "Manually triggered workflow", status: "completed", conclusion: null } },
  },
];

/** The engine's front door as one delivery used it. */
type Call = { enqueue: any } | { command: any } | { checkRunAction: any } | { imageBuild: { repo: any; sha: string; run: any } };

let h: Harness;
let server: Server;
let url: string;
const calls: Call[] = [];
let deliveries = 0;

beforeAll(async () => {
  h = createHarness({ files: readFixtureRepo("rails-postgres") });
  await h.ready();
  const previews = h.previews;
  // Jobs and commands are recorded, not run: their work reads the examples' repositories, which the
  // GitHub fake does not serve (the app tests run that work). News of a CI run goes to the engine.
  const deps: HandlerDeps = {
    previews: {
      enqueue: (job) => calls.push({ enqueue: job }) > 0,
      command: (input) => calls.push({ command: input }) > 0,
      checkRunAction: (input) => calls.push({ checkRunAction: input }) > 0,
      imageBuild: (repo, sha, run) => {
        calls.push({ imageBuild: { repo, sha, run } });
        previews.imageBuild(repo, sha, run);
      },
    },
  };
  const middleware = createWebhookMiddleware({ secret: WEBHOOK_SECRET, deps, log: h.probot.log });
  server = createServer((req, res) => void middleware(req, res, () => res.writeHead(404).end()));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/github/webhooks`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  expect(h.github.problems()).toEqual([]);
  h.close();
});

async function deliver(event: string, payload: object): Promise<{ status: number; text: string }> {
  const body = JSON.stringify(payload);
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "user-agent": "GitHub-Hookshot/test",
      "x-github-event": event,
      "x-github-delivery": `example-${++deliveries}`,
      "x-hub-signature-256": `sha256=${createHmac("sha256", WEBHOOK_SECRET).update(body).digest("hex")}`,
    },
    body,
  });
  return { status: response.status, text: await response.text() };
}

/** The engine call the outcome means, checked against the payload's repository and pull request. */
function expectedCalls(payload: Record<string, any>, outcome: Outcome): Call[] {
  if ("ignored" in outcome) return [];
  const repo = { owner: payload.repository.owner.login, repo: payload.repository.name, installationId: payload.installation?.id };
  if ("job" in outcome) {
    const pr = payload.pull_request;
    return [{ enqueue: expect.objectContaining({ repo, pr: pr.number, action: outcome.job, sha: pr.head.sha, branch: pr.head.ref, baseBranch: pr.base.ref, fork: pr.head.repo?.id !== pr.base.repo.id, bot: false }) }];
  }
  if ("command" in outcome) {
    return [{ command: { repo, pr: payload.issue.number, commentId: payload.comment.id, author: payload.comment.user?.login ?? payload.sender.login, body: outcome.command } }];
  }
  if ("button" in outcome) {
    const run = payload.check_run;
    return [{ checkRunAction: { repo, prs: run.pull_requests.map((p: { number: number }) => p.number), sha: run.head_sha, checkRunId: run.id, author: payload.sender.login, action: outcome.button } }];
  }
  return [{ imageBuild: { repo, sha: payload.workflow_run.head_sha, run: { ...outcome.build, url: payload.workflow_run.html_url } } }];
}

async function check({ event, payload, outcome }: Case): Promise<void> {
  calls.length = 0;
  const logged = h.logs.length;

  const answer = await deliver(event, payload);

  expect(answer).toEqual({ status: 200, text: "ok\n" });
  expect(calls).toEqual(expectedCalls(payload, outcome));
  const errors = h.logs.slice(logged).filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
  expect(errors).toEqual([]);
  // Nothing reached AWS or GitHub: the recorded jobs are not run, and nothing else may call out.
  expect(h.aws.calls).toEqual([]);
  expect(h.github.state.requests).toEqual([]);
}

describe("every recorded webhook example", () => {
  it("covers the events berth subscribes to and those GitHub sends every app, with every action the examples record", () => {
    const events = new Set(recorded.map((c) => c.event));
    for (const event of [...Object.keys(SUBSCRIBED), ...ALWAYS_SENT, "push", "issues"]) expect(events).toContain(event);
    expect(recorded.length).toBeGreaterThan(300);
  });

  // One test per example, named in full (it.each would cut the names short).
  for (const delivery of recorded) it(delivery.name, () => check(delivery));
});

describe("actions and shapes the examples lack", () => {
  for (const { name, key, payload } of patched) {
    if (key !== undefined) it(`${name}: a payload GitHub's OpenAPI description accepts`, () => expect(findWebhookPayloadProblems(key, payload)).toEqual([]));
  }

  for (const delivery of patched) it(delivery.name, () => check(delivery));
});

const REPOSITORY_FIELDS = ["installation.id", "repository.owner.login", "repository.name"];
const PULL_REQUEST_FIELDS = [
  ...REPOSITORY_FIELDS,
  ...["number", "head.sha", "head.ref", "head.repo.id", "base.sha", "base.ref", "base.repo.id", "draft", "labels.[].name", "user.type", "user.login"].map((field) => `pull_request.${field}`),
];

/**
 * The payload fields each handler reads, per webhook that reaches it (named as GitHub's OpenAPI
 * description names it), with a payload that gets that far.
 */
const READS: Array<{ key: string; event: string; payload: () => Record<string, any>; fields: string[] }> = [
  ...["opened", "reopened", "synchronize", "ready_for_review", "closed", "labeled", "unlabeled"].map((action) => ({
    key: `pull-request-${action.replaceAll("_", "-")}`,
    event: "pull_request",
    payload: () => example("pull_request", action),
    fields: [...PULL_REQUEST_FIELDS, ...(action === "synchronize" ? ["before"] : []), ...(action.endsWith("labeled") ? ["label.name"] : [])],
  })),
  {
    key: "pull-request-edited",
    event: "pull_request",
    payload: () => {
      const payload = pullRequestAction("edited");
      payload.changes = { base: { ref: { from: "develop" }, sha: { from: "0".repeat(40) } } };
      return payload;
    },
    fields: [...PULL_REQUEST_FIELDS, "changes.base"],
  },
  {
    key: "issue-comment-created",
    event: "issue_comment",
    payload: () => commentOnPull("created", "/preview reset"),
    fields: [...REPOSITORY_FIELDS, "issue.pull_request", "issue.number", "comment.id", "comment.body", "comment.user.type", "comment.user.login", "sender.type", "sender.login"],
  },
  ...[
    { key: "check-run-requested-action", payload: () => pressOnBerthsRun("redeploy") },
    {
      key: "check-run-rerequested",
      payload: () => {
        const payload = example("check_run", "rerequested");
        payload.check_run.name = "preview";
        return payload;
      },
    },
  ].map(({ key, payload }) => ({
    key,
    event: "check_run",
    payload,
    fields: [...REPOSITORY_FIELDS, "check_run.name", "check_run.id", "check_run.head_sha", "check_run.pull_requests.[].number", "sender.login", ...(key.endsWith("action") ? ["requested_action.identifier"] : [])],
  })),
  ...["in_progress", "completed"].map((action) => ({
    key: `workflow-run-${action.replace("_", "-")}`,
    event: "workflow_run",
    payload: () => {
      // The recorded run of a pull request: its own name empty, its workflow's "test".
      const payload = structuredClone(definitions.find((d) => d.name === "workflow_run")!.examples.find((e) => e.workflow_run.pull_requests.length > 0)!);
      payload.action = action;
      return payload;
    },
    fields: [...REPOSITORY_FIELDS, "workflow_run.event", "workflow_run.pull_requests", "workflow_run.head_sha", "workflow_run.name", "workflow_run.html_url", "workflow_run.conclusion", "workflow.name"],
  })),
];

/** `payload` with the field at `at` deleted or set to null (in every item of an array on the way). */
function without(payload: Record<string, any>, at: string, absent: "optional" | "nullable"): Record<string, any> {
  const steps = at.split(".");
  const last = steps.pop()!;
  let holders: any[] = [payload];
  for (const step of steps) holders = holders.flatMap((holder) => (step === "[]" ? holder : [holder[step]])).filter((holder) => holder !== null && holder !== undefined);
  for (const holder of holders) {
    if (absent === "optional") delete holder[last];
    else holder[last] = null;
  }
  return payload;
}

describe("every field a handler reads that GitHub's OpenAPI description lets be absent", () => {
  const variants = new Map<string, { event: string; payload: Record<string, any> }>();
  for (const { key, event, payload, fields } of READS) {
    for (const field of fields) {
      for (const { at, absent } of findAbsentSteps(key, field)) variants.set(`${key}: ${at} ${absent === "optional" ? "absent" : "null"}`, { event, payload: without(payload(), at, absent) });
    }
  }

  it("is handled: 200, no error, and what berth then does", async () => {
    const outcomes: string[] = [];
    for (const [name, { event, payload }] of variants) {
      calls.length = 0;
      const logged = h.logs.length;
      const answer = await deliver(event, payload);
      expect(answer, name).toEqual({ status: 200, text: "ok\n" });
      expect(h.logs.slice(logged).filter((line) => (JSON.parse(line) as { level: number }).level >= 50), name).toEqual([]);
      expect(calls.length, name).toBeLessThanOrEqual(1);
      outcomes.push(`${name}: ${calls[0] ? summary(calls[0]) : "ignored"}`);
    }
    expect(h.aws.calls).toEqual([]);
    expect(h.github.state.requests).toEqual([]);
    expect(outcomes).toMatchInlineSnapshot(`
      [
        "pull-request-opened: installation absent: deploy #2 (no installation, fork false, bot false, draft false, labels bug)",
        "pull-request-opened: pull_request.draft absent: deploy #2 (installation 1, fork false, bot false, draft false, labels bug)",
        "pull-request-reopened: installation absent: deploy #2 (no installation, fork false, bot false, draft false, labels bug)",
        "pull-request-reopened: pull_request.draft absent: deploy #2 (installation 1, fork false, bot false, draft false, labels bug)",
        "pull-request-synchronize: installation absent: deploy #2 (no installation, fork false, bot false, draft false, labels bug)",
        "pull-request-synchronize: pull_request.user null: deploy #2 (installation 1, fork false, bot false, draft false, labels bug)",
        "pull-request-synchronize: pull_request.user.type absent: deploy #2 (installation 1, fork false, bot false, draft false, labels bug)",
        "pull-request-ready-for-review: installation absent: deploy #2 (no installation, fork false, bot false, draft false, labels bug)",
        "pull-request-ready-for-review: pull_request.draft absent: deploy #2 (installation 1, fork false, bot false, draft false, labels bug)",
        "pull-request-closed: installation absent: close #2 (no installation, fork false, bot false, draft false, labels bug)",
        "pull-request-closed: pull_request.draft absent: close #2 (installation 1, fork false, bot false, draft false, labels bug)",
        "pull-request-labeled: installation absent: deploy #2 (no installation, fork false, bot false, draft false, labels bug)",
        "pull-request-labeled: pull_request.head.repo null: deploy #2 (installation 1, fork true, bot false, draft false, labels bug)",
        "pull-request-labeled: pull_request.user null: deploy #2 (installation 1, fork false, bot false, draft false, labels bug)",
        "pull-request-labeled: pull_request.user.type absent: deploy #2 (installation 1, fork false, bot false, draft false, labels bug)",
        "pull-request-labeled: label absent: deploy #2 (installation 1, fork false, bot false, draft false, labels bug)",
        "pull-request-unlabeled: installation absent: deploy #2 (no installation, fork false, bot false, draft false, labels bug)",
        "pull-request-unlabeled: pull_request.head.repo null: deploy #2 (installation 1, fork true, bot false, draft false, labels bug)",
        "pull-request-unlabeled: pull_request.user null: deploy #2 (installation 1, fork false, bot false, draft false, labels bug)",
        "pull-request-unlabeled: pull_request.user.type absent: deploy #2 (installation 1, fork false, bot false, draft false, labels bug)",
        "pull-request-unlabeled: label absent: deploy #2 (installation 1, fork false, bot false, draft false, labels bug)",
        "pull-request-edited: installation absent: deploy #2 (no installation, fork false, bot false, draft false, labels bug)",
        "pull-request-edited: pull_request.draft absent: deploy #2 (installation 1, fork false, bot false, draft false, labels bug)",
        "pull-request-edited: changes.base absent: ignored",
        "issue-comment-created: installation absent: command by Codertocat (no installation)",
        "issue-comment-created: issue.pull_request absent: ignored",
        "issue-comment-created: comment.user null: command by Codertocat (installation 1)",
        "issue-comment-created: comment.user.type absent: command by Codertocat (installation 1)",
        "check-run-requested-action: installation absent: redeploy button on [26764] by codebytere (no installation)",
        "check-run-requested-action: requested_action absent: ignored",
        "check-run-requested-action: requested_action.identifier absent: ignored",
        "check-run-rerequested: installation absent: redeploy button on [] by octocat (no installation)",
        "workflow-run-in-progress: installation absent: build named "test", in_progress, conclusion success (no installation)",
        "workflow-run-in-progress: workflow_run.name null: build named "test", in_progress, conclusion success (no installation)",
        "workflow-run-in-progress: workflow_run.conclusion null: build named "test", in_progress, conclusion null (no installation)",
        "workflow-run-in-progress: workflow null: build named "workflow", in_progress, conclusion success (no installation)",
        "workflow-run-completed: installation absent: build named "test", completed, conclusion success (no installation)",
        "workflow-run-completed: workflow_run.name null: build named "test", completed, conclusion success (no installation)",
        "workflow-run-completed: workflow_run.conclusion null: build named "test", completed, conclusion null (no installation)",
        "workflow-run-completed: workflow null: build named "workflow", completed, conclusion success (no installation)",
      ]
    `);
  });
});

/** The parts of an engine call that a missing field could change. */
function summary(call: Call): string {
  const installation = (repo: { installationId?: number }) => (repo.installationId === undefined ? "no installation" : `installation ${repo.installationId}`);
  if ("enqueue" in call) {
    const job = call.enqueue;
    return `${job.action} #${job.pr} (${installation(job.repo)}, fork ${job.fork}, bot ${job.bot}, draft ${job.draft}, labels ${job.labels.join(",")})`;
  }
  if ("command" in call) return `command by ${call.command.author} (${installation(call.command.repo)})`;
  if ("checkRunAction" in call) return `${call.checkRunAction.action} button on [${call.checkRunAction.prs.join(",")}] by ${call.checkRunAction.author} (${installation(call.checkRunAction.repo)})`;
  const { repo, run } = call.imageBuild;
  return `build named ${JSON.stringify(run.name)}, ${run.status}, conclusion ${run.conclusion} (${installation(repo)})`;
}
