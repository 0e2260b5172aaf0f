import { afterEach, describe, expect, it } from "vitest";
import { createHarness, readFixtureRepo, type Harness } from "../helpers/app-harness.js";
import { IMAGE, SHA1, STACK } from "../helpers/app-fixtures.js";
import { prCommentPayload, pullRequestPayload } from "../helpers/webhook-payloads.js";

/**
 * CloudFormation applied a request but its answer was lost (a 5xx, a reset connection): the SDK
 * sends the same request again, with the same idempotency token, and CloudFormation answers it as
 * the request it already applied. The deploy and the removal go on as if nothing happened.
 */

let h: Harness;
afterEach(() => {
  expect(h.github.problems()).toEqual([]);
  h.close();
});

const INTERNAL = { name: "InternalFailure", message: "We encountered an internal error. Please try again.", status: 500 };

function sent(harness: Harness, command: string): Array<Record<string, unknown>> {
  return harness.aws.calls.filter((c) => c.command === command).map((c) => c.input);
}

describe("AWS requests applied but answered with an error", () => {
  it("a CreateChangeSet answered 500 and an ExecuteChangeSet whose connection reset still make one change each and one successful deploy", async () => {
    // The SDK as berth configures it: the same request again on a 5xx or a reset.
    h = createHarness({ files: readFixtureRepo("rails-postgres"), aws: { sdkRetries: "berth" } });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.fail("CreateChangeSet", { error: INTERNAL, applied: true });
    h.aws.fail("ExecuteChangeSet", { connectionError: "ECONNRESET", applied: true });

    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await h.settle();

    expect(h.github.checkRuns(SHA1).map((r) => r.conclusion)).toEqual(["success"]);
    expect(h.github.state.deployments.map((d) => d.statuses.at(-1)?.state)).toEqual(["success"]);
    // Release phase and rollout: two change sets, each created and executed once.
    expect(h.aws.state.cloudformation.executed.filter((e) => e.stack === STACK).map((e) => e.changeSetName)).toHaveLength(2);
    const [first, retry, ...others] = sent(h, "CreateChangeSet");
    expect(others).toHaveLength(1);
    expect(retry).toEqual(first);
    expect(new Set(sent(h, "CreateChangeSet").map((i) => i.ClientToken)).size).toBe(2);
    const executes = sent(h, "ExecuteChangeSet");
    expect(executes).toHaveLength(3);
    expect(executes[1]).toEqual(executes[0]);
    const stack = h.aws.state.cloudformation.stacks.get(STACK);
    expect(stack?.status).toBe("UPDATE_COMPLETE");
    expect(stack?.events.filter((e) => e.LogicalResourceId === STACK && e.ResourceStatus === "CREATE_IN_PROGRESS")).toHaveLength(1);
  });

  it("a DeleteStack answered 503 still removes the preview once, and says so", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres"), aws: { sdkRetries: "berth" } });
    h.aws.putImage(IMAGE(SHA1));
    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await h.settle();
    const stack = h.aws.state.cloudformation.stacks.get(STACK)!;
    h.aws.fail("DeleteStack", { error: { name: "ServiceUnavailable", message: "Service Unavailable", status: 503 }, applied: true });

    await h.receive("pull_request", pullRequestPayload("closed", { number: 7, sha: SHA1 }));
    await h.settle();

    expect(h.aws.state.cloudformation.stacks.has(STACK)).toBe(false);
    const deletes = sent(h, "DeleteStack");
    expect(deletes).toHaveLength(2);
    expect(deletes[1]).toEqual(deletes[0]);
    expect(stack.events.filter((e) => e.LogicalResourceId === STACK && e.ResourceStatus === "DELETE_IN_PROGRESS")).toHaveLength(1);
    expect(h.github.stickyComments()[0]?.body).toContain("Preview removed");
  });

  it("a DeleteChangeSet of an unchanged stack answered 500 after AWS deleted it does not fail the redeploy: AWS answers the retry with success", async () => {
    // Without the release gate, whose new gate would make the redeploy's rollout a change.
    h = createHarness({ files: readFixtureRepo("rails-postgres"), aws: { sdkRetries: "berth" }, releaseGate: false });
    h.aws.putImage(IMAGE(SHA1));
    h.github.setPull({ number: 7, headSha: SHA1, branch: "feature/checkout" });
    h.github.setPermission("maintainer", "write");
    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await h.settle();
    h.aws.fail("DeleteChangeSet", { error: INTERNAL, applied: true });

    const id = h.github.addComment("/preview redeploy", { login: "maintainer", type: "User" });
    await h.receive("issue_comment", prCommentPayload({ pr: 7, body: "/preview redeploy", commentId: id, user: "maintainer" }));
    await h.settle();

    expect(h.github.checkRuns(SHA1).map((r) => r.conclusion)).toEqual(["success", "success"]);
    const deletes = sent(h, "DeleteChangeSet");
    expect(deletes.length).toBeGreaterThanOrEqual(2);
    expect(deletes[1]).toEqual(deletes[0]);
  });
});
