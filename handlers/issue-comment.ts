import type { EmitterWebhookEvent } from "@octokit/webhooks";
import type { HandlerDeps } from "./deps.js";

/** issue_comment.created on a pull request: a possible `/preview` command. Bots never trigger anything. */
export async function onIssueComment(event: Pick<EmitterWebhookEvent<"issue_comment.created">, "id" | "payload">, deps: HandlerDeps): Promise<void> {
  const { issue, comment, repository, sender } = event.payload;
  if (!issue.pull_request || comment.user?.type === "Bot" || sender.type === "Bot") return;
  // A cheap pre-filter; the engine's parser decides, and it reads the keyword in any ASCII case.
  if (!/\/preview/i.test(comment.body)) return;
  const installationId = "installation" in event.payload ? event.payload.installation?.id : undefined;
  deps.previews.command(
    {
      repo: { owner: repository.owner.login, repo: repository.name, installationId },
      pr: issue.number,
      commentId: comment.id,
      author: comment.user?.login ?? sender.login,
      body: comment.body,
    },
    event.id,
  );
}
