/**
 * The preview engine's way in for the app: the service and the jobs it takes. Adapters implement
 * ./ports.ts and throw ./errors.ts; those two stay beside this file for every layer to share.
 */
export { PreviewService, type PreviewServiceDeps } from "./preview-service.js";
export type { EngineMetrics } from "./ports.js";
export type { PreviewJob } from "./job.js";
export { ListenerPriorityAllocator, type ReconcileSummary } from "./flow/index.js";
export { CHECK_NAME, CHECK_RUN_ACTIONS, type CheckRunActionId } from "./report/index.js";
export { DASHBOARD_LABEL, type DashboardActionId, type DashboardActionRequest } from "./commands/index.js";
export { formatDuration, readableTime, shortSha } from "./report/index.js";
