import type { Octokit } from "@octokit/core";
import type { CommentPort, RepoRef } from "../preview/ports.js";
import { STICKY_MARKER } from "../preview/report/index.js";
import { truncateUtf8 } from "../util/markdown.js";
import { createOnce, NO_BLIND_RETRY, type CreateRetry } from "./create-once.js";
import { hasNextPage, requireGitHub } from "./github-error.js";

// The marker belongs to the comment's renderer; the adapter only looks for it.
export { STICKY_MARKER };

/** The hidden marker of berth's reply to the comment `replyTo` (a command), or to a button press's key. */
export function replyMarker(replyTo: number | string): string {
  return `<!-- berth:reply-to:${replyTo} -->`;
}

/** GitHub's limit on an issue comment body. */
export const COMMENT_BODY_LIMIT = 65536;

export interface CommentOptions {
  /**
   * Login of the app's bot user (`<slug>[bot]`). When given, only its comments count as the
   * sticky comment; otherwise any bot's comment carrying the marker does. Never a human's:
   * berth must not edit or delete what a person wrote, even if it contains the marker.
   */
  botLogin?: string;
  /** How a sticky comment GitHub answered ambiguously (5xx, no answer) is looked up and posted again. */
  retry?: CreateRetry;
}

interface IssueComment {
  /** GitHub types ids as int64 (`number | bigint`); JSON always gives numbers. */
  id: number | bigint;
  body?: string | undefined;
  user: { login: string; type: string } | null;
}

/**
 * Issue comments on one repository's pull requests, with one sticky comment per PR. The sticky
 * comment is found by its hidden marker, before it is created and again after a create GitHub
 * answered ambiguously, so a PR never gets a second one from a retry.
 */
export function createComments(octokit: Octokit, repo: RepoRef, options: CommentOptions = {}): CommentPort {
  const { owner, repo: name } = repo;

  const isOurs = (comment: IssueComment): boolean =>
    (comment.body ?? "").includes(STICKY_MARKER) &&
    (options.botLogin === undefined ? comment.user?.type === "Bot" : comment.user?.login === options.botLogin);

  const isBerths = (comment: IssueComment): boolean => (options.botLogin === undefined ? comment.user?.type === "Bot" : comment.user?.login === options.botLogin);

  async function findSticky(pr: number): Promise<IssueComment[]> {
    return findComments(pr, isOurs);
  }

  async function findComments(pr: number, wanted: (comment: IssueComment) => boolean): Promise<IssueComment[]> {
    const found: IssueComment[] = [];
    for (let page = 1; ; page++) {
      const response = await requireGitHub(`list comments on #${pr}`, () =>
        octokit.request("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", {
          owner,
          repo: name,
          issue_number: pr,
          per_page: 100,
          page,
        }),
      );
      found.push(...response.data.filter(wanted));
      if (!hasNextPage(response.headers)) break;
    }
    return found;
  }

  async function reply(pr: number, body: string, replyTo: number | string): Promise<void> {
    const marker = replyMarker(replyTo);
    const replied = async () => ((await findComments(pr, (c) => isBerths(c) && (c.body ?? "").includes(marker))).length > 0 ? true : undefined);
    // Looked up first: the same command handled again (a redelivery, a retry) says nothing twice.
    if (await replied()) return;
    await postOnce(pr, `${truncateUtf8(body, COMMENT_BODY_LIMIT - marker.length - 2, "\n\n…(truncated)")}\n\n${marker}`, replied);
  }

  /**
   * Posts a comment without a blind retry: after an answer that may hide an applied POST (a 5xx,
   * a dropped connection), `find` looks for it before posting again.
   */
  async function postOnce(pr: number, body: string, find: () => Promise<true | undefined>): Promise<void> {
    await createOnce({
      action: `comment on #${pr}`,
      ...(options.retry === undefined ? {} : { retry: options.retry }),
      create: async () => {
        await octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
          owner,
          repo: name,
          issue_number: pr,
          body,
          request: NO_BLIND_RETRY,
        });
        return true;
      },
      find,
    });
  }

  return {
    async readSticky(pr) {
      const [first] = await findSticky(pr);
      return first?.body ?? undefined;
    },
    async ensureSticky(pr, text) {
      const body = truncateUtf8(text.includes(STICKY_MARKER) ? text : `${STICKY_MARKER}\n${text}`, COMMENT_BODY_LIMIT, "\n\n…(truncated)");
      // Comments come oldest first: the first one is the sticky comment, any later ones are
      // left over from two deliveries racing to create it.
      const [first, ...duplicates] = await findSticky(pr);
      if (first === undefined) {
        await postOnce(pr, body, async () => ((await findSticky(pr)).length > 0 ? true : undefined));
        return;
      }
      if (first.body !== body) {
        await requireGitHub(`edit comment ${first.id} on #${pr}`, () =>
          octokit.request("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}", { owner, repo: name, comment_id: first.id, body }),
        );
      }
      for (const duplicate of duplicates) {
        await requireGitHub(`delete duplicate comment ${duplicate.id} on #${pr}`, () =>
          octokit.request("DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}", { owner, repo: name, comment_id: duplicate.id }),
        );
      }
    },

    reply,

    async react(commentId, content) {
      await requireGitHub(`react to comment ${commentId}`, () =>
        octokit.request("POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", {
          owner,
          repo: name,
          comment_id: commentId,
          content,
        }),
      );
    },
  };
}
