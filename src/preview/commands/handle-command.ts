import { previewLabel, stackName } from "../../stack/naming.js";
import { codeBlock, escapeMarkdown, inlineCode, markdownLink } from "../../util/markdown.js";
import type { Logger } from "../../util/logger.js";
import { redactLines } from "../../util/redact.js";
import { COMMANDS, parseCommand, renderHelp, type ParsedCommand } from "./parse-command.js";
import type { LogPort, RepoGitHub, RepoPermission, RepoRef, StackPort } from "../ports.js";
import type { PreviewJob } from "../job.js";
import { parsePairs } from "../flow/index.js";
import { CHECK_RUN_ACTIONS, type CheckRunActionId } from "../report/index.js";

/** A comment on a pull request that may hold a `/preview` command. */
export interface CommentCommand {
  repo: RepoRef;
  pr: number;
  commentId: number;
  author: string;
  body: string;
}

export interface CommandDeps {
  stacks: StackPort;
  logs: LogPort;
  log: Logger;
  redact: (text: string) => string;
  enqueue: (job: PreviewJob) => void;
  /** Records that `sha` of a fork pull request was approved for deployment. */
  approve: (repo: RepoRef, pr: number, sha: string) => Promise<void>;
  /**
   * Records a refusal of `user` on the pull request and says whether one was given before: the
   * first refusal explains itself, later ones only react, so nobody can make berth flood a PR.
   */
  refusedBefore: (repo: RepoRef, pr: number, user: string) => boolean;
  /** The fork head SHA berth last announced as awaiting approval on this PR, if any. */
  awaitingApproval: (github: RepoGitHub, pr: number) => Promise<string | undefined>;
  logTailLines: number;
}

const WRITERS = new Set<RepoPermission>(["admin", "maintain", "write"]);

/** A button pressed on berth's check run (`requested_action`), or its "Re-run" (`rerequested`: redeploy). */
export interface CheckRunRequest {
  repo: RepoRef;
  /** The pull requests GitHub names for the run's commit; empty for a fork's (berth then looks). */
  prs: number[];
  sha: string;
  checkRunId: number;
  author: string;
  action: CheckRunActionId;
}

/** Labels of the buttons, for messages: "Reset data". */
const BUTTON_LABEL = Object.fromEntries(CHECK_RUN_ACTIONS.map((a) => [a.identifier, a.label])) as Record<CheckRunActionId, string>;

/**
 * Runs a check-run button as its `/preview` command: the presser needs write access (checked
 * through the API); a refusal is said once on the pull request. Redeploy and reset act on the pull
 * request's head: a button pressed on an older commit's run deploys what the pull request is now.
 */
export async function handleCheckRunAction(deps: CommandDeps, github: RepoGitHub, input: CheckRunRequest): Promise<string> {
  const number = input.prs[0] ?? (await findPullOf(github, input.sha));
  if (number === undefined) return "no open pull request";
  const label = BUTTON_LABEL[input.action];
  const permission = await github.permission(input.author);
  if (!WRITERS.has(permission)) {
    if (deps.refusedBefore(input.repo, number, input.author)) return "refused again";
    await github.comments.reply(
      number,
      `${escapeMarkdown(input.author)}: the check run's ${inlineCode(label)} button needs write access to this repository; you have ${permission === "none" ? "no" : permission} access. Ask a maintainer to press it.`,
      `check-run-${input.checkRunId}-refused-${input.author.toLowerCase()}`,
    );
    return "refused";
  }
  const pr = await github.pullRequest(number);
  if (!pr || pr.state !== "open") return "closed";
  const base = { repo: input.repo, pr: number, sha: pr.headSha, baseSha: pr.baseSha, branch: pr.branch, fork: pr.fork, draft: pr.draft, labels: pr.labels, bot: pr.bot, baseBranch: pr.baseBranch };
  deps.enqueue({ ...base, action: input.action, asked: { commentId: `check-run-${input.checkRunId}-${input.action}`, command: input.action, button: label } });
  return input.action;
}

/** What a person can do to a preview from the dashboard. */
export type DashboardActionId = "redeploy" | "reset" | "destroy" | "wake" | "extend";

