import { describe, expect, it } from "vitest";
import { readAttemptMarkers } from "../../../src/preview/report/deploy-attempts.js";
import { checkConclusion, formatDuration, parseDuration, readPhaseDurations, renderCheckRun, type DeployReport, type PhaseReport } from "../../../src/preview/report/render-check-run.js";

const sha = "abc1234def5678901234567890abcdef12345678";
const done = (name: PhaseReport["name"], durationMs: number): PhaseReport => ({ name, status: "success", durationMs });
const base: DeployReport = { kind: "deploy", sha, pr: 42, phases: [], outcome: "running", warnings: [] };

describe("renderCheckRun", () => {
  it("shows a running deploy with every phase in order", () => {
    const output = renderCheckRun({
      ...base,
      // Out of order on purpose: the table follows the phase order, not the report's.
      phases: [{ name: "stack", status: "running", durationMs: 12_400, detail: "UPDATE_IN_PROGRESS WebService" }, done("image", 850)],
      url: "https://pr-42.preview.example.com",
    });
    expect(output.title).toBe("Deploying abc1234 (stack)");
    expect(output.summary).toMatchInlineSnapshot(`
      "Deploy of \`abc1234\` for pull request #42

      | Phase | Status | Duration | Detail |
      | --- | --- | --- | --- |
      | Image | ✅ success | 850 ms |  |
      | Stack | 🔄 running | 12s | UPDATE\\_IN\\_PROGRESS WebService |
      | Migrate | ⚪ pending |  |  |
      | Seed | ⚪ pending |  |  |
      | Rollout | ⚪ pending |  |  |
      | Health | ⚪ pending |  |  |

      The preview will be at [https://pr-42.preview.example.com](<https://pr-42.preview.example.com>) once it is healthy."
    `);
  });

  it("shows one-shot compose services as Init phases between the stack and migrate, in the order they run", () => {
    const output = renderCheckRun({
      ...base,
      phases: [
        done("image", 850),
        done("stack", 61_000),
        done("init:migrate", 9_000),
        { name: "init:create_buckets", status: "failure", durationMs: 4_000 },
      ],
      outcome: "failure",
      failure: { phase: "init:create_buckets", message: "service create_buckets exited with code 1", logTail: ["mc: <ERROR> Access Denied."] },
    });

    expect(output.title).toBe("Init: create_buckets failed");
    expect(output.summary).toMatchInlineSnapshot(`
      "Deploy of \`abc1234\` for pull request #42

      | Phase | Status | Duration | Detail |
      | --- | --- | --- | --- |
      | Image | ✅ success | 850 ms |  |
      | Stack | ✅ success | 1m 1s |  |
      | Init: migrate | ✅ success | 9s |  |
      | Init: create\\_buckets | ❌ failure | 4s |  |
      | Migrate | ⚪ pending |  |  |
      | Seed | ⚪ pending |  |  |
      | Rollout | ⚪ pending |  |  |
      | Health | ⚪ pending |  |  |

      **Init: create\\_buckets failed:** service create\\_buckets exited with code 1

      The previous version, if any, keeps serving.

      Last 1 log line of \`create_buckets\`:

      \`\`\`text
      mc: <ERROR> Access Denied.
      \`\`\`"
    `);
  });

  it("shows the wait for the image in the title", () => {
    expect(renderCheckRun({ ...base, kind: "reset", phases: [{ name: "image", status: "waiting", detail: "waiting for CI" }] }).title).toBe(
      "Resetting abc1234 (waiting for image)",
    );
  });

  it("shows a ready preview with its URL and warnings", () => {
    const output = renderCheckRun({
      ...base,
      outcome: "success",
      url: "https://pr-42.preview.example.com",
      phases: [done("image", 850), done("stack", 72_000), done("migrate", 9_500), { name: "seed", status: "skipped" }, done("rollout", 3_725_000), done("health", 10_000)],
      warnings: ["named volume `pgdata` is ephemeral on Fargate", "@octocat said <b>hi</b>"],
    });
    expect(output.title).toBe("Preview ready: https://pr-42.preview.example.com");
    expect(output.summary).toMatchInlineSnapshot(`
      "Deploy of \`abc1234\` for pull request #42

      | Phase | Status | Duration | Detail |
      | --- | --- | --- | --- |
      | Image | ✅ success | 850 ms |  |
      | Stack | ✅ success | 1m 12s |  |
      | Migrate | ✅ success | 10s |  |
      | Seed | ⏭️ skipped |  |  |
      | Rollout | ✅ success | 1h 2m |  |
      | Health | ✅ success | 10s |  |

      **Preview ready:** [https://pr-42.preview.example.com](<https://pr-42.preview.example.com>)

      **Warnings**

      - named volume \\\`pgdata\\\` is ephemeral on Fargate
      - @&#8203;octocat said &lt;b&gt;hi&lt;/b&gt;"
    `);
  });

  it("shows a failure with the log tail in a fence the log cannot break", () => {
    const output = renderCheckRun({
      ...base,
      outcome: "failure",
      phases: [done("image", 1_000), done("stack", 60_000), { name: "migrate", status: "failure", durationMs: 31_000, detail: "exit code 1" }],
      failure: {
        phase: "migrate",
        message: "migration 0042 failed: relation \"users\" already exists\nsee #12",
        logTail: ["\u001b[31mERROR\u001b[0m: relation already exists", "```", "@octocat <script>alert(1)</script>"],
      },
    });
    expect(output.title).toBe("Migrate failed");
    expect(output.summary).toMatchInlineSnapshot(`
      "Deploy of \`abc1234\` for pull request #42

      | Phase | Status | Duration | Detail |
      | --- | --- | --- | --- |
      | Image | ✅ success | 1s |  |
      | Stack | ✅ success | 1m 0s |  |
      | Migrate | ❌ failure | 31s | exit code 1 |
      | Seed | ⚪ pending |  |  |
      | Rollout | ⚪ pending |  |  |
      | Health | ⚪ pending |  |  |

      **Migrate failed:** migration 0042 failed: relation "users" already exists see \\#&#8203;12

      The previous version, if any, keeps serving.

      Last 3 log lines of migrate:

      \`\`\`\`text
      ERROR: relation already exists
      \`\`\`
      @octocat <script>alert(1)</script>
      \`\`\`\`"
    `);
    expect(output.summary).not.toContain("\u001b");
  });

  it("shows a retry's attempt and records a transient failure for the next resync", () => {
    const output = renderCheckRun({
      ...base,
      outcome: "failure",
      attempt: { number: 2, previous: "the last one failed on a transient AWS error: AWS DescribeImages failed: Rate exceeded" },
      phases: [{ name: "image", status: "failure", durationMs: 1_000 }],
      failure: { phase: "image", message: "AWS CreateChangeSet failed for stack berth-x: Rate exceeded --> <b>", transient: "AWS" },
    });
    expect(output.summary).toMatchInlineSnapshot(`
      "Deploy of \`abc1234\` for pull request #42, attempt 2 of 3 (the last one failed on a transient AWS error: AWS DescribeImages failed: Rate exceeded)

      | Phase | Status | Duration | Detail |
      | --- | --- | --- | --- |
      | Image | ❌ failure | 1s |  |
      | Stack | ⚪ pending |  |  |
      | Migrate | ⚪ pending |  |  |
      | Seed | ⚪ pending |  |  |
      | Rollout | ⚪ pending |  |  |
      | Health | ⚪ pending |  |  |

      **Image failed:** AWS CreateChangeSet failed for stack berth-x: Rate exceeded --&gt; &lt;b&gt;

      The previous version, if any, keeps serving.

      This looks like a passing AWS problem: berth deploys this commit again at its next resync (attempt 3 of 3).

      <!-- berth:attempt 2 -->
      <!-- berth:transient AWS: AWS CreateChangeSet failed for stack berth-x: Rate exceeded -› <b› -->"
    `);
    expect(readAttemptMarkers(output.summary)).toEqual({
      attempt: 2,
      transient: { source: "AWS", reason: "AWS CreateChangeSet failed for stack berth-x: Rate exceeded -› <b›" },
    });
  });

  it("says when a transient failure was the last attempt", () => {
    const output = renderCheckRun({ ...base, outcome: "failure", attempt: { number: 3 }, failure: { message: "GitHub refused to read .github/preview.yml (HTTP 502).", transient: "GitHub" } });
    expect(output.summary).toContain(
      "This looks like a passing GitHub problem, but that was attempt 3 of 3: push again or comment `/preview redeploy` to retry.",
    );
  });

  it("records nothing for a failure that repeats, and a first attempt reads as attempt 1", () => {
    const output = renderCheckRun({ ...base, outcome: "failure", failure: { phase: "migrate", message: "migrate exited with code 1" } });
    expect(output.summary).not.toContain("<!--");
    expect(readAttemptMarkers(output.summary)).toEqual({ attempt: 1 });
  });

  it.each([
    ["superseded", { outcome: "superseded" as const, supersededBy: "def5678abc" }, "Superseded by def5678"],
    ["superseded without SHA", { outcome: "superseded" as const }, "Superseded"],
    ["cancelled redeploy", { outcome: "cancelled" as const, kind: "redeploy" as const }, "Redeploy cancelled"],
    ["failure without details", { outcome: "failure" as const }, "Deploy failed"],
    ["ready without URL", { outcome: "success" as const }, "Preview ready"],
    ["running before any phase", {}, "Deploying abc1234"],
  ])("titles %s", (_case, patch, title) => {
    expect(renderCheckRun({ ...base, ...patch }).title).toBe(title);
  });

  it("says a running deploy stops because berth is restarting, then that it paused and resumes", () => {
    const stopping = renderCheckRun({ ...base, kind: "reset", phases: [{ name: "stack", status: "running" }], stopping: true });
    expect(stopping.title).toBe("Resetting abc1234 (stopping: berth is restarting)");
    expect(stopping.summary.split("\n\n").at(-1)).toBe("berth is restarting: this reset stops at its next safe point and resumes when berth is back.");

    const paused: DeployReport = { ...base, kind: "reset", phases: [{ name: "stack", status: "paused" }], outcome: "restarting", attempt: { number: 2, previous: "x" } };
    const output = renderCheckRun(paused);
    expect(checkConclusion(paused)).toBe("neutral");
    expect(output.title).toBe("Paused: berth is restarting");
    expect(output.summary).toContain("| Stack | ⏸️ paused |");
    expect(output.summary.split("\n\n").slice(-2)).toEqual([
      "berth is restarting, so this reset stopped at a safe point; it resumes when berth is back.",
      "<!-- berth:attempt 2 -->\n<!-- berth:restarted reset -->",
    ]);
    // What the next process's resync reads: the same attempt, and that it was a reset.
    expect(readAttemptMarkers(output.summary)).toEqual({ attempt: 2, restarted: "reset" });
  });

  it("counts in the paused run how many times its attempt was resumed, for the next resync to bound", () => {
    const paused: DeployReport = { ...base, phases: [{ name: "migrate", status: "paused" }], outcome: "restarting", attempt: { number: 1, previous: "resumed after berth restarted", resumed: 2 } };
    const output = renderCheckRun(paused);
    expect(output.summary.split("\n\n").at(-1)).toBe("<!-- berth:resumed 2 -->\n<!-- berth:restarted deploy -->");
    expect(readAttemptMarkers(output.summary)).toEqual({ attempt: 1, resumed: 2, restarted: "deploy" });
  });

  it("names why a resumed first attempt runs, without a number", () => {
    expect(renderCheckRun({ ...base, attempt: { number: 1, previous: "resumed after berth restarted" } }).summary.split("\n")[0]).toBe(
      "Deploy of `abc1234` for pull request #42 (resumed after berth restarted)",
    );
  });

  it("explains a superseded deploy", () => {
    expect(renderCheckRun({ ...base, outcome: "superseded", supersededBy: "def5678abc" }).summary.split("\n\n").at(-1)).toBe(
      "Commit `def5678` is being deployed instead; this deploy stopped at a safe point.",
    );
  });

  it("never lets user text mention, link or inject HTML", () => {
    const { summary } = renderCheckRun({
      ...base,
      outcome: "failure",
      phases: [{ name: "image", status: "failure", detail: "@octocat [x](javascript:alert(1))" }],
      failure: { phase: "image", message: "<script>alert(1)</script> @org/team" },
      warnings: ["<img src=x onerror=alert(1)>"],
    });
    expect(summary).not.toMatch(/@[a-z]/);
    expect(summary).not.toMatch(/<(script|img)/);
    expect(summary).not.toContain("](javascript");
  });

  it("does not link a URL that could break out of the link", () => {
    const { summary } = renderCheckRun({ ...base, outcome: "success", url: "https://x.example/a> [y](z)" });
    expect(summary).toContain("**Preview ready:** https://x.example/a&gt; \\[y\\]\\(z\\)");
  });
});

