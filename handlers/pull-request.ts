import type { EmitterWebhookEvent } from "@octokit/webhooks";
import { isBot } from "../src/github/pull-requests.js";
import type { PreviewJob } from "../src/preview/index.js";
import type { HandlerDeps } from "./deps.js";

const DEPLOY_ACTIONS = new Set(["opened", "reopened", "synchronize", "ready_for_review", "labeled", "unlabeled"]);

/**
 * pull_request: opened, reopened, synchronize, ready_for_review deploy; closed removes; labeled
 * and unlabeled go to the engine, which knows from the config whether that label means anything;
 * so does edited when the base branch changed (the `deploy` rules judge base branches), and only then.
 */
export async function onPullRequest(event: Pick<EmitterWebhookEvent<"pull_request">, "id" | "payload">, deps: HandlerDeps): Promise<void> {
  const { payload } = event;
  const { action, pull_request: pr, repository } = payload;
  const installationId = "installation" in payload ? payload.installation?.id : undefined;
  const retargeted = payload.action === "edited" && payload.changes.base !== undefined;
  if (action !== "closed" && !DEPLOY_ACTIONS.has(action) && !retargeted) return;
  const job: PreviewJob = {
    repo: { owner: repository.owner.login, repo: repository.name, installationId },
    pr: pr.number,
    action: action === "closed" ? "close" : "deploy",
    sha: pr.head.sha,
    baseSha: pr.base.sha,
    branch: pr.head.ref,
    fork: pr.head.repo?.id !== pr.base.repo.id,
    draft: pr.draft === true,
    labels: pr.labels.map((label) => label.name),
    bot: isBot(pr.user),
    baseBranch: pr.base.ref,
    ...(payload.action === "synchronize" ? { replaces: payload.before } : {}),
    ...(retargeted ? { retargeted } : {}),
    ...((payload.action === "labeled" || payload.action === "unlabeled") && payload.label ? { label: { name: payload.label.name, added: payload.action === "labeled" } } : {}),
  };
  deps.previews.enqueue(job, event.id);
}
