/**
 * Start-up time of the built bot (`npm run build` first): from spawning `node dist/handlers/main.js`
 * (what `npm start` runs) to the "listening on port" log line, and the time a fresh Node process takes
 * to import the template builder. The app runs with a throwaway key, no resync and a free port.
 * Before it listens it asks GitHub who the app is (`GET /app`, handlers/app-credentials.ts): a
 * stand-in on 127.0.0.1 answers that (GHE_HOST, as for GitHub Enterprise), so the figure is the
 * start-up's own and not a wait for a GitHub this machine cannot reach. Run with `npm run bench:startup` (10 starts;
 * `BENCH_RUNS=3` for a quick look). Beside the wall time it prints the CPU time the process used
 * until it listened (from /proc, on Linux): on a machine that others share, the wall time grows
 * with their load and the CPU time hardly does.
 */
import { spawn, execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const MAIN = "dist/handlers/main.js";
const RUNS = Number(process.env.BENCH_RUNS ?? 10);
/** Start-up that takes longer than this is a hang, not a figure. */
const GIVE_UP_MS = 30_000;

if (!existsSync(`${ROOT}${MAIN}`)) throw new Error(`${MAIN} is missing: run npm run build first`);

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const KEY = privateKey.export({ type: "pkcs1", format: "pem" }).toString();

/** A port nothing listens on now. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** GitHub's answer to `GET /app` for the starting bot; counts the requests, so the figure is known to include the check. */
let appChecks = 0;
const github = createHttpServer((request, response) => {
  if (request.method === "GET" && request.url === "/api/v3/app") {
    appChecks += 1;
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id: 1, slug: "berth-bench" }));
  } else response.writeHead(404).end();
});
await new Promise<void>((resolve) => github.listen(0, "127.0.0.1", resolve));
const githubAddress = github.address();
const GITHUB_HOST = `127.0.0.1:${typeof githubAddress === "object" && githubAddress ? githubAddress.port : 0}`;

/** User and system CPU time of a live process in ms, from /proc (clock ticks of 10 ms); undefined elsewhere. */
function cpuMs(pid: number | undefined): number | undefined {
  try {
    // Fields after the command name, which is in parentheses: utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** Milliseconds from spawn to the "listening on port" log line, and the CPU time used by then; the process is stopped afterwards. */
async function timeToListening(): Promise<{ wall: number; cpu: number | undefined }> {
  const port = await freePort();
  const env = {
    PATH: process.env.PATH,
    APP_ID: "1",
    PRIVATE_KEY: KEY,
    WEBHOOK_SECRET: "bench",
    AWS_REGION: "us-east-1",
    BERTH_RESYNC_MINUTES: "0",
    PORT: String(port),
    HOST: "127.0.0.1",
    GHE_HOST: GITHUB_HOST,
    GHE_PROTOCOL: "http",
  };
  const start = performance.now();
  const child = spawn(process.execPath, [MAIN], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  try {
    return await new Promise((resolve, reject) => {
      let output = "";
      const timer = setTimeout(() => reject(new Error(`no "listening on" within ${GIVE_UP_MS} ms:\n${output}`)), GIVE_UP_MS);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (/listening on/i.test(output)) {
          clearTimeout(timer);
          resolve({ wall: performance.now() - start, cpu: cpuMs(child.pid) });
        }
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`exited with ${code} before listening:\n${output}`));
      });
    });
  } finally {
    child.kill();
  }
}

/** Milliseconds a fresh Node process spends importing the template builder (dist/src/stack/build-template.js). */
function stackImportMs(): number {
  const script = "const t = performance.now(); await import('./dist/src/stack/build-template.js'); console.log(performance.now() - t);";
  return Number(execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT, encoding: "utf8" }).trim());
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const listening: number[] = [];
const cpu: number[] = [];
const imports: number[] = [];
for (let i = 0; i < RUNS; i += 1) {
  const started = await timeToListening();
  listening.push(started.wall);
  if (started.cpu !== undefined) cpu.push(started.cpu);
  imports.push(stackImportMs());
}
github.close();
if (appChecks < RUNS) throw new Error(`the stand-in for GitHub was asked ${appChecks} times for ${RUNS} starts: the figure would not include the credentials check`);
const range = (values: number[]) => `${Math.min(...values).toFixed(0)}-${Math.max(...values).toFixed(0)} ms`;
const cpuFigure = cpu.length > 0 ? `, CPU time by then median ${median(cpu).toFixed(0)} ms` : "";
console.log(`npm start to listening, ${RUNS} starts: median ${median(listening).toFixed(0)} ms (${range(listening)}; goal < 1000 ms)${cpuFigure}`);
console.log(`import of src/stack/build-template, ${RUNS} fresh processes: median ${median(imports).toFixed(0)} ms (${range(imports)})`);
