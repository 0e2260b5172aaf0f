/**
 * A corpus of hostile inputs, grouped by threat (docs/security.md), each with the exact outcome
 * berth must produce. Everything goes through the real app (handlers, engine, adapters) over the
 * AWS and GitHub fakes, with real webhook payloads. Groups whose rows do not change anything share
 * one harness and compare the calls made before and after each row.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createHarness, readFixtureRepo, type Harness } from "../helpers/app-harness.js";
import { SHA1, SHA2, STACK, IMAGE } from "../helpers/app-fixtures.js";
import { prCommentPayload, pullRequestPayload } from "../helpers/webhook-payloads.js";

const BASE_SHA = "b".repeat(40);
const LOG_GROUP = "/berth/previews";
const WEB_STREAM = "shop-pr-7-acme-d21b2c/web/0123456789abcdef";
const BOT = "berth-previews[bot]";

/** A harness with the rails-postgres fixture, both images pushed and the usual people. */
function harness(files = readFixtureRepo("rails-postgres")): Harness {
  const h = createHarness({ files });
  h.aws.putImage(IMAGE(SHA1));
  h.aws.putImage(IMAGE(SHA2));
  h.github.setPull({ number: 7, headSha: SHA1, branch: "feature/checkout" });
  h.github.setPermission("maintainer", "maintain");
  h.github.setPermission("writer", "write");
  h.github.setPermission("reader", "read");
  h.github.setPermission("triager", "triage");
  return h;
}

async function open(h: Harness, options: { sha?: string; fork?: boolean; branch?: string; title?: string; action?: "opened" | "synchronize"; id?: string } = {}) {
  const { sha = SHA1, action = "opened", id, ...rest } = options;
  await h.receive("pull_request", pullRequestPayload(action, { number: 7, sha, ...rest }), id);
  await h.settle();
}

interface CommentInput {
  body: string;
  user?: string;
  userType?: "User" | "Bot";
  authorAssociation?: string;
  id?: string;
  /** Patches the real payload, e.g. to make it an edit or a comment on an issue. */
  patch?: (payload: Record<string, unknown>) => void;
}

/** Posts a comment (in the fake and as a webhook) and waits for berth; returns the comment id. */
async function comment(h: Harness, input: CommentInput): Promise<number> {
  const user = input.user ?? "maintainer";
  const userType = input.userType ?? "User";
  const commentId = h.github.addComment(input.body, { login: user, type: userType });
  const payload = prCommentPayload({ pr: 7, body: input.body, commentId, user, userType, ...(input.authorAssociation ? { authorAssociation: input.authorAssociation } : {}) });
  input.patch?.(payload);
  await h.receive("issue_comment", payload, input.id);
  await h.settle();
  return commentId;
}

function reactions(h: Harness, id: number): string[] {
  return h.github.state.comments.find((c) => c.id === id)?.reactions ?? [];
}

/** What happened between two points: AWS calls, GitHub requests, replies. */
function mark(h: Harness) {
  const aws = h.aws.calls.length;
  const requests = h.github.state.requests.length;
  const replies = h.github.replies().length;
  return {
    aws: () => h.aws.calls.slice(aws).map((c) => c.command),
    requests: () => h.github.state.requests.slice(requests),
    replies: () => h.github.replies().slice(replies),
  };
}

/** CloudFormation calls that would change `stack`. */
const mutatingOn = (h: Harness, stack: string) =>
  h.aws.calls.filter((c) => /^(Create|Delete|Execute|Update)/.test(c.command) && (c.input as { StackName?: string }).StackName === stack).map((c) => c.command);

const refusal = (user: string, usage: string, access: string) =>
  `${user}: \`${usage}\` needs write access to this repository; you have ${access} access. Ask a maintainer to run it.`;

