/**
 * What a pull request shows of a preview: the check run with its phases, the sticky comment, the
 * deployment, and the hidden markers in them that a resync reads back.
 */
export { CHECK_NAME, DeployReporter } from "./deploy-reporter.js";
export { DEPLOY_ATTEMPTS, readAttemptMarkers, RESUMES_PER_ATTEMPT, type DeployAttempt } from "./deploy-attempts.js";
export { formatDuration, readPhaseDurations, shortSha, type PhaseName } from "./render-check-run.js";
export { LOGS_MARKER, readableTime, renderComment, STICKY_MARKER, type CommentState, type IdleFacts, type PreviewCost } from "./render-comment.js";
export { deploymentDescription, legacyEnvironment, PREVIEW_ENVIRONMENT, pullOfDeployment } from "./render-deployment.js";
export { deactivatePullDeployments, listPullDeployments } from "./pull-deployments.js";
export { renderInterrupted, renderRemovedWhileOpen, renderSupersededWhileDown, type InterruptedNext } from "./render-stale-run.js";
export { CHECK_RUN_ACTIONS, type CheckRunActionId } from "./check-run-actions.js";
