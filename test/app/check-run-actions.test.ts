/**
 * The check run's buttons (Redeploy, Reset data, Destroy) and its "Re-run", through the app: each
 * does what the `/preview` command of the same name does, for people with write access only.
 */
import { afterEach, describe, expect, it } from "vitest";
import { IMAGE, SHA1, STACK } from "../helpers/app-fixtures.js";
import { createHarness, readFixtureRepo, type Harness } from "../helpers/app-harness.js";
import { releaseStepRuns } from "../helpers/release-runs.js";
import { checkRunPayload, pullRequestPayload } from "../helpers/webhook-payloads.js";

let h: Harness;
afterEach(() => {
  expect(h.github.problems()).toEqual([]);
  h.close();
});

async function deployed(options: { fork?: boolean } = {}): Promise<number> {
  h = createHarness({ files: readFixtureRepo("rails-postgres") });
  h.aws.putImage(IMAGE(SHA1));
  h.github.setPull({ number: 7, headSha: SHA1, branch: "feature/checkout", ...(options.fork ? { fork: true } : {}) });
  h.github.setPermission("maintainer", "maintain");
  h.github.setPermission("reader", "read");
  await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1, ...(options.fork ? { fork: true } : {}) }));
  await h.settle();
  return h.github.checkRun(SHA1)!.id;
}

async function press(action: "requested_action" | "rerequested", input: { checkRunId: number; user: string; identifier?: string; pr?: number | null; name?: string }): Promise<void> {
  await h.receive("check_run", checkRunPayload(action, { sha: SHA1, checkRunId: input.checkRunId, user: input.user, ...(input.pr === null ? {} : { pr: input.pr ?? 7 }), ...(input.identifier ? { identifier: input.identifier } : {}), ...(input.name ? { name: input.name } : {}) }));
  await h.settle();
}

const runsOnHead = () => h.github.state.checkRuns.filter((r) => r.head_sha === SHA1);

describe("the check run's buttons", () => {
  it("a finished deploy's check run offers Redeploy, Reset data and Destroy", async () => {
    await deployed();

    expect(h.github.checkRun(SHA1)).toMatchObject({ conclusion: "success" });
    expect(h.github.checkRun(SHA1)?.actions).toEqual([
      { identifier: "redeploy", label: "Redeploy", description: "Deploy the pull request's head again" },
      { identifier: "reset", label: "Reset data", description: "Fresh database, seeded again" },
      { identifier: "destroy", label: "Destroy", description: "Remove the preview until the next push" },
    ]);
  });

  it("Reset data from a maintainer wipes the data and seeds again, like /preview reset", async () => {
    const id = await deployed();

    await press("requested_action", { checkRunId: id, user: "maintainer", identifier: "reset" });

    expect(releaseStepRuns(h)).toEqual(["berth/migrate", "berth/seed", "berth/migrate", "berth/seed"]);
    expect(runsOnHead().at(-1)).toMatchObject({ conclusion: "success" });
    expect(runsOnHead().at(-1)?.output.summary).toContain("Reset of `1111111`");
  });

  it("Redeploy deploys the head again without seeding", async () => {
    const id = await deployed();

    await press("requested_action", { checkRunId: id, user: "maintainer", identifier: "redeploy" });

    expect(runsOnHead()).toHaveLength(2);
    expect(runsOnHead().at(-1)).toMatchObject({ conclusion: "success" });
    expect(runsOnHead().at(-1)?.output.summary).toContain("| Seed | ⏭️ skipped |");
  });

  it("Re-run (rerequested) redeploys, also for a fork's run that names no pull request", async () => {
    const id = await deployed();

    await press("rerequested", { checkRunId: id, user: "maintainer", pr: null });

    expect(runsOnHead()).toHaveLength(2);
    expect(runsOnHead().at(-1)).toMatchObject({ conclusion: "success" });
  });

  it("Destroy removes the stack and says so on the pull request", async () => {
    const id = await deployed();

    await press("requested_action", { checkRunId: id, user: "maintainer", identifier: "destroy" });

    expect(h.aws.state.cloudformation.stacks.get(STACK)).toBeUndefined();
    expect(h.github.stickyComments()[0]?.body).toMatch(/removed/i);
  });

  it("refuses a reader, once, on the pull request, and does nothing", async () => {
    const id = await deployed();
    const calls = h.aws.calls.length;

    await press("requested_action", { checkRunId: id, user: "reader", identifier: "destroy" });
    await press("requested_action", { checkRunId: id, user: "reader", identifier: "destroy" });

    const replies = h.github.state.comments.filter((c) => c.body.includes("button needs write access"));
    expect(replies.map((c) => c.body.split("\n")[0])).toEqual(["reader: the check run's `Destroy` button needs write access to this repository; you have read access. Ask a maintainer to press it."]);
    expect(h.aws.state.cloudformation.stacks.get(STACK)).toBeDefined();
    expect(h.aws.calls.slice(calls).filter((c) => c.service === "cloudformation" && c.command !== "DescribeStacks")).toEqual([]);
    expect(runsOnHead()).toHaveLength(1);
  });

  it("ignores another check run's buttons and identifiers it does not know", async () => {
    const id = await deployed();

    await press("requested_action", { checkRunId: id, user: "maintainer", identifier: "lgtm" });
    await press("requested_action", { checkRunId: id + 1, user: "maintainer", identifier: "destroy", name: "lint" });

    expect(h.aws.state.cloudformation.stacks.get(STACK)).toBeDefined();
    expect(runsOnHead()).toHaveLength(1);
  });
});
