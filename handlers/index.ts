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
import { onCheckRun } from "./check-run.js";
import { CHECK_RUN_EVENTS, PULL_REQUEST_EVENTS, WORKFLOW_RUN_EVENTS } from "./webhooks.js";
import { onWorkflowRun } from "./workflow-run.js";
import { createWorkerPlanner } from "../src/plan/worker-planner.js";
import { createReadiness, type Readiness } from "./readiness.js";
import { instrumentAwsClient, type BerthMetrics } from "./metrics.js";
import { DEVELOPMENT_HOST_KEY, loadSettings } from "./settings.js";
import { AWS_ATTEMPTS, AwsRetryStrategy } from "../src/aws/aws-retry-strategy.js";
import { CloudFormationStacks } from "../src/aws/cloudformation-stacks.js";
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
    app.on([...WORKFLOW_RUN_EVENTS], (ctx) => onWorkflowRun(ctx, deps));
    app.on([...CHECK_RUN_EVENTS], (ctx) => onCheckRun(ctx, deps));
  };
}

/**
 * The SDK clients, from the default credential chain; the only place berth constructs them. They
 * retry as AwsRetryStrategy says: adaptive rate limiting, and throttling waited out longer than
 * other transient errors. With
 * `metrics`, every call is counted by service and operation.
 */
export function createAwsClients(region: string, metrics?: Pick<BerthMetrics, "awsCall">): AwsClients {
  // One strategy per client, as the SDK's own: each client has its retry quota and rate limiter.
  const config = () => ({ region, retryStrategy: new AwsRetryStrategy(), maxAttempts: AWS_ATTEMPTS.throttling });
  const clients: AwsClients = {
    cloudformation: new CloudFormationClient(config()),
    ecs: new ECSClient(config()),
    ecr: new ECRClient(config()),
    logs: new CloudWatchLogsClient(config()),
    cloudwatch: new CloudWatchClient(config()),
    elbv2: new ElasticLoadBalancingV2Client(config()),
  };
  if (metrics) {
    const services: Record<keyof AwsClients, string> = { cloudformation: "CloudFormation", ecs: "ECS", ecr: "ECR", logs: "CloudWatchLogs", cloudwatch: "CloudWatch", elbv2: "ElasticLoadBalancingV2" };
    for (const [key, client] of Object.entries(clients) as Array<[keyof AwsClients, AwsClients[keyof AwsClients]]>) instrumentAwsClient(client, services[key], metrics);
  }
  return clients;
}

/** The real engine, the way to stop its resync schedule (for a graceful stop) and `/readyz`'s answer. */
export interface ProductionDeps extends HandlerDeps {
  previews: PreviewService;
  stopResync: () => void;
  /** Whether GitHub and the base stack answer berth's credentials now (cached a few seconds). */
  ready: () => Promise<Readiness>;
}

/**
 * Builds the real engine from the environment (settings parsed once, failing fast) and schedules
 * its resync: 3 min after start, then every BERTH_RESYNC_MINUTES (0 turns it off). Templates are
 * planned and rendered on a worker thread of their own, so no render holds up the engine's thread.
 */
export function productionDeps(app: Probot, timings?: Partial<EngineTimings>, metrics?: BerthMetrics): ProductionDeps {
  const settings = loadSettings();
  if (settings.BERTH_HOST_KEY === DEVELOPMENT_HOST_KEY) {
    app.log.warn("BERTH_HOST_KEY is not set: preview host names use the public development key, so anyone can derive them; set it before previews hold anything private");
  }
  const clients = createAwsClients(settings.AWS_REGION, metrics);
  const previews = createEngine({
    app,
    settings,
    clients,
    ...(metrics ? { metrics: metrics.engine } : {}),
    planner: createWorkerPlanner(),
    ...(timings ? { timings } : {}),
  });
  metrics?.watchQueue(() => previews.stats());
  // The resync looks at every stack of berth's: its count is the number of live previews.
  const resyncing = metrics ? { resync: () => previews.resync().then((summary) => (metrics.setLivePreviews(summary.checked), summary)) } : previews;
  const stopResync =
    settings.BERTH_RESYNC_MINUTES > 0
      ? scheduleResync(withIdleSweep({ resync: () => resyncing.resync(), sweepIdle: () => previews.sweepIdle().then((summary) => (metrics?.setSleepingPreviews(summary.asleep), summary)) }, app.log), {
          firstDelayMs: FIRST_RESYNC_DELAY_MS,
          everyMs: settings.BERTH_RESYNC_MINUTES * 60_000,
          log: app.log,
        })
      : () => {};
  const baseStack = new CloudFormationStacks({ client: clients.cloudformation, ownership: { prefix: "berth-", tagKey: "berth:managed" } });
  const ready = createReadiness({
    checks: {
      github: () => app.auth().then((octokit) => octokit.request("GET /app")),
      baseStack: () => baseStack.getOutputs(settings.BERTH_BASE_STACK),
    },
  });
  return { previews, stopResync, ready };
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
