/**
 * The webhook front door under load: the real app (berth's webhook endpoint, handlers, engine,
 * AWS and GitHub adapters) over the AWS and GitHub fakes, behind a real HTTP server on
 * 127.0.0.1, receives signed deliveries at a fixed rate from another process (bench/webhooks-load.ts)
 * while the deploys they start run in this process. 50 pull requests open, then each gets bursts
 * of pushes with new heads whose images are in ECR, and a few `/preview redeploy` comments come
 * in after their pull request's last push.
 *
 * Prints the acknowledgement latency (start of request to end of response, measured by the
 * sender), the statuses that were not 2xx, this process's event-loop delay while the load ran
 * (`monitorEventLoopDelay`, 1 ms resolution, values include that 1 ms), and, once the engine is
 * idle, whether every pull request's stack carries its newest head and how many deploys the pushes
 * were coalesced into.
 *
 * As `npm start` runs, this process's main thread is only the front door (handlers/front-door.ts)
 * and the engine runs on a worker thread, built there over the fakes (test/helpers/harness-engine.ts:
 * nock only intercepts the thread it runs in). BENCH_ENGINE=main runs the engine on the main thread
 * behind berth's webhook endpoint, as berth did before, to compare.
 *
 * `npm run bench:webhooks` (500 deliveries a second for 10 s); BENCH_RATE, BENCH_SECONDS, BENCH_PRS,
 * BENCH_BURST to vary it, BENCH_PLANNER=main to render templates on the engine's own thread,
 * BENCH_MIDDLEWARE=probot (with BENCH_ENGINE=main) to serve webhooks through Probot's own middleware
 * (a GitHub client built per event) as berth did before that.
 */
import { execFile, fork } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { monitorEventLoopDelay } from "node:perf_hooks";
import nock from "nock";
import pino from "pino";
import { createNodeMiddleware } from "probot";
import { createFrontDoor } from "../handlers/front-door.js";
import { startEngineThread } from "../handlers/start-engine-thread.js";
import { createWebhookMiddleware } from "../handlers/webhooks.js";
import { createWorkerPlanner } from "../src/plan/worker-planner.js";
import { stackName, previewLabel } from "../src/stack/naming.js";
import { createHarness, readFixtureRepo, WEBHOOK_SECRET } from "../test/helpers/app-harness.js";
import { IMAGE } from "../test/helpers/app-fixtures.js";
import type { HarnessEngineCalls, PullState } from "../test/helpers/harness-engine.js";
import { OWNER, pullRequestPayload, REPO } from "../test/helpers/webhook-payloads.js";
import type { Delivery, LoadRequest, LoadResult } from "./webhooks-load.js";

const RATE = Number(process.env.BENCH_RATE ?? 500);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const PRS = Number(process.env.BENCH_PRS ?? 50);
/** Pushes a pull request receives in a row, one burst. */
const BURST = Number(process.env.BENCH_BURST ?? 5);
/** Pull requests that get a `/preview redeploy` after their last push. */
const COMMANDS = 5;
/**
 * Each AWS call answers after this long; the engine's poll unit is POLL_MS. Waits look near the
 * end they expect (typical AWS durations) and at most 12 units apart before it, so a unit of 25 ms
 * keeps the fake's instant operations from being waited on for seconds.
 */
const AWS_LATENCY_MS = 25;
const POLL_MS = 25;
const CONCURRENCY = 4;
/** Where templates are planned and rendered: on worker threads as in production, or `main` for comparison. */
const PLANNER = process.env.BENCH_PLANNER === "main" ? "engine's thread" : "worker thread";
/** Where the engine runs: a worker thread of its own, as `npm start` runs it, or `main` (the front door's thread) as before. */
const ENGINE_THREAD = process.env.BENCH_ENGINE !== "main";

// Nothing leaves the machine: GitHub is the nock fake, AWS the mocked clients.
nock.disableNetConnect();
process.env.AWS_ACCESS_KEY_ID ??= "AKIDBENCHONLY";
process.env.AWS_SECRET_ACCESS_KEY ??= "bench-secret-only";

/** A head SHA of pull request `pr` after `push` pushes (0: the one it was opened with). */
const shaOf = (pr: number, push: number) => `${pr.toString(16).padStart(8, "0")}${push.toString(16).padStart(32, "0")}`;
const prNumber = (i: number) => 100 + i;

