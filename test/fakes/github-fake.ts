/**
 * A stateful fake of the GitHub REST API on nock, for driving the whole app: repository files per
 * commit, check runs, deployments with statuses, issue comments, reactions, permissions and pull
 * requests. Every request is checked against GitHub's OpenAPI description (githubApi()); a request
 * the fake does not know is recorded as a problem (the app swallows reporting errors, so a 404
 * alone would hide it) and `problems()` must stay empty.
 */
import nock from "nock";
import { findGitHubRequestProblems } from "../helpers/github-openapi.js";
import type { RepoPermission } from "../../src/preview/ports.js";

export const BOT_LOGIN = "berth-previews[bot]";

export interface FakeCheckRun {
  id: number;
  head_sha: string;
  name: string;
  status: string;
  conclusion?: string;
  output: { title: string; summary: string; text?: string };
  details_url?: string;
  updates: number;
  /** The app that created the run; berth's unless a test adds another app's run. */
  app: { id: number; slug: string };
}

export interface FakeDeployment {
  id: number;
  sha: string;
  environment: string;
  transient_environment: boolean;
  production_environment: boolean;
  statuses: Array<{ state: string; environment_url?: string; log_url?: string; description?: string }>;
}

export interface FakeComment {
  id: number;
  body: string;
  user: { login: string; type: string };
  reactions: string[];
  deleted?: boolean;
}

export interface FakePull {
  number: number;
  headSha: string;
  branch: string;
  fork?: boolean;
  state?: "open" | "closed";
  draft?: boolean;
}

interface Request {
  method: string;
  path: string;
  url: URL;
  body: Record<string, unknown>;
}

