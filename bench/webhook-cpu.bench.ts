/**
 * What one acknowledged webhook costs the process in CPU, with nothing else running: the same
 * signed `issue_comment.created` delivery (a person's "LGTM" on a pull request, which the handler
 * reads and drops) sent one at a time over a keep-alive connection, to berth's endpoint and to
 * Probot's own middleware in turn. CPU time (user + system, `process.cpuUsage`) is counted from
 * the request's arrival to the end of its response, so it does not depend on how busy the machine
 * is the way latencies do. The third path is npm start's front door, which only checks the
 * signature and hands the delivery to the engine thread. The bench's own client runs between
 * requests, outside that window.
 *
 * `npm run bench:webhook-cpu`; BENCH_DELIVERIES (default 2000 per round), BENCH_ROUNDS (default 3).
 */
import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Worker } from "node:worker_threads";
import nock from "nock";
import pino from "pino";
import { createNodeMiddleware } from "probot";
import { createHandOverMiddleware } from "../handlers/front-door.js";
import { createWebhookMiddleware } from "../handlers/webhooks.js";
import type { NodeMiddleware } from "../handlers/webhook-server.js";
import { createHarness, readFixtureRepo, WEBHOOK_SECRET } from "../test/helpers/app-harness.js";
import { prCommentPayload } from "../test/helpers/webhook-payloads.js";

const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Deliveries sent first and not counted: JIT warm-up, the first token, lazy imports. */
const WARM_UP = 300;

nock.disableNetConnect();
nock.enableNetConnect("127.0.0.1");

const body = JSON.stringify(prCommentPayload({ pr: 7, body: "LGTM", commentId: 1 }));
const signature = `sha256=${createHmac("sha256", WEBHOOK_SECRET).update(body).digest("hex")}`;

/** A thread that receives deliveries and drops them. */
const sink = new Worker(`require("node:worker_threads").parentPort.on("message", () => {});`, { eval: true });

/** The app loaded twice, each behind one of the two middlewares, and the front door. */
async function middlewares(): Promise<Record<string, NodeMiddleware>> {
  const quiet = pino({ level: "warn" }, { write: () => undefined });
  const ours = createHarness({ files: readFixtureRepo("rails-postgres"), log: quiet, checkGitHubRequests: false });
  await ours.ready();
  const probots = createHarness({ files: readFixtureRepo("rails-postgres"), log: quiet, checkGitHubRequests: false, load: false });
  return {
    "berth's endpoint (@octokit/webhooks)": createWebhookMiddleware({ secret: WEBHOOK_SECRET, deps: { previews: ours.previews }, log: quiet }),
    "Probot's middleware (an Octokit per event)": await createNodeMiddleware(probots.app, { probot: probots.probot }),
    // What npm start's main thread does: check the signature and post the delivery to the engine
    // thread, here one that drops it (its receipt runs beside the answer and counts when it overlaps).
    "the front door (signature, hand-over to a thread)": createHandOverMiddleware({ secret: WEBHOOK_SECRET, handOver: (delivery) => (sink.postMessage(delivery), true), log: quiet }),
  };
}

/** Serves `middleware`, sends `count` deliveries one after the other; returns CPU µs per delivery. */
async function measure(middleware: NodeMiddleware, count: number): Promise<number> {
  let cpu = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const start = process.cpuUsage();
    res.on("finish", () => {
      const used = process.cpuUsage(start);
      cpu += used.user + used.system;
    });
    void middleware(req, res, () => res.writeHead(404).end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/github/webhooks`;
  for (let i = 0; i < count; i += 1) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-github-event": "issue_comment", "x-github-delivery": `cpu-${i}`, "x-hub-signature-256": signature },
      body,
    });
    if (response.status !== 200) throw new Error(`delivery ${i}: ${response.status} ${await response.text()}`);
    await response.arrayBuffer();
  }
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return cpu / count;
}

const all = await middlewares();
const results: Record<string, number[]> = {};
for (const middleware of Object.values(all)) await measure(middleware, WARM_UP);
for (let round = 0; round < ROUNDS; round += 1) {
  for (const [name, middleware] of Object.entries(all)) (results[name] ??= []).push(await measure(middleware, DELIVERIES));
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(`${DELIVERIES} deliveries per round, ${ROUNDS} rounds, one at a time; CPU per delivery from arrival to response end`);
console.table(
  Object.fromEntries(
    Object.entries(results).map(([name, values]) => [name, { "median µs": Math.round(median(values)), rounds: values.map((v) => Math.round(v)).join(", ") }]),
  ),
);
process.exit(0);