/** Opens first, then bursts of pushes round the pull requests, then the comments. */
function schedule(): { deliveries: Delivery[]; newest: Map<number, string> } {
  const total = RATE * SECONDS;
  const deliveries: Delivery[] = [];
  const newest = new Map<number, string>();
  const pushes = new Map<number, number>();
  for (let i = 0; i < PRS && deliveries.length < total; i += 1) {
    deliveries.push({ event: "pull_request", action: "opened", pr: prNumber(i), sha: shaOf(prNumber(i), 0) });
    newest.set(prNumber(i), shaOf(prNumber(i), 0));
  }
  const pushesLeft = total - deliveries.length - COMMANDS;
  for (let round = 0; deliveries.length < PRS + pushesLeft; round += 1) {
    // A different order each round (a fixed stride), so bursts of one pull request are not evenly spaced.
    for (let k = 0; k < PRS && deliveries.length < PRS + pushesLeft; k += 1) {
      const pr = prNumber((k * 7 + round * 3) % PRS);
      for (let b = 0; b < BURST && deliveries.length < PRS + pushesLeft; b += 1) {
        const push = (pushes.get(pr) ?? 0) + 1;
        pushes.set(pr, push);
        deliveries.push({ event: "pull_request", action: "synchronize", pr, sha: shaOf(pr, push), before: shaOf(pr, push - 1) });
        newest.set(pr, shaOf(pr, push));
      }
    }
  }
  for (let i = 0; i < COMMANDS; i += 1) deliveries.push({ event: "issue_comment", pr: prNumber(i), body: "/preview redeploy", commentId: 50_000 + i });
  return { deliveries, newest };
}

const { deliveries, newest } = schedule();
const PROBOT_MIDDLEWARE = !ENGINE_THREAD && process.env.BENCH_MIDDLEWARE === "probot";

/** The app under load, whichever thread its engine runs on, and what the bench asks of it afterwards. */
interface AppUnderTest {
  server: Server;
  idle(): Promise<void>;
  pulls(heads: Array<[number, string]>): Promise<PullState[]>;
  summary(): Promise<{ checkRuns: Record<string, number>; problems: string[] }>;
  close(): Promise<void>;
}

/** The engine on a worker thread over the fakes, this thread only the production front door. */
async function engineOnItsThread(): Promise<AppUnderTest> {
  const log = pino({ level: "info" }, { write: () => undefined });
  const engine = startEngineThread<HarnessEngineCalls>({
    entry: new URL("../test/helpers/harness-engine.ts", import.meta.url),
    workerData: { awsLatencyMs: AWS_LATENCY_MS, pollMs: POLL_MS, concurrency: CONCURRENCY, planner: PLANNER === "worker thread" ? "worker" : "here", checkGitHubRequests: false, quiet: true },
    log: pino({ level: "error" }),
    exit: (code) => process.exit(code),
  });
  await engine.whenLoaded();
  await engine.call("putImages", [deliveries.flatMap((d) => (d.event === "pull_request" ? [IMAGE(d.sha)] : []))]);
  await engine.call("setPulls", [[...newest].map(([pr, sha]) => ({ number: pr, headSha: sha, branch: "feature/checkout" }))]);
  await engine.call("setPermission", ["octocat", "write"]);
  // One deploy before the clock starts: the first render and the first GitHub token are start-up costs.
  await engine.call("putImages", [[IMAGE(shaOf(1, 0))]]);
  await engine.call("receive", ["pull_request", pullRequestPayload("opened", { number: 1, sha: shaOf(1, 0) })], 60_000);
  await engine.call("idle", [], 60_000);
  const web = createFrontDoor({ secret: WEBHOOK_SECRET, engine, log });
  return {
    server: web.server,
    idle: () => engine.call("idle", [], 600_000),
    pulls: (heads) => engine.call("pulls", [heads]),
    summary: () => engine.call("summary", []),
    close: async () => {
      await web.close();
      await engine.terminate();
    },
  };
}

