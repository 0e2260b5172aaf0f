import { createNodeMiddleware, Webhooks } from "@octokit/webhooks";
import type { Logger } from "pino";
import type { HandlerDeps } from "./deps.js";
import { onCheckRun } from "./check-run.js";
import { onIssueComment } from "./issue-comment.js";
import { onPullRequest } from "./pull-request.js";
import { onWorkflowRun } from "./workflow-run.js";
import { DEFAULT_WEBHOOK_PATH, type NodeMiddleware } from "./webhook-server.js";

/** The pull_request actions berth acts on (onPullRequest says how). */
export const PULL_REQUEST_EVENTS = [
  "pull_request.opened",
  "pull_request.reopened",
  "pull_request.synchronize",
  "pull_request.ready_for_review",
  "pull_request.closed",
  "pull_request.labeled",
  "pull_request.unlabeled",
  "pull_request.edited",
] as const;

/** CI runs that may build a preview's images: berth links them and looks at ECR once one completes. */
export const WORKFLOW_RUN_EVENTS = ["workflow_run.in_progress", "workflow_run.completed"] as const;

/** Buttons pressed on berth's check run, and its "Re-run". */
export const CHECK_RUN_EVENTS = ["check_run.requested_action", "check_run.rerequested"] as const;

/**
 * The webhook endpoint on the request path: checks the delivery's `X-Hub-Signature-256` over the
 * bytes received, parses it, hands it to the handlers (which only enqueue) and answers 200.
 *
 * Probot's own middleware builds an authenticated GitHub client for every event before any
 * handler runs (its `Context.octokit`, with all its plugins): a third of the CPU a delivery costs,
 * for a client the handlers never use. This one is @octokit/webhooks alone, the library Probot
 * verifies with, so the answers (400 for a bad signature, 415, 404, 500 when a handler throws)
 * are Probot's; the engine asks for its GitHub clients off the request path, when it works.
 */
export function createWebhookMiddleware(input: { secret: string; deps: HandlerDeps; log: Logger; path?: string }): NodeMiddleware {
  const webhooks = new Webhooks({ secret: input.secret });
  routeWebhooks(webhooks, input.deps);
  return createNodeMiddleware(webhooks, { path: input.path ?? DEFAULT_WEBHOOK_PATH, log: input.log.child({ name: "webhooks" }) });
}

/** Sends each event berth acts on to its handler; the same routes in one thread (above) and on the engine thread. */
export function routeWebhooks(webhooks: Pick<Webhooks, "on">, deps: HandlerDeps): void {
  webhooks.on([...PULL_REQUEST_EVENTS], (event) => onPullRequest(event, deps));
  webhooks.on("issue_comment.created", (event) => onIssueComment(event, deps));
  webhooks.on([...WORKFLOW_RUN_EVENTS], (event) => onWorkflowRun(event, deps));
  webhooks.on([...CHECK_RUN_EVENTS], (event) => onCheckRun(event, deps));
}
