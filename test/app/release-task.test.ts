import type { ContainerDefinition, TaskDefinition } from "@aws-sdk/client-ecs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createHarness, deliverHead, readFixtureRepo, type Harness } from "../helpers/app-harness.js";
import { SHA1, SHA2, STACK, IMAGE } from "../helpers/app-fixtures.js";
import { prCommentPayload, pullRequestPayload } from "../helpers/webhook-payloads.js";

let h: Harness;
afterEach(() => {
  expect(h.github.problems()).toEqual([]);
  h.close();
});

const deploy = deliverHead;

async function reset(harness: Harness) {
  harness.github.setPermission("maintainer", "maintain");
  const id = harness.github.addComment("/preview reset", { login: "maintainer", type: "User" });
  await harness.receive("issue_comment", prCommentPayload({ pr: 7, body: "/preview reset", commentId: id, user: "maintainer", userType: "User" }));
  await harness.settle();
}

/** The AWS calls from `from` on, by command. */
function commands(harness: Harness, from = 0): string[] {
  return harness.aws.calls.slice(from).map((c) => c.command);
}

/** The task definitions berth registered itself (not through the stack), oldest first. */
function ownRevisions(harness: Harness): TaskDefinition[] {
  const { ecs } = harness.aws.state;
  return [...ecs.registeredTags.keys()].map((arn) => ecs.taskDefinitions.get(arn)!);
}

/** The containers of a stopped one-off task, by name: exit code and reason. */
function containersOf(harness: Harness, startedBy: string): Record<string, { exitCode?: number; reason?: string }> {
  const task = [...harness.aws.state.ecs.tasks.values()].find((t) => t.startedBy === startedBy);
  return Object.fromEntries((task?.containers ?? []).map((c) => [c.name, { ...(c.exitCode === undefined ? {} : { exitCode: c.exitCode }), ...(c.reason ? { reason: c.reason } : {}) }]));
}

function row(summary: string | undefined, phase: string): string | undefined {
  return (summary ?? "").split("\n").find((line) => line.startsWith(`| ${phase} |`));
}

