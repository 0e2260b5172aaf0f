import type { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import type { ECRClient } from "@aws-sdk/client-ecr";
import type { ECSClient } from "@aws-sdk/client-ecs";
import type { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { Probot } from "probot";
import { AwsPace } from "../src/aws/aws-pace.js";
import { CloudFormationStacks } from "../src/aws/cloudformation-stacks.js";
import { CloudWatchLogs } from "../src/aws/cloudwatch-logs.js";
import { CloudWatchRequests } from "../src/aws/cloudwatch-requests.js";
import { EcrImages } from "../src/aws/ecr-images.js";
import { EcsTasks } from "../src/aws/ecs-tasks.js";
import { ElbV2 } from "../src/aws/elbv2.js";
import { EcsServiceDeployments } from "../src/aws/ecs-service-deployments.js";
import { createGateSignals } from "../src/aws/wait-condition-signals.js";
import { CREATE_RETRY } from "../src/github/create-once.js";
import { createRepoGitHub } from "../src/github/create-repo-github.js";
import { createAppGitHub } from "../src/github/installations.js";
import { ListenerPriorityAllocator, PreviewService, type EngineMetrics } from "../src/preview/index.js";
import type { Planner } from "../src/plan/planner.js";
import type { Logger } from "../src/util/logger.js";
import { createRedactor } from "../src/util/redact.js";
import { sleep } from "../src/util/sleep.js";
import type { BerthSettings } from "./settings.js";

export interface AwsClients {
  cloudformation: CloudFormationClient;
  ecs: ECSClient;
  ecr: ECRClient;
  logs: CloudWatchLogsClient;
  cloudwatch: CloudWatchClient;
  elbv2: ElasticLoadBalancingV2Client;
}

/** Poll delays of the adapters and the engine; production defaults, tests pass milliseconds. */
export interface EngineTimings {
  pollDelayMs: number;
  imagePollMs: number;
  baseOutputsTtlMs: number;
  /** Base wait before a check run, deployment or comment create GitHub answered ambiguously is looked up (x n²). */
  githubRetryMs: number;
}

const PRODUCTION: EngineTimings = { pollDelayMs: 5_000, imagePollMs: 15_000, baseOutputsTtlMs: 5 * 60_000, githubRetryMs: CREATE_RETRY.baseDelayMs };

/** The settings the engine reads; when resyncs run and how long a stop takes are the composition root's business. */
export type EngineSettings = Omit<BerthSettings, "BERTH_RESYNC_MINUTES" | "BERTH_DRAIN_SECONDS" | "BERTH_RELEASE_GATE" | DashboardSettingName> & Partial<Pick<BerthSettings, "BERTH_RELEASE_GATE">>;

/** The dashboard's settings: its HTTP face reads them, the engine does not. */
type DashboardSettingName = "BERTH_PUBLIC_URL" | "BERTH_GITHUB_URL" | "GITHUB_CLIENT_ID" | "GITHUB_CLIENT_SECRET";

/**
 * Wires the engine: AWS adapters over the given clients, GitHub over installation tokens from
 * the Probot app, the per-PR queue. The composition root calls this once. It starts no timers.
 */
export function createEngine(input: {
  app: Probot;
  settings: EngineSettings;
  clients: AwsClients;
  timings?: Partial<EngineTimings>;
  now?: () => Date;
  /** GitHub requests a resync spends per installation finding pull requests without a stack; default RESYNC_BUDGET. */
  resyncBudget?: number;
  /** Plans and renders templates; default on the main thread (production passes worker threads). */
  planner?: Planner;
  /** Told how deploys and their phases end. */
  metrics?: EngineMetrics;
  /** What signals reach wait condition handles through (their presigned URLs); default the global fetch. */
  fetch?: typeof fetch;
  /** Start a push's rollout with its release steps behind a release gate; default: BERTH_RELEASE_GATE (see DeployDeps). */
  releaseGate?: boolean;
}): PreviewService {
  const { app, settings, clients } = input;
  const timings = { ...PRODUCTION, ...input.timings };
  // One pace for all three: a first deploy's tasks and rollout, and a wake's health check, expect the pace AWS last went at.
  const pace = new AwsPace();
  const stacks = new CloudFormationStacks({ client: clients.cloudformation, ownership: { prefix: "berth-", tagKey: "berth:managed" }, pollDelayMs: timings.pollDelayMs, pace });
  const loadBalancers = new ElbV2({ client: clients.elbv2, pollDelayMs: timings.pollDelayMs, pace });

  let base: { at: number; value: Promise<{ name: string; outputs: Record<string, string> }> } | undefined;
  const readBase = () => {
    const now = Date.now();
    if (!base || now - base.at > timings.baseOutputsTtlMs) {
      const value = stacks.getOutputs(settings.BERTH_BASE_STACK).then((outputs) => ({ name: settings.BERTH_BASE_STACK, outputs }));
      value.catch(() => (base = undefined));
      base = { at: now, value };
    }
    return base.value;
  };

  let botLogin: Promise<string | undefined> | undefined;
  const findBotLogin = () =>
    (botLogin ??= app
      .auth()
      .then((octokit) => octokit.request("GET /app"))
      .then((response) => (response.data?.slug ? `${response.data.slug}[bot]` : undefined))
      .catch(() => {
        botLogin = undefined;
        return undefined;
      }));

  return new PreviewService({
    stacks,
    images: new EcrImages({ client: clients.ecr }),
    // A task ECS could not place is asked for again after 15 s, 30 s, 60 s (with production timings).
    tasks: new EcsTasks({ client: clients.ecs, pollDelayMs: timings.pollDelayMs, retryDelayMs: timings.pollDelayMs * 3, pace }),
    loadBalancers,
    logs: new CloudWatchLogs({ client: clients.logs, region: settings.AWS_REGION }),
    requests: new CloudWatchRequests({ client: clients.cloudwatch, ...(input.now ? { now: input.now } : {}) }),
    priorities: new ListenerPriorityAllocator(loadBalancers),
    hooks: new EcsServiceDeployments({ client: clients.ecs, pollDelayMs: timings.pollDelayMs, pace }),
    gates: createGateSignals(input.fetch ? { fetch: input.fetch } : {}),
    base: readBase,
    github: async (repo) => {
      let installationId = repo.installationId;
      if (installationId === undefined) {
        const appOctokit = await app.auth();
        const { data } = await appOctokit.request("GET /repos/{owner}/{repo}/installation", { owner: repo.owner, repo: repo.repo });
        installationId = data.id;
      }
      const octokit = await app.auth(installationId);
      const login = await findBotLogin();
      const retry = { ...CREATE_RETRY, baseDelayMs: timings.githubRetryMs };
      return createRepoGitHub(octokit, { ...repo, installationId }, { retry, ...(login === undefined ? {} : { botLogin: login }) });
    },
    app: createAppGitHub({ app: () => app.auth(), installation: (id) => app.auth(id) }),
    ...(input.resyncBudget === undefined ? {} : { resyncBudget: input.resyncBudget }),
    // 30 s, then 60 s with production timings: after the SDK's own retries of a throttled read.
    resyncRetryMs: timings.pollDelayMs * 6,
    ...(input.planner ? { planner: input.planner } : {}),
    ...(input.metrics ? { metrics: input.metrics } : {}),
    log: app.log,
    now: input.now ?? (() => new Date()),
    sleep,
    redact: createRedactor(),
    concurrency: settings.BERTH_CONCURRENCY,
    hostKey: settings.BERTH_HOST_KEY,
    ...(settings.BERTH_WAKE_TARGET_GROUP_ARN ? { wakeTargetGroupArn: settings.BERTH_WAKE_TARGET_GROUP_ARN } : {}),
    options: {
      imageTimeoutMs: settings.BERTH_IMAGE_TIMEOUT_SECONDS * 1000,
      imagePollMs: timings.imagePollMs,
      logTailLines: 30,
      releaseGate: input.releaseGate ?? settings.BERTH_RELEASE_GATE !== "off",
      hookRetryMs: timings.pollDelayMs,
    },
  });
}

/**
 * The first resync runs this long after start: it repairs the webhooks missed while berth was
 * down. Longer than deploy/bot.yml's deregistration delay + StopTimeout (150 s): ECS may start the
 * new task while the old one still drains, and the resync must not judge a deploy that one runs.
 */
export const FIRST_RESYNC_DELAY_MS = 180_000;

/**
 * Runs `previews.resync()` once `firstDelayMs` after start, then `everyMs` after each one ends, so
 * two never overlap. A failed resync is logged and the next one comes as planned. The timers are
 * unref()ed: they never keep the process alive. Returns a function that stops the schedule.
 */
export function scheduleResync(previews: Pick<PreviewService, "resync">, schedule: { firstDelayMs: number; everyMs: number; log: Logger }): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const run = async () => {
    try {
      await previews.resync();
    } catch (error) {
      schedule.log.error({ err: error }, "resync failed");
    }
    if (!stopped) timer = setTimeout(() => void run(), schedule.everyMs).unref();
  };
  timer = setTimeout(() => void run(), schedule.firstDelayMs).unref();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
