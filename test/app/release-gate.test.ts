import { afterEach, describe, expect, it, vi } from "vitest";
import { createHarness, readFixtureRepo, type Harness } from "../helpers/app-harness.js";
import { IMAGE, SHA1, SHA2, STACK } from "../helpers/app-fixtures.js";
import { releaseStepRuns, releaseThenDeployment } from "../helpers/release-runs.js";
import { prCommentPayload, pullRequestPayload } from "../helpers/webhook-payloads.js";

/**
 * A push whose release phase needs no stack update starts its rollout update with migrate, the new
 * version held behind a CloudFormation wait condition that berth opens only when migrate exited 0.
 */

let h: Harness;
afterEach(() => {
  expect(h.github.problems()).toEqual([]);
  h.close();
});

const BRANCH = "feature/checkout";
const SHA3 = "3333333333333333333333333333333333333333";

async function deployed(harness: Harness, sha: string, action: "opened" | "synchronize"): Promise<void> {
  harness.github.setPull({ number: 7, headSha: sha, branch: BRANCH });
  await harness.receive("pull_request", pullRequestPayload(action, { number: 7, sha }));
  await harness.settle();
}

/** Forgets the signals so far: the first deploy's own gate (see the last describe) is not what a push's test looks at. */
function forgetSignals(harness: Harness): void {
  harness.aws.state.cloudformation.signals.length = 0;
}

function webTaskDefinition(harness: Harness): string | undefined {
  return [...harness.aws.state.ecs.services.values()].find((s) => s.serviceName.includes("WebService"))?.taskDefinition;
}