describe("comment spoofing: who may command", () => {
  let h: Harness;
  beforeAll(async () => {
    h = harness();
    h.github.setPermission("mallory", "none");
    h.github.setPermission("reader2", "read");
    await open(h);
  });
  afterAll(() => {
    expect(h.github.problems()).toEqual([]);
    h.close();
  });

  it.each<{ who: string; user: string; association?: string; body: string; reply: string }>([
    { who: "a reader", user: "reader", body: "/preview destroy", reply: refusal("reader", "/preview destroy", "read") },
    { who: "a triager", user: "triager", body: "/preview reset", reply: refusal("triager", "/preview reset", "triage") },
    { who: "a reader asking for logs", user: "reader2", body: "/preview logs db", reply: refusal("reader2", "/preview logs [service]", "read") },
    // The payload says OWNER, the API says no access: the API wins.
    { who: "an outsider whose payload claims OWNER", user: "mallory", association: "OWNER", body: "/preview destroy", reply: refusal("mallory", "/preview destroy", "no") },
    { who: "an outsider whose payload claims MEMBER", user: "mallory2", association: "MEMBER", body: "/preview redeploy", reply: refusal("mallory2", "/preview redeploy", "no") },
    { who: "an unknown user whose payload claims COLLABORATOR", user: "nobody-known", association: "COLLABORATOR", body: "/preview reset", reply: refusal("nobody-known", "/preview reset", "no") },
    { who: "a reader whose login is Markdown", user: "_x_", body: "/preview reset", reply: refusal("\\_x\\_", "/preview reset", "no") },
  ])("$who: one refusal, a -1 reaction, nothing deployed", async ({ user, association, body, reply }) => {
    const since = mark(h);

    const id = await comment(h, { body, user, ...(association ? { authorAssociation: association } : {}) });

    expect(since.replies()).toEqual([reply]);
    expect(reactions(h, id)).toEqual(["-1"]);
    expect(since.aws()).toEqual([]);
  });

  it.each([
    { user: BOT, body: "/preview destroy" },
    { user: "dependabot[bot]", body: "/preview reset" },
    { user: "github-actions[bot]", body: "/preview redeploy" },
    { user: "renovate[bot]", body: "/preview logs" },
  ])("a bot ($user): no request at all", async ({ user, body }) => {
    const since = mark(h);

    await comment(h, { body, user, userType: "Bot" });

    expect(since.requests()).toEqual([]);
    expect(since.aws()).toEqual([]);
  });

  it("a writer (the control row): the command runs", async () => {
    const since = mark(h);

    const id = await comment(h, { body: "/preview redeploy", user: "writer" });

    expect(reactions(h, id)).toEqual(["eyes"]);
    expect(since.aws().filter((c) => c === "RunTask")).toEqual(["RunTask"]);
  });
});

describe("comment spoofing: commands a reader does not see as commands", () => {
  let h: Harness;
  beforeAll(async () => {
    h = harness();
    await open(h);
    // Warm the app's caches (its own login, the installation token) so rows count only their own requests.
    await comment(h, { body: "/preview help" });
  });
  afterAll(() => {
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.status).toBe("UPDATE_COMPLETE");
    expect(h.github.problems()).toEqual([]);
    h.close();
  });

  it.each<[string, string]>([
    ["a fenced code block", "Try this:\n```\n/preview destroy\n```"],
    ["a tilde fence", "~~~sh\n/preview destroy\n~~~"],
    ["a longer fence that a shorter one does not close", "````\n```\n/preview destroy\n````"],
    ["a fence inside a list item", "- steps:\n  ```\n  /preview destroy\n  ```"],
    ["an indented code block", "Run:\n\n    /preview destroy"],
    ["a tab-indented code block", "\t/preview destroy"],
    ["inline code", "`/preview destroy`"],
    ["inline code that spans lines", "see `the\n/preview destroy` command"],
    ["a block quote", "> /preview destroy"],
    ["a nested block quote", "> > /preview destroy"],
    ["the lazy continuation of a quote", "> I ran\n/preview destroy"],
    ["an HTML comment block", "<!--\n/preview destroy\n-->"],
    ["an inline HTML comment", "<!-- /preview destroy -->"],
    ["an HTML comment opened mid-paragraph", "note <!-- hidden\n/preview destroy\n-->"],
    ["a <pre> block", "<pre>\n/preview destroy\n</pre>"],
    ["text before it on the same line", "please /preview destroy"],
    ["a sentence about it", "Do not run /preview destroy here."],
    ["no space after /preview", "/previewdestroy"],
    ["a Cyrillic р in preview", "/\u0440review destroy"],
    ["a Cyrillic е in preview", "/pr\u0435view destroy"],
    ["a full-width slash", "\uFF0Fpreview destroy"],
    ["a zero-width joiner inside /preview", "/pre\u200Dview destroy"],
    ["a zero-width space before it", "\u200B/preview destroy"],
    ["a no-break space after /preview", "/preview\u00A0destroy"],
    ["a division slash", "\u2215preview destroy"],
  ])("%s: no request at all", async (_name, body) => {
    const since = mark(h);

    await comment(h, { body });

    expect(since.requests()).toEqual([]);
    expect(since.aws()).toEqual([]);
  });

  it.each<[string, string, string]>([
    ["a Cyrillic е in the verb", "/preview d\u0435stroy", "Unknown command `/preview d\u0435stroy`. berth understands:"],
    ["a Kelvin sign in the verb", "/preview \u212Aill", "Unknown command `/preview \u212Aill`. berth understands:"],
    ["a long-s in the verb", "/preview re\u017Fet", "Unknown command `/preview re\u017Fet`. berth understands:"],
    ["extra words after the verb", "/preview destroy everything", "Unknown command `/preview destroy everything`. berth understands:"],
    ["a mention as an argument", "/preview logs @acme/everyone", "Unknown command `/preview logs @acme/everyone`. berth understands:"],
    ["a code-span breaker as an argument", "/preview ``` <script>", "Unknown command ````/preview ``` <script>````. berth understands:"],
  ])("%s: the help table, nothing else", async (_name, body, reply) => {
    const since = mark(h);

    const id = await comment(h, { body });

    const [first, ...more] = since.replies();
    expect(first?.split("\n")[0]).toBe(reply);
    expect(more).toEqual([]);
    expect(reactions(h, id)).toEqual(["eyes"]);
    expect(since.aws()).toEqual([]);
  });

  it.each<[string, (payload: Record<string, unknown>) => void]>([
    [
      "an edited comment",
      (p) => {
        p.action = "edited";
        p.changes = { body: { from: "LGTM" } };
      },
    ],
    ["a comment on an issue, not a pull request", (p) => delete (p.issue as Record<string, unknown>).pull_request],
    ["a deleted comment", (p) => (p.action = "deleted")],
  ])("/preview destroy in %s: no request at all", async (_name, patch) => {
    const since = mark(h);

    await comment(h, { body: "/preview destroy", patch });

    expect(since.requests()).toEqual([]);
    expect(since.aws()).toEqual([]);
  });
});

