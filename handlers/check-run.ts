import type { EmitterWebhookEvent } from "@octokit/webhooks";
import { CHECK_NAME, CHECK_RUN_ACTIONS, type CheckRunActionId } from "../src/preview/index.js";
import type { HandlerDeps } from "./deps.js";

const IDENTIFIERS = new Set<string>(CHECK_RUN_ACTIONS.map((a) => a.identifier));

/**
 * check_run.requested_action (a button of berth's check run) and check_run.rerequested ("Re-run",
 * a redeploy). GitHub sends both only to the app that created the run; the name is checked too.
 */
export function onCheckRun(event: Pick<EmitterWebhookEvent<"check_run.requested_action" | "check_run.rerequested">, "id" | "payload">, deps: HandlerDeps): void {
  const { payload } = event;
  const run = payload.check_run;
  if (run.name !== CHECK_NAME) return;
  const action = payload.action === "rerequested" ? "redeploy" : payload.requested_action?.identifier;
  if (action === undefined || !IDENTIFIERS.has(action)) return;
  const installationId = "installation" in payload ? payload.installation?.id : undefined;
  deps.previews.checkRunAction(
    {
      repo: { owner: payload.repository.owner.login, repo: payload.repository.name, installationId },
      prs: run.pull_requests.map((pr) => pr.number),
      sha: run.head_sha,
      checkRunId: run.id,
      author: payload.sender.login,
      action: action as CheckRunActionId,
    },
    event.id,
  );
}
