import { describe, expect, it } from "vitest";
import { renderComment, STICKY_MARKER, type CommentState, type IdleFacts } from "../../../src/preview/report/render-comment.js";

const updatedAt = new Date("2024-05-06T07:08:09.123Z");
const sha = "abc1234def5678901234567890abcdef12345678";

describe("renderComment", () => {
  const serving = { sha: "1111111222222233333334444444555555566666", url: "https://pr-42.preview.example.com" };

  it("says which commit serves, and at which URL, while a new one deploys", () => {
    const body = renderComment({ state: "deploying", sha, branch: "feature/login", serving, updatedAt });

    expect(body).toContain("- **URL:** [https://pr-42.preview.example.com](<https://pr-42.preview.example.com>)\n- **Serving:** `1111111` (until the new commit is ready)\n- **Deploying:** `abc1234` on feature/login\n");
  });

  it("says the previous commit still serves after a failure, and forgets it once the new one is ready", () => {
    expect(renderComment({ state: "failed", sha, serving, message: "migrate exited 1" })).toContain("- **Serving:** `1111111` (the new commit did not deploy)\n- **Commit:** `abc1234`");
    const ready = renderComment({ state: "ready", sha, url: "https://pr-42.preview.example.com", serving });
    expect(ready).not.toContain("Serving");
    expect(ready).toContain("- **Commit:** `abc1234`");
  });

  it("shows a ready preview", () => {
    expect(
      renderComment({
        state: "ready",
        url: "https://pr-42.preview.example.com",
        sha,
        commitUrl: `https://github.com/acme/shop/commit/${sha}`,
        branch: "feature/login",
        updatedAt,
        checkRunUrl: "https://github.com/acme/shop/runs/7",
      }),
    ).toMatchInlineSnapshot(`
      "<!-- berth:preview -->

      ### ✅ Preview ready

      - **URL:** [https://pr-42.preview.example.com](<https://pr-42.preview.example.com>)
      - **Commit:** [\`abc1234\`](<https://github.com/acme/shop/commit/abc1234def5678901234567890abcdef12345678>) on feature/login
      - **Updated:** <span title="2024-05-06T07:08:09Z">May 6, 2024, 07:08 UTC</span>
      - **Details:** [check run](<https://github.com/acme/shop/runs/7>)

      <details><summary>Commands (comment on this pull request; write access needed)</summary>

      - \`/preview reset\`: wipe the data, run migrate and seed again
      - \`/preview wake\`: wake a sleeping preview
      - \`/preview redeploy\`: deploy the head commit again
      - \`/preview destroy\`: remove the preview until the next push
      - \`/preview logs [service]\`: post the last log lines of a service
      - \`/preview help\`: list the commands

      </details>"
    `);
  });

  it("shows a failed deploy with its message", () => {
    expect(
      renderComment({ state: "failed", sha, branch: "fix/db", updatedAt, message: "Migrate failed: exit code 1", checkRunUrl: "https://github.com/acme/shop/runs/8" }),
    ).toMatchInlineSnapshot(`
      "<!-- berth:preview -->

      ### ❌ Preview failed

      > Migrate failed: exit code 1

      - **Commit:** \`abc1234\` on fix/db
      - **Updated:** <span title="2024-05-06T07:08:09Z">May 6, 2024, 07:08 UTC</span>
      - **Details:** [check run](<https://github.com/acme/shop/runs/8>)

      <details><summary>Commands (comment on this pull request; write access needed)</summary>

      - \`/preview reset\`: wipe the data, run migrate and seed again
      - \`/preview wake\`: wake a sleeping preview
      - \`/preview redeploy\`: deploy the head commit again
      - \`/preview destroy\`: remove the preview until the next push
      - \`/preview logs [service]\`: post the last log lines of a service
      - \`/preview help\`: list the commands

      </details>"
    `);
  });

  it("asks a maintainer to approve a fork's commit", () => {
    expect(renderComment({ state: "awaiting-approval", sha, branch: "patch-1", updatedAt })).toMatchInlineSnapshot(`
      "<!-- berth:preview -->

      ### ✋ Preview waiting for approval

      This pull request comes from a fork. Someone with write access must review the changes, then comment \`/preview approve\` to deploy this commit.

      - **Commit:** \`abc1234\` on patch-1
      - **Updated:** <span title="2024-05-06T07:08:09Z">May 6, 2024, 07:08 UTC</span>

      <details><summary>Commands (comment on this pull request; write access needed)</summary>

      - \`/preview approve\`: deploy the head commit of this fork
      - \`/preview help\`: list the commands

      </details>"
    `);
  });

  it("says forks are not deployed, without commands", () => {
    expect(renderComment({ state: "disabled-for-forks", updatedAt })).toMatchInlineSnapshot(`
      "<!-- berth:preview -->

      ### 🔒 No preview for pull requests from forks

      This repository does not deploy pull requests from forks.

      - **Updated:** <span title="2024-05-06T07:08:09Z">May 6, 2024, 07:08 UTC</span>"
    `);
  });

  it.each([
    ["deploying", "### ⏳ Deploying preview"],
    ["ready", "### ✅ Preview ready"],
    ["failed", "### ❌ Preview failed"],
    ["removed", "### 🗑️ Preview removed"],
    ["asleep", "### 😴 Preview asleep"],
    ["awaiting-approval", "### ✋ Preview waiting for approval"],
    ["disabled-for-forks", "### 🔒 No preview for pull requests from forks"],
    ["skipped", "### ⏸️ No preview for this pull request yet"],
  ] as const)("starts with the marker and the %s headline", (state, headline) => {
    const lines = renderComment({ state, updatedAt }).split("\n");
    expect(lines.slice(0, 3)).toEqual([STICKY_MARKER, "", headline]);
  });

  it.each([
    ["deploying", ["/preview reset", "/preview wake", "/preview redeploy", "/preview destroy", "/preview logs [service]", "/preview help"]],
    ["awaiting-approval", ["/preview approve", "/preview help"]],
    ["skipped", ["/preview deploy", "/preview help"]],
    ["disabled-for-forks", []],
  ] as const)("lists the commands for %s", (state, commands) => {
    const listed = [...renderComment({ state, updatedAt }).matchAll(/^- `([^`]+)`:/gm)].map((m) => m[1]);
    expect(listed).toEqual(commands);
  });

  it.each([
    [{ sleepAfterSeconds: 1800 }, "- **State:** awake; sleeps after 30 minutes without a request"],
    [{ expiresInSeconds: 6.5 * 86_400 }, "- **State:** awake; expires in 6 days without a push, command or request"],
    [{ sleepAfterSeconds: 7200, expiresInSeconds: 5400 }, "- **State:** awake; sleeps after 2 hours without a request; expires in 1 hour without a push, command or request"],
    [{ expiresInSeconds: 20 }, "- **State:** awake; expires in 0 minutes without a push, command or request"],
    [{ asleepSince: new Date("2026-12-03T10:45:00.123Z"), asleepPerHour: 0.0124 }, "- **State:** asleep since 2026-12-03T10:45:00Z; about $0.01 an hour asleep (its data services)"],
    [{ asleepSince: new Date("2026-12-03T10:45:00Z"), asleepPerHour: 0.004 }, "- **State:** asleep since 2026-12-03T10:45:00Z; less than $0.01 an hour asleep (its data services)"],
    [{ asleepSince: new Date("2026-12-03T10:45:00Z"), asleepPerHour: 0 }, "- **State:** asleep since 2026-12-03T10:45:00Z; nothing while asleep (no data service runs)"],
  ] as Array<[IdleFacts, string]>)("shows whether the preview sleeps and when it expires: %o", (idle, line) => {
    const lines = renderComment({ state: idle.asleepSince ? "asleep" : "ready", url: "https://x.preview.example.com", idle }).split("\n");
    expect(lines).toContain(line);
  });

  it("escapes a hostile branch name and message", () => {
    const state: CommentState = {
      state: "failed",
      sha,
      branch: "x\u202E@octocat<script>#1",
      message: "<!-- berth:preview --> [pwn](https://evil.example) @acme/admins\n# heading",
      updatedAt,
    };
    const body = renderComment(state);
    expect(body).not.toMatch(/@[a-z]/);
    expect(body).not.toContain("<script");
    expect(body).not.toContain("\u202E");
    expect(body).not.toContain("](https://evil");
    expect(body.split(STICKY_MARKER)).toHaveLength(2);
    expect(body).toContain("- **Commit:** `abc1234` on x@&#8203;octocat&lt;script&gt;\\#&#8203;1");
    expect(body).toContain(
      "> &lt;\\!-- berth:preview --&gt; \\[pwn\\]\\(https://evil.example\\) @&#8203;acme/admins \\# heading",
    );
  });

  it("does not link an unsafe commit URL", () => {
    expect(renderComment({ state: "ready", sha, commitUrl: "javascript:alert(1)", updatedAt })).toContain("- **Commit:** `abc1234`\n- **Updated:**");
  });
});

describe("renderComment: the preview's price", () => {
  const updatedAt = new Date("2026-12-03T10:00:00Z");
  it("gives the hourly price with the size it is for, and what it has cost so far", () => {
    const body = renderComment({ state: "ready", url: "https://x.example.com", updatedAt, cost: { perHour: 0.024685, vcpu: 0.5, gb: 1, region: "us-east-1", pricesAsOf: "2026-12", soFar: 1.1849 } });
    expect(body).toContain("- **Cost:** about $0.02 an hour while it runs (0.5 vCPU and 1 GB on Fargate in us-east-1, prices of 2026-12); about $1.18 so far");
  });

  it("says less than a cent rather than $0.00", () => {
    const body = renderComment({ state: "ready", url: "https://x.example.com", updatedAt, cost: { perHour: 0.0247, vcpu: 0.5, gb: 1, region: "us-east-1", pricesAsOf: "2026-12", soFar: 0.001 } });
    expect(body).toContain("; about less than $0.01 so far");
  });
});
