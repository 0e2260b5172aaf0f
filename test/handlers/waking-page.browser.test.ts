import { existsSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebhookServer, listen, type WebhookServer } from "../../handlers/webhook-server.js";
import { normalizeHost } from "../../src/preview/flow/wake-on-request.js";

// Debian's chromium package; .ci/run installs it. Missing, this test fails rather than skips.
const CHROMIUM = "/usr/bin/chromium";
const HOST = "shop-pr-7-acme-oizlyle2yrfxekpb.preview.example.com";

let browser: Browser;
const servers: Server[] = [];
let berth: WebhookServer;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium) to run the waking page's browser test`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-background-networking", `--host-resolver-rules=MAP ${HOST} 127.0.0.1`] });
});

afterAll(async () => {
  await browser?.close();
  await berth?.close();
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<number> {
  const server = createServer(handler);
  servers.push(server);
  return listen(server, 0, "127.0.0.1");
}

describe("the waking page in a browser", () => {
  it("wakes the preview once and reloads onto the app once the app answers, through the load balancer's 503s in between", async () => {
    // The app behind the preview's host: unhealthy (the load balancer's 503) for a while after the rule switches back.
    let appHealthy = false;
    const appPort = await serve((req, res) => {
      if (!appHealthy) res.writeHead(503, { "content-type": "text/html" }).end("<html><body>503 Service Temporarily Unavailable</body></html>");
      else res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>The shop</title><h1>Welcome to the shop</h1>");
    });
    // berth, whose first wake switches the rule back after a second and the app turns healthy a few seconds later.
    let ruleTo: "berth" | "app" = "berth";
    const wakes: string[] = [];
    berth = createWebhookServer(() => false, {
      wake: async (host) => {
        // The Host header carries the port the browser used; berth's engine compares the host name.
        if (normalizeHost(host) !== HOST) return "unknown";
        wakes.push(host);
        if (wakes.length === 1) {
          setTimeout(() => (ruleTo = "app"), 1_000);
          setTimeout(() => (appHealthy = true), 7_000);
        }
        return "waking";
      },
    });
    const berthPort = await listen(berth.server, 0, "127.0.0.1");
    // The load balancer: the preview's host-header rule forwards to berth while it sleeps, to the app after.
    const albPort = await serve((req, res) => {
      const upstream = request({ host: "127.0.0.1", port: ruleTo === "berth" ? berthPort : appPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on("error", () => res.writeHead(502).end());
      req.pipe(upstream);
    });

    const page = await browser.newPage();
    const statuses: number[] = [];
    page.on("response", (r) => statuses.push(r.status()));
    const first = await page.goto(`http://${HOST}:${albPort}/`);
    expect(first?.status()).toBe(503);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Waking up this preview");
    expect(await page.getByRole("status").textContent()).toContain("It is starting now");

    await page.getByRole("heading", { name: "Welcome to the shop" }).waitFor({ timeout: 20_000 });
    expect(await page.title()).toBe("The shop");
    // Only the preview's host was asked about (berth's engine makes its many asks one wake).
    expect(new Set(wakes)).toEqual(new Set([`${HOST}:${albPort}`]));
    // It polled through the load balancer's 503s before the app answered.
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(2);
    expect(statuses.at(-1)).toBe(200);
  });
});
