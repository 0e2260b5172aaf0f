import { afterEach, describe, expect, it, vi } from "vitest";
import { getHandlerPermissions } from "../../src/iam/handler-permissions.js";
import { servingState } from "../../src/preview/flow/serving-tags.js";
import { createHarness, readFixtureRepo, type Harness } from "../helpers/app-harness.js";
import { IMAGE, SHA1, SHA2, STACK } from "../helpers/app-fixtures.js";
import { pullRequestPayload } from "../helpers/webhook-payloads.js";

/**
 * `berth:sha` names the commit a preview serves. The rollout update sets it; CloudFormation ends
 * that update only once ECS counts the new tasks healthy and restores the old tags if it rolls
 * back, so berth needs no further update to record the commit, and readers check the stack status.
 */

let h: Harness;
afterEach(() => {
  expect(h.github.problems()).toEqual([]);
  h.close();
});

const BRANCH = "feature/checkout";

function stackTags(harness: Harness): Record<string, string> {
  return harness.aws.state.cloudformation.stacks.get(STACK)?.tags ?? {};
}

describe("the tag that says which commit a preview serves", () => {
  it("is written by the rollout update itself, which tags every taggable resource; nothing updates the stack after health", async () => {
    // The release phase, then the rollout (a first deploy under the release gate is one create,
    // whose data services' tasks a tags-only update records after health: release-gate.test.ts).
    h = createHarness({ files: readFixtureRepo("rails-postgres"), releaseGate: false });
    h.aws.putImage(IMAGE(SHA1));

    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await h.settle();

    expect(h.github.checkRun(SHA1)?.conclusion).toBe("success");
    expect(stackTags(h)).toMatchObject({ "berth:sha": SHA1, "berth:deploying": SHA1 });
    const calls = h.aws.calls.map((c) => c.command);
    // Health is the deploy's last AWS work (the rollout's check reads beside it): no stack update follows it.
    expect(calls.slice(calls.lastIndexOf("DescribeTargetHealth") + 1).filter((c) => c !== "DescribeServices")).toEqual([]);
    const changeSets = h.aws.calls.filter((c) => c.command === "CreateChangeSet").map((c) => c.input as { Tags?: Array<{ Key?: string; Value?: string }> });
    // The release phase (berth:sha still none), then the rollout, which names the commit.
    expect(changeSets.map((c) => c.Tags?.find((t) => t.Key === "berth:sha")?.Value)).toEqual(["none", SHA1]);

    const resources = [...h.aws.state.cloudformation.resources(STACK).values()];
    const taggable = resources.filter((r) => getHandlerPermissions(r.type).tagging.taggable);
    expect(taggable.length).toBeGreaterThan(0);
    for (const r of taggable) expect(r.tags).toMatchObject({ "berth:sha": SHA1, "berth:deploying": SHA1 });
  });

  it("is not read as serving while the rollout update runs, and the resync after a restart finishes the deploy", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2));
    h.github.setPull({ number: 7, headSha: SHA1, branch: BRANCH });
    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await h.settle();

    // The process dies while the rollout update of SHA2 runs: the stack carries SHA2's tags already.
    const executions = () => h.aws.commands("cloudformation").filter((c) => c === "ExecuteChangeSet").length;
    const before = executions();
    h.aws.chaos(({ command }) => (command === "DescribeStacks" && executions() > before ? { hang: true } : undefined));
    h.github.setPull({ number: 7, headSha: SHA2, branch: BRANCH });
    await h.receive("pull_request", pullRequestPayload("synchronize", { number: 7, sha: SHA2 }));
    await vi.waitFor(() => expect(h.aws.calls.at(-1)?.command).toBe("DescribeStacks"), { timeout: 60_000, interval: 5 });
    await vi.waitFor(() => expect(executions()).toBe(before + 1), { timeout: 60_000, interval: 5 });
    h.aws.chaos(undefined);
    const mid = h.aws.state.cloudformation.stacks.get(STACK)!;
    expect(mid.status).toBe("UPDATE_IN_PROGRESS");
    expect(mid.tags).toMatchObject({ "berth:sha": SHA2 });
    expect(servingState(mid, SHA2)).toBe("unconfirmed");

    h.restart();
    await h.ready();
    // A resync leaves a changing stack for later, whatever its tags say.
    await h.previews.resync();
    await h.settle();
    expect(h.github.checkRuns(SHA2).map((r) => r.status)).toEqual(["in_progress"]);
    // CloudFormation goes on without berth and completes the update.
    for (let step = mid.steps.shift(); step; step = mid.steps.shift()) step();
    await h.previews.resync();
    await h.settle();

    expect(h.aws.state.cloudformation.stacks.get(STACK)?.status).toBe("UPDATE_COMPLETE");
    expect(stackTags(h)).toMatchObject({ "berth:sha": SHA2, "berth:deploying": SHA2 });
    expect(h.github.checkRuns(SHA2).map((r) => r.conclusion)).toEqual(["neutral", "success"]);
  });

  it("stays on the commit that served when the rollout fails, so the failed commit never reads as served", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2));
    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await h.settle();

    h.aws.scriptRollout({ service: "Web", fail: "ECS Deployment Circuit Breaker was triggered" });
    await h.receive("pull_request", pullRequestPayload("synchronize", { number: 7, sha: SHA2 }));
    await h.settle();

    expect(h.github.checkRun(SHA2)?.conclusion).toBe("failure");
    // ECS rolled back after the rollout update named SHA2; berth's rollout check saw it and named SHA1 again.
    expect(stackTags(h)).toMatchObject({ "berth:sha": SHA1, "berth:deploying": SHA2 });
    expect(h.github.checkRun(SHA2)?.output.summary).toMatch(/circuit breaker/i);
  });

  it("is restored by CloudFormation when the rollout update rolls back", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2));
    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await h.settle();
    const changeSets = h.aws.commands("cloudformation").filter((c) => c === "CreateChangeSet").length;

    h.aws.failStack({ stack: STACK, resource: "WebService", reason: "ECS Deployment Circuit Breaker was triggered" });
    await h.receive("pull_request", pullRequestPayload("synchronize", { number: 7, sha: SHA2 }));
    await h.settle();

    expect(h.github.checkRun(SHA2)?.conclusion).toBe("failure");
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.status).toBe("UPDATE_ROLLBACK_COMPLETE");
    expect(stackTags(h)).toMatchObject({ "berth:sha": SHA1, "berth:deploying": SHA1 });
    // The rollback restored the tags: no update of berth's own follows it.
    expect(h.aws.commands("cloudformation").filter((c) => c === "CreateChangeSet").length).toBe(changeSets + 1);
  });
});