describe("migrate and seed in one release task", () => {
  it("a first deploy launches one task for both: seed's container starts only after migrate's exited 0, and each phase reports its own outcome", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));

    await deploy(h, SHA1, "opened");

    const runs = h.aws.calls.filter((c) => c.command === "RunTask");
    expect(runs.map((c) => (c.input as { startedBy?: string }).startedBy)).toEqual(["berth/migrate+seed"]);
    const [revision] = ownRevisions(h);
    const byName = new Map((revision?.containerDefinitions ?? []).map((c: ContainerDefinition) => [c.name, c]));
    expect(byName.get("migrate")).toMatchObject({ essential: false });
    expect(byName.get("seed")).toMatchObject({ essential: true });
    expect(byName.get("seed")?.dependsOn).toContainEqual({ containerName: "migrate", condition: "SUCCESS" });
    expect(byName.has("release")).toBe(false);
    // Used once, then deregistered: berth's revision does not linger.
    expect(revision?.status).toBe("INACTIVE");
    expect(h.aws.state.ecs.registeredTags.get(revision!.taskDefinitionArn!)).toContainEqual({ key: "berth:managed", value: "true" });
    expect(containersOf(h, "berth/migrate+seed")).toMatchObject({ migrate: { exitCode: 0 }, seed: { exitCode: 0 } });

    const summary = h.github.checkRun(SHA1)?.output.summary;
    expect(row(summary, "Migrate")).toMatch(/^\| Migrate \| ✅ success \| \d+ ms \| seed follows in the same task \|$/);
    expect(row(summary, "Seed")).toMatch(/^\| Seed \| ✅ success \| \d+ ms \| +\|$/);
    expect(h.github.checkRun(SHA1)?.conclusion).toBe("success");
  });

  it("a migrate failure: seed never runs, the migrate phase fails with migrate's own log tail, nothing rolls out", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.scriptTask({ commandIncludes: "db:migrate", exitCode: 1, logLines: ["== 20261121 AddSkuToProducts: migrating", "PG::UndefinedTable: ERROR:  relation \"skus\" does not exist"] });
    h.aws.scriptTask({ commandIncludes: "db:seed", logLines: ["seeded 40 products"] });

    await deploy(h, SHA1, "opened");

    const run = h.github.checkRun(SHA1);
    expect(run?.conclusion).toBe("failure");
    expect(row(run?.output.summary, "Migrate")).toMatch(/\| Migrate \| ❌ failure \|/);
    expect(row(run?.output.summary, "Seed")).toMatch(/\| Seed \| ⚪ pending \|/);
    expect(row(run?.output.summary, "Rollout")).toMatch(/\| Rollout \| ⚪ pending \|/);
    expect(run?.output.summary).toContain("**Migrate failed:** bin/rails db:migrate exited with code 1");
    expect(run?.output.summary).toContain('PG::UndefinedTable: ERROR:  relation "skus" does not exist');
    expect(run?.output.summary).not.toContain("seeded 40 products");
    // As ECS does: the container waiting on SUCCESS of a failed one is stopped unstarted.
    const containers = containersOf(h, "berth/migrate+seed");
    expect(containers.migrate).toEqual({ exitCode: 1 });
    expect(containers.seed?.exitCode).toBe(143);
    expect(containers.seed?.reason).toMatch(/^CannotStartContainerError: dependency graph/);
    // Only the release phase's stack create ran; the web service never got tasks of this commit.
    expect(commands(h).filter((c) => c === "ExecuteChangeSet")).toHaveLength(1);
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:seeded"]).not.toBe("true");
  });

  it("a migrate failure on /preview reset keeps the previous version serving", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    const digest1 = h.aws.putImage(IMAGE(SHA1));
    await deploy(h, SHA1, "opened");
    h.aws.scriptTask({ commandIncludes: "db:migrate", exitCode: 1, logLines: ["rails aborted!"], times: 1 });

    await reset(h);

    const runs = h.github.checkRuns(SHA1);
    expect(runs.at(-1)?.conclusion).toBe("failure");
    expect(row(runs.at(-1)?.output.summary, "Migrate")).toMatch(/\| Migrate \| ❌ failure \|/);
    expect(row(runs.at(-1)?.output.summary, "Seed")).toMatch(/\| Seed \| ⚪ pending \|/);
    expect(runs.at(-1)?.output.summary).toContain("rails aborted!");
    const stack = h.aws.state.cloudformation.stacks.get(STACK);
    expect(stack?.tags["berth:sha"]).toBe(SHA1);
    expect(JSON.stringify(stack?.current?.resources.get("WebTaskDefinition"))).toContain(`/shop@${digest1}`);
  });

  it("a deploy superseded while migrate runs lets migrate finish, stops the task before seed starts, and the newer deploy seeds", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2));
    h.aws.scriptTask({ commandIncludes: "db:migrate", runningPolls: 20, times: 1 });
    h.github.setPull({ number: 7, headSha: SHA1, branch: "feature/checkout" });
    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await vi.waitFor(() => expect(commands(h)).toContain("RunTask"), { timeout: 30_000, interval: 5 });

    await deploy(h, SHA2, "synchronize");

    const first = h.github.checkRun(SHA1);
    expect(first?.conclusion).toBe("neutral");
    expect(row(first?.output.summary, "Migrate")).toMatch(/✅ success/);
    expect(row(first?.output.summary, "Seed")).not.toMatch(/✅ success|❌ failure/);
    // migrate ran to its end (exit 0); seed's container never started, and berth stopped the task.
    const [superseded, next] = [...h.aws.state.ecs.tasks.values()].filter((t) => String(t.startedBy) === "berth/migrate+seed");
    const steps = (task: typeof superseded) => task?.containers?.filter((c) => c.name === "migrate" || c.name === "seed");
    expect(steps(superseded)?.map((c) => `${c.name}: ${c.exitCode ?? "never ran"}`)).toEqual(["migrate: 0", "seed: never ran"]);
    expect(superseded?.stopCode).toBe("UserInitiated");
    expect(h.aws.calls.filter((c) => c.command === "StopTask").map((c) => (c.input as { reason?: string }).reason)).toEqual([
      "berth: the deploy stopped; no further release step",
    ]);
    // The newer deploy runs migrate and seed, and seeds the preview.
    expect(steps(next)?.map((c) => `${c.name}: ${c.exitCode}`)).toEqual(["migrate: 0", "seed: 0"]);
    const run = h.github.checkRun(SHA2);
    expect(run?.conclusion).toBe("success");
    expect(row(run?.output.summary, "Seed")).toMatch(/✅ success/);
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags).toMatchObject({ "berth:sha": SHA2, "berth:seeded": "true" });
  });

  it("a seed failure: migrate passed, the seed phase fails with seed's own log tail, nothing rolls out", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.scriptTask({ commandIncludes: "db:migrate", logLines: ["== 20261121 AddSkuToProducts: migrated (0.0102s)"] });
    h.aws.scriptTask({ commandIncludes: "db:seed", exitCode: 1, logLines: ["ActiveRecord::RecordInvalid: Validation failed: Sku has already been taken"] });

    await deploy(h, SHA1, "opened");

    const run = h.github.checkRun(SHA1);
    expect(run?.conclusion).toBe("failure");
    expect(row(run?.output.summary, "Migrate")).toMatch(/\| Migrate \| ✅ success \|/);
    expect(row(run?.output.summary, "Seed")).toMatch(/\| Seed \| ❌ failure \|/);
    expect(run?.output.summary).toContain("**Seed failed:** bin/rails db:seed exited with code 1");
    expect(run?.output.summary).toContain("ActiveRecord::RecordInvalid: Validation failed: Sku has already been taken");
    expect(run?.output.summary).not.toContain("AddSkuToProducts: migrated");
    expect(commands(h).filter((c) => c === "ExecuteChangeSet")).toHaveLength(1);
  });
});