/** The engine on this thread, behind berth's webhook endpoint (or Probot's middleware), as before. */
async function engineOnMainThread(): Promise<AppUnderTest> {
  const planner = PLANNER === "worker thread" ? createWorkerPlanner() : undefined;
  const h = createHarness({
    files: readFixtureRepo("rails-postgres"),
    // Probot's middleware loads the app itself.
    load: !PROBOT_MIDDLEWARE,
    aws: { latencyMs: AWS_LATENCY_MS },
    timings: { pollDelayMs: POLL_MS, imagePollMs: POLL_MS },
    concurrency: CONCURRENCY,
    ...(planner ? { planner } : {}),
    // As in production: info and above, serialized (written nowhere).
    log: pino({ level: "info" }, { write: () => undefined }),
    // The fake's check of each request against GitHub's OpenAPI description is the tests' cost, not the app's.
    checkGitHubRequests: false,
  });
  for (const delivery of deliveries) if (delivery.event === "pull_request") h.aws.putImage(IMAGE(delivery.sha));
  for (const [pr, sha] of newest) h.github.setPull({ number: pr, headSha: sha, branch: "feature/checkout" });
  h.github.setPermission("octocat", "write");
  await h.ready();
  const middleware = PROBOT_MIDDLEWARE
    ? await createNodeMiddleware(h.app, { probot: h.probot })
    : createWebhookMiddleware({ secret: WEBHOOK_SECRET, deps: { previews: h.previews }, log: h.probot.log });
  // One deploy before the clock starts: the first render, the first GitHub token and the GitHub
  // fake's OpenAPI validator (which loads GitHub's whole description) are start-up costs.
  h.aws.putImage(IMAGE(shaOf(1, 0)));
  await h.receive("pull_request", pullRequestPayload("opened", { number: 1, sha: shaOf(1, 0) }));
  await h.previews.idle();
  const server = createServer((req, res) => void middleware(req, res, () => res.writeHead(404).end()));
  return {
    server,
    idle: () => h.previews.idle(),
    pulls: async (heads) =>
      heads.map(([pr, sha]) => {
        const run = h.github.checkRun(sha);
        return { pr, stackSha: h.aws.state.cloudformation.stacks.get(stackName(previewLabel({ owner: OWNER, repo: REPO, pr })))?.tags["berth:sha"], checkRun: run ? { status: run.status, conclusion: run.conclusion } : undefined };
      }),
    summary: async () => {
      const checkRuns: Record<string, number> = {};
      for (const run of h.github.state.checkRuns) checkRuns[run.conclusion ?? run.status] = (checkRuns[run.conclusion ?? run.status] ?? 0) + 1;
      return { checkRuns, problems: h.github.problems() };
    },
    close: async () => {
      server.close();
      h.close();
      await planner?.close();
    },
  };
}

const app = ENGINE_THREAD ? await engineOnItsThread() : await engineOnMainThread();
/** Delivery numbers in the order the server received them: connections may overtake each other. */
const arrivals: number[] = [];
app.server.prependListener("request", (req) => void arrivals.push(Number(String(req.headers["x-github-delivery"]).replace("bench-", ""))));
await new Promise<void>((resolve) => app.server.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/github/webhooks`;

/**
 * The floor the machine sets: the event-loop delay of a Node process doing nothing, over the same
 * seconds. On a machine other work keeps busy, a thread waits for a core however little it does.
 */
const IDLE = `const { monitorEventLoopDelay } = require("node:perf_hooks"); const h = monitorEventLoopDelay({ resolution: 1 }); h.enable();
setTimeout(() => { h.disable(); console.log(JSON.stringify({ p50: h.percentile(50), p99: h.percentile(99), max: h.max })); }, Number(process.argv[1]));`;
const idleLoop = new Promise<{ p50: number; p99: number; max: number }>((resolve, reject) =>
  execFile(process.execPath, ["-e", IDLE, String(SECONDS * 1000)], (error, stdout) => (error ? reject(error) : resolve(JSON.parse(stdout) as { p50: number; p99: number; max: number }))),
);

const loop = monitorEventLoopDelay({ resolution: 1 });
const sender = fork(new URL("./webhooks-load.ts", import.meta.url), { execArgv: ["--import", "tsx"] });
await new Promise<void>((resolve, reject) => {
  sender.once("message", () => resolve());
  sender.once("error", reject);
  sender.send({ url, secret: WEBHOOK_SECRET, ratePerSecond: RATE, deliveries } satisfies LoadRequest);
});
const started = performance.now();
const cpuBefore = process.cpuUsage();
const eluBefore = performance.eventLoopUtilization();
loop.enable();
const result = await new Promise<LoadResult>((resolve, reject) => {
  sender.once("message", (message) => resolve(message as LoadResult));
  sender.once("error", reject);
  sender.send("go");
});
loop.disable();
const loadSeconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
const elu = performance.eventLoopUtilization(eluBefore);
const idle = await idleLoop;
const drainStart = performance.now();
await app.idle();
const drainSeconds = (performance.now() - drainStart) / 1000;

// What a user sees afterwards: each pull request's stack, and the check runs of its heads.
let converged = 0;
const behind: string[] = [];
for (const { pr, stackSha, checkRun } of await app.pulls([...newest])) {
  const sha = newest.get(pr)!;
  if (stackSha === sha && checkRun?.conclusion === "success") converged += 1;
  else behind.push(`#${pr}: stack at ${stackSha ?? "none"}, newest ${sha} (${checkRun?.conclusion ?? "no check run"})`);
}
// A pull request whose newest head arrived before an older head of it.
const lastArrived = new Map<number, string>();
for (const index of arrivals) {
  const delivery = deliveries[index];
  if (delivery?.event === "pull_request") lastArrived.set(delivery.pr, delivery.sha);
}
const overtaken = [...newest].filter(([pr, sha]) => lastArrived.get(pr) !== sha).length;
const { checkRuns, problems } = await app.summary();
const runCount = Object.values(checkRuns).reduce((a, b) => a + b, 0);
const pushes = deliveries.filter((d) => d.event === "pull_request").length;

