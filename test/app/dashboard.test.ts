import nock from "nock";
import { afterEach, describe, expect, it } from "vitest";
import type { WebhookServer } from "../../handlers/webhook-server.js";
import { createHarness, readFixtureRepo, type Harness } from "../helpers/app-harness.js";
import { HOST, IMAGE, SHA1, STACK } from "../helpers/app-fixtures.js";
import { call, CLIENT_ID, CLIENT_SECRET, setCookie, startDashboard, visibleText } from "../helpers/dashboard-harness.js";
import { pullRequestPayload } from "../helpers/webhook-payloads.js";
import { formatAge } from "../../src/cli/list-command.js";
import { readableTime } from "../../src/preview/report/index.js";

const BERTH = "berth.preview.example.com";
const ORIGIN = `https://${BERTH}`;
const SESSION = "__Host-berth-session";
const STATE = "__Host-berth-state";

let h: Harness;
let web: WebhookServer;
let port: number;
let clock = Date.parse("2026-12-03T10:00:00Z");

afterEach(async () => {
  expect(h.github.problems()).toEqual([]);
  expect(nock.pendingMocks().filter((m) => m.includes("github.com:443/login"))).toEqual([]);
  await web.close();
  h.close();
});

/** acme/shop#7 deployed (with `expire_after: 1d`), four people GitHub knows, and berth's server with its dashboard. */
async function deployed(config = "expire_after: 1d\n"): Promise<void> {
  clock = Date.parse("2026-12-03T10:00:00Z");
  const files = readFixtureRepo("rails-postgres");
  files[".github/preview.yml"] += config;
  h = createHarness({ files, now: () => new Date(clock) });
  h.aws.putImage(IMAGE(SHA1));
  h.github.setPull({ number: 7, headSha: SHA1, branch: "feature/checkout", title: "Add <b>checkout</b> & pay" });
  await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
  await h.settle();
  const on = (pull: boolean, push: boolean) => ({ admin: false, push, pull });
  h.github.setUser("ghu_alice", { login: "alice", repositories: [{ full_name: "acme/shop", permissions: on(true, true) }] });
  h.github.setUser("ghu_bob", { login: "bob", repositories: [{ full_name: "acme/shop", permissions: on(true, false) }] });
  h.github.setUser("ghu_carol", { login: "carol", repositories: [{ full_name: "acme/other", permissions: on(true, true) }] });
  h.github.setPermission("alice", "write");
  h.github.setPermission("bob", "read");
  ({ web, port } = await startDashboard(h, { now: () => new Date(clock) }));
}

/** GitHub's code exchange: answers `token` for `code`, once, checking what berth sent. */
function githubExchanges(code: string, token: string): void {
  nock("https://github.com")
    .post("/login/oauth/access_token", (body: Record<string, string>) => body.client_id === CLIENT_ID && body.client_secret === CLIENT_SECRET && body.code === code && body.redirect_uri === `${ORIGIN}/auth/callback`)
    .reply(200, { access_token: token, token_type: "bearer", scope: "" });
}

/** Signs in through /auth/login and /auth/callback as the person whose user token GitHub hands out; returns the session cookie. */
async function signIn(token: string): Promise<string> {
  const login = await call(port, { path: "/auth/login", host: BERTH });
  const state = new URL(login.headers.location as string).searchParams.get("state")!;
  githubExchanges(`code-${token}`, token);
  const back = await call(port, { path: `/auth/callback?code=code-${token}&state=${state}`, host: BERTH, cookie: setCookie(login, STATE)! });
  expect(back.status).toBe(303);
  expect(back.headers.location).toBe("/");
  return setCookie(back, SESSION)!;
}

/** The dashboard's CSRF token on the list page. */
function csrfOf(page: string): string {
  return /name="csrf" value="([^"]+)"/.exec(page)![1]!;
}

async function page(cookie: string, path = "/"): Promise<{ status: number; html: string; text: string }> {
  const answer = await call(port, { path, host: BERTH, cookie });
  return { status: answer.status, html: answer.text, text: visibleText(answer.text) };
}

