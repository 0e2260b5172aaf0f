/**
 * The sending side of bench/webhooks.bench.ts, in a process of its own as GitHub is: it signs
 * and POSTs the scheduled deliveries at a fixed rate over keep-alive connections, without waiting
 * for answers (open loop), and reports each acknowledgement's latency, from the request's start to
 * the end of the response, and every status that was not 2xx.
 */
import { createHmac } from "node:crypto";
import { Agent, request } from "node:http";
import { prCommentPayload, pullRequestPayload } from "../test/helpers/webhook-payloads.js";

/** One delivery of the schedule. */
export type Delivery =
  | { event: "pull_request"; action: "opened"; pr: number; sha: string }
  | { event: "pull_request"; action: "synchronize"; pr: number; sha: string; before: string }
  | { event: "issue_comment"; pr: number; body: string; commentId: number };

/** What the bench asks of this process. */
export interface LoadRequest {
  url: string;
  secret: string;
  ratePerSecond: number;
  deliveries: Delivery[];
}

/** What this process answers. */
export interface LoadResult {
  /** Milliseconds from the start of each request to the end of its response, in sending order. */
  latenciesMs: number[];
  /** Status counts of the answers that were not 2xx ("error CODE" for a request that failed). */
  failures: Record<string, number>;
  /** How late the most delayed request started against its schedule, in ms. */
  maxLatenessMs: number;
  /** Seconds from the first request's start to the last one's. */
  sendingSeconds: number;
}

// Payloads are rendered once per kind with placeholders, then filled in for each delivery.
const NUMBER = 987654321;
const SHA = "5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed";
const BEFORE = "befbefbefbefbefbefbefbefbefbefbefbefbefb";
const templates = {
  opened: JSON.stringify(pullRequestPayload("opened", { number: NUMBER, sha: SHA })),
  // A push says which head it replaced (`before`) and which it made (`after`, the new head).
  synchronize: JSON.stringify(pullRequestPayload("synchronize", { number: NUMBER, sha: SHA, before: BEFORE })),
  comment: JSON.stringify(prCommentPayload({ pr: NUMBER, body: "BODY", commentId: NUMBER + 1 })),
};

function bodyOf(delivery: Delivery): string {
  if (delivery.event === "pull_request") {
    const body = templates[delivery.action].replaceAll(String(NUMBER), String(delivery.pr)).replaceAll(SHA, delivery.sha);
    return delivery.action === "synchronize" ? body.replaceAll(BEFORE, delivery.before) : body;
  }
  return templates.comment
    .replaceAll(String(NUMBER + 1), String(delivery.commentId))
    .replaceAll(String(NUMBER), String(delivery.pr))
    .replace(`"body":"BODY"`, `"body":${JSON.stringify(delivery.body)}`);
}

async function run(input: LoadRequest): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const url = new URL(input.url);
  const latenciesMs = new Array<number>(input.deliveries.length);
  const failures: Record<string, number> = {};
  let maxLatenessMs = 0;
  const send = (delivery: Delivery, index: number) =>
    new Promise<void>((resolve) => {
      const body = bodyOf(delivery);
      const start = performance.now();
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: "POST",
          agent,
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
            "user-agent": "GitHub-Hookshot/bench",
            "x-github-event": delivery.event,
            "x-github-delivery": `bench-${index}`,
            "x-hub-signature-256": `sha256=${createHmac("sha256", input.secret).update(body).digest("hex")}`,
          },
        },
        (res) => {
          res.resume();
          res.on("end", () => {
            latenciesMs[index] = performance.now() - start;
            const status = res.statusCode ?? 0;
            if (status < 200 || status > 299) failures[status] = (failures[status] ?? 0) + 1;
            resolve();
          });
        },
      );
      req.on("error", (error: NodeJS.ErrnoException) => {
        latenciesMs[index] = performance.now() - start;
        const name = `error ${error.code ?? error.message}`;
        failures[name] = (failures[name] ?? 0) + 1;
        resolve();
      });
      req.end(body);
    });

  const pending: Array<Promise<void>> = [];
  const origin = performance.now();
  const intervalMs = 1000 / input.ratePerSecond;
  let lastStart = origin;
  for (let i = 0; i < input.deliveries.length; i += 1) {
    const due = origin + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    lastStart = performance.now();
    maxLatenessMs = Math.max(maxLatenessMs, lastStart - due);
    pending.push(send(input.deliveries[i]!, i));
  }
  await Promise.all(pending);
  agent.destroy();
  return { latenciesMs, failures, maxLatenessMs, sendingSeconds: (lastStart - origin) / 1000 };
}

// The schedule comes first, then "go": its transfer is not part of the measured seconds.
process.once("message", (message) => {
  process.once("message", () => void run(message as LoadRequest).then((result) => process.send!(result, () => process.exit(0))));
  process.send!("ready");
});
