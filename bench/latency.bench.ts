/**
 * Time to URL under the latency model of issue #10: the real app (handlers, engine, AWS and GitHub
 * adapters, production poll timings) over the stateful AWS fake with the timed layer
 * (test/fakes/aws/timed-aws.ts), on a virtual clock (`@sinonjs/fake-timers`) that drives the
 * app's own sleeps and waits as well as the model's timings. The clock moves only when nothing is
 * left to do at the current instant, so the figures are virtual seconds and the same on every run.
 *
 * For a first deploy and a push of the Rails + Postgres reference app
 * (test/fixtures/repos/rails-postgres) it prints: the time from the webhook to berth reporting
 * success with the URL serving the new head, the critical-path bound beside it and their ratio,
 * the AWS calls (by operation), the sequential Fargate launches, and the lag between each AWS
 * completion berth waited for and berth noticing it.
 *
 * Then the preview (whose config sets `sleep_after: 30m`) sleeps after half an hour without a
 * request, and `/preview wake` wakes it: the time from the command to the sticky comment saying
 * the preview is ready again, against one service launch and health check (issue #11's goal: 60 s).
 *
 * `npm run bench:latency`; BENCH_JSON=1 prints the figures as JSON as well. BENCH_SLOWER=1.3 makes
 * every AWS duration of the model (not the API calls) 1.3 times as long, to see how the waits do
 * when AWS is slower (or, below 1, faster) than berth's typical figures; the bound stays the issue's.
 */
import { syncBuiltinESMExports } from "node:module";
import FakeTimers from "@sinonjs/fake-timers";

