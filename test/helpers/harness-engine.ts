/**
 * An engine thread (runEngineThread) whose engine is the test harness's: the real handlers,
 * engine and adapters over the AWS and GitHub fakes, built inside this worker thread (nock only
 * intercepts the requests of the thread it runs in). Beside production's calls it answers the
 * ones tests and benchmarks need to set the fakes up and look at them afterwards.
 *
 * `workerData` (HarnessEngineOptions) tunes the harness. With BERTH_TEST_CRASH=on-delivery in its
 * environment, the first delivery a handler gets throws outside any promise: the thread dies. With
 * BERTH_TEST_CRASH=on-build, building the engine fails.
 */
import { workerData } from "node:worker_threads";
import nock from "nock";
import pino from "pino";
import type { HandlerDeps } from "../../handlers/deps.js";
import type { EngineCalls } from "../../handlers/engine-protocol.js";
import { createMetrics } from "../../handlers/metrics.js";
import { createReadiness } from "../../handlers/readiness.js";
import { engineCalls, runEngineThread } from "../../handlers/run-engine-thread.js";
import { CloudFormationStacks } from "../../src/aws/cloudformation-stacks.js";
import { createWorkerPlanner } from "../../src/plan/worker-planner.js";
import { stackName, previewLabel } from "../../src/stack/naming.js";
import type { FakePull } from "../fakes/github-fake.js";
import { createHarness, readFixtureRepo } from "./app-harness.js";
import { OWNER, REPO } from "./webhook-payloads.js";

/** What the harness engine is built with (its `workerData`). */
export interface HarnessEngineOptions {
  /** Each AWS call answers after this long. */
  awsLatencyMs?: number;
  /** The engine's poll unit (waits and image polls), in ms; default the harness's 1 ms. */
  pollMs?: number;
  concurrency?: number;
  /** Where templates are planned and rendered; default this thread. */
  planner?: "worker" | "here";
  /** `false` skips checking GitHub requests against the OpenAPI description (a benchmark's CPU is the app's). */
  checkGitHubRequests?: boolean;
  /** Log at info level into nothing, as a benchmark wants; default debug into the harness's `logs`. */
  quiet?: boolean;
}

/** What one pull request looks like afterwards: its stack's commit and the check run of `sha`. */
export interface PullState {
  pr: number;
  stackSha: string | undefined;
  checkRun: { status: string; conclusion: string | undefined } | undefined;
}

/** What the harness engine answers: production's calls and the fakes'. */
export interface HarnessEngineCalls extends EngineCalls {
  putImages(refs: string[]): void;
  setPulls(pulls: FakePull[]): void;
  setPermission(user: string, permission: "read" | "write" | "admin"): void;
  /** Delivers an event in this thread (as Probot would), e.g. to warm up before a measurement. */
  receive(name: string, payload: Record<string, unknown>): Promise<void>;
  /** Holds the engine thread for `ms`, answering nothing meanwhile. */
  hold(ms: number): void;
  /** Resolves once no deploy, removal or command runs or waits. */
  idle(): Promise<void>;
  /** Each pull request's stack commit and the check run of the given head. */
  pulls(heads: Array<[number, string]>): PullState[];
  /** How many AWS calls and GitHub requests the engine made. */
  traffic(): { aws: number; github: number };
  /** Check runs by conclusion (or status while running), and the GitHub fake's problems. */
  summary(): { checkRuns: Record<string, number>; problems: string[] };
}

const options = (workerData ?? {}) as HarnessEngineOptions;
const crashOnDelivery = process.env.BERTH_TEST_CRASH === "on-delivery";

runEngineThread<HarnessEngineCalls>(async () => {
  if (process.env.BERTH_TEST_CRASH === "on-build") throw new Error("berth cannot start: the engine could not be built");
  // Nothing leaves the machine: GitHub is the nock fake, AWS the mocked clients.
  nock.disableNetConnect();
  process.env.AWS_ACCESS_KEY_ID ??= "AKIDTESTONLY";
  process.env.AWS_SECRET_ACCESS_KEY ??= "test-secret-only";
  const metrics = createMetrics({ part: "engine" });
  const planner = options.planner === "worker" ? createWorkerPlanner() : undefined;
  const h = createHarness({
    files: readFixtureRepo("rails-postgres"),
    ...(options.awsLatencyMs === undefined ? {} : { aws: { latencyMs: options.awsLatencyMs } }),
    ...(options.pollMs === undefined ? {} : { timings: { pollDelayMs: options.pollMs, imagePollMs: options.pollMs } }),
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...(planner ? { planner } : {}),
    ...(options.checkGitHubRequests === false ? { checkGitHubRequests: false } : {}),
    ...(options.quiet ? { log: pino({ level: "info" }, { write: () => undefined }) } : {}),
    metrics: metrics.engine,
  });
  await h.ready();
  const previews = h.previews;
  metrics.watchQueue(() => previews.stats());
  const baseStack = new CloudFormationStacks({ client: h.aws.clients.cloudformation, ownership: { prefix: "berth-", tagKey: "berth:managed" } });
  const ready = createReadiness({
    checks: {
      github: () => h.probot.auth().then((octokit) => octokit.request("GET /app")),
      baseStack: () => baseStack.getOutputs("berth-base"),
    },
  });
  const crash = (): never => {
    setImmediate(() => {
      throw new Error("the engine broke while handling a delivery");
    });
    return undefined as never;
  };
  const deps: HandlerDeps = crashOnDelivery ? { previews: { enqueue: crash, command: crash, imageBuild: crash, checkRunAction: crash } } : { previews };
  const calls: HarnessEngineCalls = {
    ...engineCalls({ previews, ready, metrics, stopResync: () => {} }),
    putImages: (refs) => void refs.forEach((ref) => h.aws.putImage(ref)),
    setPulls: (pulls) => void pulls.forEach((pull) => h.github.setPull(pull)),
    setPermission: (user, permission) => h.github.setPermission(user, permission),
    receive: (name, payload) => h.receive(name, payload),
    idle: () => previews.idle(),
    // Blocks the thread without using a core, as a thread stuck in a synchronous loop would hold it.
    hold: (ms) => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms),
    pulls: (heads) =>
      heads.map(([pr, sha]) => {
        const run = h.github.checkRun(sha);
        return {
          pr,
          stackSha: h.aws.state.cloudformation.stacks.get(stackName(previewLabel({ owner: OWNER, repo: REPO, pr })))?.tags["berth:sha"],
          checkRun: run ? { status: run.status, conclusion: run.conclusion } : undefined,
        };
      }),
    traffic: () => ({ aws: h.aws.calls.length, github: h.github.state.requests.length }),
    summary: () => {
      const checkRuns: Record<string, number> = {};
      for (const run of h.github.state.checkRuns) checkRuns[run.conclusion ?? run.status] = (checkRuns[run.conclusion ?? run.status] ?? 0) + 1;
      return { checkRuns, problems: h.github.problems() };
    },
  };
  return { deps, calls, log: h.probot.log };
});
