import { escapeMarkdown, inlineCode, isSafeUrl, markdownLink } from "../../util/markdown.js";
import { shortSha } from "./render-check-run.js";

/** The hidden marker that starts berth's sticky comment; the GitHub adapter finds the comment by it. */
export const STICKY_MARKER = "<!-- berth:preview -->";

/** The hidden marker of berth's one `/preview logs` comment on a pull request, edited on each request. */
export const LOGS_MARKER = "<!-- berth:logs -->";

/** What the sticky comment on a pull request says. */
export interface CommentState {
  state: "deploying" | "ready" | "asleep" | "failed" | "removed" | "awaiting-approval" | "disabled-for-forks" | "skipped";
  /** The preview's public URL. */
  url?: string;
  /** The commit deployed (or waiting for approval). */
  sha?: string;
  /** Link to the commit on GitHub; the short SHA links there when given. */
  commitUrl?: string;
  /** The PR's head branch: user-controlled, always escaped. */
  branch?: string;
  /** When it was written; left out where the comment must not change while nothing else does (a skip a resync repeats). */
  updatedAt?: Date;
  /** The check run with the phase details. */
  checkRunUrl?: string;
  /** One more line for the people on the PR, e.g. why the deploy failed. User-controlled, escaped. */
  message?: string;
  /** Why there is no preview (skipped): Markdown berth wrote, any user text in it already escaped. */
  explanation?: string;
  /** What the preview costs on Fargate while it runs. */
  cost?: PreviewCost;
  /** The version that serves while this one deploys or after it failed: its commit and URL. */
  serving?: { sha: string; url?: string };
  /** Whether the preview sleeps or expires when nobody looks (`sleep_after`, `expire_after`). */
  idle?: IdleFacts;
}

/** The comment's state line: asleep since when, or awake and when it would sleep and expire. */
export interface IdleFacts {
  /** Set while it sleeps. */
  asleepSince?: Date;
  /** Dollars an hour while it sleeps: its data services. */
  asleepPerHour?: number;
  sleepAfterSeconds?: number;
  /** Time left before it is removed unless someone pushes, comments a command or opens it. */
  expiresInSeconds?: number;
}

/** The preview's Fargate price, from the running services' sizes and AWS's public prices. */
export interface PreviewCost {
  /** Dollars an hour. */
  perHour: number;
  vcpu: number;
  gb: number;
  region: string;
  /** When the prices were read, e.g. `2026-12`. */
  pricesAsOf: string;
  /** Dollars since the preview was created, at today's size. */
  soFar?: number;
}

const HEADLINE: Record<CommentState["state"], string> = {
  deploying: "⏳ Deploying preview",
  ready: "✅ Preview ready",
  asleep: "😴 Preview asleep",
  failed: "❌ Preview failed",
  removed: "🗑️ Preview removed",
  "awaiting-approval": "✋ Preview waiting for approval",
  "disabled-for-forks": "🔒 No preview for pull requests from forks",
  skipped: "⏸️ No preview for this pull request yet",
};

const COMMANDS: ReadonlyArray<[command: string, what: string]> = [
  ["/preview reset", "wipe the data, run migrate and seed again"],
  ["/preview wake", "wake a sleeping preview"],
  ["/preview redeploy", "deploy the head commit again"],
  ["/preview destroy", "remove the preview until the next push"],
  ["/preview logs [service]", "post the last log lines of a service"],
  ["/preview help", "list the commands"],
];

/**
 * The sticky comment's Markdown: the hidden marker first (berth finds its comment by it),
 * a headline for the state, the URL, commit, branch and time, then the commands. All
 * user-controlled text goes through escapeMarkdown.
 */
export function renderComment(state: CommentState): string {
  const facts: string[] = [];
  // While a new version deploys, and after it failed, the previous one still serves: say which.
  const serving = (state.state === "deploying" || state.state === "failed") && state.serving && state.serving.sha !== state.sha ? state.serving : undefined;
  const url = state.url ?? serving?.url;
  if (url !== undefined) facts.push(`**URL:** ${markdownLink(url)}`);
  if (serving) {
    const until = state.state === "deploying" ? "until the new commit is ready" : "the new commit did not deploy";
    facts.push(`**Serving:** ${inlineCode(shortSha(serving.sha))} (${until})`);
  }
  if (state.sha !== undefined) {
    const sha = inlineCode(shortSha(state.sha));
    const commit = state.commitUrl === undefined ? sha : linkCode(sha, state.commitUrl);
    const label = serving && state.state === "deploying" ? "Deploying" : "Commit";
    facts.push(`**${label}:** ${commit}${state.branch === undefined ? "" : ` on ${escapeMarkdown(state.branch)}`}`);
  } else if (state.branch !== undefined) {
    facts.push(`**Branch:** ${escapeMarkdown(state.branch)}`);
  }
  if (state.updatedAt !== undefined) facts.push(`**Updated:** ${readableTime(state.updatedAt)}`);
  if (state.checkRunUrl !== undefined) facts.push(`**Details:** ${markdownLink(state.checkRunUrl, "check run")}`);
  if (state.idle !== undefined) facts.push(renderIdle(state.idle));
  if (state.cost !== undefined) facts.push(renderCost(state.cost));

  const parts = [STICKY_MARKER, `### ${HEADLINE[state.state]}`];
  const explanation = state.explanation ?? explain(state);
  if (explanation !== undefined) parts.push(explanation);
  if (state.message !== undefined) parts.push(`> ${escapeMarkdown(state.message)}`);
  parts.push(facts.map((f) => `- ${f}`).join("\n"));
  const commands = renderCommands(state.state);
  if (commands !== undefined) parts.push(commands);
  // No trailing newline: the adapter compares bodies to skip edits that change nothing.
  return parts.join("\n\n");
}

