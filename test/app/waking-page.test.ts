import { afterEach, describe, expect, it } from "vitest";
import { createWebhookServer, listen, type WebhookServer } from "../../handlers/webhook-server.js";
import { createHarness, readFixtureRepo, type Harness } from "../helpers/app-harness.js";
import { IMAGE, SHA1, STACK } from "../helpers/app-fixtures.js";
import { pullRequestPayload } from "../helpers/webhook-payloads.js";

const BERTH_TARGET_GROUP = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/berth-TargetGroup-1ABCDEFGHIJK/0123456789abcdef";
let h: Harness;
let web: WebhookServer;
let clock = Date.parse("2026-12-03T10:00:00Z");
afterEach(async () => {
  expect(h.github.problems()).toEqual([]);
  await web.close();
  h.close();
});

/** acme/shop#7 deployed with `sleep_after: 30m`, put to sleep by the sweep, and berth's HTTP server in front of the engine. */
async function asleep(): Promise<{ port: number; host: string }> {
  clock = Date.parse("2026-12-03T10:00:00Z");
  const files = readFixtureRepo("rails-postgres");
  files[".github/preview.yml"] += "sleep_after: 30m\n";
  h = createHarness({ files, now: () => new Date(clock), wakeTargetGroupArn: BERTH_TARGET_GROUP });
  h.aws.putImage(IMAGE(SHA1));
  h.github.setPull({ number: 7, headSha: SHA1, branch: "feature/checkout" });
  await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
  await h.settle();
  clock += 31 * 60_000;
  await h.previews.sweepIdle();
  await h.settle();
  web = createWebhookServer(() => false, { wake: (host) => h.previews.wakeOnRequest(host) });
  const port = await listen(web.server, 0, "127.0.0.1");
  return { port, host: output("Hostname") };
}

function output(key: string): string {
  return h.aws.state.cloudformation.stacks.get(STACK)!.current!.outputs.find((o) => o.OutputKey === key)!.OutputValue!;
}

/** The target group the preview's listener rule forwards to now. */
function ruleTarget(): string | undefined {
  const rules = [...h.aws.state.elbv2.rules.values()].filter((r) => r.priority !== 0);
  expect(rules).toHaveLength(1);
  return rules[0]!.targetGroupArn;
}

/** Desired count and live task ids of the preview's web and db services. */
function services(): Record<string, { desired: number; tasks: string[] }> {
  const out: Record<string, { desired: number; tasks: string[] }> = {};
  for (const s of h.aws.state.ecs.services.values()) {
    const name = /-(Web|Db)Service-/.exec(s.serviceName ?? "")?.[1]?.toLowerCase() ?? "";
    out[name] = { desired: s.desiredCount ?? 0, tasks: [...h.aws.state.ecs.tasks.values()].filter((t) => t.service === s.serviceArn && t.lastStatus !== "STOPPED").map((t) => t.taskArn) };
  }
  return out;
}

function get(port: number, host: string): Promise<Response> {
  // fetch refuses to set Host; node:http does not.
  return new Promise((resolve, reject) => {
    import("node:http").then(({ request }) => {
      const req = request({ host: "127.0.0.1", port, path: "/", headers: { host } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 0, headers: res.headers as Record<string, string> })));
      });
      req.on("error", reject);
      req.end();
    }, reject);
  });
}

describe("the waking page", () => {
  it("a request to a sleeping preview's URL gets the waking page and wakes it once; the rule forwards to the preview again, the data service's task the same", async () => {
    const { port, host } = await asleep();
    const previewTargetGroup = output("TargetGroupArn");
    const db = services().db!.tasks;
    expect(services().web!.desired).toBe(0);
    expect(ruleTarget()).toBe(BERTH_TARGET_GROUP);
    const mutations = h.aws.mutations().length;

    const answers = await Promise.all([get(port, host), get(port, `${host.toUpperCase()}:443`), get(port, host)]);
    for (const res of answers) {
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("3");
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    }
    const page = await answers[0]!.text();
    expect(page).toContain("<title>Waking up this preview</title>");
    expect(page).toContain('role="status"');
    expect(page).not.toMatch(/https?:\/\//);
    expect(page).not.toContain(host);
    await h.settle();

    expect(ruleTarget()).toBe(previewTargetGroup);
    expect(services()).toMatchObject({ web: { desired: 1 }, db: { desired: 1, tasks: db } });
    expect(services().web!.tasks).toHaveLength(1);
    expect(h.aws.state.cloudformation.stacks.get(STACK)!.tags["berth:asleep"]).toBeUndefined();
    expect(h.github.stickyComments()[0]?.body).toContain("### ✅ Preview ready");
    // Three requests, one wake: one stack update and one scale-up.
    const made = h.aws.mutations().slice(mutations).map((m) => m.split(" ")[0]);
    expect(made.filter((m) => m === "UpdateService")).toHaveLength(1);
    expect(made.filter((m) => m === "UpdateStack" || m === "ExecuteChangeSet")).toHaveLength(1);
  });

  it.each([
    ["a host no preview has", "pr-1-nothing.preview.example.com"],
    ["berth's own host", "berth.preview.example.com"],
    ["no host name at all", "[::1]"],
  ])("%s gets a bare 404 and wakes nothing", async (_what, host) => {
    const { port } = await asleep();
    const mutations = h.aws.mutations().length;
    const res = await get(port, host);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe("Not Found\n");
    await h.settle();
    expect(h.aws.mutations()).toHaveLength(mutations);
    expect(ruleTarget()).toBe(BERTH_TARGET_GROUP);
  });
});
