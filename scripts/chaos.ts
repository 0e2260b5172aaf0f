/**
 * The long profile of the randomized fault-and-restart lives (test/app/chaos.test.ts runs a few):
 *
 *   npm run chaos -- --lives 1000 --seed 1 --workers 3 --baseline 100 [--minutes 40] [--steps 20]
 *
 * runs lives seed, seed+1, ... in `workers` processes with faults (1 AWS request in 10, 1 GitHub
 * request in 20) and restarts, and `baseline` of the same seeds again without faults or restarts,
 * then prints the lives run, the share that converged, the failing seeds grouped by class of
 * failure, and the AWS requests per successful deploy with faults and without (`--minutes` stops
 * the run then and counts the lives that finished; `--steps` lets a life have up to that many
 * events instead of 10, for longer lives). A failing life is
 * replayed with `CHAOS_SEED=<seed> npx vitest run test/app/chaos.test.ts`.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";

interface Line {
  seed: number;
  faults: boolean;
  converged: boolean;
  failures: string[];
  endings: string[];
  deploys: number;
  awsRequests: number;
  ms: number;
}

const { values } = parseArgs({
  options: {
    lives: { type: "string", default: "200" },
    seed: { type: "string", default: "1" },
    workers: { type: "string", default: "2" },
    baseline: { type: "string", default: "50" },
    worker: { type: "string" },
    calm: { type: "boolean", default: false },
    minutes: { type: "string" },
    steps: { type: "string", default: "10" },
  },
});

/** Lives per worker process. */
const BATCH = 5;
const children = new Set<ReturnType<typeof spawn>>();

if (values.worker !== undefined) await work(values.worker, values.calm, Number(values.steps));
else await main();

