import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { ECRClient } from "@aws-sdk/client-ecr";
import { ECSClient } from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { ApplicationFunction, Probot } from "probot";
import { createEngine, FIRST_RESYNC_DELAY_MS, scheduleResync, type AwsClients, type EngineTimings } from "./create-engine.js";
import type { HandlerDeps } from "./deps.js";
import { onIssueComment } from "./issue-comment.js";
import { onPullRequest } from "./pull-request.js";
import { PULL_REQUEST_EVENTS } from "./webhooks.js";
import { createWorkerPlanner } from "../src/plan/worker-planner.js";
import { loadSettings } from "./settings.js";
import type { PreviewService } from "../src/preview/index.js";

/**
 * The Probot app, given a way to build its dependencies once per app instance. Handlers only
 * filter and enqueue; the engine does the work off the request path, so webhooks are
 * acknowledged at once.
 */
export function createApp(build: (app: Probot) => HandlerDeps): ApplicationFunction {
  return (app) => {
    const deps = build(app);
    app.on([...PULL_REQUEST_EVENTS], (ctx) => onPullRequest(ctx, deps));
    app.on("issue_comment.created", (ctx) => onIssueComment(ctx, deps));
  };
}

/**
 * How the SDK retries: adaptive mode adds client-side rate limiting to the standard retries, so
 * many previews polling at once slow down together instead of failing on `Rate exceeded`.
 */
export const AWS_RETRY = { retryMode: "adaptive", maxAttempts: 6 } as const;

/** The SDK clients, from the default credential chain; the only place berth constructs them. */
export function createAwsClients(region: string): AwsClients {
  const config = { region, ...AWS_RETRY };
  return {
    cloudformation: new CloudFormationClient(config),
    ecs: new ECSClient(config),
    ecr: new ECRClient(config),
    logs: new CloudWatchLogsClient(config),
    cloudwatch: new CloudWatchClient(config),
    elbv2: new ElasticLoadBalancingV2Client(config),
  };
}

/** The real engine and the way to stop its resync schedule (for a graceful stop). */
export interface ProductionDeps extends HandlerDeps {
  previews: PreviewService;
  stopResync: () => void;
}

/**
 * Builds the real engine from the environment (settings parsed once, failing fast) and schedules
 * its resync: 3 min after start, then every BERTH_RESYNC_MINUTES (0 turns it off). Templates are
 * planned and rendered on a worker thread, so the main thread stays free to answer webhooks.
 */
export function productionDeps(app: Probot, timings?: Partial<EngineTimings>): ProductionDeps {
  const settings = loadSettings();
  const previews = createEngine({
    app,
    settings,
    clients: createAwsClients(settings.AWS_REGION),
    planner: createWorkerPlanner(),
    ...(timings ? { timings } : {}),
  });
  const stopResync =
    settings.BERTH_RESYNC_MINUTES > 0
      ? scheduleResync(withIdleSweep(previews, app.log), { firstDelayMs: FIRST_RESYNC_DELAY_MS, everyMs: settings.BERTH_RESYNC_MINUTES * 60_000, log: app.log })
      : () => {};
  return { previews, stopResync };
}

/**
 * Each scheduled resync is followed by the idle sweep (`sleep_after`, `expire_after`): both only
 * queue jobs, and they share the schedule so that one timer drives them. A failed sweep is logged.
 */
export function withIdleSweep(previews: Pick<PreviewService, "resync" | "sweepIdle">, log: Pick<Probot["log"], "error">): Pick<PreviewService, "resync"> {
  return {
    resync: async () => {
      const summary = await previews.resync();
      await previews.sweepIdle().catch((error: unknown) => log.error({ err: error }, "idle sweep failed"));
      return summary;
    },
  };
}

export default createApp((app) => productionDeps(app));
