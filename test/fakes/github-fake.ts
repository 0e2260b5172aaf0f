/**
 * A stateful fake of the GitHub REST API on nock, for driving the whole app: repository files per
 * commit, check runs, deployments with statuses, issue comments, reactions, permissions and pull
 * requests. Every request is checked against GitHub's OpenAPI description (githubApi()); a request
 * the fake does not know is recorded as a problem (the app swallows reporting errors, so a 404
 * alone would hide it) and `problems()` must stay empty. `fail()` injects GitHub's transient
 * answers on one route: a 5xx after the write was applied or not, a broken connection, or a
 * secondary rate limit (GitHub refuses those before it writes anything).
 */
import { createHash } from "node:crypto";
import nock from "nock";
import { findGitHubRequestProblems } from "../helpers/github-openapi.js";
import type { RepoPermission } from "../../src/preview/ports.js";

export const BOT_LOGIN = "berth-previews[bot]";

export interface FakeCheckRun {
  id: number;
  head_sha: string;
  name: string;
  external_id?: string;
  status: string;
  conclusion?: string;
  output: { title: string; summary: string; text?: string };
  details_url?: string;
  /** The buttons the run offers (GitHub keeps the last list sent). */
  actions?: Array<{ label: string; description: string; identifier: string }>;
  updates: number;
  /** The app that created the run; berth's unless a test adds another app's run. */
  app: { id: number; slug: string };
}

export interface FakeDeployment {
  id: number;
  sha: string;
  environment: string;
  /** `deploy` unless the create named one. */
  task: string;
  transient_environment: boolean;
  production_environment: boolean;
  /** What the create sent as `payload`; GitHub answers {} when none was given. */
  payload: unknown;
  statuses: Array<{ state: string; environment_url?: string; log_url?: string; description?: string }>;
}

export interface FakeComment {
  id: number;
  /** The issue or pull request the comment is on; a comment a test added without one shows on every one. */
  issue?: number;
  body: string;
  user: { login: string; type: string };
  reactions: string[];
  deleted?: boolean;
}

export interface FakePull {
  number: number;
  /** Default `Pull request #<number>`. */
  title?: string;
  headSha: string;
  branch: string;
  fork?: boolean;
  state?: "open" | "closed";
  draft?: boolean;
  labels?: string[];
  /** Who opened it; default octocat, a person. */
  user?: { login: string; type: "User" | "Bot" };
  baseBranch?: string;
}

/**
 * A route of the fake by method and path below the repository, e.g. `POST check-runs`,
 * `PATCH check-runs/{id}`, `POST deployments`, `POST issues/{number}/comments`.
 */
export type FakeRoute =
  | "POST access_tokens"
  | "GET app"
  | "GET installation"
  | "GET contents/{path}"
  | "GET git/trees/{sha}"
  | "POST check-runs"
  | "PATCH check-runs/{id}"
  | "GET commits/{ref}/check-runs"
  | "POST deployments"
  | "POST deployments/{id}/statuses"
  | "GET deployments"
  | "GET deployments/{id}/statuses"
  | "GET issues/{number}/comments"
  | "POST issues/{number}/comments"
  | "PATCH issues/comments/{id}"
  | "DELETE issues/comments/{id}"
  | "POST issues/comments/{id}/reactions"
  | "GET collaborators/{user}/permission"
  | "GET pulls/{number}"
  | "GET compare/{basehead}"
  | "GET pulls"
  | "GET app/installations"
  | "GET installation/repositories"
  | "GET user"
  | "GET user/installations"
  | "GET user/installations/{id}/repositories";

/** A person who signed in to the dashboard: their user token and what GitHub says they can do per repository. */
export interface FakeUser {
  login: string;
  /** Repositories of the app's installation the person can see, with GitHub's `permissions` on each. */
  repositories: Array<{ full_name: string; permissions: { admin: boolean; maintain?: boolean; push: boolean; triage?: boolean; pull: boolean } }>;
}

