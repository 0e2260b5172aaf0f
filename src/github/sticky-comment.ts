import type { Octokit } from "@octokit/core";
import type { CommentPort, RepoRef } from "../preview/ports.js";
import { LOGS_MARKER, STICKY_MARKER } from "../preview/report/index.js";
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

  const isBerths = (comment: IssueComment): boolean => (options.botLogin === undefined ? comment.user?.type === "Bot" : comment.user?.login === options.botLogin);
  const marked = (marker: string) => (comment: IssueComment): boolean => (comment.body ?? "").includes(marker) && isBerths(comment);

  async function findSticky(pr: number): Promise<IssueComment[]> {
    return findComments(pr, marked(STICKY_MARKER));
  }

  /**
   * Edits berth's comment that carries `marker`, or posts it when there is none: one such comment
   * per pull request, whatever races or retries happened (duplicates are deleted).
   */
  async function ensureMarked(pr: number, marker: string, text: string): Promise<void> {
    const body = truncateUtf8(text.includes(marker) ? text : `${marker}\n${text}`, COMMENT_BODY_LIMIT, "\n\n…(truncated)");
    // Comments come oldest first: the first one is the comment, any later ones are left over
    // from two deliveries racing to create it.
    const [first, ...duplicates] = await findComments(pr, marked(marker));
    if (first === undefined) {
      await postOnce(pr, body, async () => ((await findComments(pr, marked(marker))).length > 0 ? true : undefined));
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
    ensureSticky: (pr, text) => ensureMarked(pr, STICKY_MARKER, text),
    async replaceLogs(pr, text, replyTo) {
      const marker = replyMarker(replyTo);
      const earlier = await findComments(pr, marked(LOGS_MARKER));
      // The same command handled again (a redelivery, a retry) posts nothing new.
      if (earlier.some((c) => (c.body ?? "").includes(marker))) return;
      const body = `${LOGS_MARKER}\n${truncateUtf8(text, COMMENT_BODY_LIMIT - LOGS_MARKER.length - marker.length - 3, "\n\n…(truncated)")}\n\n${marker}`;
      await postOnce(pr, body, async () => ((await findComments(pr, (c) => isBerths(c) && (c.body ?? "").includes(marker))).length > 0 ? true : undefined));
      for (const old of earlier) {
        await requireGitHub(`delete earlier log comment ${old.id} on #${pr}`, () =>
          octokit.request("DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}", { owner, repo: name, comment_id: old.id }),
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