describe("the dashboard's sign-in", () => {
  it("shows a sign-in page, not a redirect, to a person not signed in, and costs no AWS call", async () => {
    await deployed();
    const calls = h.aws.calls.length;
    const answer = await call(port, { path: "/", host: BERTH });
    expect(answer.status).toBe(200);
    expect(answer.headers["content-security-policy"]).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*'; form-action 'self'/);
    expect(visibleText(answer.text)).toContain("Sign in with GitHub");
    expect(answer.text).toContain('href="/auth/login"');
    expect(h.aws.calls.length).toBe(calls);
  });

  it("sends the browser to GitHub with the App's client id, the callback and a state bound to the browser by a cookie", async () => {
    await deployed();
    const login = await call(port, { path: "/auth/login", host: BERTH });
    expect(login.status).toBe(302);
    const to = new URL(login.headers.location as string);
    expect(`${to.origin}${to.pathname}`).toBe("https://github.com/login/oauth/authorize");
    expect(to.searchParams.get("client_id")).toBe(CLIENT_ID);
    expect(to.searchParams.get("redirect_uri")).toBe(`${ORIGIN}/auth/callback`);
    const state = to.searchParams.get("state")!;
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const cookieLine = ([] as string[]).concat(login.headers["set-cookie"]!)[0]!;
    expect(cookieLine).toBe(`${STATE}=${state}; Max-Age=600; Path=/; HttpOnly; Secure; SameSite=Lax`);
  });

  it.each([
    ["a state that is not the browser's", (state: string) => `state=${state}x`, true],
    ["no state cookie at all", (state: string) => `state=${state}`, false],
  ])("refuses a callback with %s, and exchanges no code", async (_what, query, withCookie) => {
    await deployed();
    const login = await call(port, { path: "/auth/login", host: BERTH });
    const state = new URL(login.headers.location as string).searchParams.get("state")!;
    const back = await call(port, { path: `/auth/callback?code=abc&${query(state)}`, host: BERTH, ...(withCookie ? { cookie: setCookie(login, STATE)! } : {}) });
    expect(back.status).toBe(400);
    expect(visibleText(back.text)).toContain("Sign-in refused: it was not started from this browser, or it took longer than 10 minutes (state mismatch). Sign in again.");
    expect(setCookie(back, SESSION)).toBeUndefined();
  });

  it("says so when GitHub refuses the code, and signs nobody in", async () => {
    await deployed();
    const login = await call(port, { path: "/auth/login", host: BERTH });
    const state = new URL(login.headers.location as string).searchParams.get("state")!;
    nock("https://github.com").post("/login/oauth/access_token").reply(200, { error: "bad_verification_code", error_description: "The code passed is incorrect or expired.", error_uri: "https://docs.github.com" });
    const back = await call(port, { path: `/auth/callback?code=old&state=${state}`, host: BERTH, cookie: setCookie(login, STATE)! });
    expect(back.status).toBe(502);
    expect(visibleText(back.text)).toContain("GitHub did not complete the sign-in (The code passed is incorrect or expired.");
    expect(setCookie(back, SESSION)).toBeUndefined();
  });

  it("gives the browser only an opaque session id, and signing out ends the session", async () => {
    await deployed();
    const cookie = await signIn("ghu_alice");
    expect(cookie).toMatch(new RegExp(`^${SESSION}=[A-Za-z0-9_-]{43}$`));
    expect(cookie).not.toContain("ghu_alice");
    const { html } = await page(cookie);
    const out = await call(port, { method: "POST", path: "/auth/logout", host: BERTH, cookie, origin: ORIGIN, form: { csrf: csrfOf(html) } });
    expect(out.status).toBe(303);
    expect(setCookie(out, SESSION)).toBe(`${SESSION}=`);
    expect((await page(cookie)).text).toContain("Sign in with GitHub");
  });
});