/** A button pressed on the dashboard by a signed-in person. */
export interface DashboardActionRequest {
  repo: RepoRef;
  pr: number;
  /** The GitHub login of whoever pressed it. */
  user: string;
  action: DashboardActionId;
}

/**
 * Runs a dashboard button as its `/preview` command: the same write-access rule, checked through
 * the API now (the dashboard's sign-in may be hours old). Returns what was done: `queued`,
 * `refused` (no write access) or `closed` (no open pull request).
 */
export async function handleDashboardAction(deps: Pick<CommandDeps, "enqueue">, github: RepoGitHub, input: DashboardActionRequest): Promise<"queued" | "refused" | "closed"> {
  if (!WRITERS.has(await github.permission(input.user))) return "refused";
  const pr = await github.pullRequest(input.pr);
  if (!pr || pr.state !== "open") return "closed";
  const base = { repo: input.repo, pr: input.pr, sha: pr.headSha, baseSha: pr.baseSha, branch: pr.branch, fork: pr.fork, draft: pr.draft, labels: pr.labels, bot: pr.bot, baseBranch: pr.baseBranch };
  deps.enqueue({ ...base, action: input.action, asked: { commentId: `dashboard-${input.action}-${input.user.toLowerCase()}-${Date.now()}`, command: input.action, button: DASHBOARD_LABEL[input.action], from: "dashboard" } });
  return "queued";
}

/** The dashboard's button labels, for messages. */
export const DASHBOARD_LABEL: Record<DashboardActionId, string> = { redeploy: "Redeploy", reset: "Reset data", destroy: "Destroy", wake: "Wake", extend: "Extend expiry" };

/** The open pull request whose head is `sha` (GitHub names none for a fork's check run); reads at most 3 pages. */
async function findPullOf(github: RepoGitHub, sha: string): Promise<number | undefined> {
  for (let page = 1; page <= 3; page++) {
    const { pulls, more } = await github.openPullRequests(page);
    const found = pulls.find((p) => p.headSha.toLowerCase() === sha.toLowerCase());
    if (found) return found.number;
    if (!more) return undefined;
  }
  return undefined;
}

/**
 * Runs one `/preview` command from a PR comment: checks the author's permission through the API
 * (never the payload's author_association), acknowledges with a reaction, and makes the outcome
 * visible on the PR. Comments without a command do nothing. Returns what was done, for logs and tests.
 */
export async function handleCommand(deps: CommandDeps, github: RepoGitHub, input: CommentCommand): Promise<string> {
  const command = parseCommand(input.body);
  if (!command) return "no command";
  const spec = COMMANDS.find((c) => c.name === command.name)!;
  const who = escapeMarkdown(input.author);

  if (spec.requiresWrite) {
    const permission = await github.permission(input.author);
    if (!WRITERS.has(permission)) {
      await github.comments.react(input.commentId, "-1");
      if (deps.refusedBefore(input.repo, input.pr, input.author)) return "refused again";
      await github.comments.reply(
        input.pr,
        `${who}: ${inlineCode(spec.usage)} needs write access to this repository; you have ${permission === "none" ? "no" : permission} access. Ask a maintainer to run it.`,
            input.commentId,
      );
      return "refused";
    }
  }
  await github.comments.react(input.commentId, "eyes");

  if (command.name === "help") {
    const unknown = command.unknown === undefined ? "" : `Unknown command ${inlineCode(`/preview ${command.unknown}`)}. `;
    await github.comments.reply(input.pr, `${unknown}berth understands:\n\n${renderHelp()}`, input.commentId);
    return "help";
  }

  const pr = await github.pullRequest(input.pr);
  if (!pr) return "not a pull request";
  if (pr.state !== "open" && command.name !== "logs") {
    await github.comments.reply(input.pr, `This pull request is closed, so it has no preview to ${command.name}.`, input.commentId);
    return "closed";
  }
  const base = { repo: input.repo, pr: input.pr, sha: pr.headSha, baseSha: pr.baseSha, branch: pr.branch, fork: pr.fork, draft: pr.draft, labels: pr.labels, bot: pr.bot, baseBranch: pr.baseBranch };

  switch (command.name) {
    case "deploy":
    case "reset":
    case "redeploy":
      deps.enqueue({ ...base, action: command.name, asked: { commentId: input.commentId, command: command.name } });
      return command.name;
    case "wake":
    case "destroy":
      deps.enqueue({ ...base, action: command.name, asked: { commentId: input.commentId, command: command.name } });
      return command.name;
    case "approve":
      if (!pr.fork) {
        await github.comments.reply(input.pr, "This pull request is not from a fork; it deploys without approval.", input.commentId);
        return "not a fork";
      }
      {
        // Approve only the code the maintainer saw: the SHA they typed, or else the one berth
        // announced as waiting. A push racing the comment is never approved by it.
        const seen = command.sha ?? (await deps.awaitingApproval(github, input.pr));
        if (seen === undefined || !pr.headSha.startsWith(seen)) {
          const head = pr.headSha.slice(0, 7);
          await github.comments.reply(
            input.pr,
            `Not approved: the head of this pull request is now ${inlineCode(head)}${seen === undefined ? "" : `, not ${inlineCode(seen.slice(0, 7))}`}. Review it, then comment ${inlineCode(`/preview approve ${head}`)}.`,
            input.commentId,
          );
          return "approval refused";
        }
      }
      await deps.approve(input.repo, input.pr, pr.headSha);
      deps.enqueue({ ...base, action: "deploy", approvedSha: pr.headSha });
      return "approve";
    case "logs": {
      const logs = await renderLogs(deps, input, command);
      // Log lines go to one collapsed comment that replaces the previous one; a short answer
      // (no preview, no such service, nothing logged) is a plain reply.
      if (logs.collapsed) await github.comments.replaceLogs(input.pr, logs.text, input.commentId);
      else await github.comments.reply(input.pr, logs.text, input.commentId);
      return "logs";
    }
  }
}