// Faked before the app loads: its sleeps (node:timers/promises) and Date read the virtual clock.
const realSetImmediate = globalThis.setImmediate;
const realSetTimeout = globalThis.setTimeout;
const clock = FakeTimers.install({ now: Date.parse("2026-12-01T00:00:00Z"), toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
syncBuiltinESMExports();

const { default: nock } = await import("nock");
const { default: pino } = await import("pino");
const { createHarness, readFixtureRepo } = await import("../test/helpers/app-harness.js");
const { IMAGE, SHA1, SHA2, STACK } = await import("../test/helpers/app-fixtures.js");
const { WAKING_POLL_SECONDS } = await import("../handlers/waking-page.js");
const { prCommentPayload, pullRequestPayload } = await import("../test/helpers/webhook-payloads.js");
const { assertClockDrivesSleeps, TIMED_FAKE_OPTIONS, timeAws } = await import("../test/fakes/aws/timed-aws.js");
const { ISSUE_10_MODEL, atPace, criticalPathBound } = await import("../test/fakes/aws/latency-model.js");

assertClockDrivesSleeps(clock);
nock.disableNetConnect();
process.env.AWS_ACCESS_KEY_ID ??= "AKIDBENCHONLY";
process.env.AWS_SECRET_ACCESS_KEY ??= "bench-secret-only";

/** Real event-loop turns given to the app at one virtual instant before the clock moves on. */
const TURNS = 50;
/**
 * Real milliseconds the app may spend at one virtual instant on work outside the event loop (the
 * JWT that @octokit/auth-app signs on WebCrypto's thread pool) before the bench gives up.
 */
const REAL_PATIENCE_MS = 30_000;
/** Virtual time after which a scenario counts as stuck. */
const LIMIT_MS = 30 * 60_000;

const slower = Number(process.env.BENCH_SLOWER ?? 1);
const model = atPace(ISSUE_10_MODEL, slower);
// The reference app: one data service (db, no dependencies) before release; migrate and seed on
// the first deploy, migrate on a push.
const bound = criticalPathBound(ISSUE_10_MODEL, { dataServiceLevels: 1, firstSteps: ["migrate", "seed"], pushSteps: ["migrate"] });

const files = readFixtureRepo("rails-postgres");
files[".github/preview.yml"] += "sleep_after: 30m\n";
// BENCH_FAST=1 measures the fast rollout: a base stack with FastRollout (its RolloutRoleArn output).
const fast = process.env.BENCH_FAST === "1";
const h = createHarness({
  files,
  aws: { ...TIMED_FAKE_OPTIONS, ...(fast ? { baseStack: { outputs: { RolloutRoleArn: "arn:aws:iam::123456789012:role/berth-base/us-east-1/berth-base-RolloutRole-0A1B2C3D4E5F" } } } : {}) },
  log: process.env.BENCH_LOG ? pino({ level: process.env.BENCH_LOG }, pino.destination(2)) : pino({ level: "silent" }),
  checkGitHubRequests: false,
  // Production's poll timings (handlers/create-engine.ts); GitHub is not part of the model.
  timings: { pollDelayMs: 5_000, imagePollMs: 15_000, baseOutputsTtlMs: 5 * 60_000 },
  // BENCH_GATE=0 measures without the release gate.
  releaseGate: process.env.BENCH_GATE !== "0",
  // A sleeping preview's rule forwards to berth, whose waking page wakes it.
  wakeTargetGroupArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/berth-TargetGroup-1ABCDEFGHIJK/0123456789abcdef",
});
const timed = timeAws(h.aws, model);
h.aws.putImage(IMAGE(SHA1));
h.aws.putImage(IMAGE(SHA2));
h.github.setPermission("maintainer", "write");

/**
 * Lets the app run at the current instant, then moves the clock to the next timer, until `done`.
 * Work off the event loop (a thread-pool job) shows no timer: while there is none, the bench waits
 * in real time for the app to set one.
 */
async function runUntil(done: () => boolean): Promise<void> {
  const start = Date.now();
  for (;;) {
    for (let i = 0; i < TURNS; i++) await new Promise((resolve) => realSetImmediate(resolve));
    if (done()) return;
    if (Date.now() - start > LIMIT_MS) throw new Error(`still busy after ${LIMIT_MS / 60_000} virtual minutes`);
    for (let waited = 0; clock.countTimers() === 0 && !done(); waited += 5) {
      if (waited > REAL_PATIENCE_MS) throw new Error(`the app waits for nothing the clock can move (last AWS calls: ${h.aws.commands().slice(-5).join(", ")})`);
      await new Promise((resolve) => realSetTimeout(resolve, 5));
    }
    if (done()) return;
    clock.next();
  }
}

/** A promise's settlement as a flag the clock loop can read. */
function track(promise: Promise<unknown>): { done: boolean } {
  const flag = { done: false };
  promise.then(
    () => (flag.done = true),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
  return flag;
}

interface Figures {
  scenario: string;
  timeToUrl: number;
  bound: number;
  ratio: number;
  calls: number;
  byOperation: Record<string, number>;
  sequentialLaunches: number;
  lagMax: number;
  lagTotal: number;
  awaited: Array<{ what: string; lag: number }>;
  /** Where the time went: runs of AWS calls (seconds since the webhook) and the waits between them. */
  timeline?: string[];
}

/**
 * The AWS calls up to `until` as runs of calls back to back (each run's start and end, seconds since
 * `t0`, and its operations) and the waits between them: at 0.05 s a call, a run of n calls on the
 * critical path costs n x 0.05 s over the bound, which counts AWS's work only.
 */
function timeline(log: Array<{ command: string; at: number }>, t0: number, until: number): string[] {
  const calls = log.filter((c) => c.at <= until);
  const lines: string[] = [];
  const s = (ms: number) => ((ms - t0) / 1000).toFixed(2);
  let run: typeof calls = [];
  const flush = () => {
    if (run.length === 0) return;
    lines.push(`${s(run[0]!.at - model.apiCall * 1000)}-${s(run.at(-1)!.at)} s  ${run.length} call${run.length === 1 ? "" : "s"}: ${run.map((c) => c.command).join(", ")}`);
  };
  for (const call of calls) {
    const last = run.at(-1);
    if (last && call.at - last.at > model.apiCall * 1000 + 500) {
      flush();
      lines.push(`  waits ${((call.at - model.apiCall * 1000 - last.at) / 1000).toFixed(2)} s`);
      run = [];
    }
    run.push(call);
  }
  flush();
  const end = calls.at(-1)?.at;
  if (end !== undefined && until > end) lines.push(`  reported ${((until - end) / 1000).toFixed(2)} s after the last call`);
  return lines;
}

/** Launches that overlap in time count as one. */
function sequential(launches: Array<{ start: number; end: number }>, until: number): number {
  const sorted = launches.filter((l) => l.start < until).sort((a, b) => a.start - b.start);
  let count = 0;
  let reach = Number.NEGATIVE_INFINITY;
  for (const l of sorted) {
    if (l.start >= reach) count += 1;
    reach = Math.max(reach, l.end);
  }
  return count;
}

async function scenario(name: string, sha: string, action: "opened" | "synchronize", boundSeconds: number): Promise<Figures> {
  timed.reset();
  const t0 = Date.now();
  let reportedAt: number | undefined;
  const succeeded = () => {
    const run = h.github.checkRun(sha);
    const deployment = h.github.state.deployments.find((d) => d.sha === sha);
    return run?.conclusion === "success" && deployment?.statuses.at(-1)?.state === "success";
  };
  const received = track(h.receive("pull_request", pullRequestPayload(action, { number: 7, sha })));
  let idle: { done: boolean } | undefined;
  await runUntil(() => {
    if (reportedAt === undefined && succeeded()) reportedAt = Date.now();
    if (received.done && !idle) idle = track(h.settle());
    return idle?.done === true;
  });
  if (reportedAt === undefined) throw new Error(`${name}: berth never reported success (check run: ${h.github.checkRun(sha)?.output.title})`);
  const timeToUrl = (reportedAt - t0) / 1000;
  const awaited = timed.completions
    .filter((c) => c.awaited && c.at <= reportedAt! && c.noticedAt !== undefined)
    .map((c) => ({ what: c.what, lag: (c.noticedAt! - c.at) / 1000 }));
  const byOperation = Object.fromEntries([...timed.calls].sort((a, b) => b[1] - a[1]));
  return {
    scenario: name,
    timeToUrl,
    bound: boundSeconds,
    ratio: timeToUrl / boundSeconds,
    calls: [...timed.calls.values()].reduce((a, b) => a + b, 0),
    byOperation,
    sequentialLaunches: sequential(timed.launches, reportedAt),
    lagMax: Math.max(0, ...awaited.map((a) => a.lag)),
    lagTotal: awaited.reduce((sum, a) => sum + a.lag, 0),
    awaited,
    timeline: timeline(timed.log, t0, reportedAt),
  };
}

/**
 * Half an hour passes without a request; the idle sweep puts the preview to sleep. Then
 * `/preview wake`: the time until the sticky comment says it is ready again.
 */
async function wakeScenario(boundSeconds: number): Promise<Figures> {
  clock.setSystemTime(Date.now() + 31 * 60_000);
  const swept = track(h.previews.sweepIdle().then(() => h.settle()));
  await runUntil(() => swept.done);
  if (!h.github.stickyComments()[0]?.body.includes("Preview asleep")) throw new Error("the preview did not fall asleep");
  h.github.setPull({ number: 7, headSha: SHA2, branch: "feature/checkout" });
  timed.reset();
  const t0 = Date.now();
  let reportedAt: number | undefined;
  const id = h.github.addComment("/preview wake", { login: "maintainer", type: "User" });
  const received = track(h.receive("issue_comment", prCommentPayload({ pr: 7, body: "/preview wake", commentId: id, user: "maintainer" })));
  let idle: { done: boolean } | undefined;
  await runUntil(() => {
    if (reportedAt === undefined && h.github.stickyComments()[0]?.body.includes("Preview ready")) reportedAt = Date.now();
    if (received.done && !idle) idle = track(h.settle());
    return idle?.done === true;
  });
  if (reportedAt === undefined) throw new Error("wake: berth never said the preview is ready");
  const timeToUrl = (reportedAt - t0) / 1000;
  return {
    scenario: "wake (/preview wake on a sleeping preview)",
    timeToUrl,
    bound: boundSeconds,
    ratio: timeToUrl / boundSeconds,
    calls: [...timed.calls.values()].reduce((a, b) => a + b, 0),
    byOperation: Object.fromEntries([...timed.calls].sort((a, b) => b[1] - a[1])),
    sequentialLaunches: sequential(timed.launches, reportedAt),
    lagMax: 0,
    lagTotal: 0,
    awaited: [],
  };
}

/**
 * The preview sleeps again; then someone opens its URL. The request reaches berth, which answers
 * with the waking page and queues a wake; the page looks at the URL every WAKING_POLL_SECONDS and
 * reloads onto the app at its first look after the rule forwards to the preview again and its
 * target is healthy (berth's sticky comment says ready at that moment). The time is from the
 * request to that reload.
 */
async function requestWakeScenario(boundSeconds: number): Promise<Figures> {
  clock.setSystemTime(Date.now() + 31 * 60_000);
  const swept = track(h.previews.sweepIdle().then(() => h.settle()));
  await runUntil(() => swept.done);
  if (!h.github.stickyComments()[0]?.body.includes("Preview asleep")) throw new Error("the preview did not fall asleep again");
  const stack = h.aws.state.cloudformation.stacks.get(STACK)!.current!;
  const hostname = stack.outputs.find((o) => o.OutputKey === "Hostname")!.OutputValue!;
  timed.reset();
  const t0 = Date.now();
  let answer: string | undefined;
  let readyAt: number | undefined;
  const asked = track(h.previews.wakeOnRequest(hostname).then((a) => (answer = a)));
  let idle: { done: boolean } | undefined;
  await runUntil(() => {
    if (readyAt === undefined && h.github.stickyComments()[0]?.body.includes("Preview ready")) readyAt = Date.now();
    if (asked.done && !idle) idle = track(h.settle());
    return idle?.done === true;
  });
  if (answer !== "waking") throw new Error(`the preview's host was answered ${answer}, not with the waking page`);
  if (readyAt === undefined) throw new Error("request wake: the preview never became ready");
  // The rule forwards to the preview's own target group again (either of the two with the fast rollout).
  const own = new Set(stack.outputs.filter((o) => o.OutputKey === "TargetGroupArn" || o.OutputKey === "AlternateTargetGroupArn").map((o) => o.OutputValue));
  const rule = [...h.aws.state.elbv2.rules.values()].find((r) => (h.aws.state.elbv2.forwardOf(r.arn) ?? []).some((g) => g.weight > 0 && own.has(g.targetGroupArn)));
  if (!rule) throw new Error("request wake: the rule does not forward to the preview again");
  // The page's looks come every WAKING_POLL_SECONDS from the moment it loaded (the request).
  const looks = Math.ceil((readyAt - t0) / 1000 / WAKING_POLL_SECONDS);
  const timeToUrl = looks * WAKING_POLL_SECONDS;
  return {
    scenario: "wake (a request to a sleeping preview's URL, to the app's first page)",
    timeToUrl,
    bound: boundSeconds,
    ratio: timeToUrl / boundSeconds,
    calls: [...timed.calls.values()].reduce((a, b) => a + b, 0),
    byOperation: Object.fromEntries([...timed.calls].sort((a, b) => b[1] - a[1])),
    sequentialLaunches: sequential(timed.launches, readyAt),
    lagMax: 0,
    lagTotal: 0,
    awaited: [],
  };
}

function print(f: Figures): void {
  const s = (n: number) => `${n.toFixed(2)} s`;
  console.log(`\n${f.scenario}`);
  console.log(`  time to URL          ${s(f.timeToUrl)}   bound ${s(f.bound)}   ratio ${f.ratio.toFixed(2)}`);
  console.log(`  AWS calls            ${f.calls}   (${Object.entries(f.byOperation).map(([op, n]) => `${op} ${n}`).join(", ")})`);
  console.log(`  sequential launches  ${f.sequentialLaunches}`);
  console.log(`  noticing lag         max ${s(f.lagMax)}   total ${s(f.lagTotal)}`);
  for (const a of f.awaited) console.log(`    ${a.what.padEnd(48)} ${s(a.lag)}`);
  if (f.timeline) {
    console.log("  timeline (virtual seconds since the webhook)");
    for (const line of f.timeline) console.log(`    ${line}`);
  }
}

const track0 = track(h.ready());
await runUntil(() => track0.done);
const first = await scenario("first deploy (pull request opened)", SHA1, "opened", bound.first);
const push = await scenario("push (synchronize)", SHA2, "synchronize", bound.push);
// A wake launches the public service once and waits for its health check; the stack update that clears the tag runs beside it.
const wake = await wakeScenario(model.serviceLaunch + model.serviceHealthy);
// The same wake, and the waking page's next look after it.
const requestWake = await requestWakeScenario(model.serviceLaunch + model.serviceHealthy);
console.log(`berth under the issue #10 latency model (virtual time; every AWS call ${model.apiCall} s${slower === 1 ? "" : `; AWS durations x ${slower}`}${fast ? "; fast rollout" : ""})`);
print(first);
print(push);
print(wake);
print(requestWake);
if (process.env.BENCH_JSON) console.log(JSON.stringify([first, push, wake, requestWake], null, 2));
h.close();
clock.uninstall();
process.exit(0);
