/**
 * One randomized pull-request life: a few pull requests of acme/shop (the rails-postgres fixture)
 * opened, pushed to, reset, closed and reopened through the real app, on a virtual clock, against
 * the stateful AWS and GitHub fakes, with faults and process restarts. A restart keeps only AWS
 * and GitHub; webhooks sent while the process is down are lost. After the last event come two
 * hours of quiet with a resync every 15 minutes, then `judgeLife` says whether berth converged.
 */
import { writeFileSync } from "node:fs";
import { createHarness, readFixtureRepo, type Harness } from "../app-harness.js";
import { IMAGE } from "../app-fixtures.js";
import { prCommentPayload, pullRequestPayload } from "../webhook-payloads.js";
import { awsChaos, githubChaos, TASK_START_FAILURE } from "./faults.js";
import { judgeLife, seedForeign, type Verdict } from "./judge.js";
import { createRandom, deriveSeed, type Random } from "./random.js";

export interface LifeOptions {
  seed: number;
  /** Share of AWS requests that fail (0.1) and of GitHub requests (0.05); 0 for a life without faults. */
  awsFaultRate?: number;
  githubFaultRate?: number;
  /** Whether the process is killed and restarted at random points. Default true. */
  restarts?: boolean;
  /** Give up on a life that has not settled after this long (real time). Default 60 s. */
  watchdogMs?: number;
  /** The most events a life has (at least 4); default 10. */
  maxSteps?: number;
  /**
   * Whether webhooks arrive out of order (one held back until after the next) and some twice
   * (redelivered with the same delivery id, possibly to a restarted process). Default true.
   */
  disorder?: boolean;
}

export interface LifeResult {
  seed: number;
  verdict: Verdict;
  /** What happened, in order, for a failing life's report. */
  events: string[];
  /** AWS requests received (the SDK's own retries included). */
  awsRequests: number;
  /** Faults injected, by kind. */
  faults: Record<string, number>;
}

/** A pull request as GitHub has it in this life. */
export interface PullModel {
  number: number;
  branch: string;
  head: string;
  /** The head before the last push (a synchronize payload's `before`). */
  before?: string;
  state: "open" | "closed";
  /**
   * `/preview` commands sent to the pull request, open or closed: each may get one reply (a
   * command handled after the pull request closed is answered "closed"), none two.
   */
  commands: number[];
}

const RESYNC_EVERY_MS = 15 * 60_000;
const QUIET_RESYNCS = 8;
const MAINTAINER = "maintainer";