describe("the release gate of a push", () => {
  it("starts the rollout update with migrate and the new version only after migrate exited 0", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres"), releaseGate: true });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2));
    await deployed(h, SHA1, "opened");
    forgetSignals(h);
    const before = h.aws.calls.length;

    await deployed(h, SHA2, "synchronize");

    const later = h.aws.calls.slice(before).map((c) => c.command);
    expect(later.filter((c) => c === "ExecuteChangeSet")).toHaveLength(1);
    expect(later.indexOf("ExecuteChangeSet")).toBeLessThan(later.indexOf("RunTask"));
    const { released, deployed: started } = releaseThenDeployment(h);
    expect(started).toBeGreaterThanOrEqual(released);
    expect(h.aws.state.cloudformation.signals.map((s) => `${s.status}: ${s.reason}`)).toEqual(["SUCCESS: every release step exited 0"]);
    const run = h.github.checkRun(SHA2);
    expect(run?.conclusion).toBe("success");
    expect(run?.output.summary).toMatch(/\| Rollout \| ✅ success \| [^|]* \| started with the release steps; the new version starts now that they passed \|/);
    const stack = h.aws.state.cloudformation.stacks.get(STACK);
    expect(stack?.tags["berth:sha"]).toBe(SHA2);
    // The gate is part of the template the stack runs until the next rollout replaces it.
    expect([...h.aws.state.cloudformation.resources(STACK).values()].filter((r) => r.type.startsWith("AWS::CloudFormation::Wait")).map((r) => r.type).sort()).toEqual([
      "AWS::CloudFormation::WaitCondition",
      "AWS::CloudFormation::WaitConditionHandle",
    ]);
  });

  it("stays closed when migrate fails: the update rolls back, the old version serves, the check run shows migrate's failure and log tail", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres"), releaseGate: true });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2));
    await deployed(h, SHA1, "opened");
    forgetSignals(h);
    const serving = webTaskDefinition(h);
    h.aws.scriptTask({ commandIncludes: "db:migrate", exitCode: 1, logLines: ["== 20261121 AddSkuToProducts: migrating", 'PG::UndefinedTable: ERROR:  relation "skus" does not exist'], times: 1 });

    await deployed(h, SHA2, "synchronize");

    const run = h.github.checkRun(SHA2);
    expect(run?.conclusion).toBe("failure");
    expect(run?.output.summary).toMatch(/\| Migrate \| ❌ failure \|/);
    expect(run?.output.summary).toMatch(/\| Rollout \| ⚪ pending \|/);
    expect(run?.output.summary).toContain("**Migrate failed:** bin/rails db:migrate exited with code 1");
    expect(run?.output.summary).toContain('PG::UndefinedTable: ERROR:  relation "skus" does not exist');
    expect(h.aws.state.cloudformation.signals.map((s) => `${s.status}: ${s.reason}`)).toEqual(["FAILURE: migrate failed: bin/rails db:migrate exited with code 1"]);
    const stack = h.aws.state.cloudformation.stacks.get(STACK);
    expect(stack?.status).toBe("UPDATE_ROLLBACK_COMPLETE");
    expect(stack?.tags["berth:sha"]).toBe(SHA1);
    expect(stack?.events.find((e) => e.ResourceType === "AWS::CloudFormation::WaitCondition" && e.ResourceStatus === "CREATE_FAILED")?.ResourceStatusReason).toBe(
      "WaitCondition received failed message: 'migrate failed: bin/rails db:migrate exited with code 1' for uniqueId: " + SHA2,
    );
    // ECS never got SHA2's web task definition: the old version served throughout.
    expect(webTaskDefinition(h)).toBe(serving);

    // The next push deploys normally over the rolled-back stack.
    h.aws.putImage(IMAGE(SHA3));
    await deployed(h, SHA3, "synchronize");
    expect(h.github.checkRun(SHA3)?.conclusion).toBe("success");
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA3);
  });

  it("is closed when a newer push supersedes the deploy during migrate, so the update does not wait for its timeout", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres"), releaseGate: true });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2));
    h.aws.putImage(IMAGE(SHA3));
    await deployed(h, SHA1, "opened");
    forgetSignals(h);
    const runTasks = () => h.aws.commands("ecs").filter((c) => c === "RunTask").length;
    const before = runTasks();
    h.aws.scriptTask({ commandIncludes: "db:migrate", runningPolls: 100, times: 1 });

    h.github.setPull({ number: 7, headSha: SHA2, branch: BRANCH });
    await h.receive("pull_request", pullRequestPayload("synchronize", { number: 7, sha: SHA2 }));
    await vi.waitFor(() => expect(runTasks()).toBeGreaterThan(before), { timeout: 30_000, interval: 5 });
    await deployed(h, SHA3, "synchronize");

    expect(h.github.checkRun(SHA2)?.conclusion).toBe("neutral");
    expect(h.aws.state.cloudformation.signals.map((s) => `${s.status}: ${s.reason}`)).toEqual([
      "FAILURE: the deploy was superseded",
      "SUCCESS: every release step exited 0",
    ]);
    expect(h.github.checkRun(SHA3)?.conclusion).toBe("success");
    const stack = h.aws.state.cloudformation.stacks.get(STACK);
    expect(stack?.status).toBe("UPDATE_COMPLETE");
    expect(stack?.tags["berth:sha"]).toBe(SHA3);
  });

  it("is not built for /preview redeploy of the commit serving: migrate runs, and no stack operation follows", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres"), releaseGate: true });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2));
    h.github.setPermission("maintainer", "write");
    await deployed(h, SHA1, "opened");
    forgetSignals(h);
    await deployed(h, SHA2, "synchronize");
    const serving = webTaskDefinition(h);
    const before = h.aws.calls.length;
    const signals = h.aws.state.cloudformation.signals.length;

    const id = h.github.addComment("/preview redeploy", { login: "maintainer", type: "User" });
    await h.receive("issue_comment", prCommentPayload({ pr: 7, body: "/preview redeploy", commentId: id, user: "maintainer" }));
    await h.settle();

    const later = h.aws.calls.slice(before).map((c) => c.command);
    expect(later.filter((c) => c === "RunTask")).toHaveLength(1);
    expect(later.filter((c) => c === "ExecuteChangeSet")).toHaveLength(0);
    expect(h.aws.state.cloudformation.signals).toHaveLength(signals);
    const run = h.github.checkRuns(SHA2).at(-1);
    expect(run?.conclusion).toBe("success");
    expect(run?.output.summary).toMatch(/\| Migrate \| ✅ success \|/);
    expect(run?.output.summary).toMatch(/\| Rollout \| ✅ success \|/);
    expect(webTaskDefinition(h)).toBe(serving);
    const stack = h.aws.state.cloudformation.stacks.get(STACK);
    expect(stack?.status).toBe("UPDATE_COMPLETE");
    expect(stack?.tags["berth:sha"]).toBe(SHA2);
  });

  describe("left open by a berth that stopped during migrate", () => {
    /** SHA1 serves; a push of SHA2 starts its gated rollout, and berth dies while migrate runs. */
    async function diedDuringMigrate(): Promise<Harness> {
      const harness = createHarness({ files: readFixtureRepo("rails-postgres"), releaseGate: true });
      harness.aws.putImage(IMAGE(SHA1));
      harness.aws.putImage(IMAGE(SHA2));
      await deployed(harness, SHA1, "opened");
      forgetSignals(harness);
      // Still running when berth dies; the restarted berth's deploy waits for it to end before its own migrate.
      harness.aws.scriptTask({ commandIncludes: "db:migrate", runningPolls: 150, times: 1 });
      harness.github.setPull({ number: 7, headSha: SHA2, branch: BRANCH });
      await harness.receive("pull_request", pullRequestPayload("synchronize", { number: 7, sha: SHA2 }));
      const runTasks = () => harness.aws.commands("ecs").filter((c) => c === "RunTask").length;
      const before = runTasks();
      await vi.waitFor(() => expect(runTasks()).toBeGreaterThan(before), { timeout: 30_000, interval: 5 });
      await vi.waitFor(() => expect(harness.aws.state.cloudformation.stacks.get(STACK)?.events.some((e) => e.ResourceType === "AWS::CloudFormation::WaitConditionHandle" && e.ResourceStatus === "CREATE_COMPLETE")).toBe(true), { timeout: 30_000, interval: 5 });
      harness.restart();
      await harness.ready();
      return harness;
    }

    it("is closed by the resync of the restarted berth, and the next resync deploys the head", async () => {
      h = await diedDuringMigrate();
      expect(h.aws.state.cloudformation.stacks.get(STACK)?.status).toBe("UPDATE_IN_PROGRESS");

      await h.previews.resync();
      expect(h.aws.state.cloudformation.signals.map((s) => `${s.status}: ${s.reason}`)).toEqual(["FAILURE: berth restarted during the release steps"]);
      await vi.waitFor(async () => expect((await h.previews.resync()).redeployed).toBe(1), { timeout: 30_000, interval: 5 });
      await h.settle();

      expect(h.github.checkRuns(SHA2).map((r) => r.conclusion)).toEqual(["neutral", "success"]);
      const stack = h.aws.state.cloudformation.stacks.get(STACK);
      expect(stack?.status).toBe("UPDATE_COMPLETE");
      expect(stack?.tags["berth:sha"]).toBe(SHA2);
      expect(stack?.events.find((e) => e.ResourceType === "AWS::CloudFormation::WaitCondition" && e.ResourceStatus === "CREATE_FAILED")?.ResourceStatusReason).toBe(
        "WaitCondition received failed message: 'berth restarted during the release steps' for uniqueId: berth-restart",
      );
    });

    it("is closed by the restarted berth's next deploy, which then deploys the new head", async () => {
      h = await diedDuringMigrate();
      h.aws.putImage(IMAGE(SHA3));

      expect(h.aws.state.cloudformation.stacks.get(STACK)?.status).toBe("UPDATE_IN_PROGRESS");
      await deployed(h, SHA3, "synchronize");

      // Found changing, the stack gets the release phase's update once rolled back: no gate this time.
      expect(h.aws.state.cloudformation.signals.map((s) => `${s.status}: ${s.reason}`)).toEqual(["FAILURE: berth restarted during the release steps"]);
      const run = h.github.checkRun(SHA3);
      expect(run?.conclusion).toBe("success");
      expect(run?.output.summary).toContain("rolling back an update a restarted berth left waiting on its release gate");
      expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA3);
    });
  });
});

