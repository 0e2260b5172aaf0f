import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WebhookServer } from "../../handlers/webhook-server.js";
import { listen } from "../../handlers/webhook-server.js";
import { createHarness, readFixtureRepo, type Harness } from "../helpers/app-harness.js";
import { IMAGE, SHA1, STACK } from "../helpers/app-fixtures.js";
import { CLIENT_ID, startDashboard } from "../helpers/dashboard-harness.js";
import { pullRequestPayload } from "../helpers/webhook-payloads.js";

// Debian's chromium package; .ci/run installs it. Missing, this test fails rather than skips.
const CHROMIUM = "/usr/bin/chromium";

let browser: Browser;
let h: Harness;
let web: WebhookServer;
let github: Server;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium) to run the dashboard's browser test`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-background-networking"] });
});

afterAll(async () => {
  await browser?.close();
  await web?.close();
  github?.closeAllConnections();
  await new Promise((resolve) => (github ? github.close(resolve) : resolve(undefined)));
  if (h) {
    expect(h.github.problems()).toEqual([]);
    h.close();
  }
});

/**
 * Stands in for github.com's side of the sign-in: the authorize page sends the browser straight
 * back with a code for `who()`, and the code exchange hands out that person's user token.
 */
async function startGitHubStub(who: () => string): Promise<string> {
  github = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://stub");
    if (req.method === "GET" && url.pathname === "/login/oauth/authorize") {
      expect(url.searchParams.get("client_id")).toBe(CLIENT_ID);
      const back = new URL(url.searchParams.get("redirect_uri")!);
      back.searchParams.set("code", `code-for-${who()}`);
      back.searchParams.set("state", url.searchParams.get("state")!);
      res.writeHead(302, { location: back.href }).end();
      return;
    }
    if (req.method === "POST" && url.pathname === "/login/oauth/access_token") {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        const code = (JSON.parse(body) as { code: string }).code;
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ access_token: `ghu_${code.slice("code-for-".length)}`, token_type: "bearer", scope: "" }));
      });
      return;
    }
    res.writeHead(404).end();
  });
  return `http://127.0.0.1:${await listen(github, 0, "127.0.0.1")}`;
}

describe("the dashboard in a browser", () => {
  it("signs in with GitHub, lists, filters, runs an action from the keyboard, and refuses a reader's forged action", async () => {
    const files = readFixtureRepo("rails-postgres");
    files[".github/preview.yml"] += "expire_after: 1d\n";
    h = createHarness({ files });
    h.aws.putImage(IMAGE(SHA1));
    h.github.setPull({ number: 7, headSha: SHA1, branch: "feature/checkout", title: "Add checkout" });
    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await h.settle();
    h.github.setUser("ghu_alice", { login: "alice", repositories: [{ full_name: "acme/shop", permissions: { admin: false, push: true, pull: true } }] });
    h.github.setUser("ghu_bob", { login: "bob", repositories: [{ full_name: "acme/shop", permissions: { admin: false, push: false, pull: true } }] });
    h.github.setPermission("alice", "write");
    let person = "alice";
    const githubUrl = await startGitHubStub(() => person);
    // localhost is a secure context to Chromium, so the dashboard's Secure, __Host- cookies hold over plain HTTP here.
    let publicUrl: string;
    ({ web, publicUrl } = await startDashboard(h, { publicUrl: (port) => `http://localhost:${port}`, githubUrl }));

    const page = await browser.newPage();
    await page.goto(`${publicUrl}/`);
    await page.getByRole("link", { name: "Sign in with GitHub" }).click();
    await page.getByText("Signed in as alice").waitFor();
    expect(await page.title()).toBe("Live previews - berth");
    const row = page.getByRole("row").filter({ hasText: "acme/shop#7" });
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.getByRole("link", { name: "acme/shop#7" }).getAttribute("href")).toBe(`${githubUrl}/acme/shop/pull/7`);
    expect(await row.textContent()).toContain("Add checkout");

    // The filters are a plain form: labelled controls, the choice kept in the address.
    await page.getByLabel("State").selectOption("asleep");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.getByText("0 of 1 preview shown.").waitFor();
    expect(new URL(page.url()).searchParams.get("state")).toBe("asleep");
    await page.getByLabel("State").selectOption("ready");
    await page.getByLabel("Repository").selectOption("acme/shop");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.getByText("1 of 1 preview shown.").waitFor();

    // An action from the keyboard: focus the button, press Enter.
    const runs = h.github.checkRuns(SHA1).length;
    await page.getByRole("button", { name: "Redeploy acme/shop#7" }).focus();
    await page.keyboard.press("Enter");
    expect(await page.getByRole("status").filter({ hasText: "queued" }).textContent()).toBe("Redeploy of acme/shop#7 queued.");
    await h.settle();
    expect(h.github.checkRuns(SHA1)).toHaveLength(runs + 1);

    // A reader: no buttons; a form forged into the page is refused, and says why.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("link", { name: "Sign in with GitHub" }).waitFor();
    person = "bob";
    await page.getByRole("link", { name: "Sign in with GitHub" }).click();
    await page.getByText("Signed in as bob").waitFor();
    expect(await page.getByRole("button", { name: /acme\/shop#7/ }).count()).toBe(0);
    expect(await page.getByRole("row").filter({ hasText: "acme/shop#7" }).textContent()).toContain("read only");
    // The page's own CSRF token in a form it never offered (run through the browser's devtools protocol, not a page script).
    await page.evaluate(`(() => {
      const form = document.createElement("form");
      form.method = "post";
      form.action = "/previews/acme/shop/7/destroy";
      form.append(document.querySelector('input[name="csrf"]').cloneNode());
      document.body.append(form);
      form.submit();
    })()`);
    await page.getByRole("alert").waitFor();
    expect(await page.getByRole("alert").textContent()).toBe("bob has read access to acme/shop: Destroy needs write access. Ask a maintainer.");
    await h.settle();
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.status).not.toMatch(/^DELETE_/);
  });
});