describe("code from a fork", () => {
  let h: Harness;
  afterEach(() => {
    expect(h.github.problems()).toEqual([]);
    h.close();
  });

  async function forkOpened(files?: Record<string, string>, branch = "feature/checkout"): Promise<Harness> {
    h = harness(files);
    h.github.setPull({ number: 7, headSha: SHA1, branch, fork: true });
    h.github.setPermission("mallory", "none");
    await open(h, { fork: true, branch });
    return h;
  }

  it("opened without approval: nothing deployed, the comment asks a maintainer for this SHA", async () => {
    await forkOpened();

    expect(h.aws.mutations()).toEqual([]);
    const [sticky] = h.github.stickyComments();
    expect(sticky?.body).toContain("### ✋ Preview waiting for approval");
    expect(sticky?.body.endsWith(`<!-- berth:awaiting-sha:${SHA1} -->`)).toBe(true);
  });

  it.each<{ who: string; user: string; association: string; access: string }>([
    { who: "a reader", user: "reader", association: "CONTRIBUTOR", access: "read" },
    { who: "a triager", user: "triager", association: "MEMBER", access: "triage" },
    { who: "an outsider whose payload claims OWNER", user: "mallory", association: "OWNER", access: "no" },
  ])("/preview approve from $who: refused, nothing deployed", async ({ user, association, access }) => {
    await forkOpened();

    await comment(h, { body: "/preview approve", user, authorAssociation: association });

    expect(h.github.replies()).toEqual([refusal(user, "/preview approve [sha]", access)]);
    expect(h.aws.mutations()).toEqual([]);
  });

  it("/preview approve <wrong sha>: refused with the head to review", async () => {
    await forkOpened();

    await comment(h, { body: "/preview approve deadbee" });

    expect(h.github.replies()).toEqual(["Not approved: the head of this pull request is now `1111111`, not `deadbee`. Review it, then comment `/preview approve 1111111`."]);
    expect(h.aws.mutations()).toEqual([]);
  });

  it("approve, then push: the new commit waits for a new approval, the approved one keeps serving", async () => {
    await forkOpened();
    await comment(h, { body: "/preview approve 1111111" });
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA1);
    const since = mark(h);

    h.github.setPull({ number: 7, headSha: SHA2, branch: "feature/checkout", fork: true });
    await open(h, { sha: SHA2, fork: true, action: "synchronize" });

    expect(since.aws().filter((c) => /^(Create|Execute|Run|Update|Delete)/.test(c))).toEqual([]);
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA1);
    expect(h.github.stickyComments()[0]?.body.endsWith(`<!-- berth:awaiting-sha:${SHA2} -->`)).toBe(true);
    expect(h.github.checkRun(SHA2)).toBeUndefined();
  });

  it("forks: never in the base branch: even a maintainer's approval deploys nothing", async () => {
    const files = readFixtureRepo("rails-postgres");
    files[".github/preview.yml"] += "forks: never\n";
    await forkOpened(files);

    await comment(h, { body: "/preview approve" });

    expect(h.aws.mutations()).toEqual([]);
    expect(h.github.stickyComments().map((c) => c.body.split("\n")[2])).toEqual(["### 🔒 No preview for pull requests from forks"]);
  });

  it("the fork's own preview.yml cannot lift the base branch's forks: never", async () => {
    const base = readFixtureRepo("rails-postgres");
    base[".github/preview.yml"] += "forks: never\n";
    h = harness(readFixtureRepo("rails-postgres"));
    h.github.setFiles(BASE_SHA, base);
    h.github.setPull({ number: 7, headSha: SHA1, branch: "feature/checkout", fork: true });

    await open(h, { fork: true });
    await comment(h, { body: "/preview approve" });

    expect(h.aws.mutations()).toEqual([]);
    expect(h.github.stickyComments()[0]?.body).toContain("### 🔒 No preview for pull requests from forks");
  });

  it("a fork branch named like berth's approval marker approves nothing", async () => {
    await forkOpened(undefined, `<!-- berth:approved-sha:${SHA1} -->`);
    await open(h, { fork: true, action: "synchronize", branch: `<!-- berth:approved-sha:${SHA1} -->` });

    expect(h.aws.mutations()).toEqual([]);
    expect(h.github.stickyComments()[0]?.body).toContain(`on &lt;\\!-- berth:approved-sha:${SHA1} --&gt;\n`);
  });

  it("/preview approve on a pull request that is not from a fork: nothing to approve", async () => {
    h = harness();
    await open(h);
    const since = mark(h);

    await comment(h, { body: "/preview approve" });

    expect(since.replies()).toEqual(["This pull request is not from a fork; it deploys without approval."]);
    expect(since.aws()).toEqual([]);
  });
});

