import type { Change } from "@aws-sdk/client-cloudformation";
import { afterEach, describe, expect, it, vi } from "vitest";
import { getHandlerPermissions } from "../../src/iam/handler-permissions.js";
import { createHarness, readFixtureRepo, type Harness } from "../helpers/app-harness.js";
import { IMAGE, SHA1, SHA2, STACK } from "../helpers/app-fixtures.js";
import { pullRequestPayload } from "../helpers/webhook-payloads.js";

/**
 * `berth:sha` names the commit a preview serves and is written only after berth saw the rollout
 * finish and the target healthy; the rollout itself carries the commit in `berth:deploying`.
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

/** The changes of the last change set executed on the preview's stack. */
function lastChangeSet(harness: Harness): Change[] {
  return harness.aws.state.cloudformation.executed.filter((e) => e.stack === STACK).at(-1)?.changes ?? [];
}

describe("the tag that says which commit a preview serves", () => {
  it("is written by a tags-only update after rollout and health, which retags every taggable resource in place", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));

    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await h.settle();

    expect(h.github.checkRun(SHA1)?.conclusion).toBe("success");
    expect(stackTags(h)).toMatchObject({ "berth:sha": SHA1, "berth:deploying": SHA1 });
    const calls = h.aws.calls.map((c) => c.command);
    const health = calls.lastIndexOf("DescribeTargetHealth");
    // The confirming update comes after health, and is the deploy's last AWS work.
    expect(calls.slice(health + 1)).toEqual([
      "DescribeStacks",
      "CreateChangeSet",
      "DescribeChangeSet",
      "ExecuteChangeSet",
      "DescribeStacks",
      "DescribeStacks",
      "DescribeStackEvents",
    ]);
    const confirm = h.aws.calls.filter((c) => c.command === "CreateChangeSet");
    expect(confirm).toHaveLength(3);
    const [rollout, tagsOnly] = confirm.slice(1).map((c) => c.input);
    expect(tagsOnly?.TemplateBody).toBe(rollout?.TemplateBody);
    expect(tagsOnly?.Parameters).toEqual(rollout?.Parameters);

    const resources = [...h.aws.state.cloudformation.resources(STACK).values()];
    const taggable = resources.filter((r) => getHandlerPermissions(r.type).tagging.taggable);
    expect(taggable.length).toBeGreaterThan(0);
    const changes = lastChangeSet(h);
    expect(changes.map((c) => c.ResourceChange?.LogicalResourceId).sort()).toEqual(taggable.map((r) => r.logicalId).sort());
    for (const c of changes) expect(c.ResourceChange).toMatchObject({ Action: "Modify", Replacement: "False", Scope: ["Tags"] });
    for (const r of taggable) expect(r.tags).toMatchObject({ "berth:sha": SHA1, "berth:deploying": SHA1 });
    // Nothing replaced: the update's events name the resources by the ids they still have, and delete none.
    const events = h.aws.state.cloudformation.stacks.get(STACK)!.events;
    const lastUpdate = events.findLastIndex((e) => e.ResourceType === "AWS::CloudFormation::Stack" && e.ResourceStatus === "UPDATE_IN_PROGRESS");
    const touched = events.slice(lastUpdate).filter((e) => e.ResourceType !== "AWS::CloudFormation::Stack");
    expect(touched.filter((e) => e.ResourceStatus?.startsWith("DELETE"))).toEqual([]);
    const ids = new Map(resources.map((r) => [r.logicalId, r.physicalId]));
    for (const e of touched) expect(e.PhysicalResourceId).toBe(ids.get(e.LogicalResourceId ?? ""));
  });

  it("keeps naming the commit that served while a push's rollout is unconfirmed, and the resync after a restart finishes it", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2));
    h.github.setPull({ number: 7, headSha: SHA1, branch: BRANCH });
    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await h.settle();
    const healthChecks = h.aws.commands("elbv2").filter((c) => c === "DescribeTargetHealth").length;

    // The process dies while it waits for the load balancer: SHA2 rolled out, health never confirmed.
    h.aws.fail("DescribeTargetHealth", { hang: true });
    h.github.setPull({ number: 7, headSha: SHA2, branch: BRANCH });
    await h.receive("pull_request", pullRequestPayload("synchronize", { number: 7, sha: SHA2 }));
    await vi.waitFor(() => expect(h.aws.commands("elbv2").filter((c) => c === "DescribeTargetHealth").length).toBeGreaterThan(healthChecks), { timeout: 60_000, interval: 5 });
    // Visible from AWS alone: the stack rolls SHA2 out and serves SHA1.
    expect(stackTags(h)).toMatchObject({ "berth:sha": SHA1, "berth:deploying": SHA2 });

    h.restart();
    await h.ready();
    await h.previews.resync();
    await h.settle();

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
    expect(stackTags(h)).toMatchObject({ "berth:sha": SHA1, "berth:deploying": SHA2 });
  });
});