describe("the list of previews", () => {
  it("shows a writer their preview: pull request, branch, state, commit, URL, last deploy, size, cost, expiry and the actions", async () => {
    await deployed();
    clock += 2 * 3600_000;
    const cookie = await signIn("ghu_alice");
    const { status, html, text } = await page(cookie);
    expect(status).toBe(200);
    expect(text).toContain("Signed in as alice");
    expect(text).toContain("1 of 1 preview shown.");
    expect(text).toContain("acme/shop#7 Add <b>checkout</b> & pay branch feature/checkout");
    expect(html).toContain("Add &lt;b&gt;checkout&lt;/b&gt; &amp; pay");
    expect(html).toContain('<a class="nowrap" href="https://github.com/acme/shop/pull/7">acme/shop#7</a>');
    expect(text).toContain("ready");
    expect(text).toContain(SHA1.slice(0, 7));
    expect(html).toContain(`<a class="host" href="https://${HOST}">${HOST}</a>`);
    // The fake's CloudFormation created the stack at its own clock's time.
    const created = h.aws.state.cloudformation.stacks.get(STACK)!.creationTime;
    expect(text).toContain(`${formatAge(created, new Date(clock))} ${visibleText(readableTime(created))}`);
    // The last deploy's phases, read back from its check run (the harness's clock stands still while it deploys).
    expect(text).toContain("Image 0 ms Stack 0 ms Migrate 0 ms Seed 0 ms Rollout 0 ms Health 0 ms");
    expect(text).toContain("web: 0.25 vCPU, 0.5 GiB db: 0.25 vCPU, 0.5 GiB");
    expect(text).toMatch(/ \$0\.02\/h awake \$0\.01\/h asleep \$\d+\.\d\d so far /);
    expect(text).toContain("expires in 22h (Dec 4, 2026, 10:00 UTC) at the earliest");
    for (const label of ["Redeploy", "Reset data", "Extend expiry", "Destroy"]) expect(text).toContain(`${label} acme/shop#7`);
  });

  it("shows a reader the preview without buttons, and someone who cannot read acme/shop nothing of it", async () => {
    await deployed();
    const reader = await page(await signIn("ghu_bob"));
    expect(reader.text).toContain("acme/shop#7");
    expect(reader.text).toContain("read only");
    expect(reader.html).not.toContain('action="/previews/');
    const outsider = await page(await signIn("ghu_carol"));
    expect(outsider.text).toContain("No live previews in the repositories you can read.");
    expect(outsider.text).not.toContain("acme/shop");
  });

  it("reads each template once per deploy and GitHub once a minute: a second look costs only the stack list", async () => {
    await deployed();
    const cookie = await signIn("ghu_alice");
    const aws = h.aws.calls.length;
    const github = h.github.state.requests.length;
    await page(cookie);
    const first = h.aws.calls.slice(aws).map((c) => c.command);
    expect(first).toContain("GetTemplate");
    // The repository's installation, the pull request, the last deploy's check run.
    expect(h.github.state.requests.slice(github)).toEqual(["GET /repos/acme/shop/installation", "GET /repos/acme/shop/pulls/7", "GET /repos/acme/shop/commits/1111111111111111111111111111111111111111/check-runs"]);
    const before = h.aws.calls.length;
    const githubBefore = h.github.state.requests.length;
    await page(cookie);
    expect(h.aws.calls.slice(before).map((c) => c.command)).toEqual(first.filter((c) => c !== "GetTemplate"));
    expect(h.github.state.requests.slice(githubBefore)).toEqual([]);
    expect(first.filter((c) => /^(Create|Update|Delete|Execute)/.test(c))).toEqual([]);
  });

  it("filters by repository and state, and says what a bad state filter is", async () => {
    await deployed();
    const cookie = await signIn("ghu_alice");
    expect((await page(cookie, "/?repository=acme%2Fshop&state=ready")).text).toContain("1 of 1 preview shown.");
    const asleep = await page(cookie, "/?repository=&state=asleep");
    expect(asleep.text).toContain("0 of 1 preview shown. No preview matches these filters.");
    expect(asleep.html).toContain('<option value="asleep" selected>asleep</option>');
    const bad = await page(cookie, "/?state=sleeping");
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('state must be one of deploying, ready, failed, asleep, removing; got "sleeping".');
  });
});