describe("a push that changes only code", () => {
  it("runs no stack update before migrate: berth registers the release revision with the new image, migrate alone, seed not due", async () => {
    // The steps-then-rollout order (BERTH_RELEASE_GATE=off); release-gate.test.ts covers the gated push.
    h = createHarness({ files: readFixtureRepo("rails-postgres"), releaseGate: false });
    h.aws.putImage(IMAGE(SHA1));
    const digest2 = h.aws.putImage(IMAGE(SHA2));
    await deploy(h, SHA1, "opened");
    const before = h.aws.calls.length;

    await deploy(h, SHA2, "synchronize");

    const later = commands(h, before);
    const runTask = later.indexOf("RunTask");
    expect(runTask).toBeGreaterThan(0);
    for (const update of ["CreateChangeSet", "ExecuteChangeSet", "UpdateStack"]) expect(later.slice(0, runTask)).not.toContain(update);
    expect(later.slice(0, runTask)).toContain("GetTemplate");
    // The rollout alone, which also names the commit in the stack's tags.
    expect(later.filter((c) => c === "ExecuteChangeSet")).toHaveLength(1);
    expect(later.indexOf("ExecuteChangeSet")).toBeGreaterThan(runTask);

    const revision = ownRevisions(h).at(-1);
    expect(revision?.containerDefinitions?.map((c) => c.name)).toContain("migrate");
    expect(revision?.containerDefinitions?.map((c) => c.name)).not.toContain("seed");
    expect(revision?.containerDefinitions?.find((c) => c.name === "migrate")?.image).toBe(`123456789012.dkr.ecr.us-east-1.amazonaws.com/shop@${digest2}`);
    expect(revision?.status).toBe("INACTIVE");

    const summary = h.github.checkRun(SHA2)?.output.summary;
    expect(row(summary, "Stack")).toContain("no stack update: the release task's new image is registered directly");
    expect(row(summary, "Migrate")).toMatch(/\| Migrate \| ✅ success \|/);
    expect(row(summary, "Seed")).toMatch(/\| Seed \| ⏭️ skipped \| +\| data kept from the previous deploy \|/);
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA2);
  });

  it("a bot role that may not read the stack's template (GetTemplate denied) takes the release-phase update, as before", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2));
    await deploy(h, SHA1, "opened");
    h.aws.fail("GetTemplate", { error: { name: "AccessDenied", message: "User is not authorized to perform: cloudformation:GetTemplate", status: 403 } });
    const before = h.aws.calls.length;

    await deploy(h, SHA2, "synchronize");

    const later = commands(h, before);
    expect(later.slice(0, later.indexOf("RunTask"))).toContain("ExecuteChangeSet");
    expect(h.github.checkRun(SHA2)?.conclusion).toBe("success");
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA2);
  });

  it("a push that also changes the environment still takes the release-phase update before migrate", async () => {
    const files = readFixtureRepo("rails-postgres");
    h = createHarness({ files });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2));
    await deploy(h, SHA1, "opened");
    h.github.setFiles(SHA2, { ...files, ".github/preview.yml": files[".github/preview.yml"]!.replace("RAILS_ENV: staging", "RAILS_ENV: staging\n  FEATURE_CHECKOUT: \"on\"") });
    const before = h.aws.calls.length;

    await deploy(h, SHA2, "synchronize");

    const later = commands(h, before);
    const runTask = later.indexOf("RunTask");
    expect(later.slice(0, runTask)).toContain("ExecuteChangeSet");
    // The release-phase update, then the rollout.
    expect(later.filter((c) => c === "ExecuteChangeSet")).toHaveLength(2);
    // The stack's release task definition has the new image and environment: nothing to register.
    expect(later).not.toContain("RegisterTaskDefinition");
    expect(h.github.checkRun(SHA2)?.conclusion).toBe("success");
  });
});

