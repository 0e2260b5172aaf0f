/**
 * CI's `workflow_run` webhooks through the app: a deploy waiting for its images looks at ECR again
 * as soon as the run that builds them completes, not at its next poll, and the check run's image
 * phase links the run.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { IMAGE, SHA1 } from "../helpers/app-fixtures.js";
import { createHarness, readFixtureRepo, type Harness } from "../helpers/app-harness.js";
import { pullRequestPayload, workflowRunPayload } from "../helpers/webhook-payloads.js";

const RUN = "https://github.com/acme/shop/actions/runs/30433642";
let h: Harness;

afterEach(() => {
  expect(h.github.problems()).toEqual([]);
  h.close();
});

/** PR 7 opened at SHA1 before CI pushed its image, with a poll so slow that only the webhook can end the wait. */
async function waitingForImage(): Promise<void> {
  h = createHarness({ files: readFixtureRepo("rails-postgres"), timings: { imagePollMs: 3_600_000 } });
  h.github.setPull({ number: 7, headSha: SHA1, branch: "feature/checkout" });
  await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
  await vi.waitFor(() => expect(h.github.checkRun(SHA1)?.output.title).toBe("Deploying 1111111 (waiting for image)"), { timeout: 30_000, interval: 5 });
}

describe("image builds in CI (workflow_run)", () => {
  it("links the run building the image while the deploy waits, and deploys as soon as it completes", async () => {
    await waitingForImage();
    await h.receive("workflow_run", workflowRunPayload("in_progress", { sha: SHA1, pr: 7 }));
    // The next look at ECR (woken by nothing but the poll) is an hour away: the note shows on the
    // next report, which a completed run triggers at once.
    h.aws.putImage(IMAGE(SHA1));
    await h.receive("workflow_run", workflowRunPayload("completed", { sha: SHA1, pr: 7 }));
    await h.settle();

    const run = h.github.checkRun(SHA1);
    expect(run).toMatchObject({ status: "completed", conclusion: "success" });
    expect(run?.output.summary).toContain(`\n\n**Images:** built by [preview images](<${RUN}>)\n\n`);
  });

  it("says on the check run that the build failed, and keeps waiting for a re-run", async () => {
    await waitingForImage();
    await h.receive("workflow_run", workflowRunPayload("completed", { sha: SHA1, pr: 7, conclusion: "failure" }));

    await vi.waitFor(
      () => expect(JSON.stringify(h.github.checkRun(SHA1)?.output)).toContain(`**Images:** [preview images](<${RUN}>) ended failure: re-run it, or push again`),
      { timeout: 30_000, interval: 5 },
    );
    expect(h.github.checkRun(SHA1)?.status).toBe("in_progress");

    h.aws.putImage(IMAGE(SHA1));
    await h.receive("workflow_run", workflowRunPayload("completed", { sha: SHA1, pr: 7, conclusion: "success", runId: 30433643 }));
    await h.settle();
    expect(h.github.checkRun(SHA1)).toMatchObject({ status: "completed", conclusion: "success" });
  });

  it("links a run GitHub sends without a name of its own by its workflow's name", async () => {
    await waitingForImage();
    const nameless = workflowRunPayload("completed", { sha: SHA1, pr: 7 });
    nameless.workflow_run.name = "";
    h.aws.putImage(IMAGE(SHA1));
    await h.receive("workflow_run", nameless);
    await h.settle();

    expect(h.github.checkRun(SHA1)?.output.summary).toContain(`\n\n**Images:** built by [${nameless.workflow.name}](<${RUN}>)\n\n`);
  });

  it("ends the wait on a completed run whose status in the same delivery still says queued", async () => {
    await waitingForImage();
    const late = workflowRunPayload("completed", { sha: SHA1, pr: 7 });
    late.workflow_run.status = "queued";
    h.aws.putImage(IMAGE(SHA1));
    await h.receive("workflow_run", late);

    // The next poll is an hour away: only the completed run can end the wait.
    await vi.waitFor(() => expect(h.github.checkRun(SHA1)).toMatchObject({ status: "completed", conclusion: "success" }), { timeout: 10_000, interval: 5 });
    await h.settle();
  });

  it("ignores runs of other commits: the deploy keeps waiting", async () => {
    await waitingForImage();
    const lookups = () => h.aws.calls.filter((c) => c.service === "ecr").length;
    const before = lookups();
    await h.receive("workflow_run", workflowRunPayload("completed", { sha: "9".repeat(40), pr: 8 }));
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(lookups()).toBe(before);
    expect(h.github.checkRun(SHA1)?.status).toBe("in_progress");
  });
});