/**
 * A transient answer GitHub gives instead of the route's own, `times` times (default 1), to the
 * requests whose JSON body `when` accepts (all by default).
 */
export type FakeFault = { times?: number; when?: (body: Record<string, unknown>) => boolean } & (
  | {
      status: number;
      headers?: Record<string, string>;
      body?: unknown;
      /** The write happened before the answer failed (a 5xx can mean either). */
      applied?: boolean;
    }
  | {
      /** The connection breaks with this error code (e.g. ECONNRESET) instead of any answer. */
      connectionError: string;
      applied?: boolean;
    }
);

interface Request {
  method: string;
  path: string;
  url: URL;
  body: Record<string, unknown>;
  /** The token of `authorization: token <…>` or `bearer <…>`. */
  token?: string;
}

/** Creates the fake for one repository `owner/repo` with the given files at every commit. */
export function createGitHubFake(options: {
  owner: string;
  repo: string;
  files: Record<string, string>;
  installationId?: number;
  executable?: string[];
  /** Check every request against GitHub's OpenAPI description (default); a benchmark that measures the app's own CPU turns it off. */
  checkRequests?: boolean;
}) {
  const { owner, repo } = options;
  const faults: Array<{ method: string; path: RegExp; status: number; times: number }> = [];
  const state = {
    filesBySha: new Map<string, Record<string, string>>(),
    defaultFiles: options.files,
    checkRuns: [] as FakeCheckRun[],
    /** Every summary a check run was created or updated with, in order: what people saw while it ran. */
    checkRunSummaries: [] as Array<{ id: number; summary: string }>,
    deployments: [] as FakeDeployment[],
    comments: [] as FakeComment[],
    permissions: new Map<string, RepoPermission>(),
    pulls: new Map<number, FakePull>(),
    /** People by user token (`setUser`). */
    users: new Map<string, FakeUser>(),
    problems: [] as string[],
    requests: [] as string[],
    /** GETs answered 304 Not Modified: their `If-None-Match` named the answer's ETag, so no rate limit was spent. */
    notModified: [] as string[],
    faults: new Map<FakeRoute, FakeFault[]>(),
  };
  let nextId = 1000;
  let chaos: ((request: { route: FakeRoute; body: Record<string, unknown> }) => FakeFault | undefined) | undefined;
  const prefix = `/repos/${owner}/${repo}`;
  const baseRepo = { id: 1, full_name: `${owner}/${repo}` };
  const pullJson = (pull: FakePull) => ({
    number: pull.number,
    title: pull.title ?? `Pull request #${pull.number}`,
    state: pull.state ?? "open",
    draft: pull.draft ?? false,
    head: { sha: pull.headSha, ref: pull.branch, repo: pull.fork ? { id: 2, full_name: `someone/${repo}` } : baseRepo },
    base: { sha: "b".repeat(40), ref: pull.baseBranch ?? "main", repo: baseRepo },
    labels: (pull.labels ?? []).map((name, i) => ({ id: 9000 + i, name })),
    user: pull.user ?? { login: "octocat", type: "User" },
  });
  /** Answers for the person whose user token the request carries; 401 without one GitHub knows. */
  const withUser = (req: Request, answer: (user: FakeUser) => [number, unknown?, Record<string, string>?]): [number, unknown?, Record<string, string>?] => {
    const user = req.token === undefined ? undefined : state.users.get(req.token);
    return user === undefined ? [401, { message: "Bad credentials" }] : answer(user);
  };
  /** One page of a list as GitHub pages it (`per_page`, `page`, a Link header when more follow). */
  const paginate = <T>(req: Request, items: T[], defaultPerPage = 30): [T[], Record<string, string>] => {
    const perPage = Number(req.url.searchParams.get("per_page") ?? defaultPerPage);
    const page = Number(req.url.searchParams.get("page") ?? 1);
    const slice = items.slice((page - 1) * perPage, page * perPage);
    const more = page * perPage < items.length;
    return [slice, more ? { link: `<https://api.github.com${req.path}?per_page=${perPage}&page=${page + 1}>; rel="next"` } : {}];
  };

  const routes: Array<[route: FakeRoute, pattern: RegExp, handler: (req: Request, m: RegExpMatchArray) => [number, unknown?, Record<string, string>?]]> = [
    ["POST access_tokens", /^\/app\/installations\/(\d+)\/access_tokens$/, () => [201, { token: "ghs_testinstallationtoken", expires_at: "2099-01-01T00:00:00Z", permissions: {} }]],
    ["GET app", /^\/app$/, () => [200, { id: 1, slug: "berth-previews", name: "berth previews" }]],
    ["GET installation", new RegExp(`^${prefix}/installation$`), () => [200, { id: options.installationId ?? 1 }]],
    ["GET app/installations", /^\/app\/installations$/, () => [200, [{ id: options.installationId ?? 1, account: { login: owner } }]]],
    [
      "GET installation/repositories",
      /^\/installation\/repositories$/,
      (req) => {
        const [repositories, headers] = paginate(req, [{ id: 1, name: repo, full_name: `${owner}/${repo}`, owner: { login: owner }, default_branch: "main" }]);
        return [200, { total_count: 1, repositories }, headers];
      },
    ],
    ["GET user", /^\/user$/, (req) => withUser(req, (user) => [200, { login: user.login, id: 77, type: "User" }])],
    [
      "GET user/installations",
      /^\/user\/installations$/,
      (req) => withUser(req, () => {
        const [installations, headers] = paginate(req, [{ id: options.installationId ?? 1, account: { login: owner }, app_id: 1 }]);
        return [200, { total_count: 1, installations }, headers];
      }),
    ],
    [
      "GET user/installations/{id}/repositories",
      /^\/user\/installations\/(\d+)\/repositories$/,
      (req, m) => withUser(req, (user) => {
        if (Number(m[1]) !== (options.installationId ?? 1)) return [404, { message: "Not Found" }];
        const all = user.repositories.map((r, i) => ({ id: 100 + i, name: r.full_name.split("/")[1], full_name: r.full_name, owner: { login: r.full_name.split("/")[0] }, permissions: r.permissions }));
        const [repositories, headers] = paginate(req, all);
        return [200, { total_count: all.length, repositories }, headers];
      }),
    ],
    [
      "GET pulls",
      new RegExp(`^${prefix}/pulls$`),
      (req) => {
        const wanted = req.url.searchParams.get("state") ?? "open";
        const pulls = [...state.pulls.values()].filter((p) => wanted === "all" || (p.state ?? "open") === wanted).sort((x, y) => x.number - y.number);
        const [page, headers] = paginate(req, pulls.map(pullJson));
        return [200, page, headers];
      },
    ],
    [
      "GET contents/{path}",
      new RegExp(`^${prefix}/contents/(.+)$`),
      (req, m) => {
        const file = decodeURIComponent(m[1]!);
        const ref = req.url.searchParams.get("ref") ?? "";
        const files = state.filesBySha.get(ref) ?? state.defaultFiles;
        const text = files[file];
        if (text === undefined) return [404, { message: "Not Found" }];
        return [200, { type: "file", encoding: "base64", size: Buffer.byteLength(text), name: file.split("/").pop(), path: file, content: Buffer.from(text).toString("base64"), sha: "blob" }];
      },
    ],
    [
      "GET git/trees/{sha}",
      new RegExp(`^${prefix}/git/trees/([0-9a-f]+)$`),
      (req, m) => {
        const files = state.filesBySha.get(m[1]!) ?? state.defaultFiles;
        if (req.url.searchParams.get("recursive") === null) return [422, { message: "the fake lists whole trees only" }];
        const tree = Object.entries(files).map(([file, text]) => ({
          path: file,
          mode: options.executable?.includes(file) ? "100755" : "100644",
          type: "blob",
          sha: "blob",
          size: Buffer.byteLength(text),
        }));
        return [200, { sha: m[1], truncated: false, tree }];
      },
    ],
    [
      "POST check-runs",
      new RegExp(`^${prefix}/check-runs$`),
      (req) => {
        const run: FakeCheckRun = {
          id: nextId++,
          head_sha: String(req.body.head_sha),
          name: String(req.body.name),
          status: String(req.body.status ?? "queued"),
          output: req.body.output as FakeCheckRun["output"],
          updates: 0,
          app: { id: 1, slug: "berth-previews" },
          ...(req.body.details_url ? { details_url: String(req.body.details_url) } : {}),
          ...(typeof req.body.external_id === "string" ? { external_id: req.body.external_id } : {}),
        };
        state.checkRuns.push(run);
        if (run.output) state.checkRunSummaries.push({ id: run.id, summary: run.output.summary });
        return [201, checkRunJson(run)];
      },
    ],
    [
      "GET commits/{ref}/check-runs",
      new RegExp(`^${prefix}/commits/([^/]+)/check-runs$`),
      (req, m) => {
        // `filter=latest` (GitHub's default) keeps the most recent run of each name.
        const name = req.url.searchParams.get("check_name");
        const latest = (req.url.searchParams.get("filter") ?? "latest") === "latest";
        const runs = state.checkRuns.filter((r) => r.head_sha === decodeURIComponent(m[1]!) && (name === null || r.name === name)).reverse();
        const kept = latest ? runs.filter((r, i) => runs.findIndex((o) => o.name === r.name) === i) : runs;
        return [200, { total_count: kept.length, check_runs: kept.map(checkRunJson) }];
      },
    ],
    [
      "PATCH check-runs/{id}",
      new RegExp(`^${prefix}/check-runs/(\\d+)$`),
      (req, m) => {
        const run = state.checkRuns.find((r) => r.id === Number(m[1]));
        if (!run) return [404, { message: "Not Found" }];
        if (req.body.output) {
          run.output = req.body.output as FakeCheckRun["output"];
          state.checkRunSummaries.push({ id: run.id, summary: run.output.summary });
        }
        if (req.body.status) run.status = String(req.body.status);
        if (req.body.conclusion) run.conclusion = String(req.body.conclusion);
        if (req.body.details_url) run.details_url = String(req.body.details_url);
        if (req.body.actions) run.actions = req.body.actions as FakeCheckRun["actions"];
        run.updates += 1;
        return [200, { id: run.id }];
      },
    ],
    [
      "POST deployments",
      new RegExp(`^${prefix}/deployments$`),
      (req) => {
        const deployment: FakeDeployment = {
          id: nextId++,
          sha: String(req.body.ref),
          environment: String(req.body.environment),
          task: typeof req.body.task === "string" ? req.body.task : "deploy",
          transient_environment: req.body.transient_environment === true,
          production_environment: req.body.production_environment === true,
          payload: req.body.payload ?? {},
          statuses: [],
        };
        state.deployments.push(deployment);
        return [201, deploymentJson(deployment)];
      },
    ],
    [
      "POST deployments/{id}/statuses",
      new RegExp(`^${prefix}/deployments/(\\d+)/statuses$`),
      (req, m) => {
        const deployment = state.deployments.find((d) => d.id === Number(m[1]));
        if (!deployment) return [404, { message: "Not Found" }];
        deployment.statuses.push(req.body as FakeDeployment["statuses"][number]);
        return [201, { id: nextId++, state: req.body.state }];
      },
    ],
    [
      "GET deployments",
      new RegExp(`^${prefix}/deployments$`),
      (req) => {
        const env = req.url.searchParams.get("environment");
        const sha = req.url.searchParams.get("sha");
        const task = req.url.searchParams.get("task");
        const list = state.deployments.filter((d) => (env === null || d.environment === env) && (sha === null || d.sha === sha) && (task === null || d.task === task)).reverse();
        const [page, headers] = paginate(req, list);
        return [200, page.map(deploymentJson), headers];
      },
    ],
    [
      "GET deployments/{id}/statuses",
      new RegExp(`^${prefix}/deployments/(\\d+)/statuses$`),
      (req, m) => {
        const deployment = state.deployments.find((d) => d.id === Number(m[1]));
        const [page, headers] = paginate(req, [...(deployment?.statuses ?? [])].reverse().map((s, i) => ({ id: i + 1, ...s })));
        return [200, page, headers];
      },
    ],
    [
      "GET issues/{number}/comments",
      new RegExp(`^${prefix}/issues/(\\d+)/comments$`),
      (_req, m) => [
        200,
        state.comments.filter((c) => !c.deleted && (c.issue === undefined || c.issue === Number(m[1]))).map((c) => ({ id: c.id, body: c.body, user: c.user })),
      ],
    ],
    [
      "POST issues/{number}/comments",
      new RegExp(`^${prefix}/issues/(\\d+)/comments$`),
      (req, m) => {
        const comment: FakeComment = { id: nextId++, issue: Number(m[1]), body: String(req.body.body), user: { login: BOT_LOGIN, type: "Bot" }, reactions: [] };
        state.comments.push(comment);
        return [201, { id: comment.id, body: comment.body }];
      },
    ],
    [
      "PATCH issues/comments/{id}",
      new RegExp(`^${prefix}/issues/comments/(\\d+)$`),
      (req, m) => {
        const comment = state.comments.find((c) => c.id === Number(m[1]));
        if (!comment) return [404, { message: "Not Found" }];
        comment.body = String(req.body.body);
        return [200, { id: comment.id }];
      },
    ],
    [
      "DELETE issues/comments/{id}",
      new RegExp(`^${prefix}/issues/comments/(\\d+)$`),
      (_req, m) => {
        const comment = state.comments.find((c) => c.id === Number(m[1]));
        if (comment) comment.deleted = true;
        return [204];
      },
    ],
    [
      "POST issues/comments/{id}/reactions",
      new RegExp(`^${prefix}/issues/comments/(\\d+)/reactions$`),
      (req, m) => {
        const comment = state.comments.find((c) => c.id === Number(m[1]));
        comment?.reactions.push(String(req.body.content));
        return [201, { id: nextId++, content: req.body.content }];
      },
    ],
    [
      "GET collaborators/{user}/permission",
      new RegExp(`^${prefix}/collaborators/([^/]+)/permission$`),
      (_req, m) => {
        const permission = state.permissions.get(decodeURIComponent(m[1]!));
        if (permission === undefined || permission === "none") return [404, { message: "Not Found" }];
        const base = permission === "maintain" ? "write" : permission === "triage" ? "read" : permission;
        return [200, { permission: base, role_name: permission, user: { login: m[1] } }];
      },
    ],
    [
      "GET compare/{basehead}",
      new RegExp(`^${prefix}/compare/([0-9a-f]+)\\.\\.\\.([0-9a-f]+)$`),
      (_req, m) => {
        // The files whose content differs between the two commits' trees (the fake has no history).
        const before = state.filesBySha.get(m[1]!) ?? state.defaultFiles;
        const after = state.filesBySha.get(m[2]!) ?? state.defaultFiles;
        const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((name) => before[name] !== after[name]).sort();
        const files = names.slice(0, 300).map((filename) => ({ filename, status: !(filename in before) ? "added" : !(filename in after) ? "removed" : "modified" }));
        return [200, { status: "ahead", ahead_by: 1, behind_by: 0, total_commits: 1, commits: [], files }];
      },
    ],
    [
      "GET pulls/{number}",
      new RegExp(`^${prefix}/pulls/(\\d+)$`),
      (_req, m) => {
        const pull = state.pulls.get(Number(m[1]));
        if (!pull) return [404, { message: "Not Found" }];
        return [200, pullJson(pull)];
      },
    ],
  ];

  function checkRunJson(run: FakeCheckRun) {
    return {
      id: run.id,
      name: run.name,
      head_sha: run.head_sha,
      external_id: run.external_id ?? null,
      status: run.status,
      conclusion: run.conclusion ?? null,
      output: { title: run.output.title, summary: run.output.summary, text: run.output.text ?? null },
      app: run.app,
      html_url: `https://github.com/${owner}/${repo}/runs/${run.id}`,
    };
  }

  function deploymentJson(deployment: FakeDeployment) {
    return { id: deployment.id, sha: deployment.sha, environment: deployment.environment, task: deployment.task, payload: deployment.payload };
  }

  /** The first injected fault of the route that applies to the request, used up as it is returned. */
  function takeFault(route: FakeRoute, body: Record<string, unknown>): FakeFault | undefined {
    const queue = state.faults.get(route) ?? [];
    const index = queue.findIndex((f) => f.when === undefined || f.when(body));
    const fault = queue[index];
    if (fault === undefined) return undefined;
    const left = (fault.times ?? 1) - 1;
    if (left > 0) queue[index] = { ...fault, times: left };
    else queue.splice(index, 1);
    return fault;
  }

  const scope = nock("https://api.github.com").persist();
  for (const method of ["GET", "POST", "PATCH", "DELETE", "PUT"]) {
    const intercept = scope.intercept(/.*/, method);
    intercept.reply(function (uri, requestBody, reply) {
      const url = new URL(uri, "https://api.github.com");
      const body = typeof requestBody === "string" && requestBody !== "" ? (JSON.parse(requestBody) as Record<string, unknown>) : ((requestBody || {}) as Record<string, unknown>);
      if (options.checkRequests !== false) state.problems.push(...findGitHubRequestProblems(method, uri, requestBody === "" ? undefined : requestBody));
      state.requests.push(`${method} ${url.pathname}`);
      const pathFault = faults.find((f) => f.method === method && f.path.test(`${url.pathname}${url.search}`) && f.times > 0);
      if (pathFault) {
        pathFault.times -= 1;
        return reply(null, [pathFault.status, { message: "Server Error" }, {}]);
      }
      for (const [route, pattern, handler] of routes) {
        if (!route.startsWith(`${method} `)) continue;
        const match = url.pathname.match(pattern);
        if (!match) continue;
        const fault = takeFault(route, body) ?? chaos?.({ route, body });
        if (fault === undefined || fault.applied === true) {
          const token = /^(?:token|bearer) (.+)$/i.exec(String(this.req.headers.authorization ?? ""))?.[1];
          const [status, payload, headers] = handler({ method, path: url.pathname, url, body, ...(token === undefined ? {} : { token }) }, match);
          if (fault === undefined && method === "GET" && status === 200) {
            // GitHub's ETag names the answer; asked again with it, an unchanged answer is a bodiless 304.
            const etag = `W/"${createHash("sha1").update(JSON.stringify([payload, headers ?? {}])).digest("hex")}"`;
            if (this.req.headers["if-none-match"] === etag) {
              state.notModified.push(`${method} ${url.pathname}`);
              return reply(null, [304, "", { etag }]);
            }
            return reply(null, [status, payload ?? "", { ...headers, etag }]);
          }
          if (fault === undefined) return reply(null, [status, payload ?? "", headers ?? {}]);
        }
        // nock ignores the answer when it is given an error: the request fails as a broken connection would.
        if ("connectionError" in fault!) return reply(Object.assign(new Error(`${fault.connectionError}: the connection broke`), { code: fault.connectionError }), [0, ""]);
        return reply(null, [fault!.status, fault!.body ?? { message: "Server Error" }, fault!.headers ?? {}]);
      }
      state.problems.push(`${method} ${url.pathname}: not handled by the GitHub fake`);
      reply(null, [501, { message: "not handled by the fake" }, {}]);
    });
  }

  return {
    state,
    /** Files at one commit (others fall back to the default files). */
    setFiles(sha: string, files: Record<string, string>) {
      state.filesBySha.set(sha, files);
    },
    setPermission(user: string, permission: RepoPermission) {
      state.permissions.set(user, permission);
    },
    /** A person who can sign in to the dashboard with `token` (what GitHub's code exchange hands out). */
    setUser(token: string, user: FakeUser) {
      state.users.set(token, user);
    },
    setPull(pull: FakePull) {
      state.pulls.set(pull.number, pull);
    },
    /** Answers the next `times` requests of `method` whose path and query match with `status` (e.g. a 502). */
    failRequests(method: string, path: RegExp, status: number, times = 1) {
      faults.push({ method, path, status, times });
    },
    /** Drops the faults of `failRequests` not used yet: GitHub answers again. */
    healRequests() {
      faults.length = 0;
    },
    /** berth's check runs on a commit, oldest first. */
    checkRuns(sha: string): FakeCheckRun[] {
      return state.checkRuns.filter((r) => r.head_sha === sha);
    },
    /** The deployments of a commit, oldest first. */
    deploymentsOf(sha: string): FakeDeployment[] {
      return state.deployments.filter((d) => d.sha === sha);
    },
    /** A comment someone else wrote (for commands), on pull request `issue` (or every one), returns its id. */
    addComment(body: string, user = { login: "octocat", type: "User" }, issue?: number): number {
      const comment: FakeComment = { id: nextId++, body, user, reactions: [], ...(issue === undefined ? {} : { issue }) };
      state.comments.push(comment);
      return comment.id;
    },
    /** berth's sticky comments still present, on every pull request or on one. */
    stickyComments(pr?: number): FakeComment[] {
      return state.comments.filter((c) => !c.deleted && c.user.login === BOT_LOGIN && c.body.includes("<!-- berth:preview -->") && (pr === undefined || c.issue === pr));
    },
    /**
     * Replies berth posted that are not the sticky comment, on every pull request or on one, as
     * GitHub shows them: without berth's hidden reply markers.
     */
    replies(pr?: number): string[] {
      return state.comments
        .filter((c) => !c.deleted && c.user.login === BOT_LOGIN && !c.body.includes("<!-- berth:preview -->") && (pr === undefined || c.issue === pr))
        .map((c) => c.body.replace(/\n\n<!-- berth:reply-to:[\w-]+ -->$/, ""));
    },
    checkRun(sha: string): FakeCheckRun | undefined {
      return state.checkRuns.filter((r) => r.head_sha === sha).at(-1);
    },
    /**
     * Answers the next `times` requests of `route` with `fault` instead of the route's own answer
     * (after doing the route's write when `applied`). Faults of one route are used in order.
     */
    fail(route: FakeRoute, fault: FakeFault) {
      state.faults.set(route, [...(state.faults.get(route) ?? []), fault]);
    },
    /**
     * Asks `hook` about every request that no `fail()` fault answers: the fault it returns (or none)
     * answers that request. Randomized tests fail a share of all requests this way.
     */
    chaos(hook: ((request: { route: FakeRoute; body: Record<string, unknown> }) => FakeFault | undefined) | undefined) {
      chaos = hook;
    },
    /** How many requests of `METHOD /path` the app sent, e.g. `POST /repos/acme/shop/check-runs`. */
    count(request: string): number {
      return state.requests.filter((r) => r === request).length;
    },
    /** The summaries the check runs of this SHA showed, one after another. */
    checkRunSummaries(sha: string): string[] {
      const ids = new Set(state.checkRuns.filter((r) => r.head_sha === sha).map((r) => r.id));
      return state.checkRunSummaries.filter((s) => ids.has(s.id)).map((s) => s.summary);
    },
    problems(): string[] {
      return [...state.problems];
    },
    done() {
      nock.cleanAll();
    },
  };
}

export type GitHubFake = ReturnType<typeof createGitHubFake>;
