import { afterEach, describe, expect, it } from "vitest";
import { createHarness, readFixtureRepo, type Harness } from "../helpers/app-harness.js";
import { IMAGE, SHA1, SHA2, STACK } from "../helpers/app-fixtures.js";
import { pullRequestPayload } from "../helpers/webhook-payloads.js";

/**
 * No Fargate capacity (or no network interface) is a shortage that passes: berth retries it with
 * back-off inside the deploy, and when it persists the deploy fails as transient, which the resync
 * deploys again.
 */

let h: Harness;
afterEach(() => {
  expect(h.github.problems()).toEqual([]);
  h.close();
});

const BRANCH = "feature/checkout";
const CAPACITY = "Capacity is unavailable at this time. Please try again later or in a different availability zone";

async function resync(harness: Harness): Promise<void> {
  await harness.ready();
  await harness.previews.resync();
  await harness.settle();
}

/** The first line, the failure paragraph and the retry line of a check run summary. */
function said(summary: string | undefined): string[] {
  const lines = (summary ?? "").split("\n");
  return [lines[0]!, ...lines.filter((l) => /^\*\*.* failed:\*\*|^This looks like a passing/.test(l))];
}

describe("Fargate capacity", () => {
  it.each([CAPACITY, "RESOURCE:ENI"])("a migrate ECS cannot place (%s) after four tries fails as transient, and the resync deploys it again", async (reason) => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.github.setPull({ number: 7, headSha: SHA1, branch: BRANCH });
    h.aws.fail("RunTask", { failures: [{ reason }], times: 4 });

    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await h.settle();

    const [failed] = h.github.checkRuns(SHA1);
    expect(failed?.conclusion).toBe("failure");
    expect(said(failed?.output.summary)).toEqual([
      "Deploy of `1111111` for pull request #7",
      `**Migrate failed:** ECS could not start the release task after 4 attempts: ${reason}`,
      "This looks like a passing AWS problem: berth deploys this commit again at its next resync (attempt 2 of 3).",
    ]);
    expect(failed?.output.summary).toMatch(/\| Migrate \| ❌ failure \|/);

    await resync(h);

    const [, retried] = h.github.checkRuns(SHA1);
    expect(retried?.conclusion).toBe("success");
    expect(retried?.output.summary.split("\n")[0]).toBe(
      `Deploy of \`1111111\` for pull request #7, attempt 2 of 3 (the last one failed on a transient AWS error: ECS could not start the release task after 4 attempts: ${reason})`,
    );
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA1);
  });

  it("a rollout whose tasks ECS could not place for want of capacity fails as transient, and the resync deploys it again", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2));
    h.github.setPull({ number: 7, headSha: SHA1, branch: BRANCH });
    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await h.settle();

    h.aws.scriptRollout({ service: "Web", fail: "tasks failed to start", placement: `${CAPACITY}.` });
    h.github.setPull({ number: 7, headSha: SHA2, branch: BRANCH });
    await h.receive("pull_request", pullRequestPayload("synchronize", { number: 7, sha: SHA2 }));
    await h.settle();

    const [failed] = h.github.checkRuns(SHA2);
    expect(failed?.conclusion).toBe("failure");
    expect(failed?.output.summary).toMatch(/\| Rollout \| ❌ failure \|/);
    expect(failed?.output.summary).toContain("was unable to place a task. Reason: Capacity is unavailable at this time.");
    expect(failed?.output.summary).toContain("This looks like a passing AWS problem: berth deploys this commit again at its next resync (attempt 2 of 3).");
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags).toMatchObject({ "berth:sha": SHA1, "berth:deploying": SHA2 });

    await resync(h);

    expect(h.github.checkRuns(SHA2).map((r) => r.conclusion)).toEqual(["failure", "success"]);
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA2);
  });

  it("a rollout CloudFormation failed because ECS could not place the tasks fails as transient, with ECS's words, and the resync deploys it again", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2));
    h.github.setPull({ number: 7, headSha: SHA1, branch: BRANCH });
    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await h.settle();

    // CloudFormation waits for the service and fails the update when the circuit breaker stops it;
    // only the service's events say the tasks found no capacity.
    h.aws.failStack({
      stack: STACK,
      resource: "WebService",
      reason: `Resource handler returned message: "Error occurred during operation 'ECS Deployment Circuit Breaker was triggered'." (HandlerErrorCode: GeneralServiceException)`,
      skip: 0, // the push's first stack update is the rollout: a code-only push needs no release-phase update
      alongside: () => h.aws.state.ecs.addServiceEvent("WebService", `(service {service}) was unable to place a task. Reason: ${CAPACITY}.`),
    });
    h.github.setPull({ number: 7, headSha: SHA2, branch: BRANCH });
    await h.receive("pull_request", pullRequestPayload("synchronize", { number: 7, sha: SHA2 }));
    await h.settle();

    const [failed] = h.github.checkRuns(SHA2);
    expect(failed?.conclusion).toBe("failure");
    expect(failed?.output.summary).toMatch(/\| Rollout \| ❌ failure \|/);
    expect(failed?.output.summary).toContain(`was unable to place a task. Reason: ${CAPACITY}.`);
    expect(failed?.output.summary).toContain("This looks like a passing AWS problem: berth deploys this commit again at its next resync (attempt 2 of 3).");
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA1);

    await resync(h);

    expect(h.github.checkRuns(SHA2).map((r) => r.conclusion)).toEqual(["failure", "success"]);
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA2);
  });

  it("a release phase CloudFormation failed because ECS could not place a data service's tasks fails as transient, and the resync deploys it again", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2));
    h.github.setPull({ number: 7, headSha: SHA1, branch: BRANCH });
    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await h.settle();

    // The push changes the environment, so the release phase updates the stack before migrate
    // (a push of code alone registers the release task itself): the database's service finds no
    // Fargate capacity.
    const files = readFixtureRepo("rails-postgres");
    h.github.setFiles(SHA2, { ...files, ".github/preview.yml": files[".github/preview.yml"]!.replace("RAILS_ENV: staging", "RAILS_ENV: staging\n  FEATURE_X: on") });
    h.aws.failStack({
      stack: STACK,
      resource: "DbService",
      reason: `Resource handler returned message: "Error occurred during operation 'ECS Deployment Circuit Breaker was triggered'." (HandlerErrorCode: GeneralServiceException)`,
      alongside: () => h.aws.state.ecs.addServiceEvent("DbService", `(service {service}) was unable to place a task. Reason: RESOURCE:ENI.`),
    });
    h.github.setPull({ number: 7, headSha: SHA2, branch: BRANCH });
    await h.receive("pull_request", pullRequestPayload("synchronize", { number: 7, sha: SHA2 }));
    await h.settle();

    const [failed] = h.github.checkRuns(SHA2);
    expect(failed?.conclusion).toBe("failure");
    expect(failed?.output.summary).toMatch(/\| Stack \| ❌ failure \|/);
    expect(failed?.output.summary).toContain("was unable to place a task. Reason: RESOURCE:ENI.");
    expect(failed?.output.summary).toContain("This looks like a passing AWS problem: berth deploys this commit again at its next resync (attempt 2 of 3).");

    await resync(h);

    expect(h.github.checkRuns(SHA2).map((r) => r.conclusion)).toEqual(["failure", "success"]);
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA2);
  });

  it("a rollout CloudFormation failed on the service for a reason ECS's events do not tie to capacity is not deployed again", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2));
    h.github.setPull({ number: 7, headSha: SHA1, branch: BRANCH });
    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await h.settle();

    h.aws.failStack({
      stack: STACK,
      resource: "WebService",
      reason: `Resource handler returned message: "Error occurred during operation 'ECS Deployment Circuit Breaker was triggered'." (HandlerErrorCode: GeneralServiceException)`,
      skip: 0, // the push's first stack update is the rollout: a code-only push needs no release-phase update
    });
    h.github.setPull({ number: 7, headSha: SHA2, branch: BRANCH });
    await h.receive("pull_request", pullRequestPayload("synchronize", { number: 7, sha: SHA2 }));
    await h.settle();
    await resync(h);

    expect(h.github.checkRuns(SHA2).map((r) => r.conclusion)).toEqual(["failure"]);
    expect(h.github.checkRun(SHA2)?.output.summary).toMatch(/\| Rollout \| ❌ failure \|/);
    expect(h.github.checkRun(SHA2)?.output.summary).not.toContain("This looks like a passing");
  });

  it("a rollout the circuit breaker stopped for another reason is not deployed again by the resync", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2));
    h.github.setPull({ number: 7, headSha: SHA1, branch: BRANCH });
    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await h.settle();

    h.aws.scriptRollout({ service: "Web", fail: "tasks failed to start" });
    h.github.setPull({ number: 7, headSha: SHA2, branch: BRANCH });
    await h.receive("pull_request", pullRequestPayload("synchronize", { number: 7, sha: SHA2 }));
    await h.settle();
    await resync(h);

    expect(h.github.checkRuns(SHA2).map((r) => r.conclusion)).toEqual(["failure"]);
    expect(h.github.checkRun(SHA2)?.output.summary).not.toContain("This looks like a passing");
  });
});