/** Creates the fake for one repository `owner/repo` with the given files at every commit. */
export function createGitHubFake(options: { owner: string; repo: string; files: Record<string, string>; installationId?: number }) {
  const { owner, repo } = options;
  const faults: Array<{ method: string; path: RegExp; status: number; times: number }> = [];
  const state = {
    filesBySha: new Map<string, Record<string, string>>(),
    defaultFiles: options.files,
    checkRuns: [] as FakeCheckRun[],
    deployments: [] as FakeDeployment[],
    comments: [] as FakeComment[],
    permissions: new Map<string, RepoPermission>(),
    pulls: new Map<number, FakePull>(),
    problems: [] as string[],
    requests: [] as string[],
  };
  let nextId = 1000;
  const prefix = `/repos/${owner}/${repo}`;
  const baseRepo = { id: 1, full_name: `${owner}/${repo}` };
  const pullJson = (pull: FakePull) => ({
    number: pull.number,
    state: pull.state ?? "open",
    draft: pull.draft ?? false,
    head: { sha: pull.headSha, ref: pull.branch, repo: pull.fork ? { id: 2, full_name: `someone/${repo}` } : baseRepo },
    base: { sha: "b".repeat(40), ref: "main", repo: baseRepo },
  });
  /** One page of a list as GitHub pages it (`per_page`, `page`, a Link header when more follow). */
  const paginate = <T>(req: Request, items: T[], defaultPerPage = 30): [T[], Record<string, string>] => {
    const perPage = Number(req.url.searchParams.get("per_page") ?? defaultPerPage);
    const page = Number(req.url.searchParams.get("page") ?? 1);
    const slice = items.slice((page - 1) * perPage, page * perPage);
    const more = page * perPage < items.length;
    return [slice, more ? { link: `<https://api.github.com${req.path}?per_page=${perPage}&page=${page + 1}>; rel="next"` } : {}];
  };

  const routes: Array<[method: string, pattern: RegExp, handler: (req: Request, m: RegExpMatchArray) => [number, unknown?, Record<string, string>?]]> = [
    ["POST", /^\/app\/installations\/(\d+)\/access_tokens$/, () => [201, { token: "ghs_testinstallationtoken", expires_at: "2099-01-01T00:00:00Z", permissions: {} }]],
    ["GET", /^\/app$/, () => [200, { id: 1, slug: "berth-previews", name: "berth previews" }]],
    ["GET", /^\/app\/installations$/, () => [200, [{ id: options.installationId ?? 1, account: { login: owner } }]]],
    [
      "GET",
      /^\/installation\/repositories$/,
      (req) => {
        const [repositories, headers] = paginate(req, [{ id: 1, name: repo, full_name: `${owner}/${repo}`, owner: { login: owner }, default_branch: "main" }]);
        return [200, { total_count: 1, repositories }, headers];
      },
    ],
    [
      "GET",
      new RegExp(`^${prefix}/pulls$`),
      (req) => {
        const wanted = req.url.searchParams.get("state") ?? "open";
        const pulls = [...state.pulls.values()].filter((p) => wanted === "all" || (p.state ?? "open") === wanted).sort((a, b) => a.number - b.number);
        const [page, headers] = paginate(req, pulls.map(pullJson));
        return [200, page, headers];
      },
    ],
    [
      "GET",
      new RegExp(`^${prefix}/commits/([^/]+)/check-runs$`),
      (req, m) => {
        const name = req.url.searchParams.get("check_name");
        const runs = state.checkRuns.filter((r) => r.head_sha === m[1] && (name === null || r.name === name)).reverse();
        const [page, headers] = paginate(req, runs);
        const json = page.map((r) => ({
          id: r.id,
          head_sha: r.head_sha,
          name: r.name,
          status: r.status,
          conclusion: r.conclusion ?? null,
          output: { title: r.output.title, summary: r.output.summary, text: r.output.text ?? null },
          app: r.app,
        }));
        return [200, { total_count: runs.length, check_runs: json }, headers];
      },
    ],
    ["GET", new RegExp(`^${prefix}/installation$`), () => [200, { id: options.installationId ?? 1 }]],
    [
      "GET",
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
      "POST",
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
        };
        state.checkRuns.push(run);
        return [201, { id: run.id, html_url: `https://github.com/${owner}/${repo}/runs/${run.id}` }];
      },
    ],
    [
      "PATCH",
      new RegExp(`^${prefix}/check-runs/(\\d+)$`),
      (req, m) => {
        const run = state.checkRuns.find((r) => r.id === Number(m[1]));
        if (!run) return [404, { message: "Not Found" }];
        if (req.body.output) run.output = req.body.output as FakeCheckRun["output"];
        if (req.body.status) run.status = String(req.body.status);
        if (req.body.conclusion) run.conclusion = String(req.body.conclusion);
        if (req.body.details_url) run.details_url = String(req.body.details_url);
        run.updates += 1;
        return [200, { id: run.id }];
      },
    ],
    [
      "POST",
      new RegExp(`^${prefix}/deployments$`),
      (req) => {
        const deployment: FakeDeployment = {
          id: nextId++,
          sha: String(req.body.ref),
          environment: String(req.body.environment),
          transient_environment: req.body.transient_environment === true,
          production_environment: req.body.production_environment === true,
          statuses: [],
        };
        state.deployments.push(deployment);
        return [201, { id: deployment.id, sha: deployment.sha, environment: deployment.environment }];
      },
    ],
    [
      "POST",
      new RegExp(`^${prefix}/deployments/(\\d+)/statuses$`),
      (req, m) => {
        const deployment = state.deployments.find((d) => d.id === Number(m[1]));
        if (!deployment) return [404, { message: "Not Found" }];
        deployment.statuses.push(req.body as FakeDeployment["statuses"][number]);
        return [201, { id: nextId++, state: req.body.state }];
      },
    ],
    [
      "GET",
      new RegExp(`^${prefix}/deployments$`),
      (req) => {
        const env = req.url.searchParams.get("environment");
        const list = state.deployments.filter((d) => env === null || d.environment === env).reverse();
        const [page, headers] = paginate(req, list);
        return [200, page.map((d) => ({ id: d.id, sha: d.sha, environment: d.environment })), headers];
      },
    ],
    [
      "GET",
      new RegExp(`^${prefix}/deployments/(\\d+)/statuses$`),
      (req, m) => {
        const deployment = state.deployments.find((d) => d.id === Number(m[1]));
        const [page, headers] = paginate(req, [...(deployment?.statuses ?? [])].reverse().map((s, i) => ({ id: i + 1, ...s })));
        return [200, page, headers];
      },
    ],
    [
      "GET",
      new RegExp(`^${prefix}/issues/(\\d+)/comments$`),
      () => [200, state.comments.filter((c) => !c.deleted).map((c) => ({ id: c.id, body: c.body, user: c.user }))],
    ],
    [
      "POST",
      new RegExp(`^${prefix}/issues/(\\d+)/comments$`),
      (req) => {
        const comment: FakeComment = { id: nextId++, body: String(req.body.body), user: { login: BOT_LOGIN, type: "Bot" }, reactions: [] };
        state.comments.push(comment);
        return [201, { id: comment.id, body: comment.body }];
      },
    ],
    [
      "PATCH",
      new RegExp(`^${prefix}/issues/comments/(\\d+)$`),
      (req, m) => {
        const comment = state.comments.find((c) => c.id === Number(m[1]));
        if (!comment) return [404, { message: "Not Found" }];
        comment.body = String(req.body.body);
        return [200, { id: comment.id }];
      },
    ],
    [
      "DELETE",
      new RegExp(`^${prefix}/issues/comments/(\\d+)$`),
      (_req, m) => {
        const comment = state.comments.find((c) => c.id === Number(m[1]));
        if (comment) comment.deleted = true;
        return [204];
      },
    ],
    [
      "POST",
      new RegExp(`^${prefix}/issues/comments/(\\d+)/reactions$`),
      (req, m) => {
        const comment = state.comments.find((c) => c.id === Number(m[1]));
        comment?.reactions.push(String(req.body.content));
        return [201, { id: nextId++, content: req.body.content }];
      },
    ],
    [
      "GET",
      new RegExp(`^${prefix}/collaborators/([^/]+)/permission$`),
      (_req, m) => {
        const permission = state.permissions.get(decodeURIComponent(m[1]!));
        if (permission === undefined || permission === "none") return [404, { message: "Not Found" }];
        const base = permission === "maintain" ? "write" : permission === "triage" ? "read" : permission;
        return [200, { permission: base, role_name: permission, user: { login: m[1] } }];
      },
    ],
    [
      "GET",
      new RegExp(`^${prefix}/pulls/(\\d+)$`),
      (_req, m) => {
        const pull = state.pulls.get(Number(m[1]));
        if (!pull) return [404, { message: "Not Found" }];
        return [200, pullJson(pull)];
      },
    ],
  ];

  const scope = nock("https://api.github.com").persist();
  for (const method of ["GET", "POST", "PATCH", "DELETE", "PUT"]) {
    const intercept = scope.intercept(/.*/, method);
    intercept.reply(function (uri, requestBody) {
      const url = new URL(uri, "https://api.github.com");
      const body = typeof requestBody === "string" && requestBody !== "" ? (JSON.parse(requestBody) as Record<string, unknown>) : ((requestBody || {}) as Record<string, unknown>);
      state.problems.push(...findGitHubRequestProblems(method, uri, requestBody === "" ? undefined : requestBody));
      state.requests.push(`${method} ${url.pathname}`);
      const fault = faults.find((f) => f.method === method && f.path.test(`${url.pathname}${url.search}`) && f.times > 0);
      if (fault) {
        fault.times -= 1;
        return [fault.status, { message: "Server Error" }, {}];
      }
      for (const [m, pattern, handler] of routes) {
        if (m !== method) continue;
        const match = url.pathname.match(pattern);
        if (!match) continue;
        const [status, payload, headers] = handler({ method, path: url.pathname, url, body }, match);
        return [status, payload ?? "", headers ?? {}];
      }
      state.problems.push(`${method} ${url.pathname}: not handled by the GitHub fake`);
      return [501, { message: "not handled by the fake" }];
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
    setPull(pull: FakePull) {
      state.pulls.set(pull.number, pull);
    },
    /** Answers the next `times` requests of `method` whose path and query match with `status` (e.g. a 502). */
    fail(method: string, path: RegExp, status: number, times = 1) {
      faults.push({ method, path, status, times });
    },
    /** berth's check runs on a commit, oldest first. */
    checkRuns(sha: string): FakeCheckRun[] {
      return state.checkRuns.filter((r) => r.head_sha === sha);
    },
    /** The deployments of a commit, oldest first. */
    deploymentsOf(sha: string): FakeDeployment[] {
      return state.deployments.filter((d) => d.sha === sha);
    },
    /** A comment someone else wrote (for commands), returns its id. */
    addComment(body: string, user = { login: "octocat", type: "User" }): number {
      const comment: FakeComment = { id: nextId++, body, user, reactions: [] };
      state.comments.push(comment);
      return comment.id;
    },
    /** berth's sticky comments still present. */
    stickyComments(): FakeComment[] {
      return state.comments.filter((c) => !c.deleted && c.user.login === BOT_LOGIN && c.body.includes("<!-- berth:preview -->"));
    },
    /** Replies berth posted that are not the sticky comment. */
    replies(): string[] {
      return state.comments.filter((c) => !c.deleted && c.user.login === BOT_LOGIN && !c.body.includes("<!-- berth:preview -->")).map((c) => c.body);
    },
    checkRun(sha: string): FakeCheckRun | undefined {
      return state.checkRuns.filter((r) => r.head_sha === sha).at(-1);
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