/** Runs one life from its seed and judges it. */
export async function runLife(options: LifeOptions): Promise<LifeResult> {
  const { seed } = options;
  const events = createRandom(deriveSeed(seed, "events"));
  const pacing = createRandom(deriveSeed(seed, "pacing"));
  const faultRandom = createRandom(deriveSeed(seed, "faults"));
  // Its own stream, so that the order of deliveries does not change the events of a seed.
  const deliveries = createRandom(deriveSeed(seed, "deliveries"));
  const disorder = options.disorder ?? true;
  const awsRate = options.awsFaultRate ?? 0.1;
  const githubRate = options.githubFaultRate ?? 0.05;
  const restarts = options.restarts ?? true;
  let clock = Date.parse("2026-03-02T09:00:00Z");
  // Some lives start in a repository without config on its default branch: the pull requests add it.
  const app = readFixtureRepo("rails-postgres");
  const configInPulls = events.chance(0.2);
  const files = configInPulls ? Object.fromEntries(Object.entries(app).filter(([file]) => !file.startsWith(".github/"))) : app;
  const h = createHarness({ files, githubRetries: { msPerSecond: 1 }, now: () => new Date(clock) });
  const log: string[] = [];
  const faultCounts = new Map<string, number>();
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  process.on("unhandledRejection", onRejection);
  const pulls: PullModel[] = [];
  let alive = true;
  let nextResync = clock + RESYNC_EVERY_MS;
  const at = () => `t+${Math.round((clock - Date.parse("2026-03-02T09:00:00Z")) / 60_000)}m`;
  const note = (line: string) => log.push(`${at()} ${line}`);

  try {
    h.github.setPermission(MAINTAINER, "write");
    const foreign = seedForeign(h);
    await h.ready();
    if (awsRate > 0) h.aws.chaos(awsChaos(faultRandom, awsRate, faultCounts));
    if (githubRate > 0) h.github.chaos(githubChaos(faultRandom, githubRate, faultCounts));

    interface Delivery {
      name: string;
      payload: Record<string, unknown>;
      id: string;
      what: string;
    }
    let sent = 0;
    // GitHub promises no order: a delivery held back arrives after the next one.
    let held: Delivery | undefined;
    // Delivered once and kept for a second delivery with the same id (a redelivery).
    const redeliverable: Delivery[] = [];
    const send = async (delivery: Delivery, how = "") => {
      if (!alive) {
        note(`${delivery.what}${how} (webhook lost: berth is down)`);
        return;
      }
      note(`${delivery.what}${how}`);
      try {
        await h.receive(delivery.name, delivery.payload, delivery.id);
      } catch (error) {
        note(`  webhook answered with an error: ${String(error)}`);
      }
    };
    const flushHeld = async () => {
      const late = held;
      held = undefined;
      if (late) await send(late, " (delivered late, after a newer one)");
    };
    const deliver = async (name: string, payload: Record<string, unknown>, what: string) => {
      const delivery: Delivery = { name, payload, id: `life-${seed}-delivery-${++sent}`, what };
      if (disorder && alive && held === undefined && deliveries.chance(0.1)) {
        held = delivery;
        note(`${what} (its delivery held back)`);
        return;
      }
      await send(delivery);
      await flushHeld();
      if (disorder && deliveries.chance(0.1)) redeliverable.push(delivery);
    };
    const push = (pull: PullModel) => {
      pull.before = pull.head;
      pull.head = events.hex(40);
      if (configInPulls) h.github.setFiles(pull.head, app);
      h.aws.putImage(IMAGE(pull.head));
    };
    if (configInPulls) note("the default branch has no .github/preview.yml; each pull request adds it");
    const setPull = (pull: PullModel) => h.github.setPull({ number: pull.number, headSha: pull.head, branch: pull.branch, state: pull.state });

    const count = events.int(1, 3);
    const steps = events.int(4, Math.max(4, options.maxSteps ?? 10));
    for (let step = 0; step < steps; step++) {
      clock += events.int(1, 20) * 60_000;
      if (redeliverable.length > 0 && deliveries.chance(0.15)) {
        const again = redeliverable.splice(deliveries.int(0, redeliverable.length - 1), 1)[0]!;
        await send(again, " (redelivered, same delivery id)");
      }
      if (awsRate > 0 && events.chance(0.15)) injectDomainFault(h, events, note);
      const unopened = pulls.length < count;
      const open = pulls.filter((p) => p.state === "open");
      const closed = pulls.filter((p) => p.state === "closed");
      const choices: string[] = [];
      if (unopened) choices.push("open", "open");
      if (open.length > 0) choices.push("push", "push", "reset", "close");
      if (closed.length > 0) choices.push("reopen");
      if (closed.length > 0 && events.chance(0.2)) choices.push("command on closed");
      if (restarts && alive) choices.push("restart");
      const choice = events.pick(choices);
      if (choice === "open") {
        const pull: PullModel = { number: 7 + pulls.length, branch: `feature/pr-${7 + pulls.length}`, head: "", state: "open", commands: [] };
        pulls.push(pull);
        push(pull);
        setPull(pull);
        await deliver("pull_request", pullRequestPayload("opened", { number: pull.number, sha: pull.head, branch: pull.branch }), `open #${pull.number} at ${pull.head.slice(0, 7)}`);
      } else if (choice === "push") {
        const pull = events.pick(open);
        push(pull);
        setPull(pull);
        await deliver("pull_request", pullRequestPayload("synchronize", { number: pull.number, sha: pull.head, before: pull.before, branch: pull.branch }), `push #${pull.number} -> ${pull.head.slice(0, 7)}`);
      } else if (choice === "reset" || choice === "command on closed") {
        const pull = events.pick(choice === "reset" ? open : closed);
        const id = h.github.addComment("/preview reset", { login: MAINTAINER, type: "User" }, pull.number);
        pull.commands.push(id);
        await deliver("issue_comment", prCommentPayload({ pr: pull.number, body: "/preview reset", commentId: id, user: MAINTAINER }), `/preview reset on #${pull.number} (${pull.state})`);
      } else if (choice === "close") {
        const pull = events.pick(open);
        pull.state = "closed";
        setPull(pull);
        await deliver("pull_request", pullRequestPayload("closed", { number: pull.number, sha: pull.head, branch: pull.branch }), `close #${pull.number}`);
      } else if (choice === "reopen") {
        const pull = events.pick(closed);
        pull.state = "open";
        setPull(pull);
        await deliver("pull_request", pullRequestPayload("reopened", { number: pull.number, sha: pull.head, branch: pull.branch }), `reopen #${pull.number}`);
      } else {
        await run(h, pacing, { alive, until: "some" });
        h.kill();
        alive = false;
        note("berth killed");
      }
      if (!alive && (choice !== "restart" || events.chance(0.4))) {
        // Down for a while: the events above reached nobody. Back up, the start-up resync repairs them.
        clock += events.int(1, 5) * 60_000;
        h.restart();
        await h.ready();
        alive = true;
        note("berth restarted; start-up resync");
        void resync(h, note);
      } else if (alive && clock >= nextResync) {
        nextResync = clock + RESYNC_EVERY_MS;
        void resync(h, note);
      }
      if (alive) await run(h, pacing, { alive, until: pacing.chance(0.4) ? "idle" : "some" });
    }
    if (!alive) {
      h.restart();
      await h.ready();
      note("berth restarted; start-up resync");
    }
    await flushHeld();
    note("quiet: a resync every 15 minutes for two hours");
    const watchdog = options.watchdogMs ?? 60_000;
    let stalled = false;
    for (let i = 0; i < QUIET_RESYNCS; i++) {
      clock += RESYNC_EVERY_MS;
      let timer: NodeJS.Timeout | undefined;
      const settled = await Promise.race([
        resync(h, note).then(() => h.settle()).then(() => true),
        new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), watchdog))),
      ]);
      clearTimeout(timer);
      if (!settled) {
        note("still busy after the watchdog's limit");
        stalled = true;
        break;
      }
    }
    h.aws.chaos(undefined);
    h.github.chaos(undefined);
    const verdict = judgeLife(h, { pulls, foreign, rejections });
    if (stalled) verdict.failures.unshift(`stalled: a resync or job still ran after ${watchdog / 1000} s`);
    verdict.converged = verdict.failures.length === 0;
    return { seed, verdict, events: log, awsRequests: h.aws.requests(), faults: Object.fromEntries(faultCounts) };
  } finally {
    // CHAOS_LOGS=<file>: berth's own log lines of the life, for a replayed seed.
    if (process.env.CHAOS_LOGS) writeFileSync(process.env.CHAOS_LOGS, `${h.logs.join("")}`);
    process.off("unhandledRejection", onRejection);
    h.kill();
    h.close();
  }
}

