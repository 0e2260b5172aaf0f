import picomatch from "picomatch";
import type { RepoConfig } from "../../config/schema.js";
import { inlineCode } from "../../util/markdown.js";

/** The `deploy` rules of `.github/preview.yml`. */
export type DeployRules = RepoConfig["deploy"];

/** What the rules look at: the pull request as GitHub describes it, and whether someone asked. */
export interface DeployFacts {
  /** A `/preview` command asked for this deploy (deploy, redeploy, reset): the rules do not apply. */
  asked: boolean;
  labels: readonly string[];
  /** The pull request was opened by a bot account. */
  bot: boolean;
  /** Head branch; unknown skips the branch rule. */
  branch?: string | undefined;
  /** Base branch; unknown skips the base-branch rule. */
  baseBranch?: string | undefined;
}

/** Why the rules keep a pull request from deploying on its own, and how to ask anyway. */
export interface DeploySkip {
  /** The key that decided, e.g. `deploy.bots`. */
  rule: string;
  /** What the rule saw, one Markdown sentence without its full stop (names in code spans, escaped). */
  reason: string;
}

/**
 * Whether a pull request deploys on its own. Asking wins (a command, or the label in any mode);
 * then the mode; then, in `auto`, bots and the branch filters. A live preview is not judged here:
 * its pushes redeploy it whatever these rules say (the caller knows whether one is live).
 */
export function judgeDeploy(rules: DeployRules, facts: DeployFacts): DeploySkip | undefined {
  if (facts.asked || facts.labels.includes(rules.label)) return undefined;
  if (rules.mode === "label") return { rule: "deploy.mode", reason: `This repository deploys pull requests labelled ${inlineCode(rules.label)} only` };
  if (rules.mode === "command") return { rule: "deploy.mode", reason: "This repository deploys a pull request only when asked" };
  if (facts.bot && !rules.bots) return { rule: "deploy.bots", reason: "This pull request was opened by a bot, and bots' pull requests wait to be asked" };
  if (rules.branches && facts.branch !== undefined && !matchesFilter(rules.branches, facts.branch)) {
    return { rule: "deploy.branches", reason: `Its branch ${inlineCode(facts.branch)} matches none of the branches that deploy on their own` };
  }
  if (rules.base_branches && facts.baseBranch !== undefined && !matchesFilter(rules.base_branches, facts.baseBranch)) {
    return { rule: "deploy.base_branches", reason: `Its base branch ${inlineCode(facts.baseBranch)} matches none of the base branches that deploy on their own` };
  }
  return undefined;
}

/** Why a pull request has no preview and how to ask for one: Markdown for the sticky comment. */
export function renderSkip(rules: DeployRules, skip: DeploySkip): string {
  return `${skip.reason} (${inlineCode(skip.rule)} in ${inlineCode(".github/preview.yml")}). Comment ${inlineCode("/preview deploy")} to deploy it anyway, or add the ${inlineCode(rules.label)} label.`;
}

/**
 * Whether a push that changed `files` redeploys under `deploy.paths`: as GitHub Actions' `paths`
 * filter, each file is judged by the last pattern that matches it (`!` excludes), and any
 * included file is enough.
 */
export function touchesPaths(patterns: readonly string[], files: readonly string[]): boolean {
  const judge = compile(patterns);
  return files.some((file) => judge(file));
}

/** A branch name against a branch filter, with the same last-match-wins rule. */
function matchesFilter(patterns: readonly string[], name: string): boolean {
  return compile(patterns)(name);
}

function compile(patterns: readonly string[]): (name: string) => boolean {
  const rules = patterns.map((pattern) => {
    const exclude = pattern.startsWith("!");
    return { exclude, test: picomatch(exclude ? pattern.slice(1) : pattern, { dot: true }) };
  });
  return (name) => {
    let included = false;
    for (const rule of rules) if (rule.test(name)) included = !rule.exclude;
    return included;
  };
}
