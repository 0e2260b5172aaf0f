import type { EmitterWebhookEvent } from "@octokit/webhooks";
import type { PreviewJob } from "../src/preview/index.js";
import type { HandlerDeps } from "./deps.js";

const DEPLOY_ACTIONS = new Set(["opened", "reopened", "synchronize", "ready_for_review"]);

/** pull_request: opened, reopened, synchronize, ready_for_review deploy; closed removes. */
export async function onPullRequest(event: Pick<EmitterWebhookEvent<"pull_request">, "id" | "payload">, deps: HandlerDeps): Promise<void> {
  const { action, pull_request: pr, repository } = event.payload;
  const installationId = "installation" in event.payload ? event.payload.installation?.id : undefined;
  if (action !== "closed" && !DEPLOY_ACTIONS.has(action)) return;
  const job: PreviewJob = {
    repo: { owner: repository.owner.login, repo: repository.name, installationId },
    pr: pr.number,
    action: action === "closed" ? "close" : "deploy",
    sha: pr.head.sha,
    baseSha: pr.base.sha,
    branch: pr.head.ref,
    fork: pr.head.repo?.id !== pr.base.repo.id,
    draft: pr.draft === true,
    ...(event.payload.action === "synchronize" ? { replaces: event.payload.before } : {}),
  };
  deps.previews.enqueue(job, event.id);
}