function explain(state: CommentState): string | undefined {
  switch (state.state) {
    case "awaiting-approval":
      return `This pull request comes from a fork. Someone with write access must review the changes, then comment ${inlineCode(
        "/preview approve",
      )} to deploy this commit.`;
    case "disabled-for-forks":
      return "This repository does not deploy pull requests from forks.";
    case "removed":
      return "The preview and its data are gone.";
    case "asleep":
      return `Nobody opened the preview for a while, so the services built from the repository were stopped; the data services keep running and keep the data. Comment ${inlineCode("/preview wake")} to wake it, or push.`;
    default:
      return undefined;
  }
}

function renderCommands(state: CommentState["state"]): string | undefined {
  if (state === "disabled-for-forks") return undefined;
  const list: ReadonlyArray<readonly [string, string]> =
    state === "awaiting-approval"
      ? [["/preview approve", "deploy the head commit of this fork"], COMMANDS[COMMANDS.length - 1]!]
      : state === "skipped"
        ? [["/preview deploy", "deploy the head commit, whatever the deploy rules say"], COMMANDS[COMMANDS.length - 1]!]
        : COMMANDS;
  const items = list.map(([command, what]) => `- ${inlineCode(command)}: ${what}`);
  return ["<details><summary>Commands (comment on this pull request; write access needed)</summary>", "", ...items, "", "</details>"].join("\n");
}

function renderIdle(idle: IdleFacts): string {
  if (idle.asleepSince !== undefined) {
    const perHour = idle.asleepPerHour;
    const cost =
      perHour === undefined
        ? ""
        : perHour === 0
          ? "; nothing while asleep (no data service runs)"
          : `; ${perHour < 0.01 ? "less than $0.01" : `about ${dollars(perHour)}`} an hour asleep (its data services)`;
    return `**State:** asleep since ${idle.asleepSince.toISOString().replace(/\.\d{3}Z$/, "Z")}${cost}`;
  }
  const parts = ["awake"];
  if (idle.sleepAfterSeconds !== undefined) parts.push(`sleeps after ${span(idle.sleepAfterSeconds)} without a request`);
  if (idle.expiresInSeconds !== undefined) parts.push(`expires in ${span(idle.expiresInSeconds)} without a push, command or request`);
  return `**State:** ${parts.join("; ")}`;
}

/** A span of time in its largest whole unit: `7 days`, `30 minutes`. */
function span(seconds: number): string {
  const unit = seconds >= 86_400 ? ([86_400, "day"] as const) : seconds >= 3600 ? ([3600, "hour"] as const) : ([60, "minute"] as const);
  const n = Math.max(seconds < 60 ? 0 : 1, Math.floor(seconds / unit[0]));
  return `${n} ${unit[1]}${n === 1 ? "" : "s"}`;
}

function renderCost(cost: PreviewCost): string {
  const size = `${trim(cost.vcpu)} vCPU and ${trim(cost.gb)} GB on Fargate in ${cost.region}, prices of ${cost.pricesAsOf}`;
  const soFar = cost.soFar === undefined ? "" : `; about ${dollars(cost.soFar)} so far`;
  return `**Cost:** about ${dollars(cost.perHour)} an hour while it runs (${size})${soFar}`;
}

function dollars(amount: number): string {
  return amount < 0.01 ? "less than $0.01" : `$${amount.toFixed(2)}`;
}

function trim(value: number): string {
  return String(Math.round(value * 100) / 100);
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * A time as people read it, `Dec 3, 2026, 07:30 UTC`, with the exact instant in the element's
 * title (shown on hover): a comment is read long after it is written, so a relative time written
 * into it would go stale.
 */
export function readableTime(at: Date): string {
  const exact = at.toISOString().replace(/\.\d{3}Z$/, "Z");
  const hh = String(at.getUTCHours()).padStart(2, "0");
  const mm = String(at.getUTCMinutes()).padStart(2, "0");
  return `<span title="${exact}">${MONTHS[at.getUTCMonth()]} ${at.getUTCDate()}, ${at.getUTCFullYear()}, ${hh}:${mm} UTC</span>`;
}

function linkCode(code: string, url: string): string {
  // A code span as link text needs no escaping; markdownLink would escape its backticks.
  return isSafeUrl(url) ? `[${code}](<${url}>)` : code;
}
