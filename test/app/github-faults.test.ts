import { afterEach, describe, expect, it } from "vitest";
import { createHarness, readFixtureRepo, type Harness } from "../helpers/app-harness.js";
import { HOST, IMAGE, SHA1 } from "../helpers/app-fixtures.js";
import { prCommentPayload, pullRequestPayload } from "../helpers/webhook-payloads.js";

const URL = `https://${HOST}`;
const SECONDARY_LIMIT = {
  message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
  documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
};

let h: Harness;
afterEach(() => {
  expect(h.github.problems()).toEqual([]);
  h.close();
});

/** acme/shop#7 opened at SHA1, with GitHub requests retried as in production (1 s = 1 ms). */
async function openWithFaults(inject: (harness: Harness) => void): Promise<Harness> {
  h = createHarness({ files: readFixtureRepo("rails-postgres"), githubRetries: { msPerSecond: 1 } });
  h.aws.putImage(IMAGE(SHA1));
  inject(h);
  await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
  await h.settle();
  return h;
}

/** What a person sees on the PR: every check run, deployment and berth comment. */
function onThePullRequest(harness: Harness) {
  return {
    checkRuns: harness.github.state.checkRuns.map((r) => `${r.name} ${r.head_sha.slice(0, 7)} ${r.status} ${r.conclusion}`),
    deployments: harness.github.state.deployments.map((d) => `${d.environment} ${d.sha.slice(0, 7)}: ${d.statuses.map((s) => s.state).join(", ")}`),
    comments: harness.github.stickyComments().map((c) => c.body.match(/Preview ready/)?.[0] ?? c.body),
    replies: harness.github.replies(),
  };
}

const ONE_OF_EACH = {
  checkRuns: ["preview 1111111 completed success"],
  deployments: ["preview 1111111: in_progress, success"],
  comments: ["Preview ready"],
  replies: [],
};

describe("GitHub answers a create with 502 after doing it", () => {
  it("leaves exactly one check run, one deployment with one success status and one comment", async () => {
    await openWithFaults((harness) => {
      harness.github.fail("POST check-runs", { status: 502, applied: true });
      harness.github.fail("POST deployments", { status: 502, applied: true });
      harness.github.fail("POST deployments/{id}/statuses", { status: 502, applied: true, when: (body) => body.state === "success" });
      harness.github.fail("POST issues/{number}/comments", { status: 502, applied: true });
    });

    expect(onThePullRequest(h)).toEqual(ONE_OF_EACH);
    // Each create was sent once and then found, never sent blind a second time.
    expect(h.github.count("POST /repos/acme/shop/check-runs")).toBe(1);
    expect(h.github.count("GET /repos/acme/shop/commits/1111111111111111111111111111111111111111/check-runs")).toBe(1);
    expect(h.github.count("POST /repos/acme/shop/deployments")).toBe(1);
    expect(h.github.count("POST /repos/acme/shop/issues/7/comments")).toBe(1);
    const run = h.github.checkRun(SHA1);
    expect(run?.output.title).toContain(URL);
    expect(h.github.state.deployments[0]?.statuses.at(-1)).toMatchObject({ environment_url: URL, log_url: "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/$252Fberth$252Fpreviews$253FlogStreamNameFilter$253Dshop-pr-7-acme-d21b2c$252Fweb$252F" });
  });

  it("also when the connection breaks after the write", async () => {
    await openWithFaults((harness) => {
      harness.github.fail("POST check-runs", { connectionError: "ECONNRESET", applied: true });
      harness.github.fail("POST deployments", { connectionError: "ECONNRESET", applied: true });
      harness.github.fail("POST issues/{number}/comments", { connectionError: "ECONNRESET", applied: true });
    });

    expect(onThePullRequest(h)).toEqual(ONE_OF_EACH);
  });
});