const sorted = [...result.latenciesMs].sort((a, b) => a - b);
const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const ms = (n: number) => `${n.toFixed(1)} ms`;
const loopMs = (ns: number) => `${(ns / 1e6).toFixed(1)} ms`;
const nonOk = Object.values(result.failures).reduce((a, b) => a + b, 0);

console.log(`${deliveries.length} deliveries at ${RATE}/s over ${result.sendingSeconds.toFixed(1)} s (${PRS} PRs, bursts of ${BURST} pushes, ${COMMANDS} commands); deploys at most ${CONCURRENCY} at once, engine on ${ENGINE_THREAD ? "a worker thread of its own (the main thread only the front door)" : "the main thread"}, templates rendered on the ${PLANNER}, webhooks through ${PROBOT_MIDDLEWARE ? "Probot's middleware" : ENGINE_THREAD ? "the front door" : "berth's endpoint"}; AWS answers after ${AWS_LATENCY_MS} ms`);
console.table({
  "acknowledgement (send to response end)": { p50: ms(at(0.5)), p99: ms(at(0.99)), max: ms(sorted.at(-1)!), goal: "p99 < 20 ms" },
  "event-loop delay while the load ran": { p50: loopMs(loop.percentile(50)), p99: loopMs(loop.percentile(99)), max: loopMs(loop.max), goal: "p99 < 10 ms" },
  "event-loop delay of an idle process meanwhile": { p50: loopMs(idle.p50), p99: loopMs(idle.p99), max: loopMs(idle.max), goal: "(the machine's floor)" },
});
console.table({
  "non-2xx answers": { value: `${nonOk}${nonOk > 0 ? ` ${JSON.stringify(result.failures)}` : ""}`, goal: "0" },
  "PRs whose stack and check run are at the newest head": { value: `${converged} of ${newest.size}`, goal: `${newest.size} of ${newest.size}` },
  "PRs whose newest head arrived before an older one": { value: String(overtaken), goal: "" },
  "pull_request deliveries -> deploys started (check runs)": { value: `${pushes} -> ${runCount}`, goal: "coalesced" },
  "check runs by conclusion": { value: JSON.stringify(checkRuns), goal: "" },
  "latest request start behind schedule": { value: ms(result.maxLatenessMs), goal: "" },
  "load / drain afterwards": { value: `${loadSeconds.toFixed(1)} s / ${drainSeconds.toFixed(1)} s`, goal: "" },
  "this process while the load ran": {
    value: `CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s (all threads), event loop busy ${(elu.utilization * 100).toFixed(0)} %`,
    goal: "",
  },
});
for (const line of behind.slice(0, 10)) console.log(`not converged: ${line}`);
if (problems.length > 0) console.log(`GitHub fake problems: ${problems.slice(0, 5).join("; ")}`);
await app.close();
process.exitCode = nonOk > 0 || converged < newest.size || problems.length > 0 ? 1 : 0;
