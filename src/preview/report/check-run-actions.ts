import type { CheckRunAction } from "../ports.js";
import type { DeployReport } from "./render-check-run.js";

/**
 * The buttons a finished deploy's check run offers. Pressing one does what the `/preview` command
 * of the same name does, with the same permission rule (write access).
 */
export const CHECK_RUN_ACTIONS = [
  { identifier: "redeploy", label: "Redeploy", description: "Deploy the pull request's head again" },
  { identifier: "reset", label: "Reset data", description: "Fresh database, seeded again" },
  { identifier: "destroy", label: "Destroy", description: "Remove the preview until the next push" },
] as const satisfies readonly CheckRunAction[];

export type CheckRunActionId = (typeof CHECK_RUN_ACTIONS)[number]["identifier"];

/** The buttons for a report: on a deploy that succeeded or failed; none while it runs or once it stopped for another reason. */
export function actionsFor(report: Pick<DeployReport, "outcome">): CheckRunAction[] | undefined {
  return report.outcome === "success" || report.outcome === "failure" ? [...CHECK_RUN_ACTIONS] : undefined;
}
