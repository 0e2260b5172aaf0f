import type { PreviewTarget } from "../../plan/plan-preview.js";
import { previewLabel, stackName } from "../../stack/naming.js";
import type { Logger } from "../../util/logger.js";
import type { PreviewJob } from "../job.js";
import type { RepoGitHub, StackPort, StackSummary } from "../ports.js";
import { CHECK_NAME, renderComment, shortSha } from "../report/index.js";
import { judgeDeploy, renderSkip, touchesPaths, type DeployRules } from "./deploy-rules.js";
import { findServingCommit } from "./serving-tags.js";

/** What a deploy job does once the `deploy` rules have looked at it. */
export type GateOutcome = "deploy" | "skipped" | "remove";

/**
 * Applies `.github/preview.yml`'s `deploy` rules to a deploy job, saying on the pull request why
 * when it skips one:
 * - a `labeled`/`unlabeled` event means something only for the configured label: adding it
 *   deploys (unless the head is already served), removing it in `mode: label` removes the preview;
 * - a new base branch (`retargeted`) deploys what the rules now let deploy, unless the head is
 *   already served;
 * - a pull request the rules skip and that has no live preview gets the sticky comment naming the
 *   rule and how to ask anyway (written without a time, so a resync that skips it again changes
 *   nothing); in `auto` and `command` mode a live preview's pushes deploy whatever the rules say;
 * - a push (`replaces` known) to a live preview whose changed files miss `deploy.paths` gets a
 *   `skipped` check run naming the commit the preview still serves.
 * One `DescribeStacks` when a rule skips or `paths` applies; one comparison for `paths`.
 */
export async function gateDeploy(
  deps: { stacks: StackPort; log: Logger },
  input: {
    github: RepoGitHub;
    job: PreviewJob;
    rules: DeployRules;
    target: PreviewTarget;
    /** Reads the preview stack, when the caller reads it for the deploy after the rules too. */
    live?: () => Promise<StackSummary | undefined>;
  },
): Promise<GateOutcome> {
  const { github, job, rules, target } = input;
  const asked = job.asked !== undefined || job.approvedSha !== undefined;
  let existing: StackSummary | undefined | null = null;
  const read = input.live ?? (() => deps.stacks.find(stackName(previewLabel(target))));
  const live = async () => (existing === null ? (existing = await read()) : existing);

  if (job.label !== undefined && !asked) {
    if (job.label.name !== rules.label) return "skipped";
    if (!job.label.added) return rules.mode === "label" ? "remove" : "skipped";
    // Labelled again while its head is served: nothing to do.
    const stack = await live();
    return stack && findServingCommit(stack)?.toLowerCase() === job.sha.toLowerCase() ? "skipped" : "deploy";
  }

  // A new base branch changes what the rules say, not what a preview serves.
  if (job.retargeted && !asked) {
    const stack = await live();
    if (stack && findServingCommit(stack)?.toLowerCase() === job.sha.toLowerCase()) return "skipped";
  }

  const skip = judgeDeploy(rules, { asked, labels: job.labels ?? [], bot: job.bot === true, branch: job.branch, baseBranch: job.baseBranch });
  if (skip !== undefined && (rules.mode === "label" || (await live()) === undefined)) {
    const body = renderComment({ state: "skipped", sha: job.sha, ...(job.branch ? { branch: job.branch } : {}), explanation: renderSkip(rules, skip) });
    await github.comments.ensureSticky(job.pr, body);
    deps.log.info({ rule: skip.rule }, "deploy rules skip this pull request");
    return "skipped";
  }

  if (job.replaces !== undefined && rules.paths !== undefined && !asked) {
    // A stack whose update runs or rolled back badly serves no commit berth can name: deploy.
    const stack = await live();
    const serving = stack && findServingCommit(stack);
    if (serving === undefined) return "deploy";
    const files = await github.changedFiles(job.replaces, job.sha);
    if (files !== undefined && !touchesPaths(rules.paths, files)) {
      const output = {
        title: "Not deployed: no changed file matches deploy.paths",
        summary: [
          `This push changes ${files.length === 1 ? "1 file" : `${files.length} files`}, none of them in \`deploy.paths\`; the preview still serves \`${shortSha(serving)}\`.`,
          "Comment `/preview redeploy` to deploy this commit anyway.",
        ].join("\n\n"),
      };
      const run = await github.checks.create({ headSha: job.sha, name: CHECK_NAME, output });
      await github.checks.update(run.id, { output, conclusion: "skipped" });
      deps.log.info({ files: files.length }, "push touches no deploy.paths; not deploying");
      return "skipped";
    }
  }
  return "deploy";
}
