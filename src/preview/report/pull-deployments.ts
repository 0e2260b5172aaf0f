import type { DeploymentInfo, DeploymentPort } from "../ports.js";
import { legacyEnvironment, PREVIEW_ENVIRONMENT } from "./render-deployment.js";

/**
 * Marks a pull request's deployments inactive, but `exceptId`: its own in `preview` (never another
 * pull request's) and any left in its legacy per-pull-request environment. Returns the commits of
 * those that were still queued or in progress.
 */
export async function deactivatePullDeployments(deployments: Pick<DeploymentPort, "deactivateOthers">, pr: number, exceptId?: number): Promise<string[]> {
  const except = exceptId === undefined ? {} : { exceptId };
  const shared = await deployments.deactivateOthers({ environment: PREVIEW_ENVIRONMENT, pr, ...except });
  const legacy = await deployments.deactivateOthers({ environment: legacyEnvironment(pr), ...except });
  return [...new Set([...shared, ...legacy])];
}

/**
 * A pull request's newest `limit` deployments in `preview`, then its newest `limit` in its legacy
 * per-pull-request environment (empty once those are gone). Two list requests, plus one per
 * deployment returned.
 */
export async function listPullDeployments(deployments: Pick<DeploymentPort, "listRecent">, pr: number, limit: number): Promise<DeploymentInfo[]> {
  const shared = await deployments.listRecent({ environment: PREVIEW_ENVIRONMENT, pr, limit });
  const legacy = await deployments.listRecent({ environment: legacyEnvironment(pr), limit });
  return [...shared, ...legacy];
}
