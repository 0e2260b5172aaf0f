import { generateKeyPairSync } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { Probot, ProbotOctokit, type ApplicationFunction } from "probot";
import pino from "pino";
import { createApp } from "../../handlers/index.js";
import { createEngine, type EngineTimings } from "../../handlers/create-engine.js";
import { createGitHubOctokit } from "../../handlers/github-octokit.js";
import type { Planner } from "../../src/plan/planner.js";
import type { PreviewService } from "../../src/preview/preview-service.js";
import type { EngineMetrics } from "../../src/preview/index.js";
import { createAwsFake, type AwsFake } from "../fakes/aws-fake.js";
import { createGitHubFake, type GitHubFake } from "../fakes/github-fake.js";
import { HOST_KEY } from "./app-fixtures.js";
import { INSTALLATION_ID, OWNER, pullRequestPayload, REPO } from "./webhook-payloads.js";

let privateKey: string | undefined;
function testKey(): string {
  privateKey ??= generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  return privateKey;
}

/** Reads a fixture repository (e.g. test/fixtures/repos/rails-postgres) into a path -> text map. */
export function readFixtureRepo(name: string): Record<string, string> {
  const root = path.join(import.meta.dirname, "..", "fixtures", "repos", name);
  const files: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const full = path.join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else files[path.relative(root, full).split(path.sep).join("/")] = readFileSync(full, "utf8");
    }
  };
  walk(root);
  return files;
}

export interface Harness {
  probot: Probot;
  /** The app function (handlers over the engine); already loaded unless `load: false` was given. */
  app: ApplicationFunction;
  aws: AwsFake;
  github: GitHubFake;
  previews: PreviewService;
  logs: string[];
  receive(name: string, payload: Record<string, unknown>, id?: string): Promise<void>;
  /** Waits until every queued deploy, removal and command has finished. */
  settle(): Promise<void>;
  /**
   * The process dies: from now on every AWS call and GitHub request of the running app waits for
   * ever, so its work is abandoned where it stands and it never writes again.
   */
  kill(): void;
  /**
   * A restart: a new app and engine over the same AWS and GitHub state, as after the process died
   * (`kill()` first if it has not). Memory (queues, seen deliveries) starts empty.
   */
  restart(options?: { hostKey?: string }): void;
  /** Resolves once the app (and so `previews`) is loaded, after creation or a restart. */
  ready(): Promise<void>;
  close(): void;
}

let deliveries = 0;

/**
 * What a dead boot's GitHub request gets: no answer, ever. Except an installation token request:
 * @octokit/auth-app shares one pending token request per installation across the whole process,
 * so a dead boot's, left hanging, would stall every later boot's; it fails instead (its caller's
 * next request waits for ever as the others do, so nothing more is written).
 */
function dead(url: Parameters<typeof fetch>[0]): Promise<Response> {
  const href = typeof url === "string" ? url : url instanceof URL ? url.href : url.url;
  if (/\/app\/installations\/\d+\/access_tokens$/.test(href)) return Promise.reject(new Error("the process is dead"));
  return new Promise<Response>(() => {});
}

/** The AWS clients as one boot of the app sees them: once it is dead, every call waits for ever. */
function gate<T extends object>(clients: T, live: () => boolean): T {
  const gated = Object.entries(clients).map(([name, client]: [string, { send: (...args: unknown[]) => Promise<unknown> }]) => [
    name,
    new Proxy(client, {
      get: (target, key, receiver) => (key === "send" ? (...args: unknown[]) => (live() ? target.send(...args) : new Promise(() => {})) : Reflect.get(target, key, receiver)),
    }),
  ]);
  return Object.fromEntries(gated) as T;
}

/**
 * Stands in for the throttling plugin's limiters (one write a second per installation, as GitHub
 * asks of production): it runs each job at once, so a deploy's dozens of writes take no time. The
 * plugin's own limiters are one set for the whole process, so a dead boot's requests, which never
 * end, would hold their places (10 at once per installation, 1 token request) and stall every
 * later boot; each boot gets these instead, as each real process has its own.
 */
const UNPACED = { key: () => ({ schedule: <T>(_options: object, job: (...args: unknown[]) => T, ...args: unknown[]) => job(...args) }) };

/** The webhook secret the harness's Probot verifies `x-hub-signature-256` with. */
export const WEBHOOK_SECRET = "test-secret";