/** No raw mention, no HTML script, no javascript: link, no image, no bidi control, within GitHub's limits. */
function expectHarmless(markdown: string, limitBytes: number) {
  expect(markdown).not.toMatch(/@(?!&#8203;)[A-Za-z0-9]/);
  expect(markdown).not.toMatch(/<script/i);
  expect(markdown).not.toContain("](javascript:");
  expect(markdown).not.toContain("![");
  expect(markdown).not.toMatch(/[\u202A-\u202E\u2066-\u2069\u200B]/);
  expect(Buffer.byteLength(markdown)).toBeLessThanOrEqual(limitBytes);
}

describe("Markdown injection through branch names and titles", () => {
  let h: Harness;
  afterEach(() => {
    expect(h.github.problems()).toEqual([]);
    h.close();
  });

  it.each<{ name: string; branch: string; title: string; shown: string }>([
    { name: "a team mention", branch: "@acme/security-team", title: "cc @acme/security-team", shown: "on @&#8203;acme/security-team\n" },
    { name: "a script tag", branch: "<script>alert(1)</script>", title: "<script>alert(document.cookie)</script>", shown: "on &lt;script&gt;alert\\(1\\)&lt;/script&gt;\n" },
    { name: "a javascript: link", branch: "[berth](javascript:alert(1))", title: "[Approve](javascript:alert(1))", shown: "on \\[berth\\]\\(javascript:alert\\(1\\)\\)\n" },
    { name: "a tracking image", branch: "![t](https://evil.example/t.png)", title: "![t](https://evil.example/t.png)", shown: "on \\!\\[t\\]\\(https://evil.example/t.png\\)\n" },
    { name: "cross-references", branch: "fix-#1-acme/shop#2-GH-3", title: "closes #1", shown: "on fix-\\#&#8203;1-acme/shop\\#&#8203;2-GH-&#8203;3\n" },
    { name: "bidi overrides", branch: "feature/\u202Etxt.exe\u202C", title: "\u2066safe\u2069", shown: "on feature/txt.exe\n" },
    { name: "a line break and a heading", branch: "x\n# Deploy approved", title: "x\n\n# y", shown: "on x \\# Deploy approved\n" },
    { name: "a table and an HTML comment", branch: "a|b<!--", title: "| a |", shown: "on a\\|b&lt;\\!--\n" },
  ])("$name: escaped in the comment, absent from the check run", async ({ branch, title, shown }) => {
    h = harness();

    await open(h, { branch, title });

    const sticky = h.github.stickyComments()[0]?.body ?? "";
    expect(sticky).toContain(`- **Commit:** \`1111111\` ${shown}`);
    expectHarmless(sticky, 65536);
    const run = h.github.checkRun(SHA1);
    expect(run?.conclusion).toBe("success");
    expectHarmless(`${run?.output.title}\n${run?.output.summary}`, 65535);
    expect(run?.output.summary).not.toContain(title);
  });

  it("a 200 000-character branch full of mentions: the comment stays within GitHub's limit and pings nobody", async () => {
    h = harness();

    await open(h, { branch: "@everyone-".repeat(20_000) });

    const sticky = h.github.stickyComments()[0]?.body ?? "";
    expect(sticky.endsWith("\n\n…(truncated)")).toBe(true);
    expectHarmless(sticky, 65536);
    expect(h.github.checkRun(SHA1)?.conclusion).toBe("success");
  });
});

describe("secret leaks through the repository's files", () => {
  let h: Harness;
  const saved: Record<string, string | undefined> = {};
  const planted = {
    AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYBOTSOWNKEY",
    GITHUB_TOKEN: "ghs_botinstallationtoken0123456789abcdef",
    WEBHOOK_SECRET: "the-bots-own-webhook-secret",
    PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----MIIEbotkey",
  };
  beforeAll(() => {
    for (const [name, value] of Object.entries(planted)) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
  });
  afterAll(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  afterEach(() => {
    expect(h.github.problems()).toEqual([]);
    h.close();
  });

  const template = () => h.aws.state.cloudformation.stacks.get(STACK)?.current?.templateBody ?? "";
  const everythingShown = () =>
    JSON.stringify([h.github.state.checkRuns, h.github.state.comments, h.github.state.deployments]);

  it.each<[string, keyof typeof planted, string]>([
    ["${AWS_SECRET_ACCESS_KEY}", "AWS_SECRET_ACCESS_KEY", "variable AWS\\_SECRET\\_ACCESS\\_KEY is not set in .env; it interpolates to an empty string \\[unset-variable\\]"],
    ["$GITHUB_TOKEN", "GITHUB_TOKEN", "variable GITHUB\\_TOKEN is not set in .env; it interpolates to an empty string \\[unset-variable\\]"],
    ["${WEBHOOK_SECRET:-fallback}", "WEBHOOK_SECRET", ""],
    ["${PRIVATE_KEY?must be set}", "PRIVATE_KEY", ""],
  ])("compose value %s with the variable set in berth's environment: its value never reaches the template", async (reference, name, warning) => {
    const files = readFixtureRepo("rails-postgres");
    files["docker-compose.yml"] = files["docker-compose.yml"]!.replace('RAILS_LOG_TO_STDOUT: "true"', `RAILS_LOG_TO_STDOUT: "${reference}"`);
    h = harness(files);

    await open(h);

    expect(template()).not.toContain(planted[name]);
    expect(everythingShown()).not.toContain(planted[name]);
    const summary = h.github.checkRun(SHA1)?.output.summary ?? "";
    if (warning !== "") expect(summary).toContain(`- docker-compose.yml:9: services.web.environment.RAILS\\_LOG\\_TO\\_STDOUT: ${warning}`);
  });

  it("a config environment value naming a variable of berth's environment stays a literal", async () => {
    const files = readFixtureRepo("rails-postgres");
    files[".github/preview.yml"] = files[".github/preview.yml"]!.replace("RAILS_ENV: staging", "RAILS_ENV: ${AWS_SECRET_ACCESS_KEY}");
    h = harness(files);

    await open(h);

    expect(h.github.checkRun(SHA1)?.conclusion).toBe("success");
    // As the task definition CloudFormation creates from the template reads it.
    const web = JSON.stringify(h.aws.state.cloudformation.stacks.get(STACK)?.current?.resources.get("WebTaskDefinition"));
    expect(web).toContain('{"Name":"RAILS_ENV","Value":"${AWS_SECRET_ACCESS_KEY}"}');
    expect(template()).not.toContain(planted.AWS_SECRET_ACCESS_KEY);
  });

  it("config secrets with a plain value: refused with its line, the value never echoed", async () => {
    const files = readFixtureRepo("rails-postgres");
    files[".github/preview.yml"] = files[".github/preview.yml"]!.replace(/SECRET_KEY_BASE: .*/, "SECRET_KEY_BASE: hunter2-plain-secret-value");
    h = harness(files);

    await open(h);

    const run = h.github.checkRun(SHA1);
    expect(run?.conclusion).toBe("failure");
    expect(run?.output.summary).toContain(
      "```text\n.github/preview.yml:13: secrets.SECRET_KEY_BASE: expected an SSM parameter name with a leading slash (/<path>/<name>, in the preview's region), an SSM parameter ARN (arn:aws:ssm:<region>:<account>:parameter/<name>) or a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>); a plain value is never accepted\n```",
    );
    expect(everythingShown()).not.toContain("hunter2");
    expect(h.aws.mutations()).toEqual([]);
  });

  it("a fork never receives the repository's secrets, even approved", async () => {
    h = harness();
    h.github.setPull({ number: 7, headSha: SHA1, branch: "feature/checkout", fork: true });
    await open(h, { fork: true });

    await comment(h, { body: "/preview approve 1111111" });

    expect(h.github.checkRun(SHA1)?.conclusion).toBe("success");
    expect(template()).not.toContain("parameter/shop/preview/secret_key_base");
    expect(h.github.checkRun(SHA1)?.output.summary).toContain("- secrets: not given to a pull request from a fork \\[fork-without-secrets\\]");
  });
});

describe("secret leaks through logs: /preview logs", () => {
  let h: Harness;
  beforeAll(async () => {
    h = harness();
    await open(h);
  });
  afterAll(() => {
    expect(h.github.problems()).toEqual([]);
    h.close();
  });

  /** Replaces the web service's log with these lines, asks for it, returns the lines of the reply's code block. */
  async function logsShown(lines: string[]): Promise<string[]> {
    h.aws.state.logs.groups.get(LOG_GROUP)?.clear();
    h.aws.putLogEvents(LOG_GROUP, WEB_STREAM, lines);
    await comment(h, { body: "/preview logs" });
    // One log comment on the pull request: each request's replaces the one before.
    const [reply, ...more] = h.github.replies().filter((r) => r.startsWith("<!-- berth:logs -->"));
    expect(more).toEqual([]);
    expect(reply).toMatch(/^<!-- berth:logs -->\n<details><summary>Last \d+ lines? of `web`, asked for by \S+ \(secrets redacted\)<\/summary>\n\n`{3,}\n/);
    // The code block's lines: between the fence after the summary and the fence that closes it.
    const body = reply!.split("\n");
    const start = body.findIndex((line) => /^`{3,}$/.test(line));
    const end = body.findIndex((line, i) => i > start && line === body[start]);
    return body.slice(start + 1, end);
  }

  it.each<[string, string, string]>([
    ["an AWS secret key in the environment", "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AWS_SECRET_ACCESS_KEY=***"],
    ["an exported AWS key id", "export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "export AWS_ACCESS_KEY_ID=***"],
    ["an AWS key id in a sentence", "using credentials AKIAIOSFODNN7EXAMPLE from the instance", "using credentials *** from the instance"],
    ["an AWS secret key in an ini line", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws_secret_access_key = ***"],
    ["a GitHub personal token", "cloning with ghp_0123456789abcdefghijABCDEFGHIJ012345", "cloning with ***"],
    ["a GitHub installation token in a clone URL", "git clone https://x-access-token:ghs_abcdefghijklmnopqrstuvwxyz0123456789@github.com/acme/shop.git", "git clone https://x-access-token:***@github.com/acme/shop.git"],
    ["a fine-grained GitHub token", "GH=github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "GH=***"],
    ["a password in a database URL", "DATABASE_URL=postgres://shop:s3cr3t-pw@db:5432/shop", "DATABASE_URL=postgres://shop:***@db:5432/shop"],
    ["a password in a Redis URL without a user", "connecting to redis://:hunter2@cache:6379/0", "connecting to redis://:***@cache:6379/0"],
    ["a bearer token in a header dump", "Authorization: Bearer abcdef0123456789abcdef", "Authorization: Bearer ***"],
    ["a JWT in a query log", "token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl done", "token=*** done"],
    ["a password in a key=value log field", "login user=admin password=hunter2 ok", "login user=admin password=*** ok"],
    ["an ECS environment entry", '{"name":"DB_PASSWORD","value":"hunter2"}', '{"name":"DB_PASSWORD","value":"***"}'],
    ["a Slack webhook", "posting to https://hooks.slack.com/services/T000/B000/XXXXXXXX", "posting to https://hooks.slack.com/services/***"],
    ["a one-line private key", "-----BEGIN RSA PRIVATE KEY-----MIIEowIBAAKCAQEA-----END RSA PRIVATE KEY-----", "-----BEGIN RSA PRIVATE KEY-----***-----END RSA PRIVATE KEY-----"],
  ])("%s: shown redacted", async (_name, line, shown) => {
    expect(await logsShown(["Puma starting", line, "Listening on http://0.0.0.0:3000"])).toEqual(["Puma starting", shown, "Listening on http://0.0.0.0:3000"]);
  });

  it("a private key printed line by line: no line of its body is shown", async () => {
    const shown = await logsShown(["key:", "-----BEGIN RSA PRIVATE KEY-----", "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun", "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK", "-----END RSA PRIVATE KEY-----", "done"]);

    expect(shown).toEqual(["key:", "-----BEGIN RSA PRIVATE KEY-----***-----END RSA PRIVATE KEY-----", "done"]);
  });

  it("a private key whose BEGIN line fell out of the tail: its body is not shown", async () => {
    const shown = await logsShown(["VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK", "LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunu1SU1", "-----END PRIVATE KEY-----", "done"]);

    expect(shown).toEqual(["***-----END PRIVATE KEY-----", "done"]);
  });

  it("a secret wrapped in terminal colours is redacted, not only uncoloured", async () => {
    const shown = await logsShown(["\u001b[31mAWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\u001b[0m", "\u001b[1mpassword=\u001b[0mhunter2"]);

    expect(shown).toEqual(["AWS_SECRET_ACCESS_KEY=***", "password=***"]);
  });

  it("a log line that tries to close the code block stays inside it", async () => {
    const shown = await logsShown(["```", "@acme/everyone <script>alert(1)</script> [x](javascript:alert(1))"]);

    expect(shown).toEqual(["```", "@acme/everyone <script>alert(1)</script> [x](javascript:alert(1))"]);
    const lines = (h.github.replies().at(-1) ?? "").split("\n");
    // A fence longer than any run of backticks in the log opens and closes the block, inside <details>.
    expect(lines[3]).toBe("````");
    expect(lines.slice(lines.indexOf("</details>") - 2, lines.indexOf("</details>") + 1)).toEqual(["````", "", "</details>"]);
  });
});

describe("secret leaks through a failing migrate's log tail", () => {
  let h: Harness;
  afterEach(() => {
    expect(h.github.problems()).toEqual([]);
    h.close();
  });

  it("the check run shows the tail with every secret redacted", async () => {
    h = harness();
    h.aws.scriptTask({
      commandIncludes: "db:migrate",
      exitCode: 1,
      logLines: [
        "== 20261121 AddSkuToProducts: migrating",
        "DATABASE_URL=postgres://postgres:hunter2@db:5432/shop",
        "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
        "fetching https://x-access-token:ghs_abcdefghijklmnopqrstuvwxyz0123456789@github.com/acme/gems.git",
        "-----BEGIN PRIVATE KEY-----",
        "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj",
        "-----END PRIVATE KEY-----",
        "\u001b[31mSECRET_KEY_BASE=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\u001b[0m",
        'PG::DuplicateColumn: ERROR:  column "sku" already exists',
      ],
    });

    await open(h);

    const run = h.github.checkRun(SHA1);
    expect(run?.conclusion).toBe("failure");
    expect(run?.output.summary).toContain(
      [
        "```text",
        "== 20261121 AddSkuToProducts: migrating",
        "DATABASE_URL=postgres://postgres:***@db:5432/shop",
        "AWS_ACCESS_KEY_ID=***",
        "fetching https://x-access-token:***@github.com/acme/gems.git",
        "-----BEGIN PRIVATE KEY-----***-----END PRIVATE KEY-----",
        "SECRET_KEY_BASE=***",
        'PG::DuplicateColumn: ERROR:  column "sku" already exists',
        "```",
      ].join("\n"),
    );
    for (const secret of ["hunter2", "AKIAIOSFODNN7EXAMPLE", "ghs_", "MIIEvQIBADAN", "9f86d0818"]) expect(run?.output.summary).not.toContain(secret);
  });
});

describe("touching stacks that are not berth's", () => {
  let h: Harness;
  afterEach(() => {
    expect(h.github.problems()).toEqual([]);
    h.close();
  });

  const FOREIGN_OUTPUTS = { LogGroup: LOG_GROUP, LogStreamPrefix: "shop-pr-7-acme-d21b2c", ServiceArns: "web=arn:aws:ecs:us-east-1:123456789012:service/other/web", PublicServiceArn: "arn:aws:ecs:us-east-1:123456789012:service/other/web" };
  const UPDATE_REFUSED = `berth refuses to update stack ${STACK}: it exists but lacks the tag berth:managed=true, so berth did not create it.`;
  const DELETE_REFUSED = `> Removing the preview failed: berth refuses to delete stack ${STACK}: it exists but lacks the tag berth:managed=true, so berth did not create it.`;

  /** A stack with the preview's name that berth did not create. */
  function foreign(tags: Record<string, string>): Harness {
    h = harness();
    h.aws.state.cloudformation.seedStack({ name: STACK, outputs: FOREIGN_OUTPUTS, tags });
    h.aws.putLogEvents(LOG_GROUP, WEB_STREAM, ["someone else's log line"]);
    return h;
  }

  const TAGS: Array<[string, Record<string, string>]> = [
    ["no tags", {}],
    ["berth:managed=false", { "berth:managed": "false" }],
    ["berth's other tags but not berth:managed", { "berth:repository": "acme/shop", "berth:pr": "7" }],
  ];

  it.each(TAGS)("a push onto a same-named stack with %s: the Stack phase fails, the stack is untouched", async (_name, tags) => {
    foreign(tags);

    await open(h);

    const run = h.github.checkRun(SHA1);
    expect(run?.conclusion).toBe("failure");
    expect(run?.output.summary).toContain(`**Stack failed:** ${UPDATE_REFUSED}`);
    expect(mutatingOn(h, STACK)).toEqual([]);
    expect(h.aws.mutations()).toEqual([]);
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags).toEqual(tags);
  });

  it.each(TAGS)("closing the pull request with a same-named stack with %s: the stack is not deleted, and the comment says why", async (_name, tags) => {
    foreign(tags);

    await open(h, { action: "synchronize" });
    await h.receive("pull_request", pullRequestPayload("closed", { number: 7, sha: SHA1 }));
    await h.settle();

    expect(mutatingOn(h, STACK)).toEqual([]);
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.status).toBe("CREATE_COMPLETE");
    expect(h.github.stickyComments()[0]?.body.split("\n")).toContain(DELETE_REFUSED);
  });

  it("/preview destroy on a same-named stack: not deleted, the comment says why", async () => {
    foreign({});
    h.github.setPermission("maintainer", "maintain");

    await comment(h, { body: "/preview destroy" });

    expect(mutatingOn(h, STACK)).toEqual([]);
    expect(h.github.stickyComments()[0]?.body.split("\n")).toContain(DELETE_REFUSED);
  });

  it("/preview logs on a same-named stack: its log is not relayed", async () => {
    foreign({});

    await comment(h, { body: "/preview logs" });

    expect(h.github.replies()).toEqual([`berth shows no logs of stack ${STACK}: it lacks the tag berth:managed=true, so berth did not create it.`]);
  });
});

describe("duplicate deliveries", () => {
  let h: Harness;
  afterEach(() => {
    expect(h.github.problems()).toEqual([]);
    h.close();
  });

  it("the same /preview redeploy delivered twice: one reaction, one migrate", async () => {
    h = harness();
    await open(h);
    const since = mark(h);

    const id = await comment(h, { body: "/preview redeploy", id: "dup-comment" });
    const payload = prCommentPayload({ pr: 7, body: "/preview redeploy", commentId: id, user: "maintainer" });
    await h.receive("issue_comment", payload, "dup-comment");
    await h.settle();

    expect(reactions(h, id)).toEqual(["eyes"]);
    expect(since.aws().filter((c) => c === "RunTask")).toEqual(["RunTask"]);
  });

  it("the same push delivered twice: one check run, one deploy", async () => {
    h = harness();
    await open(h);

    await open(h, { sha: SHA2, action: "synchronize", id: "dup-push" });
    await open(h, { sha: SHA2, action: "synchronize", id: "dup-push" });

    expect(h.github.state.checkRuns.filter((r) => r.head_sha === SHA2)).toHaveLength(1);
    // One task for the open (migrate and seed together), one for the push.
    expect(h.aws.calls.filter((c) => c.command === "RunTask")).toHaveLength(2);
  });

  it("the same close delivered twice: one deletion", async () => {
    h = harness();
    await open(h);
    const close = pullRequestPayload("closed", { number: 7, sha: SHA1 });

    await h.receive("pull_request", close, "dup-close");
    await h.receive("pull_request", close, "dup-close");
    await h.settle();

    expect(mutatingOn(h, STACK).filter((c) => c === "DeleteStack")).toEqual(["DeleteStack"]);
    expect(h.github.stickyComments()).toHaveLength(1);
  });
});