async function renderLogs(deps: CommandDeps, input: CommentCommand, command: Extract<ParsedCommand, { name: "logs" }>): Promise<{ text: string; collapsed: boolean }> {
  const short = (text: string) => ({ text, collapsed: false });
  const stack = await deps.stacks.find(stackName(previewLabel({ owner: input.repo.owner, repo: input.repo.repo, pr: input.pr })));
  if (!stack) return short("This pull request has no preview, so there are no logs to show.");
  // Outputs of a stack berth did not create could point at any log group: relay none of them.
  if (stack.tags["berth:managed"] !== "true") {
    return short(`berth shows no logs of stack ${stack.name}: it lacks the tag berth:managed=true, so berth did not create it.`);
  }
  const services = parsePairs(stack.outputs.ServiceArns);
  const publicArn = stack.outputs.PublicServiceArn;
  const service = command.service ?? Object.keys(services).find((name) => services[name] === publicArn);
  if (service === undefined || !(service in services)) {
    const known = Object.keys(services).map((s) => inlineCode(s)).join(", ");
    return short(`No service ${inlineCode(command.service ?? "?")} in this preview. Services: ${known || "none"}.`);
  }
  const group = stack.outputs.LogGroup ?? "";
  const prefix = `${stack.outputs.LogStreamPrefix ?? ""}/${service}/`;
  const stream = await deps.logs.latestStream({ group, prefix });
  if (!stream) return short(`${inlineCode(service)} has written no log yet.`);
  const lines = await deps.logs.tail({ group, stream, lines: deps.logTailLines });
  if (lines.length === 0) return short(`${inlineCode(service)} has written no log yet.`);
  const redacted = redactLines(deps.redact, lines);
  const what = redacted.length === 1 ? "line" : `${redacted.length} lines`;
  const console = deps.logs.consoleUrl({ group, stream });
  const all = deps.logs.consoleUrl({ group, prefix });
  const links = [console ? markdownLink(console, "this log in CloudWatch") : undefined, all ? markdownLink(all, `every task's log of ${service}`) : undefined].filter(Boolean);
  return {
    text: [
      `<details><summary>Last ${what} of ${inlineCode(service)}, asked for by ${escapeMarkdown(input.author)} (secrets redacted)</summary>`,
      "",
      codeBlock(redacted),
      "",
      "</details>",
      ...(links.length === 0 ? [] : ["", links.join(" · ")]),
    ].join("\n"),
    collapsed: true,
  };
}