/** The real app (handlers, engine, AWS and GitHub adapters) over the AWS and GitHub fakes. */
export function createHarness(input: {
  files: Record<string, string>;
  /** Paths among `files` that Git marks executable. */
  executable?: string[];
  now?: () => Date;
  aws?: Parameters<typeof createAwsFake>[0];
  /** `false` leaves loading `app` to the caller, e.g. `createNodeMiddleware(h.app, { probot: h.probot })`. */
  load?: boolean;
  /**
   * Runs GitHub requests through production's retry and throttling (off otherwise), with one
   * second of `retry-after` or back-off lasting `msPerSecond` ms and writes not spaced apart.
   */
  githubRetries?: { msPerSecond: number };
  /** GitHub requests a resync may spend per installation finding pull requests without a stack. */
  resyncBudget?: number;
  /** Where the app logs; default a debug-level pino writing into `logs`. */
  log?: pino.Logger;
  /** Poll delays over the harness's 1 ms ones, e.g. for a benchmark whose deploys take a while. */
  timings?: Partial<EngineTimings>;
  /** How many pull requests deploy at once; default 4. */
  concurrency?: number;
  /** Plans and renders templates; default on the test's own thread. */
  planner?: Planner;
  /** `false` skips checking GitHub requests against the OpenAPI description (a benchmark's CPU is the app's). */
  checkGitHubRequests?: boolean;
  /** The operator's host key; default HOST_KEY. */
  hostKey?: string;
  /** Told how deploys and their phases end. */
  metrics?: EngineMetrics;
  /** Gate a push's rollout on its release steps (on by default, as in the app). */
  releaseGate?: boolean;
  /** berth's own target group (BERTH_WAKE_TARGET_GROUP_ARN): a sleeping preview's rule forwards there. */
  wakeTargetGroupArn?: string;
}): Harness {
  let hostKey = input.hostKey ?? HOST_KEY;
  const aws = createAwsFake(input.aws);
  const github = createGitHubFake({
    owner: OWNER,
    repo: REPO,
    files: input.files,
    installationId: INSTALLATION_ID,
    ...(input.executable ? { executable: input.executable } : {}),
    ...(input.checkGitHubRequests === false ? { checkRequests: false } : {}),
  });
  const logs: string[] = [];
  const log = input.log ?? pino({ level: "debug" }, { write: (line: string) => logs.push(line) });
  let previews: PreviewService | undefined;
  // Each boot is one life of the process; a dead one's requests never reach AWS or GitHub.
  let generation = 0;
  let alive = true;
  const boot = () => {
    const mine = ++generation;
    alive = true;
    const live = () => alive && generation === mine;
    const Octokit = input.githubRetries
      ? createGitHubOctokit({ msPerSecond: input.githubRetries.msPerSecond, throttle: { global: UNPACED, auth: UNPACED, write: UNPACED, notifications: UNPACED } })
      : ProbotOctokit.defaults((o: { throttle?: object }) => ({ ...o, retry: { enabled: false }, throttle: { ...o?.throttle, enabled: false } }));
    const probot = new Probot({
      appId: 1,
      privateKey: testKey(),
      secret: WEBHOOK_SECRET,
      log,
      Octokit: Octokit.defaults((o: { request?: object }) => ({
        ...o,
        request: { ...o?.request, fetch: (...args: Parameters<typeof fetch>) => (live() ? globalThis.fetch(...args) : dead(args[0])) },
      })),
    });
    const appFn = createApp((app) => {
      previews = createEngine({
        app,
        settings: { AWS_REGION: "us-east-1", BERTH_BASE_STACK: "berth-base", BERTH_CONCURRENCY: input.concurrency ?? 4, BERTH_IMAGE_TIMEOUT_SECONDS: 60, BERTH_HOST_KEY: hostKey, ...(input.wakeTargetGroupArn ? { BERTH_WAKE_TARGET_GROUP_ARN: input.wakeTargetGroupArn } : {}) },
        clients: gate(aws.clients, live),
        timings: { pollDelayMs: 1, imagePollMs: 1, baseOutputsTtlMs: 60_000, githubRetryMs: 1, ...input.timings },
        ...(input.now ? { now: input.now } : {}),
        ...(input.resyncBudget === undefined ? {} : { resyncBudget: input.resyncBudget }),
        ...(input.planner ? { planner: input.planner } : {}),
        ...(input.metrics ? { metrics: input.metrics } : {}),
        // A process that died signals nothing any more.
        fetch: (...args: Parameters<typeof fetch>) => (live() ? aws.fetch(...args) : dead(args[0])),
        ...(input.releaseGate === undefined ? {} : { releaseGate: input.releaseGate }),
      });
      return { previews };
    });
    return { probot, appFn };
  };
  let { probot, appFn } = boot();
  let loaded: Promise<unknown> = input.load === false ? Promise.resolve() : probot.load(appFn);
  return {
    get probot() {
      return probot;
    },
    get app() {
      return appFn;
    },
    aws,
    github,
    get previews() {
      if (!previews) throw new Error("the app is not loaded yet");
      return previews;
    },
    logs,
    async receive(name, payload, id) {
      await probot.receive({ id: id ?? `delivery-${++deliveries}`, name, payload } as never);
    },
    settle: () => previews!.idle(),
    kill() {
      alive = false;
    },
    restart(options) {
      if (options?.hostKey !== undefined) hostKey = options.hostKey;
      alive = false;
      previews = undefined;
      ({ probot, appFn } = boot());
      loaded = probot.load(appFn);
    },
    async ready() {
      await loaded;
    },
    close() {
      aws.restore();
      github.done();
    },
  };
}

/** Pull request #7 at `sha` as GitHub shows it, its `pull_request` webhook delivered, and the work it started finished. */
export async function deliverHead(harness: Harness, sha: string, action: "opened" | "synchronize"): Promise<void> {
  harness.github.setPull({ number: 7, headSha: sha, branch: "feature/checkout" });
  await harness.receive("pull_request", pullRequestPayload(action, { number: 7, sha }));
  await harness.settle();
}