describe("checkConclusion", () => {
  it.each([
    ["running", undefined],
    ["success", "success"],
    ["failure", "failure"],
    ["superseded", "neutral"],
    ["cancelled", "cancelled"],
  ] as const)("%s -> %s", (outcome, conclusion) => {
    expect(checkConclusion({ ...base, outcome })).toBe(conclusion);
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "0 ms"],
    [850, "850 ms"],
    [999.6, "1000 ms"],
    [1_000, "1s"],
    [12_400, "12s"],
    [59_499, "59s"],
    [59_500, "1m 0s"],
    [72_000, "1m 12s"],
    [3_599_000, "59m 59s"],
    [3_725_000, "1h 2m"],
  ])("%d ms -> %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe("readPhaseDurations", () => {
  it("reads back the finished phases' durations of a summary renderCheckRun wrote", () => {
    const summary = renderCheckRun({
      kind: "deploy",
      sha: "a".repeat(40),
      pr: 7,
      outcome: "success",
      warnings: [],
      phases: [
        { name: "image", status: "success", durationMs: 850 },
        { name: "stack", status: "success", durationMs: 72_000 },
        { name: "init:createbuckets", status: "success", durationMs: 12_000 },
        { name: "migrate", status: "success", durationMs: 9_000 },
        { name: "seed", status: "skipped" },
        { name: "rollout", status: "success", durationMs: 3_900_000 },
        { name: "health", status: "failure", durationMs: 5_000 },
      ],
    }).summary;
    expect(readPhaseDurations(summary)).toEqual([
      { phase: "Image", durationMs: 850 },
      { phase: "Stack", durationMs: 72_000 },
      { phase: "Init: createbuckets", durationMs: 12_000 },
      { phase: "Migrate", durationMs: 9_000 },
      { phase: "Rollout", durationMs: 3_900_000 },
      { phase: "Health", durationMs: 5_000 },
    ]);
  });

  it.each(["850 ms", "12s", "1m 12s", "1h 5m"])("parseDuration reads formatDuration's %s back", (text) => {
    expect(formatDuration(parseDuration(text)!)).toBe(text);
  });

  it.each(["", "soon", "1h 5m 3s", "12"])("parseDuration refuses %j", (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});
