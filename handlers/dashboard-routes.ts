import type { IncomingMessage, ServerResponse } from "node:http";
import { DASHBOARD_STATES } from "../src/dashboard/dashboard-row.js";
import { mayAct, mayRead, type DashboardFilter } from "../src/dashboard/dashboard-access.js";
import { DASHBOARD_LABEL, type DashboardActionId, type PreviewService } from "../src/preview/index.js";
import type { Logger } from "../src/util/logger.js";
import type { GitHubSignIn } from "./dashboard-oauth.js";
import { PAGE_HEADERS, renderDashboardPage, renderMessagePage, renderSignInPage } from "./dashboard-page.js";
import { cookie, randomToken, readCookies, sameSecret, SESSION_TTL_MS, type Session, type SessionStore } from "./dashboard-sessions.js";

/** What the dashboard's routes need. */
export interface DashboardDeps {
  previews: Pick<PreviewService, "listPreviews" | "dashboardAction">;
  signIn: GitHubSignIn;
  sessions: SessionStore;
  /** berth's own origin (BERTH_PUBLIC_URL): its host gets the dashboard, its forms must come from it. */
  publicUrl: string;
  /** GitHub's web address, for links. */
  githubUrl: string;
  now: () => Date;
  log: Logger;
}

/** The dashboard as berth's HTTP server sees it: which requests of its own host it answers, and how. */
export interface Dashboard {
  /** berth's own host (`berth.example.com`): the only one whose requests reach the dashboard. */
  host: string;
  answers(method: string, path: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

// `__Host-`: the browser keeps these only when set Secure, with Path=/ and no Domain.
const SESSION_COOKIE = "__Host-berth-session";
const STATE_COOKIE = "__Host-berth-state";
const ACTIONS = new Set<string>(Object.keys(DASHBOARD_LABEL));
const ACTION_PATH = /^\/previews\/([A-Za-z0-9-]{1,39})\/([A-Za-z0-9._-]{1,100})\/(\d{1,9})\/([a-z]+)$/;
/** The largest form body berth reads: a CSRF token and nothing else. */
const MAX_BODY = 4096;

/**
 * The dashboard of live previews on berth's own host: `/` (the list, or the sign-in page),
 * `/auth/login` and `/auth/callback` (GitHub's web flow), `POST /auth/logout`, and
 * `POST /previews/{owner}/{repo}/{pr}/{action}` (an action, from a person with write access).
 * Three path patterns (`/`, `/auth/*`, `/previews/*`): a load balancer rule matches at most three.
 */
export function createDashboard(deps: DashboardDeps): Dashboard {
  const origin = new URL(deps.publicUrl).origin;
  return {
    host: new URL(deps.publicUrl).host,
    answers: (method, path) =>
      ((method === "GET" || method === "HEAD") && (path === "/" || path === "/auth/login" || path === "/auth/callback")) || (method === "POST" && (path === "/auth/logout" || path.startsWith("/previews/"))),
    handle: (req, res) =>
      route(deps, origin, req, res).catch((error: unknown) => {
        deps.log.error({ err: error }, "dashboard request failed");
        if (!res.headersSent) send(res, 500, renderMessagePage("Something went wrong", "berth could not answer this request; the operators have the details in berth's log. Try again in a minute."));
        else res.end();
      }),
  };
}

async function route(deps: DashboardDeps, origin: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", origin);
  const cookies = readCookies(req.headers.cookie);
  const session = deps.sessions.find(cookies[SESSION_COOKIE]);
  if (req.method === "GET" || req.method === "HEAD") {
    if (url.pathname === "/auth/login") return login(deps, res);
    if (url.pathname === "/auth/callback") return callback(deps, url, cookies[STATE_COOKIE], res);
    if (!session) return send(res, 200, renderSignInPage(), req.method === "HEAD");
    return list(deps, session, url, res, req.method === "HEAD");
  }
  // Every POST: a signed-in person, a form from berth's own pages (Origin), carrying the session's token.
  if (!session) return send(res, 403, renderSignInPage("You are not signed in, or your sign-in expired: sign in again, then retry."));
  if (req.headers.origin !== origin) {
    return send(res, 403, renderMessagePage("Refused", `This form was not sent from berth's dashboard (Origin ${req.headers.origin ?? "missing"}, expected ${origin}); berth refuses it.`));
  }
  const form = await readForm(req);
  if (form === undefined) return send(res, 413, renderMessagePage("Refused", `The form is larger than ${MAX_BODY} bytes.`));
  if (!sameSecret(form.get("csrf") ?? undefined, session.csrf)) {
    return send(res, 403, renderMessagePage("Refused", "The form's CSRF token is missing or stale: reload the dashboard and try again."));
  }
  if (url.pathname === "/auth/logout") {
    deps.sessions.end(session.id);
    res.writeHead(303, { location: "/", "set-cookie": cookie(SESSION_COOKIE, "", { maxAgeSeconds: 0 }), "cache-control": "no-store" }).end();
    return;
  }
  return act(deps, session, url.pathname, res);
}

/** Starts GitHub's web flow: a random `state`, bound to this browser by a cookie, and the way to GitHub. */
function login(deps: DashboardDeps, res: ServerResponse): void {
  const state = randomToken();
  res.writeHead(302, { location: deps.signIn.authorizeUrl(state), "set-cookie": cookie(STATE_COOKIE, state, { maxAgeSeconds: 600 }), "cache-control": "no-store" }).end();
}

/** GitHub sent the browser back: the `state` must be this browser's, then the code becomes a session. */
async function callback(deps: DashboardDeps, url: URL, expectedState: string | undefined, res: ServerResponse): Promise<void> {
  const clearState = cookie(STATE_COOKIE, "", { maxAgeSeconds: 0 });
  const error = url.searchParams.get("error");
  if (error !== null) {
    return send(res, 400, renderSignInPage(`GitHub did not sign you in: ${url.searchParams.get("error_description") ?? error}.`), false, { "set-cookie": clearState });
  }
  const code = url.searchParams.get("code");
  if (!sameSecret(url.searchParams.get("state") ?? undefined, expectedState) || !code) {
    return send(res, 400, renderSignInPage("Sign-in refused: it was not started from this browser, or it took longer than 10 minutes (state mismatch). Sign in again."), false, { "set-cookie": clearState });
  }
  let signedIn;
  try {
    signedIn = await deps.signIn.signIn(code);
  } catch (error) {
    deps.log.warn({ err: error }, "dashboard sign-in failed");
    return send(res, 502, renderSignInPage(`GitHub did not complete the sign-in (${(error as Error).message}). Sign in again.`), false, { "set-cookie": clearState });
  }
  const session = deps.sessions.create(signedIn.login, signedIn.access);
  deps.log.info({ login: signedIn.login, repositories: signedIn.access.size }, "dashboard sign-in");
  res
    .writeHead(303, { location: "/", "set-cookie": [clearState, cookie(SESSION_COOKIE, session.id, { maxAgeSeconds: SESSION_TTL_MS / 1000 })], "cache-control": "no-store" })
    .end();
}

/** The list, filtered by `?repository=` and `?state=`, with the notice of the last action (once). */
async function list(deps: DashboardDeps, session: Session, url: URL, res: ServerResponse, head: boolean): Promise<void> {
  const filter: DashboardFilter = {};
  const repository = url.searchParams.get("repository");
  const state = url.searchParams.get("state");
  if (repository) filter.repository = repository;
  if (state) {
    if (!(DASHBOARD_STATES as readonly string[]).includes(state)) {
      return send(res, 400, renderMessagePage("Bad filter", `state must be one of ${DASHBOARD_STATES.join(", ")}; got "${state}".`), head);
    }
    filter.state = state;
  }
  let rows;
  try {
    rows = await deps.previews.listPreviews([...session.access.keys()]);
  } catch (error) {
    deps.log.error({ err: error }, "dashboard could not list the previews");
    return send(res, 503, renderMessagePage("Previews unavailable", "berth could not list the previews: AWS did not answer (details in berth's log). Try again in a minute."), head);
  }
  const notice = session.notice;
  delete session.notice;
  send(res, 200, renderDashboardPage({ login: session.login, rows, access: session.access, filter, csrf: session.csrf, ...(notice ? { notice } : {}), githubUrl: deps.githubUrl, now: deps.now() }), head);
}

/** An action button: write access by the sign-in's permissions, then by the engine's own check through the API. */
async function act(deps: DashboardDeps, session: Session, path: string, res: ServerResponse): Promise<void> {
  const match = ACTION_PATH.exec(path);
  if (!match || !ACTIONS.has(match[4]!)) return send(res, 404, renderMessagePage("Not found", "There is no such action: berth knows redeploy, reset, destroy, wake and extend."));
  const [, owner, repo, number, id] = match;
  const action = id as DashboardActionId;
  const repository = `${owner}/${repo}`;
  const what = `${repository}#${number}`;
  const label = DASHBOARD_LABEL[action];
  if (!mayAct(session.access, repository)) {
    const has = mayRead(session.access, repository) ? "read access" : "no access";
    return send(res, 403, renderMessagePage("Refused", `${session.login} has ${has} to ${repository}: ${label} needs write access. Ask a maintainer.`));
  }
  const outcome = await deps.previews.dashboardAction({ repo: { owner: owner!, repo: repo! }, pr: Number(number), user: session.login, action });
  if (outcome === "refused") {
    return send(res, 403, renderMessagePage("Refused", `GitHub says ${session.login} has no write access to ${repository} now: ${label} needs it. Ask a maintainer.`));
  }
  if (outcome === "restarting") return send(res, 503, renderMessagePage("berth is restarting", `${label} of ${what} was not queued: berth is restarting. Try again in a minute.`), false, { "retry-after": "60" });
  session.notice = outcome === "queued" ? { text: `${label} of ${what} queued.` } : { text: `${what} is not an open pull request, so there is nothing to ${label.toLowerCase()}.`, refused: true };
  deps.log.info({ login: session.login, action, preview: what, outcome }, "dashboard action");
  res.writeHead(303, { location: "/", "cache-control": "no-store" }).end();
}

function send(res: ServerResponse, status: number, html: string, head = false, headers: Record<string, string | string[]> = {}): void {
  res.writeHead(status, { ...PAGE_HEADERS, ...headers }).end(head ? undefined : html);
}

/** The url-encoded form of a POST, or undefined when it is larger than MAX_BODY. */
async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}
