import type { EmitterWebhookEvent } from "@octokit/webhooks";
import type { HandlerDeps } from "./deps.js";

/**
 * workflow_run: CI building a commit's images. Only runs of pull requests matter (a preview waits
 * for the head's images); the engine wakes a deploy waiting for them when one completes and links
 * the run on the check run.
 */
export function onWorkflowRun(event: Pick<EmitterWebhookEvent<"workflow_run">, "payload">, deps: HandlerDeps): void {
  const { workflow_run: run, repository } = event.payload;
  if (run.event !== "pull_request" && run.pull_requests.length === 0) return;
  const installationId = "installation" in event.payload ? event.payload.installation?.id : undefined;
  deps.previews.imageBuild({ owner: repository.owner.login, repo: repository.name, installationId }, run.head_sha, {
    name: run.name ?? "workflow",
    url: run.html_url,
    status: run.status as "requested" | "in_progress" | "completed",
    conclusion: run.conclusion,
  });
}
