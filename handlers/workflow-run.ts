import type { EmitterWebhookEvent } from "@octokit/webhooks";
import type { HandlerDeps } from "./deps.js";

/**
 * workflow_run: CI building a commit's images. Only runs of pull requests matter (a preview waits
 * for the head's images); the engine wakes a deploy waiting for them when one completes and links
 * the run on the check run.
 */
export function onWorkflowRun(event: Pick<EmitterWebhookEvent<"workflow_run.in_progress" | "workflow_run.completed">, "payload">, deps: HandlerDeps): void {
  const { action, workflow_run: run, workflow, repository } = event.payload;
  if (run.event !== "pull_request" && run.pull_requests.length === 0) return;
  const installationId = "installation" in event.payload ? event.payload.installation?.id : undefined;
  deps.previews.imageBuild({ owner: repository.owner.login, repo: repository.name, installationId }, run.head_sha, {
    // GitHub sends an empty run name for some runs (the workflow's file has no `name:`); the link needs a text.
    name: run.name || workflow?.name || "workflow",
    url: run.html_url,
    // The action is the news; the run's `status` in the same payload may lag behind it (a `completed` delivery saying `queued`).
    status: action,
    conclusion: run.conclusion,
  });
}
