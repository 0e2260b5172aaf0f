import { createServer } from "node:http";
import { DescribeClustersCommand, ECSClient, ListClustersCommand } from "@aws-sdk/client-ecs";
import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterEach, describe, expect, it } from "vitest";
import { createMetrics, githubMetricsPlugin, instrumentAwsClient, type BerthMetrics } from "../../handlers/metrics.js";
import { createWebhookServer, listen, type WebhookServer } from "../../handlers/webhook-server.js";
import { IMAGE, SHA1 } from "../helpers/app-fixtures.js";
import { createHarness, readFixtureRepo, type Harness } from "../helpers/app-harness.js";
import { pullRequestPayload } from "../helpers/webhook-payloads.js";

let web: WebhookServer | undefined;
let h: Harness | undefined;
afterEach(async () => {
  await web?.close();
  web = undefined;
  h?.close();
  h = undefined;
});

/** GET /metrics over HTTP: the status, the content type and the sample lines (no comments). */
async function scrape(metrics: BerthMetrics, middleware: Parameters<BerthMetrics["timeWebhooks"]>[0] = () => false) {
  web = createWebhookServer(metrics.timeWebhooks(middleware), { metrics: () => metrics.render() });
  const port = await listen(web.server, 0, "127.0.0.1");
  const url = `http://127.0.0.1:${port}`;
  const get = async () => {
    const response = await fetch(`${url}/metrics`);
    const text = await response.text();
    return { status: response.status, type: response.headers.get("content-type"), lines: text.split("\n").filter((l) => l !== "" && !l.startsWith("#")) };
  };
  return { url, get };
}

const sample = (lines: string[], name: string) => lines.filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));

describe("GET /metrics", () => {
  it("counts deploys by outcome and times each phase, as the engine reports them", async () => {
    const metrics = createMetrics();
    h = createHarness({ files: readFixtureRepo("rails-postgres"), metrics: metrics.engine });
    h.aws.putImage(IMAGE(SHA1));
    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await h.settle();

    const { status, type, lines } = await (await scrape(metrics)).get();
    expect(status).toBe(200);
    expect(type).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(sample(lines, "berth_deploys_total")).toEqual(['berth_deploys_total{outcome="success"} 1']);
    expect(sample(lines, "berth_deploy_duration_seconds_count")).toEqual(['berth_deploy_duration_seconds_count{outcome="success"} 1']);
    const phases = sample(lines, "berth_deploy_phase_duration_seconds_count").map((l) => /phase="(\w+)",status="(\w+)"/.exec(l)!.slice(1).join(" "));
    expect(phases).toEqual(["image success", "stack success", "migrate success", "seed success", "rollout success", "health success"]);
  });

  it("gives the queue's depth at each scrape, and the live and sleeping previews last counted", async () => {
    const metrics = createMetrics();
    let queue = { running: 2, waiting: 3 };
    metrics.watchQueue(() => queue);
    const { get } = await scrape(metrics);

    expect(sample((await get()).lines, "berth_queue_jobs")).toEqual(['berth_queue_jobs{state="running"} 2', 'berth_queue_jobs{state="waiting"} 3']);
    queue = { running: 0, waiting: 0 };
    metrics.setLivePreviews(12);
    metrics.setSleepingPreviews(5);
    const { lines } = await get();
    expect(sample(lines, "berth_queue_jobs")).toEqual(['berth_queue_jobs{state="running"} 0', 'berth_queue_jobs{state="waiting"} 0']);
    expect(sample(lines, "berth_previews_live")).toEqual(["berth_previews_live 12"]);
    expect(sample(lines, "berth_previews_sleeping")).toEqual(["berth_previews_sleeping 5"]);
  });

  it("counts AWS calls and their errors by operation, once per call, from the SDK client itself", async () => {
    const metrics = createMetrics();
    // An ECS endpoint that lists no cluster and knows none by name, as AWS answers in its JSON protocol.
    const aws = createServer((req, res) => {
      const target = String(req.headers["x-amz-target"]);
      req.resume();
      if (target.endsWith("ListClusters")) res.writeHead(200, { "content-type": "application/x-amz-json-1.1" }).end('{"clusterArns":[]}');
      else res.writeHead(400, { "content-type": "application/x-amz-json-1.1" }).end('{"__type":"ClusterNotFoundException","message":"Cluster not found."}');
    });
    const port = await listen(aws, 0, "127.0.0.1");
    try {
      const ecs = new ECSClient({ region: "us-east-1", endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" }, maxAttempts: 1 });
      instrumentAwsClient(ecs, "ECS", metrics);
      await ecs.send(new ListClustersCommand({}));
      await ecs.send(new ListClustersCommand({}));
      await expect(ecs.send(new DescribeClustersCommand({ clusters: ["nope"] }))).rejects.toThrow("Cluster not found.");
    } finally {
      aws.close();
    }

    const { lines } = await (await scrape(metrics)).get();
    expect(sample(lines, "berth_aws_calls_total")).toEqual([
      'berth_aws_calls_total{service="ECS",operation="ListClusters"} 2',
      'berth_aws_calls_total{service="ECS",operation="DescribeClusters"} 1',
    ]);
    expect(sample(lines, "berth_aws_errors_total")).toEqual(['berth_aws_errors_total{service="ECS",operation="DescribeClusters",error="ClusterNotFoundException"} 1']);
  });

  it("counts GitHub requests and their failures by route, not by URL", async () => {
    const metrics = createMetrics();
    const Octokit = ProbotOctokit.plugin(githubMetricsPlugin(metrics)).defaults((o: { throttle?: object }) => ({ ...o, retry: { enabled: false }, throttle: { ...o?.throttle, enabled: false } }));
    const octokit = new Octokit({ auth: { token: "installation-token" } });
    nock("https://api.github.com").get("/repos/acme/shop/pulls/7").reply(200, { number: 7 }).get("/repos/acme/shop/pulls/8").reply(404, { message: "Not Found" });

    await octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { owner: "acme", repo: "shop", pull_number: 7 });
    await expect(octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { owner: "acme", repo: "shop", pull_number: 8 })).rejects.toMatchObject({ status: 404 });

    const { lines } = await (await scrape(metrics)).get();
    expect(sample(lines, "berth_github_requests_total")).toEqual(['berth_github_requests_total{operation="GET /repos/{owner}/{repo}/pulls/{pull_number}"} 2']);
    expect(sample(lines, "berth_github_errors_total")).toEqual(['berth_github_errors_total{operation="GET /repos/{owner}/{repo}/pulls/{pull_number}",status="404"} 1']);
  });

  it("times each webhook's acknowledgement by status", async () => {
    const metrics = createMetrics();
    const { url, get } = await scrape(metrics, (req, res) => {
      if (req.url !== "/api/github/webhooks") return false;
      res.writeHead(req.headers["x-hub-signature-256"] ? 202 : 400).end();
      return true;
    });

    await fetch(`${url}/api/github/webhooks`, { method: "POST", headers: { "x-hub-signature-256": "sha256=x" }, body: "{}" });
    await fetch(`${url}/api/github/webhooks`, { method: "POST", headers: { "x-hub-signature-256": "sha256=x" }, body: "{}" });
    await fetch(`${url}/api/github/webhooks`, { method: "POST", body: "{}" });

    const { lines } = await get();
    expect(sample(lines, "berth_webhook_ack_seconds_count")).toEqual(['berth_webhook_ack_seconds_count{status="202"} 2', 'berth_webhook_ack_seconds_count{status="400"} 1']);
  });
});
