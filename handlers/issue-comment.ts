import type { Context } from "probot";
import type { HandlerDeps } from "./deps.js";

/** issue_comment.created on a pull request: a possible `/preview` command. Bots never trigger anything. */
export async function onIssueComment(ctx: Context<"issue_comment.created">, deps: HandlerDeps): Promise<void> {
  const { issue, comment, repository, sender } = ctx.payload;
  if (!issue.pull_request || ctx.isBot || comment.user?.type === "Bot" || sender.type === "Bot") return;
  // A cheap pre-filter; the engine's parser decides, and it reads the keyword in any ASCII case.
  if (!/\/preview/i.test(comment.body)) return;
  const installationId = "installation" in ctx.payload ? ctx.payload.installation?.id : undefined;
  deps.previews.command(
    {
      repo: { owner: repository.owner.login, repo: repository.name, installationId },
      pr: issue.number,
      commentId: comment.id,
      author: comment.user?.login ?? sender.login,
      body: comment.body,
    },
    ctx.id,
  );
}
