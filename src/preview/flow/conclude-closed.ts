import type { Logger } from "../../util/logger.js";
import { CHECK_NAME, deploymentDescription, pullOfDeployment, renderRemovedWhileOpen } from "../report/index.js";
import type { RepoGitHub, RepoRef } from "../ports.js";

/** A repository's newest deployments a process's first resync reads for deploys of closed pull requests. */
export const SWEPT_DEPLOYMENTS = 10;
const OPEN_DEPLOYMENT = new Set(["in_progress", "queued", "pending"]);
const CLOSED = "The pull request was closed.";

/**
 * Concludes the deployments and check runs of deploys that a restart cut off before their pull
 * request had a stack, and whose pull request closed meanwhile (its webhook lost, or handled while
 * nothing of it was on AWS): no stack leads a resync to them, and closed pull requests are not
 * listed with the open ones. Reads the repository's newest deployments of every environment (the
 * pull request named in the payload of one in `preview`, or in a legacy environment's name); for
 * each one still open whose pull request is not open and runs no job here, marks it inactive and
 * concludes the open check runs of its commit. Returns the GitHub requests spent.
 */
export async function concludeClosedLeftOpen(
  deps: { busy: (repo: RepoRef, pr: number) => boolean; log: Logger },
  summary: { concluded: number },
  input: { repo: RepoRef; github: Pick<RepoGitHub, "deployments" | "checks" | "pullRequest">; open: Set<number> },
): Promise<number> {
  const { repo, github } = input;
  const deployments = await github.deployments.listRecent({ limit: SWEPT_DEPLOYMENTS });
  let spent = 1 + deployments.length;
  for (const deployment of deployments) {
    const pr = pullOfDeployment(deployment);
    if (pr === undefined || input.open.has(pr) || deployment.state === undefined || !OPEN_DEPLOYMENT.has(deployment.state)) continue;
    if (deps.busy(repo, pr)) continue;
    // Opened since the list was read, or listed beyond it: the pull request's own convergence concludes its runs.
    const pull = await github.pullRequest(pr);
    spent += 1;
    if (pull?.state === "open") continue;
    await github.deployments.setStatus(deployment.id, { state: "inactive", description: deploymentDescription(`Stopped: ${CLOSED}`) });
    spent += 1;
    const runs = await github.checks.list({ headSha: deployment.sha, name: CHECK_NAME });
    spent += 1;
    for (const run of runs.filter((r) => r.status !== "completed")) {
      await github.checks.update(run.id, { output: renderRemovedWhileOpen(run.output, CLOSED), conclusion: "neutral" });
      spent += 1;
      summary.concluded += 1;
      deps.log.info({ pr, checkRun: run.id, sha: deployment.sha }, "check run of a closed pull request left open by a restart concluded");
    }
  }
  return spent;
}
