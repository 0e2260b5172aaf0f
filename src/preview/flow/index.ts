/**
 * How a preview changes: deploy, destroy, the resync that repairs what webhooks missed, and the
 * per-pull-request queue that runs them one at a time.
 */
export { deployPreview, ownershipTags, type DeployDeps } from "./deploy-preview.js";
export { describeFailure } from "./describe-failure.js";
export { gateDeploy } from "./deploy-gate.js";
export { destroyPreview } from "./destroy-preview.js";
export { ImageBuilds, type BuildRun } from "./image-builds.js";
export { approvalMarkerFor, awaitingApproval, awaitingMarkerFor, forkGate } from "./fork-approval.js";
export { KeyedQueue, RestartSignal } from "./keyed-queue.js";
export { ListenerPriorityAllocator } from "./listener-priority.js";
export { reconcile, type ReconcileSummary } from "./reconcile.js";
export { parsePairs } from "./stack-outputs.js";
export { readIdleState } from "./idle-tags.js";
export { extendPreview, sleepPreview, wakePreview } from "./sleep-wake.js";
export { sweepIdle, type IdleSweepSummary } from "./sweep-idle.js";
export { createWakeOnRequest, normalizeHost } from "./wake-on-request.js";