describe("the first deploy under the release gate", () => {
  const executed = (harness: Harness) => harness.aws.state.cloudformation.executed.filter((e) => e.stack === STACK);

  it("is one create: the data service and the release task's needs first, migrate and seed while it runs, the app only after they passed", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres"), releaseGate: true });
    h.aws.putImage(IMAGE(SHA1));

    await deployed(h, SHA1, "opened");

    const run = h.github.checkRun(SHA1);
    expect(run?.conclusion).toBe("success");
    for (const phase of ["Image", "Stack", "Migrate", "Seed", "Rollout", "Health"]) expect(run?.output.summary).toMatch(new RegExp(`\\| ${phase} \\| ✅ success \\|`));
    expect(run?.output.summary).toMatch(/\| Stack \| ✅ success \| [^|]* \| created with the release steps: the services built from the repository start once they passed \|/);
    // One create carries every service; a tags-only update after it records the data service's task.
    const [create, ...after] = executed(h);
    expect(create?.changes.filter((c) => c.ResourceChange?.ResourceType === "AWS::ECS::Service").map((c) => `${c.ResourceChange?.Action} ${c.ResourceChange?.LogicalResourceId}`).sort()).toEqual(["Add DbService", "Add WebService"]);
    expect(after.map((e) => e.changes.every((c) => c.ResourceChange?.Scope?.join() === "Tags"))).toEqual([true]);
    expect(releaseStepRuns(h)).toEqual(["berth/migrate", "berth/seed"]);
    const { released, deployed: started } = releaseThenDeployment(h);
    expect(started).toBeGreaterThanOrEqual(released);
    expect(h.aws.state.cloudformation.signals.map((s) => `${s.status}: ${s.reason}`)).toEqual(["SUCCESS: every release step exited 0"]);
    const stack = h.aws.state.cloudformation.stacks.get(STACK);
    expect(stack?.tags).toMatchObject({ "berth:sha": SHA1, "berth:seeded": "true", "berth:data-tasks": expect.stringMatching(/^db=[0-9a-f]{12}$/) });
  });

  it("keeps the release phase with BERTH_RELEASE_GATE=off: a create without the app, the steps, then the rollout update", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres"), releaseGate: false });
    h.aws.putImage(IMAGE(SHA1));

    await deployed(h, SHA1, "opened");

    expect(h.github.checkRun(SHA1)?.conclusion).toBe("success");
    expect(executed(h)).toHaveLength(2);
    expect(h.aws.state.cloudformation.signals).toEqual([]);
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.status).toBe("UPDATE_COMPLETE");
  });

  it("when migrate fails: the create rolls back and its empty stack is deleted, the check run shows migrate's log tail, and the next push deploys anew, seeded", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres"), releaseGate: true });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2));
    h.aws.scriptTask({ commandIncludes: "db:migrate", exitCode: 1, logLines: ['PG::UndefinedTable: ERROR:  relation "skus" does not exist'], times: 1 });

    await deployed(h, SHA1, "opened");

    const run = h.github.checkRun(SHA1);
    expect(run?.conclusion).toBe("failure");
    expect(run?.output.summary).toMatch(/\| Stack \| ✅ success \|/);
    expect(run?.output.summary).toMatch(/\| Migrate \| ❌ failure \|/);
    expect(run?.output.summary).toMatch(/\| Rollout \| ⚪ pending \|/);
    expect(run?.output.summary).toContain('PG::UndefinedTable: ERROR:  relation "skus" does not exist');
    expect(h.aws.state.cloudformation.signals.map((s) => `${s.status}: ${s.reason}`)).toEqual(["FAILURE: migrate failed: bin/rails db:migrate exited with code 1"]);
    // Nothing is left: CloudFormation deleted what the create made, and berth the empty stack.
    expect(h.aws.state.cloudformation.stacks.has(STACK)).toBe(false);
    expect([...h.aws.state.ecs.services.values()].filter((s) => s.serviceName.includes("Service"))).toEqual([]);
    expect(h.aws.state.elbv2.rules.size).toBe(0);

    await deployed(h, SHA2, "synchronize");
    expect(h.github.checkRun(SHA2)?.conclusion).toBe("success");
    expect(releaseStepRuns(h)).toEqual(["berth/migrate", "berth/seed", "berth/migrate", "berth/seed"]);
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA2);
  });

  it("is closed when a newer push supersedes it during migrate; the newer deploy creates the preview anew", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres"), releaseGate: true });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2));
    h.aws.scriptTask({ commandIncludes: "db:migrate", runningPolls: 100, times: 1 });
    h.github.setPull({ number: 7, headSha: SHA1, branch: BRANCH });
    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await vi.waitFor(() => expect(h.aws.commands("ecs").filter((c) => c === "RunTask")).toHaveLength(1), { timeout: 30_000, interval: 5 });

    await deployed(h, SHA2, "synchronize");

    expect(h.github.checkRun(SHA1)?.conclusion).toBe("neutral");
    expect(h.aws.state.cloudformation.signals.map((s) => `${s.status}: ${s.reason}`)).toEqual(["FAILURE: the deploy was superseded", "SUCCESS: every release step exited 0"]);
    expect(h.github.checkRun(SHA2)?.conclusion).toBe("success");
    const stack = h.aws.state.cloudformation.stacks.get(STACK);
    expect(stack?.tags).toMatchObject({ "berth:sha": SHA2, "berth:seeded": "true" });
  });

  it("left open by a berth that stopped during migrate, is closed by the restarted berth's resync, and the next resync creates the preview anew, seeded", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres"), releaseGate: true });
    h.aws.putImage(IMAGE(SHA1));
    // Still running when berth dies; the restarted berth's deploy waits for it to end before its own migrate.
    h.aws.scriptTask({ commandIncludes: "db:migrate", runningPolls: 150, times: 1 });
    h.github.setPull({ number: 7, headSha: SHA1, branch: BRANCH });
    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await vi.waitFor(() => expect(h.aws.commands("ecs").filter((c) => c === "RunTask")).toHaveLength(1), { timeout: 30_000, interval: 5 });
    h.restart();
    await h.ready();
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.status).toBe("CREATE_IN_PROGRESS");

    await h.previews.resync();
    expect(h.aws.state.cloudformation.signals.map((s) => `${s.status}: ${s.reason}`)).toEqual(["FAILURE: berth restarted during the release steps"]);
    await vi.waitFor(async () => expect((await h.previews.resync()).redeployed).toBe(1), { timeout: 30_000, interval: 5 });
    await h.settle();

    expect(h.github.checkRuns(SHA1).at(-1)?.conclusion).toBe("success");
    const stack = h.aws.state.cloudformation.stacks.get(STACK);
    expect(stack?.tags).toMatchObject({ "berth:sha": SHA1, "berth:seeded": "true" });
    expect(releaseStepRuns(h)).toEqual(["berth/migrate", "berth/seed", "berth/migrate", "berth/seed"]);
  });
});