/** A resync as the scheduler runs it: a failure is logged, never thrown. */
async function resync(h: Harness, note: (line: string) => void): Promise<void> {
  try {
    await h.previews.resync();
  } catch (error) {
    note(`  resync failed: ${String(error)}`);
  }
}

/**
 * Lets the app work: until it is idle, or only for a random number of AWS requests, so that the
 * next event (or a kill) lands in the middle of a deploy.
 */
async function run(h: Harness, pacing: Random, input: { alive: boolean; until: "idle" | "some" }): Promise<void> {
  if (!input.alive) return;
  const idle = h.settle().then(() => "idle" as const);
  if (input.until === "idle") {
    await idle;
    return;
  }
  const target = h.aws.requests() + pacing.int(1, 40);
  // Bounded: an app that stalls is the quiet period's watchdog's to report, not a loop's to hide.
  for (let spins = 0; spins < 200_000; spins++) {
    const outcome = await Promise.race([idle, new Promise<"tick">((resolve) => setImmediate(() => resolve("tick")))]);
    if (outcome === "idle" || h.aws.requests() >= target) return;
  }
}

/** One of AWS's own failures, waiting for the next operation it fits (an update whose rollback fails too leaves the stack UPDATE_ROLLBACK_FAILED). */
function injectDomainFault(h: Harness, random: Random, note: (line: string) => void): void {
  const kind = random.pick(["task fails to start", "update rolls back", "update's rollback fails", "delete fails"] as const);
  if (kind === "task fails to start") h.aws.scriptTask({ failToStart: TASK_START_FAILURE, times: 1 });
  else if (kind === "update rolls back") {
    h.aws.failStack({
      operation: "update",
      resource: "WebService",
      reason: 'Resource handler returned message: "Service Unavailable (Service: Ecs, Status Code: 503)" (HandlerErrorCode: ServiceInternalError)',
    });
  } else if (kind === "update's rollback fails") {
    // The stack ends UPDATE_ROLLBACK_FAILED: the service cannot be put back on its old task definition.
    h.aws.failStack({
      operation: "update",
      resource: "WebService",
      reason: 'Resource handler returned message: "Service Unavailable (Service: Ecs, Status Code: 503)" (HandlerErrorCode: ServiceInternalError)',
      rollbackFails: 'Resource handler returned message: "TaskDefinition is inactive (Service: Ecs, Status Code: 400)" (HandlerErrorCode: InvalidRequest)',
    });
  } else h.aws.failStack({ operation: "delete", resource: "PreviewSecurityGroup", reason: "resource sg-0abc has a dependent object" });
  note(`AWS will fail: ${kind}`);
}