describe("actions from the dashboard", () => {
  it("queues a writer's redeploy through the pull request's queue: a new check run, and a notice on the page", async () => {
    await deployed();
    const cookie = await signIn("ghu_alice");
    const { html } = await page(cookie);
    const runs = h.github.checkRuns(SHA1).length;
    const answer = await call(port, { method: "POST", path: "/previews/acme/shop/7/redeploy", host: BERTH, cookie, origin: ORIGIN, form: { csrf: csrfOf(html) } });
    expect(answer.status).toBe(303);
    expect(answer.headers.location).toBe("/");
    const after = await page(cookie);
    expect(after.html).toContain('<p class="notice" role="status">Redeploy of acme/shop#7 queued.</p>');
    // Shown once.
    expect((await page(cookie)).html).not.toContain("queued.");
    await h.settle();
    const checks = h.github.checkRuns(SHA1);
    expect(checks).toHaveLength(runs + 1);
    expect(checks.at(-1)!.output.summary).toContain("Redeploy of `1111111` for pull request #7");
    expect(checks.at(-1)!.conclusion).toBe("success");
  });

  it("extends the expiry: the stack records new activity now, and the sticky comment shows the new expiry", async () => {
    await deployed();
    clock += 5 * 3600_000;
    const cookie = await signIn("ghu_alice");
    const { html } = await page(cookie);
    const answer = await call(port, { method: "POST", path: "/previews/acme/shop/7/extend", host: BERTH, cookie, origin: ORIGIN, form: { csrf: csrfOf(html) } });
    expect(answer.status).toBe(303);
    await h.settle();
    expect(h.aws.state.cloudformation.stacks.get(STACK)!.tags["berth:active-at"]).toBe("2026-12-03T15:00:00.000Z");
    expect((await page(cookie)).text).toContain("expires in 24h (Dec 4, 2026, 15:00 UTC) at the earliest");
    expect(h.github.stickyComments()[0]?.body).toContain("### ✅ Preview ready");
  });

  it.each(["wake", "extend"])("%s on a sleeping preview wakes it: the page offers Wake, and after it the preview is ready again", async (action) => {
    await deployed("sleep_after: 30m\nexpire_after: 1d\n");
    clock += 31 * 60_000;
    await h.previews.sweepIdle();
    await h.settle();
    const cookie = await signIn("ghu_alice");
    const asleep = await page(cookie);
    expect(asleep.text).toContain("asleep since Dec 3, 2026, 10:31 UTC");
    expect(asleep.text).toContain("Wake acme/shop#7");
    expect(asleep.text).not.toContain("Extend expiry acme/shop#7");
    const answer = await call(port, { method: "POST", path: `/previews/acme/shop/7/${action}`, host: BERTH, cookie, origin: ORIGIN, form: { csrf: csrfOf(asleep.html) } });
    expect(answer.status).toBe(303);
    await h.settle();
    const tags = h.aws.state.cloudformation.stacks.get(STACK)!.tags;
    expect(tags["berth:asleep"]).toBeUndefined();
    expect(tags["berth:active-at"]).toBe("2026-12-03T10:31:00.000Z");
    const awake = await page(cookie);
    expect(awake.text).toContain(`${action === "wake" ? "Wake" : "Extend expiry"} of acme/shop#7 queued.`);
    expect(awake.text).toContain("sleeps in 30m (Dec 3, 2026, 11:01 UTC) at the earliest");
  });

  it("refuses a reader's forged POST with 403 and a clear message, and nothing happens", async () => {
    await deployed();
    const cookie = await signIn("ghu_bob");
    const { html } = await page(cookie);
    const mutations = h.aws.mutations().length;
    const runs = h.github.checkRuns(SHA1).length;
    const answer = await call(port, { method: "POST", path: "/previews/acme/shop/7/destroy", host: BERTH, cookie, origin: ORIGIN, form: { csrf: csrfOf(html) } });
    expect(answer.status).toBe(403);
    expect(visibleText(answer.text)).toContain("bob has read access to acme/shop: Destroy needs write access. Ask a maintainer.");
    await h.settle();
    expect(h.aws.mutations()).toHaveLength(mutations);
    expect(h.github.checkRuns(SHA1)).toHaveLength(runs);
    expect(h.aws.state.cloudformation.stacks.get(STACK)).toBeDefined();
  });

  it("refuses a writer whose write access GitHub no longer grants, checked again at the press", async () => {
    await deployed();
    const cookie = await signIn("ghu_alice");
    h.github.setPermission("alice", "read");
    const { html } = await page(cookie);
    const answer = await call(port, { method: "POST", path: "/previews/acme/shop/7/reset", host: BERTH, cookie, origin: ORIGIN, form: { csrf: csrfOf(html) } });
    expect(answer.status).toBe(403);
    expect(visibleText(answer.text)).toContain("GitHub says alice has no write access to acme/shop now: Reset data needs it. Ask a maintainer.");
  });

  it.each<[string, { origin?: string; csrf: "none" | "foreign" | "own" }, string]>([
    ["without the CSRF token", { origin: ORIGIN, csrf: "none" }, "The form's CSRF token is missing or stale: reload the dashboard and try again."],
    ["with another session's CSRF token", { origin: ORIGIN, csrf: "foreign" }, "The form's CSRF token is missing or stale: reload the dashboard and try again."],
    ["from another origin", { origin: "https://evil.example.com", csrf: "own" }, "This form was not sent from berth's dashboard (Origin https://evil.example.com, expected https://berth.preview.example.com); berth refuses it."],
    ["without an Origin", { csrf: "own" }, "This form was not sent from berth's dashboard (Origin missing, expected https://berth.preview.example.com); berth refuses it."],
  ])("refuses a writer's POST %s with 403", async (_what, request, message) => {
    await deployed();
    const cookie = await signIn("ghu_alice");
    const own = csrfOf((await page(cookie)).html);
    const foreign = csrfOf((await page(await signIn("ghu_bob"))).html);
    const form: Record<string, string> = request.csrf === "none" ? {} : { csrf: request.csrf === "own" ? own : foreign };
    const runs = h.github.checkRuns(SHA1).length;
    const answer = await call(port, { method: "POST", path: "/previews/acme/shop/7/redeploy", host: BERTH, cookie, ...(request.origin ? { origin: request.origin } : {}), form });
    expect(answer.status).toBe(403);
    expect(visibleText(answer.text)).toContain(message);
    await h.settle();
    expect(h.github.checkRuns(SHA1)).toHaveLength(runs);
  });

  it("refuses a POST from nobody signed in", async () => {
    await deployed();
    const answer = await call(port, { method: "POST", path: "/previews/acme/shop/7/redeploy", host: BERTH, origin: ORIGIN, form: { csrf: "x" } });
    expect(answer.status).toBe(403);
    expect(visibleText(answer.text)).toContain("You are not signed in, or your sign-in expired: sign in again, then retry.");
  });
});

describe("other hosts", () => {
  it.each(["/", "/auth/login"])("a preview's host still gets the waking page at %s, never the dashboard", async (path) => {
    await deployed();
    const answer = await call(port, { path, host: HOST });
    expect(answer.status).toBe(503);
    expect(answer.text).toContain("<title>Waking up this preview</title>");
    expect(answer.headers.location).toBeUndefined();
  });

  it("a host no preview has gets a bare 404", async () => {
    await deployed();
    const answer = await call(port, { path: "/", host: "pr-1-nothing.preview.example.com" });
    expect(answer.status).toBe(404);
    expect(answer.text).toBe("Not Found\n");
  });
});
