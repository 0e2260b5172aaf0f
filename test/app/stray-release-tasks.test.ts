/**
 * Release tasks berth stopped watching: a process that died while migrate ran, or a deploy that a
 * close stopped at its safe point. The task goes on running in ECS; berth must neither run a
 * second migration beside it nor leave it (and its task definition revision) behind.
 */
import { DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createHarness, readFixtureRepo, type Harness } from "../helpers/app-harness.js";
import { IMAGE, SHA1, SHA2, STACK } from "../helpers/app-fixtures.js";
import { pullRequestPayload } from "../helpers/webhook-payloads.js";

const BRANCH = "feature/checkout";
const RELEASE_FAMILY = `${STACK}-release`;

let h: Harness;

afterEach(() => {
  expect(h.github.problems()).toEqual([]);
  h.close();
});

/** The one-off tasks RunTask started, in order. */
function releaseTasks(harness: Harness) {
  return [...harness.aws.state.ecs.tasks.values()].filter((t) => t.startedBy?.startsWith("berth/"));
}

/**
 * The resyncs after a start, as scheduled: the first finds the gated create the dead process left
 * changing and closes its gate; a later one deploys the head again.
 */
async function resyncs(harness: Harness): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await harness.previews.resync();
    await harness.settle();
  }
}

/** Waits until RunTask has started `count` tasks. */
async function tasksStarted(harness: Harness, count: number): Promise<void> {
  await vi.waitFor(() => expect(releaseTasks(harness)).toHaveLength(count), { timeout: 30_000, interval: 2 });
}

/**
 * Opens pull request 7, kills berth while its first migration runs (40 looks at the task), and
 * starts it again; returns the harness.
 */
async function dieDuringMigrate(): Promise<Harness> {
  const harness = createHarness({ files: readFixtureRepo("rails-postgres") });
  harness.aws.putImage(IMAGE(SHA1));
  harness.github.setPull({ number: 7, headSha: SHA1, branch: BRANCH });
  harness.aws.scriptTask({ commandIncludes: "db:migrate", runningPolls: 40, times: 1 });
  await harness.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
  await tasksStarted(harness, 1);
  harness.kill();
  harness.restart();
  await harness.ready();
  return harness;
}

describe("release tasks berth stopped watching", () => {
  it("a restarted berth's deploy waits for the migrate+seed task the dead process started, instead of running a second one beside it", async () => {
    h = await dieDuringMigrate();

    await resyncs(h);

    const [orphan, again] = releaseTasks(h);
    // The orphan ran to its end (exit 0, not stopped by berth) before the new deploy's task started.
    expect(orphan).toMatchObject({ startedBy: "berth/migrate+seed", lastStatus: "STOPPED", stopCode: "EssentialContainerExited" });
    expect(orphan?.containers?.find((c) => c.name === "migrate")?.exitCode).toBe(0);
    expect(again?.lastStatus).toBe("STOPPED");
    expect(orphan!.stoppedAt!.getTime()).toBeLessThan(again!.createdAt!.getTime());
    expect(h.github.checkRuns(SHA1).at(-1)).toMatchObject({ status: "completed", conclusion: "success" });
  });

  it("a restarted berth's deploy deregisters the release run revision the dead process left ACTIVE", async () => {
    h = await dieDuringMigrate();
    const leftBehind = releaseTasks(h)[0]!.taskDefinitionArn!;

    await resyncs(h);

    const active = [...h.aws.state.ecs.taskDefinitions.values()].filter((td) => td.family === RELEASE_FAMILY && td.status === "ACTIVE").map((td) => td.taskDefinitionArn);
    // Only the stack's own revision: the dead run's and the new run's are both deregistered.
    const { Stacks } = await h.aws.clients.cloudformation.send(new DescribeStacksCommand({ StackName: STACK }));
    expect(active).toEqual([Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === "ReleaseTaskDefinitionArn")?.OutputValue]);
    expect([...h.aws.state.ecs.taskDefinitions.values()].find((td) => td.taskDefinitionArn === leftBehind)?.status).toBe("INACTIVE");
  });

  it("a close missed while berth was down stops the release task the dead process left running before the stack is deleted", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2));
    h.github.setPull({ number: 7, headSha: SHA1, branch: BRANCH });
    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await h.settle();
    h.aws.scriptTask({ commandIncludes: "db:migrate", runningPolls: 150, times: 1 });
    h.github.setPull({ number: 7, headSha: SHA2, branch: BRANCH });
    await h.receive("pull_request", pullRequestPayload("synchronize", { number: 7, sha: SHA2, before: SHA1 }));
    await tasksStarted(h, 2);
    h.kill();
    h.github.setPull({ number: 7, headSha: SHA2, branch: BRANCH, state: "closed" });
    h.restart();
    await h.ready();

    await resyncs(h);

    const migrate = releaseTasks(h)[1]!;
    expect(migrate).toMatchObject({ startedBy: "berth/migrate", lastStatus: "STOPPED", stopCode: "UserInitiated", stoppedReason: "berth: the preview is being removed" });
    const commands = h.aws.commands();
    expect(commands.lastIndexOf("StopTask")).toBeLessThan(commands.lastIndexOf("DeleteStack"));
    expect(h.aws.state.cloudformation.stacks.has(STACK)).toBe(false);
    expect(h.github.stickyComments()[0]?.body).toContain("Preview removed");
  });
});
