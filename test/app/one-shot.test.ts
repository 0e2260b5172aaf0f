import { afterEach, describe, expect, it } from "vitest";
import { createHarness, readFixtureRepo, type Harness } from "../helpers/app-harness.js";
import { SHA1, SHA2, STACK } from "../helpers/app-fixtures.js";
import { prCommentPayload, pullRequestPayload } from "../helpers/webhook-payloads.js";

/** The uploads-oneshot fixture: `migrate` and MinIO's `createbuckets` run once, `web` waits for both. */
const IMAGE = (sha: string) => `123456789012.dkr.ecr.us-east-1.amazonaws.com/uploads:${sha}`;

let h: Harness;
afterEach(() => {
  expect(h.github.problems()).toEqual([]);
  h.close();
});

async function deploy(harness: Harness, sha: string, action: "opened" | "synchronize") {
  await harness.receive("pull_request", pullRequestPayload(action, { number: 7, sha }));
  await harness.settle();
}

/** The one-off tasks run so far, as `startedBy task-definition-family`. */
function oneOffRuns(harness: Harness): string[] {
  return harness.aws.calls
    .filter((c) => c.command === "RunTask")
    .map((c) => {
      const input = c.input as { startedBy?: string; taskDefinition?: string };
      const family = harness.aws.state.ecs.findTaskDefinition(input.taskDefinition ?? "")?.family ?? input.taskDefinition;
      return `${input.startedBy} ${family}`;
    });
}

/** The phase rows of a check run summary, as `Phase: status`. */
function phases(summary: string | undefined): string[] {
  return [...(summary ?? "").matchAll(/^\| ([^|]+) \| (\S+ \w+) \|/gm)].filter((m) => m[1] !== "Phase").map((m) => `${m[1]}: ${m[2]}`);
}

