/**
 * Real webhook payloads from @octokit/webhooks-examples, patched only where a case is missing
 * (the examples have no installation on some, no comment on a pull request, no fork).
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- payloads are JSON fixtures patched field by field */
import { createHash } from "node:crypto";
import { createRequire } from "node:module";

interface Definition {
  name: string;
  examples: Array<Record<string, unknown>>;
}

const definitions = createRequire(import.meta.url)("@octokit/webhooks-examples/api.github.com/index.json") as Definition[];

function example(name: string, action: string): Record<string, any> {
  const found = definitions.find((d) => d.name === name)?.examples.find((e) => e.action === action && "installation" in e);
  const any = found ?? definitions.find((d) => d.name === name)?.examples.find((e) => e.action === action);
  if (!any) throw new Error(`no ${name}.${action} example`);
  return structuredClone(any) as Record<string, any>;
}

export const OWNER = "acme";
export const REPO = "shop";
export const INSTALLATION_ID = 4242;

function retarget(payload: Record<string, any>): void {
  payload.repository.name = REPO;
  payload.repository.full_name = `${OWNER}/${REPO}`;
  payload.repository.owner.login = OWNER;
  payload.installation = { id: INSTALLATION_ID, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI0Mg==" };
}

/** A real `pull_request.<action>` payload for PR `number` of acme/shop at `sha`. */
export function pullRequestPayload(
  action: "opened" | "reopened" | "synchronize" | "ready_for_review" | "closed" | "labeled" | "unlabeled" | "edited",
  input: {
    number: number;
    sha: string;
    branch?: string;
    fork?: boolean;
    draft?: boolean;
    merged?: boolean;
    title?: string;
    /** A push's previous head (`before`); default a commit no other payload names. */
    before?: string;
    /** The pull request's labels after the event; default the example's. */
    labels?: string[];
    /** Who opened it; default the example's person. */
    user?: { login: string; type: "User" | "Bot" };
    /** labeled/unlabeled: the label added or removed. */
    label?: string;
    baseBranch?: string;
    /** edited: the base branch the pull request had before it was retargeted (none: its title was edited). */
    retargetedFrom?: string;
  },
): Record<string, any> {
  // The examples record no `edited`: an `opened` one carries the same pull request.
  const payload = example("pull_request", action === "edited" ? "opened" : action);
  if (action === "edited") {
    payload.action = "edited";
    payload.changes = input.retargetedFrom === undefined ? { title: { from: "An older title" } } : { base: { ref: { from: input.retargetedFrom }, sha: { from: "0".repeat(40) } } };
  }
  if (action === "synchronize") {
    // A push moves the head from `before` to `after`; the example's own pair belongs to another repository.
    payload.before = input.before ?? createHash("sha1").update(`parent of ${input.sha}`).digest("hex");
    payload.after = input.sha;
  }
  retarget(payload);
  const pr = payload.pull_request;
  payload.number = input.number;
  pr.number = input.number;
  pr.head.sha = input.sha;
  pr.head.ref = input.branch ?? "feature/checkout";
  pr.draft = input.draft ?? false;
  if (input.title !== undefined) pr.title = input.title;
  if (input.labels !== undefined) pr.labels = input.labels.map((name, i) => ({ ...structuredClone(pr.labels?.[0] ?? {}), id: 7000 + i, name }));
  if (input.user !== undefined) pr.user = { ...pr.user, login: input.user.login, type: input.user.type };
  if (input.baseBranch !== undefined) pr.base.ref = input.baseBranch;
  if (input.label !== undefined) payload.label = { ...structuredClone(payload.label ?? pr.labels?.[0] ?? {}), name: input.label };
  if (action === "closed") pr.merged = input.merged ?? false;
  pr.base.repo = structuredClone(payload.repository);
  pr.head.repo = input.fork
    ? { ...structuredClone(payload.repository), id: payload.repository.id + 1, full_name: `mallory/${REPO}`, owner: { ...payload.repository.owner, login: "mallory", id: 99 }, fork: true }
    : structuredClone(payload.repository);
  return payload;
}

/** A real `issue_comment.created` payload, turned into a comment on pull request `pr`. */
export function prCommentPayload(input: { pr: number; body: string; commentId: number; user?: string; userType?: "User" | "Bot"; authorAssociation?: string }): Record<string, any> {
  const payload = example("issue_comment", "created");
  retarget(payload);
  payload.issue.number = input.pr;
  payload.issue.pull_request = {
    url: `https://api.github.com/repos/${OWNER}/${REPO}/pulls/${input.pr}`,
    html_url: `https://github.com/${OWNER}/${REPO}/pull/${input.pr}`,
    diff_url: `https://github.com/${OWNER}/${REPO}/pull/${input.pr}.diff`,
    patch_url: `https://github.com/${OWNER}/${REPO}/pull/${input.pr}.patch`,
  };
  payload.comment.id = input.commentId;
  payload.comment.body = input.body;
  payload.comment.user.login = input.user ?? "octocat";
  payload.comment.user.type = input.userType ?? "User";
  payload.comment.author_association = input.authorAssociation ?? "OWNER";
  payload.sender.login = input.user ?? "octocat";
  payload.sender.type = input.userType ?? "User";
  return payload;
}

/** A real `workflow_run.<action>` payload, turned into a pull request's CI run at `sha` in acme/shop. */
export function workflowRunPayload(
  action: "in_progress" | "completed",
  input: { sha: string; pr: number; name?: string; conclusion?: "success" | "failure" | "cancelled"; runId?: number },
): Record<string, any> {
  const payload = example("workflow_run", "completed");
  payload.action = action;
  retarget(payload);
  const run = payload.workflow_run;
  run.id = input.runId ?? 30433642;
  run.name = input.name ?? "preview images";
  run.event = "pull_request";
  run.head_sha = input.sha;
  run.status = action === "completed" ? "completed" : "in_progress";
  run.conclusion = action === "completed" ? (input.conclusion ?? "success") : null;
  run.html_url = `https://github.com/${OWNER}/${REPO}/actions/runs/${run.id}`;
  run.pull_requests = [{ url: `https://api.github.com/repos/${OWNER}/${REPO}/pulls/${input.pr}`, id: 1000 + input.pr, number: input.pr, head: { ref: "feature/checkout", sha: input.sha, repo: { id: payload.repository.id, url: payload.repository.url, name: REPO } }, base: { ref: "main", sha: "0".repeat(40), repo: { id: payload.repository.id, url: payload.repository.url, name: REPO } } }];
  return payload;
}

/**
 * A real `check_run.requested_action` (a button pressed) or `check_run.rerequested` ("Re-run")
 * payload, turned into a press by `user` on berth's check run `checkRunId` at `sha`.
 */
export function checkRunPayload(
  action: "requested_action" | "rerequested",
  input: { sha: string; pr?: number; checkRunId: number; user: string; identifier?: string; name?: string },
): Record<string, any> {
  const payload = example("check_run", action);
  retarget(payload);
  const run = payload.check_run;
  run.id = input.checkRunId;
  run.name = input.name ?? "preview";
  run.head_sha = input.sha;
  run.pull_requests =
    input.pr === undefined
      ? []
      : [{ url: `https://api.github.com/repos/${OWNER}/${REPO}/pulls/${input.pr}`, id: 1000 + input.pr, number: input.pr, head: { ref: "feature/checkout", sha: input.sha, repo: { id: payload.repository.id, url: payload.repository.url, name: REPO } }, base: { ref: "main", sha: "0".repeat(40), repo: { id: payload.repository.id, url: payload.repository.url, name: REPO } } }];
  if (action === "requested_action") payload.requested_action = { identifier: input.identifier ?? "redeploy" };
  payload.sender.login = input.user;
  payload.sender.type = "User";
  return payload;
}