/** Runs the seeds `from-to` (inclusive) and prints one JSON line per life. */
async function work(range: string, calm: boolean, maxSteps: number): Promise<void> {
  const nock = (await import("nock")).default;
  nock.disableNetConnect();
  const { runLife } = await import("../test/helpers/chaos/life.js");
  const [from, to] = range.split("-").map(Number) as [number, number];
  for (let seed = from; seed <= to; seed++) {
    const started = performance.now();
    const result = await runLife(calm ? { seed, maxSteps, awsFaultRate: 0, githubFaultRate: 0, restarts: false, disorder: false } : { seed, maxSteps });
    const line: Line = {
      seed,
      faults: !calm,
      converged: result.verdict.converged,
      failures: result.verdict.failures,
      endings: result.verdict.endings,
      deploys: result.verdict.deploys,
      awsRequests: result.awsRequests,
      ms: Math.round(performance.now() - started),
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
    if (!line.converged) process.stderr.write(`seed ${seed}:\n${[...line.failures, "events:", ...result.events].map((e) => `  ${e}`).join("\n")}\n`);
  }
  process.exit(0);
}

async function main(): Promise<void> {
  const lives = Number(values.lives);
  const first = Number(values.seed);
  const workers = Math.max(1, Number(values.workers));
  const baseline = Math.min(lives, Number(values.baseline));
  const started = performance.now();
  const jobs: Array<{ range: string; calm: boolean }> = [];
  // Small batches, the baseline's first, so that a run stopped by --minutes has both.
  const split = (count: number, calm: boolean) => {
    for (let from = first; from < first + count; from += BATCH) jobs.push({ range: `${from}-${Math.min(first + count - 1, from + BATCH - 1)}`, calm });
  };
  if (baseline > 0) split(baseline, true);
  split(lives, false);
  const lines: Line[] = [];
  const running = new Set<Promise<void>>();
  let stopped = false;
  if (values.minutes !== undefined) {
    setTimeout(() => {
      stopped = true;
      for (const child of children) child.kill();
    }, Number(values.minutes) * 60_000).unref();
  }
  for (const job of jobs) {
    while (running.size >= workers) await Promise.race(running);
    if (stopped) break;
    const done = runWorker(job, (line) => {
      lines.push(line);
      if (line.faults && lines.filter((l) => l.faults).length % 50 === 0) process.stderr.write(`${lines.filter((l) => l.faults).length} lives...\n`);
    }).finally(() => running.delete(done));
    running.add(done);
  }
  await Promise.all(running);
  summarize(lines, performance.now() - started);
}

function runWorker(job: { range: string; calm: boolean }, onLine: (line: Line) => void): Promise<void> {
  const args = ["--import", "tsx", "scripts/chaos.ts", "--worker", job.range, "--steps", String(values.steps), ...(job.calm ? ["--calm"] : [])];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  createInterface({ input: child.stdout }).on("line", (text) => {
    if (text.startsWith("{")) onLine(JSON.parse(text) as Line);
  });
  const log: string[] = [];
  createInterface({ input: child.stderr }).on("line", (text) => log.push(text));
  return new Promise((resolve) =>
    child.on("exit", (code, signal) => {
      children.delete(child);
      if (signal !== null) process.stderr.write(`worker ${job.range} stopped (--minutes)\n`);
      else if (code !== 0) process.stderr.write(`worker ${job.range} exited with ${code}:\n${log.slice(-20).join("\n")}\n`);
      else if (log.some((l) => l.startsWith("seed "))) process.stderr.write(`${log.filter((l) => !l.startsWith("(node") && !/NodeVersionSupport|node >=22|AWS SDK|a\.co|trace-warnings|security updates|published after|^To continue/.test(l)).join("\n")}\n`);
      resolve();
    }),
  );
}

function summarize(lines: Line[], ms: number): void {
  const chaos = lines.filter((l) => l.faults);
  const calm = lines.filter((l) => !l.faults);
  const converged = chaos.filter((l) => l.converged);
  const pct = (n: number, of: number) => (of === 0 ? "n/a" : `${((100 * n) / of).toFixed(1)} %`);
  console.log(`lives run: ${chaos.length} (seeds ${Math.min(...chaos.map((l) => l.seed))}-${Math.max(...chaos.map((l) => l.seed))}), ${(ms / 1000).toFixed(0)} s`);
  console.log(`converged: ${converged.length} (${pct(converged.length, chaos.length)})`);
  const endings = chaos.flatMap((l) => l.endings);
  console.log(`open pull requests at the end: ${endings.length}, ${endings.filter((e) => e === "success").length} with a successful preview of their head, ${endings.filter((e) => e !== "success").length} given up after 3 attempts`);
  const classes = new Map<string, number[]>();
  for (const line of chaos.filter((l) => !l.converged)) {
    for (const failure of new Set(line.failures.map((f) => f.split(":")[0]!))) classes.set(failure, [...(classes.get(failure) ?? []), line.seed]);
  }
  for (const [name, seeds] of [...classes].sort((a, b) => b[1].length - a[1].length)) console.log(`  ${name}: ${seeds.length} lives, seeds ${seeds.slice(0, 10).join(" ")}`);
  const perDeploy = (set: Line[]) => {
    const ok = set.filter((l) => l.converged);
    const deploys = ok.reduce((n, l) => n + l.deploys, 0);
    return deploys === 0 ? undefined : ok.reduce((n, l) => n + l.awsRequests, 0) / deploys;
  };
  const seeds = new Set(calm.map((l) => l.seed));
  const withFaults = perDeploy(chaos.filter((l) => seeds.has(l.seed)));
  const without = perDeploy(calm);
  console.log(
    `AWS requests per successful deploy, converged lives of seeds ${[...seeds].length ? `${Math.min(...seeds)}-${Math.max(...seeds)}` : "none"}: ${withFaults?.toFixed(1) ?? "n/a"} with faults and restarts, ${without?.toFixed(1) ?? "n/a"} without (${withFaults && without ? (withFaults / without).toFixed(2) : "n/a"}x)`,
  );
  const times = chaos.map((l) => l.ms).sort((a, b) => a - b);
  console.log(`time per life: median ${((times[Math.floor(times.length / 2)] ?? 0) / 1000).toFixed(1)} s`);
}