describe("one-shot compose services on AWS", () => {
  it("runs them in order as one-off tasks of their own before seed, then rolls out web; none becomes an ECS service", async () => {
    h = createHarness({ files: readFixtureRepo("uploads-oneshot") });
    h.aws.putImage(IMAGE(SHA1));

    await deploy(h, SHA1, "opened");

    expect(oneOffRuns(h)).toEqual([
      "berth/init:migrate berth-shop-pr-7-acme-d21b2c-migrate",
      "berth/init:createbuckets berth-shop-pr-7-acme-d21b2c-createbuckets",
      "berth/seed berth-shop-pr-7-acme-d21b2c-release",
    ]);
    const calls = h.aws.calls.map((c) => c.command);
    const executes = calls.flatMap((c, i) => (c === "ExecuteChangeSet" ? [i] : []));
    // Release phase, then the rollout (which names the commit in the stack's tags).
    expect(executes).toHaveLength(2);
    expect(executes[0]).toBeLessThan(calls.indexOf("RunTask"));
    expect(calls.lastIndexOf("RunTask")).toBeLessThan(executes[1]!);
    expect([...h.aws.state.ecs.services.values()].some((s) => /migrate|createbuckets/.test(s.serviceName))).toBe(false);

    const run = h.github.checkRun(SHA1);
    expect(run?.conclusion).toBe("success");
    expect(phases(run?.output.summary)).toEqual([
      "Image: ✅ success",
      "Stack: ✅ success",
      "Init: migrate: ✅ success",
      "Init: createbuckets: ✅ success",
      "Migrate: ⏭️ skipped",
      "Seed: ✅ success",
      "Rollout: ✅ success",
      "Health: ✅ success",
    ]);
  });

  it("runs them again on a push, as docker compose up does, without seeding", async () => {
    h = createHarness({ files: readFixtureRepo("uploads-oneshot") });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2));
    await deploy(h, SHA1, "opened");
    const before = oneOffRuns(h).length;

    await deploy(h, SHA2, "synchronize");

    expect(oneOffRuns(h).slice(before)).toEqual([
      "berth/init:migrate berth-shop-pr-7-acme-d21b2c-migrate",
      "berth/init:createbuckets berth-shop-pr-7-acme-d21b2c-createbuckets",
    ]);
    expect(h.github.checkRun(SHA2)?.conclusion).toBe("success");
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA2);
  });

  it("/preview reset restarts MinIO and Postgres empty, then runs the one-shot services again before seed", async () => {
    h = createHarness({ files: readFixtureRepo("uploads-oneshot") });
    h.aws.putImage(IMAGE(SHA1));
    h.github.setPull({ number: 7, headSha: SHA1, branch: "feature/uploads" });
    h.github.setPermission("maintainer", "maintain");
    await deploy(h, SHA1, "opened");
    const before = h.aws.calls.length;

    const id = h.github.addComment("/preview reset", { login: "maintainer", type: "User" });
    await h.receive("issue_comment", prCommentPayload({ pr: 7, body: "/preview reset", commentId: id, user: "maintainer", userType: "User" }));
    await h.settle();

    const later = h.aws.calls.slice(before).map((c) => c.command);
    expect(later.indexOf("UpdateService")).toBeGreaterThanOrEqual(0);
    expect(later.indexOf("UpdateService")).toBeLessThan(later.indexOf("RunTask"));
    expect(oneOffRuns(h).slice(3)).toEqual([
      "berth/init:migrate berth-shop-pr-7-acme-d21b2c-migrate",
      "berth/init:createbuckets berth-shop-pr-7-acme-d21b2c-createbuckets",
      "berth/seed berth-shop-pr-7-acme-d21b2c-release",
    ]);
    const run = h.github.state.checkRuns.filter((r) => r.head_sha === SHA1).at(-1);
    expect([run?.output.summary.startsWith("Reset of `1111111`"), run?.conclusion]).toEqual([true, "success"]);
  });

  it("stops at a one-shot service that exits 1: its log tail on the check run, nothing after it runs, the previous version keeps serving", async () => {
    h = createHarness({ files: readFixtureRepo("uploads-oneshot") });
    const digest1 = h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2));
    await deploy(h, SHA1, "opened");
    const before = oneOffRuns(h).length;
    h.aws.scriptTask({
      container: "createbuckets",
      exitCode: 1,
      logLines: ["Added `local` successfully.", "mc: <ERROR> Unable to make bucket `local/uploads`. Access Denied."],
    });

    await deploy(h, SHA2, "synchronize");

    expect(oneOffRuns(h).slice(before)).toEqual([
      "berth/init:migrate berth-shop-pr-7-acme-d21b2c-migrate",
      "berth/init:createbuckets berth-shop-pr-7-acme-d21b2c-createbuckets",
    ]);
    const run = h.github.checkRun(SHA2);
    expect(run?.conclusion).toBe("failure");
    expect(run?.output.title).toBe("Init: createbuckets failed");
    expect(run?.output.summary).toContain("**Init: createbuckets failed:** service createbuckets exited with code 1");
    expect(run?.output.summary).toContain("Last 2 log lines of `createbuckets`:");
    expect(run?.output.summary).toContain("mc: <ERROR> Unable to make bucket `local/uploads`. Access Denied.");
    expect(phases(run?.output.summary).slice(2)).toEqual([
      "Init: migrate: ✅ success",
      "Init: createbuckets: ❌ failure",
      "Migrate: ⚪ pending",
      "Seed: ⚪ pending",
      "Rollout: ⚪ pending",
      "Health: ⚪ pending",
    ]);
    const stack = h.aws.state.cloudformation.stacks.get(STACK);
    expect(stack?.tags["berth:sha"]).toBe(SHA1);
    expect(JSON.stringify(stack?.current?.resources.get("WebTaskDefinition"))).toContain(`/uploads@${digest1}`);
  });

  describe("a one-shot service with restart: on-failure:2", () => {
    /** The fixture with createbuckets restarting on failure, as MinIO setups write it when the server may not be up yet. */
    const files = () => {
      const repo = readFixtureRepo("uploads-oneshot");
      const compose = repo["docker-compose.yml"]!;
      const patched = compose.replace('    restart: "no"\n    entrypoint: >', "    restart: on-failure:2\n    entrypoint: >");
      expect(patched).not.toBe(compose);
      return { ...repo, "docker-compose.yml": patched };
    };
    const notReady = "mc: <ERROR> Unable to initialize new alias from the provided credentials. Server not initialized yet, please try again.";

    it("runs it again in a new task after it exits 1, shows the retry on the check run, and deploys when the second attempt exits 0", async () => {
      h = createHarness({ files: files() });
      h.aws.putImage(IMAGE(SHA1));
      h.aws.scriptTask({ container: "createbuckets", exitCode: 1, logLines: [notReady], times: 1 });

      await deploy(h, SHA1, "opened");

      expect(oneOffRuns(h)).toEqual([
        "berth/init:migrate berth-shop-pr-7-acme-d21b2c-migrate",
        "berth/init:createbuckets berth-shop-pr-7-acme-d21b2c-createbuckets",
        "berth/init:createbuckets berth-shop-pr-7-acme-d21b2c-createbuckets",
        "berth/seed berth-shop-pr-7-acme-d21b2c-release",
      ]);
      const seen = h.github.checkRunSummaries(SHA1);
      expect(seen.some((summary) => /^\| Init: createbuckets \| 🔄 running \| [^|]* \| retrying: exited with code 1, attempt 2 of 3 \|$/m.test(summary))).toBe(true);
      const run = h.github.checkRun(SHA1);
      expect(run?.conclusion).toBe("success");
      expect(run?.output.summary).toMatch(/^\| Init: createbuckets \| ✅ success \| [^|]* \| retried: exited with code 1; passed on attempt 2 of 3 \|$/m);
      expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA1);
    });

    it("fails the deploy after the third attempt exits non-zero, saying so, with that attempt's log tail", async () => {
      h = createHarness({ files: files() });
      h.aws.putImage(IMAGE(SHA1));
      for (const attempt of [1, 2, 3]) {
        h.aws.scriptTask({ container: "createbuckets", exitCode: 1, logLines: [`attempt ${attempt}`, notReady], times: 1 });
      }

      await deploy(h, SHA1, "opened");

      expect(oneOffRuns(h)).toEqual([
        "berth/init:migrate berth-shop-pr-7-acme-d21b2c-migrate",
        "berth/init:createbuckets berth-shop-pr-7-acme-d21b2c-createbuckets",
        "berth/init:createbuckets berth-shop-pr-7-acme-d21b2c-createbuckets",
        "berth/init:createbuckets berth-shop-pr-7-acme-d21b2c-createbuckets",
      ]);
      const run = h.github.checkRun(SHA1);
      expect(run?.conclusion).toBe("failure");
      expect(run?.output.title).toBe("Init: createbuckets failed");
      expect(run?.output.summary).toContain("**Init: createbuckets failed:** service createbuckets exited with code 1 on attempt 3 of 3");
      expect(run?.output.summary).toContain(`Last 2 log lines of \`createbuckets\`:\n\n\`\`\`text\nattempt 3\n${notReady}\n\`\`\``);
      expect(phases(run?.output.summary).slice(2, 5)).toEqual(["Init: migrate: ✅ success", "Init: createbuckets: ❌ failure", "Migrate: ⚪ pending"]);
    });
  });
});