describe("/preview redeploy of the head that serves", () => {
  it("runs no stack update and registers nothing: migrate runs on the stack's own release task definition", async () => {
    // Without the release gate: a gated rollout adds this deploy's gate, an update of its own.
    h = createHarness({ files: readFixtureRepo("rails-postgres"), releaseGate: false });
    h.aws.putImage(IMAGE(SHA1));
    await deploy(h, SHA1, "opened");
    const before = h.aws.calls.length;
    h.github.setPermission("maintainer", "maintain");
    const id = h.github.addComment("/preview redeploy", { login: "maintainer", type: "User" });

    await h.receive("issue_comment", prCommentPayload({ pr: 7, body: "/preview redeploy", commentId: id, user: "maintainer", userType: "User" }));
    await h.settle();

    const later = commands(h, before);
    const runTask = later.indexOf("RunTask");
    expect(runTask).toBeGreaterThan(0);
    expect(later.slice(0, runTask)).not.toContain("ExecuteChangeSet");
    expect(later).not.toContain("RegisterTaskDefinition");
    const run = h.github.checkRuns(SHA1).at(-1);
    expect(run?.conclusion).toBe("success");
    expect(row(run?.output.summary, "Stack")).toContain("no stack update: nothing changes before the rollout");
  });
});

describe("Fargate launches and stack updates", () => {
  it("a first deploy: the data service with the stack, one release task, the web service: 3 launches in a row; a push: 1 release task, 1 rollout", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2));

    await deploy(h, SHA1, "opened");
    const first = commands(h);
    // Create (starts db), release task (migrate + seed), rollout (starts web, names the commit).
    expect(first.filter((c) => c === "RunTask")).toHaveLength(1);
    expect(first.filter((c) => c === "ExecuteChangeSet")).toHaveLength(2);

    const before = h.aws.calls.length;
    await deploy(h, SHA2, "synchronize");
    const push = commands(h, before);
    expect(push.filter((c) => c === "RunTask")).toHaveLength(1);
    // Rollout (starts web); no release-phase update.
    expect(push.filter((c) => c === "ExecuteChangeSet")).toHaveLength(1);
  });
});

describe("removing the preview", () => {
  it("deregisters a release revision a crash left ACTIVE and deletes every revision of the release family", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    await deploy(h, SHA1, "opened");
    const { ecs } = h.aws.state;
    const family = ownRevisions(h)[0]!.family!;
    // A release run whose process died before it deregistered its revision.
    const revision = ecs.nextRevision(family);
    const leftover = `arn:aws:ecs:us-east-1:123456789012:task-definition/${family}:${revision}`;
    ecs.registerTaskDefinition(leftover, family, revision, { ContainerDefinitions: [{ Name: "migrate", Image: "shop:1" }] });
    // Another preview's family that merely starts with the same name is not touched.
    ecs.registerTaskDefinition(`arn:aws:ecs:us-east-1:123456789012:task-definition/${family}-2:1`, `${family}-2`, 1, { ContainerDefinitions: [] });

    h.github.setPull({ number: 7, headSha: SHA1, branch: "feature/checkout", state: "closed" });
    await h.receive("pull_request", pullRequestPayload("closed", { number: 7, sha: SHA1 }));
    await h.settle();

    expect(h.aws.state.cloudformation.stacks.has(STACK)).toBe(false);
    const statuses = [...ecs.taskDefinitions.values()].filter((td) => td.family === family).map((td) => td.status);
    expect(statuses.length).toBeGreaterThanOrEqual(3);
    expect(new Set(statuses)).toEqual(new Set(["DELETE_IN_PROGRESS"]));
    expect(ecs.findTaskDefinition(`${family}-2:1`)?.status).toBe("ACTIVE");
    expect(h.github.stickyComments()[0]?.body).toContain("removed");
  });
});