describe("GitHub answers a command's reply with 502 after posting it", () => {
  it("the reply appears once", async () => {
    await openWithFaults(() => {});
    h.github.setPermission("maintainer", "maintain");
    h.github.fail("POST issues/{number}/comments", { status: 502, applied: true, when: (body) => String(body.body).startsWith("berth understands") });

    const id = h.github.addComment("/preview help", { login: "maintainer", type: "User" }, 7);
    await h.receive("issue_comment", prCommentPayload({ pr: 7, body: "/preview help", commentId: id, user: "maintainer" }));
    await h.settle();

    expect(h.github.replies(7).map((r) => r.split("\n")[0])).toEqual(["berth understands:"]);
    expect(h.github.count("POST /repos/acme/shop/issues/7/comments")).toBe(2);
  });
});

describe("GitHub answers a create with 5xx without doing it", () => {
  it("creates each once more after looking, and the PR shows one of each", async () => {
    await openWithFaults((harness) => {
      harness.github.fail("POST check-runs", { status: 503, times: 2 });
      harness.github.fail("POST deployments", { status: 504 });
      harness.github.fail("POST issues/{number}/comments", { status: 502 });
    });

    expect(onThePullRequest(h)).toEqual(ONE_OF_EACH);
    expect(h.github.count("POST /repos/acme/shop/check-runs")).toBe(3);
    expect(h.github.count("POST /repos/acme/shop/deployments")).toBe(2);
  });
});

describe("GitHub answers an update with 5xx", () => {
  it("sends the check run's last update again, and the run concludes", async () => {
    await openWithFaults((harness) => {
      harness.github.fail("PATCH check-runs/{id}", { status: 502, times: 2, when: (body) => body.conclusion === "success" });
      harness.github.fail("PATCH issues/comments/{id}", { status: 503 });
    });

    expect(onThePullRequest(h)).toEqual(ONE_OF_EACH);
  });
});

describe("GitHub's secondary rate limit", () => {
  it("waits out a 403 with retry-after on the check run's last update, and the report lands", async () => {
    await openWithFaults((harness) => {
      harness.github.fail("PATCH check-runs/{id}", {
        status: 403,
        headers: { "retry-after": "1" },
        body: SECONDARY_LIMIT,
        when: (body) => body.conclusion === "success",
      });
    });

    expect(onThePullRequest(h)).toEqual(ONE_OF_EACH);
    const warnings = h.logs.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((l) => l.level === 40).map((l) => l.msg);
    expect(warnings).toContain(`GitHub secondary rate limit on PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}: retrying in 1 s`);
    expect(warnings.filter((w) => w.startsWith("GitHub report failed"))).toEqual([]);
  });

  it("waits out a 429 on a create, which GitHub refused before writing, and creates once", async () => {
    await openWithFaults((harness) => {
      harness.github.fail("POST check-runs", { status: 429, headers: { "retry-after": "2" }, body: SECONDARY_LIMIT });
      harness.github.fail("POST deployments", { status: 403, headers: { "retry-after": "1" }, body: SECONDARY_LIMIT, times: 2 });
    });

    expect(onThePullRequest(h)).toEqual(ONE_OF_EACH);
    expect(h.github.count("POST /repos/acme/shop/check-runs")).toBe(2);
    expect(h.github.count("POST /repos/acme/shop/deployments")).toBe(3);
  });

  it("gives up on a report after three waits, and says so in the log", async () => {
    await openWithFaults((harness) => {
      harness.github.fail("PATCH check-runs/{id}", { status: 403, headers: { "retry-after": "1" }, body: SECONDARY_LIMIT, times: 4, when: (body) => body.conclusion === "success" });
    });

    const warnings = h.logs.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((l) => l.level === 40).map((l) => l.msg);
    expect(warnings.filter((w) => w.startsWith("GitHub secondary rate limit"))).toEqual([
      ...Array(3).fill("GitHub secondary rate limit on PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}: retrying in 1 s"),
      "GitHub secondary rate limit on PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}: giving up",
    ]);
    expect(warnings).toContain("GitHub report failed: update check run");
    expect(h.github.checkRun(SHA1)?.conclusion).toBeUndefined();
  });
});
