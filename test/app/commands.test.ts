import { afterEach, describe, expect, it } from "vitest";
import { createHarness, readFixtureRepo, type Harness } from "../helpers/app-harness.js";
import { SHA1, SHA2, STACK, IMAGE } from "../helpers/app-fixtures.js";
import { prCommentPayload, pullRequestPayload } from "../helpers/webhook-payloads.js";
import { releaseStepRuns } from "../helpers/release-runs.js";


let h: Harness;
afterEach(() => {
  expect(h.github.problems()).toEqual([]);
  h.close();
});

function releaseSteps(harness: Harness): string[] {
  return releaseStepRuns(harness);
}

async function deployed(options: { fork?: boolean } = {}): Promise<Harness> {
  const harness = createHarness({ files: readFixtureRepo("rails-postgres") });
  harness.aws.putImage(IMAGE(SHA1));
  harness.aws.putImage(IMAGE(SHA2));
  harness.github.setPull({ number: 7, headSha: SHA1, branch: "feature/checkout", ...(options.fork ? { fork: true } : {}) });
  harness.github.setPermission("maintainer", "maintain");
  harness.github.setPermission("reader", "read");
  if (!options.fork) {
    await harness.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await harness.settle();
  }
  return harness;
}

async function comment(harness: Harness, body: string, user = "maintainer", userType: "User" | "Bot" = "User"): Promise<number> {
  const id = harness.github.addComment(body, { login: user, type: userType });
  await harness.receive("issue_comment", prCommentPayload({ pr: 7, body, commentId: id, user, userType }));
  await harness.settle();
  return id;
}

function reactions(harness: Harness, id: number): string[] {
  return harness.github.state.comments.find((c) => c.id === id)?.reactions ?? [];
}

describe("/preview commands", () => {
  it("/preview reset from a maintainer wipes the data services, then runs migrate and seed", async () => {
    h = await deployed();
    const before = h.aws.calls.length;

    const id = await comment(h, "/preview reset");

    expect(reactions(h, id)).toEqual(["eyes"]);
    const later = h.aws.calls.slice(before);
    const restart = later.findIndex((c) => c.command === "UpdateService" && (c.input as { forceNewDeployment?: boolean }).forceNewDeployment === true);
    const migrate = later.findIndex((c) => c.command === "RunTask");
    expect(restart).toBeGreaterThanOrEqual(0);
    expect(restart).toBeLessThan(migrate);
    expect(releaseSteps(h)).toEqual(["berth/migrate", "berth/seed", "berth/migrate", "berth/seed"]);
    const runs = h.github.state.checkRuns.filter((r) => r.head_sha === SHA1);
    expect(runs.at(-1)?.output.summary).toContain("Reset of `1111111`");
    expect(runs.at(-1)?.conclusion).toBe("success");
  });

  it("a push that interrupts /preview reset keeps the reset: the newer head is seeded on the wiped data", async () => {
    h = await deployed();
    const before = h.aws.calls.length;
    h.aws.scriptTask({ commandIncludes: "db:migrate", runningPolls: 80, times: 1 });

    const id = h.github.addComment("/preview reset", { login: "maintainer", type: "User" });
    await h.receive("issue_comment", prCommentPayload({ pr: 7, body: "/preview reset", commentId: id, user: "maintainer", userType: "User" }));
    for (let i = 0; i < 500 && !h.aws.calls.slice(before).some((c) => c.command === "RunTask"); i += 1) await new Promise((r) => setTimeout(r, 2));
    h.github.setPull({ number: 7, headSha: SHA2, branch: "feature/checkout" });
    await h.receive("pull_request", pullRequestPayload("synchronize", { number: 7, sha: SHA2 }));
    await h.settle();

    expect(h.github.checkRun(SHA1)?.conclusion).toBe("neutral");
    // The reset's task (migrate and seed in one) ends before the deploy reaches its next safe
    // point, and the rollout never comes; the newer head's task runs both again.
    const tasks = h.aws.calls.filter((c) => c.command === "RunTask").map((c) => (c.input as { startedBy?: string }).startedBy);
    expect(tasks.slice(1)).toEqual(["berth/migrate+seed", "berth/migrate+seed"]);
    expect(h.github.checkRun(SHA1)?.output.summary).toMatch(/\| Rollout \| ⚪ pending \|/);
    expect(h.github.checkRun(SHA2)?.output.summary).toContain("Reset of `2222222`");
    expect(h.github.checkRun(SHA2)?.output.summary).toMatch(/\| Seed \| ✅ success \|/);
  });

  it("a reset whose seed fails leaves the preview needing a seed: the next push seeds again", async () => {
    h = await deployed();
    h.aws.scriptTask({ commandIncludes: "db:seed", exitCode: 1, logLines: ["ActiveRecord::RecordInvalid"], times: 1 });

    await comment(h, "/preview reset");
    expect(h.github.state.checkRuns.at(-1)?.conclusion).toBe("failure");
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:needs-seed"]).toBe("true");

    await h.receive("pull_request", pullRequestPayload("synchronize", { number: 7, sha: SHA2 }));
    await h.settle();

    expect(releaseSteps(h)).toEqual(["berth/migrate", "berth/seed", "berth/migrate", "berth/seed", "berth/migrate", "berth/seed"]);
    expect(h.github.checkRun(SHA2)?.conclusion).toBe("success");
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:needs-seed"]).toBeUndefined();
  });


  it("/preview reset sent while the pull request was open but handled after it closed is answered once: it is closed, nothing was reset", async () => {
    h = await deployed();
    const runs = h.github.state.checkRuns.length;
    const id = h.github.addComment("/preview reset", { login: "maintainer", type: "User" });
    // The close lands on GitHub before berth reads the pull request for the command.
    h.github.setPull({ number: 7, headSha: SHA1, branch: "feature/checkout", state: "closed" });
    const payload = prCommentPayload({ pr: 7, body: "/preview reset", commentId: id, user: "maintainer", userType: "User" });

    await h.receive("issue_comment", payload, "comment-1");
    await h.settle();
    // The same comment delivered again (an operator's redelivery) is not answered twice.
    h.restart();
    await h.ready();
    await h.receive("issue_comment", payload, "comment-1");
    await h.settle();

    expect(h.github.replies()).toEqual(["This pull request is closed, so it has no preview to reset."]);
    expect(h.github.state.checkRuns).toHaveLength(runs);
  });
  it("/preview reset from a reader gets one reply saying why, and nothing happens", async () => {
    h = await deployed();
    const mutations = h.aws.mutations().length;
    const runs = h.github.state.checkRuns.length;

    const id = await comment(h, "/preview reset", "reader");

    expect(h.github.replies()).toEqual(["reader: `/preview reset` needs write access to this repository; you have read access. Ask a maintainer to run it."]);
    expect(reactions(h, id)).toEqual(["-1"]);
    expect(h.aws.mutations()).toHaveLength(mutations);
    expect(h.github.state.checkRuns).toHaveLength(runs);
  });

  it("explains a refusal once per person and pull request; later refusals only react", async () => {
    h = await deployed();

    const first = await comment(h, "/preview reset", "reader");
    const second = await comment(h, "/preview destroy", "reader");
    const third = await comment(h, "/preview redeploy", "reader");

    expect(h.github.replies()).toHaveLength(1);
    expect([first, second, third].map((id) => reactions(h, id))).toEqual([["-1"], ["-1"], ["-1"]]);
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.status).toBe("UPDATE_COMPLETE");
  });

  it("ignores commands from bots, including berth itself", async () => {
    h = await deployed();
    const mutations = h.aws.mutations().length;

    const requests = h.github.state.requests.length;

    await comment(h, "/preview reset", "berth-previews[bot]", "Bot");
    await comment(h, "/preview destroy", "dependabot[bot]", "Bot");

    expect(h.aws.mutations()).toHaveLength(mutations);
    expect(h.github.state.requests.slice(requests)).toEqual([]);
  });

  it("ignores /preview inside code blocks and quotes", async () => {
    h = await deployed();
    const mutations = h.aws.mutations().length;

    await comment(h, "Try this:\n```\n/preview destroy\n```");
    await comment(h, "> /preview destroy\nwas that wise?");

    expect(h.aws.mutations()).toHaveLength(mutations);
    expect(h.github.replies()).toEqual([]);
  });

  it("takes the keyword in any ASCII case, as the parser does: /PREVIEW REDEPLOY deploys again", async () => {
    h = await deployed();

    const id = await comment(h, "/PREVIEW REDEPLOY");

    expect(reactions(h, id)).toEqual(["eyes"]);
    expect(releaseSteps(h)).toEqual(["berth/migrate", "berth/seed", "berth/migrate"]);
  });

  it("/preview redeploy deploys the head again without seeding", async () => {
    h = await deployed();

    await comment(h, "/preview redeploy");

    expect(releaseSteps(h)).toEqual(["berth/migrate", "berth/seed", "berth/migrate"]);
    expect(h.github.state.checkRuns.at(-1)?.output.summary).toMatch(/\| Seed \| ⏭️ skipped \|/);
  });

  it("/preview destroy removes the stack now; a later push brings it back", async () => {
    h = await deployed();

    await comment(h, "/preview destroy");
    expect(h.aws.state.cloudformation.stacks.has(STACK)).toBe(false);
    expect(h.github.stickyComments()[0]?.body).toContain("Preview removed");

    await h.receive("pull_request", pullRequestPayload("synchronize", { number: 7, sha: SHA2 }));
    await h.settle();
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA2);
    expect(releaseSteps(h).slice(-2)).toEqual(["berth/migrate", "berth/seed"]);
  });

  it("/preview logs replies with the last lines of the public service, secrets redacted", async () => {
    h = await deployed();
    const prefix = "shop-pr-7-acme-d21b2c";
    h.aws.putLogEvents("/berth/previews", `${prefix}/web/0123456789abcdef`, ["Puma starting", "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "Listening on http://0.0.0.0:3000"]);

    await comment(h, "/preview logs");

    const [reply] = h.github.replies();
    expect(reply).toContain("Last 3 lines of `web`");
    expect(reply).toContain("Listening on http://0.0.0.0:3000");
    expect(reply).not.toContain("wJalrXUtnFEMI");
  });

  it("/preview logs keeps one collapsed log comment at the end of the conversation, linking CloudWatch", async () => {
    h = await deployed();
    const prefix = "shop-pr-7-acme-d21b2c";
    h.aws.putLogEvents("/berth/previews", `${prefix}/web/0123456789abcdef`, ["Puma starting", "Listening on http://0.0.0.0:3000"]);

    await comment(h, "/preview logs");
    await comment(h, "/preview logs");

    expect(h.github.replies()).toEqual([
      [
        "<!-- berth:logs -->",
        "<details><summary>Last 2 lines of `web`, asked for by maintainer (secrets redacted)</summary>",
        "",
        "```",
        "Puma starting",
        "Listening on http://0.0.0.0:3000",
        "```",
        "",
        "</details>",
        "",
        "[this log in CloudWatch](<https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/$252Fberth$252Fpreviews/log-events/shop-pr-7-acme-d21b2c$252Fweb$252F0123456789abcdef>) · " +
          "[every task's log of web](<https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/$252Fberth$252Fpreviews$253FlogStreamNameFilter$253Dshop-pr-7-acme-d21b2c$252Fweb$252F>)",
      ].join("\n"),
    ]);
    // The first request's comment was deleted once the second one's was posted.
    expect(h.github.state.comments.filter((c) => c.body.startsWith("<!-- berth:logs -->")).map((c) => c.deleted === true)).toEqual([true, false]);
  });

  it("/preview logs for an unknown service names the services there are", async () => {
    h = await deployed();

    await comment(h, "/preview logs worker");

    expect(h.github.replies()).toEqual(["No service `worker` in this preview. Services: `web`, `db`."]);
  });

  it("/preview help and unknown commands reply with the command table", async () => {
    h = await deployed();

    await comment(h, "/preview frobnicate now", "reader");

    const [reply] = h.github.replies();
    expect(reply).toContain("Unknown command `/preview frobnicate now`");
    expect(reply).toContain("| `/preview reset` |");
  });
});

describe("fork pull requests", () => {
  it("are not deployed until a maintainer approves exactly the head SHA, and never get secrets", async () => {
    h = await deployed({ fork: true });

    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1, fork: true }));
    await h.settle();
    expect(h.aws.mutations()).toEqual([]);
    expect(h.github.stickyComments()[0]?.body).toContain("waiting for approval");
    expect(h.github.stickyComments()[0]?.body).toContain("/preview approve");

    await comment(h, "/preview approve");
    const stack = h.aws.state.cloudformation.stacks.get(STACK);
    expect(stack?.tags["berth:sha"]).toBe(SHA1);
    expect(JSON.stringify(stack?.current?.resources.get("WebTaskDefinition"))).not.toContain("secret_key_base");
    expect(h.github.checkRun(SHA1)?.output.summary).toContain("fork-without-secrets");

    h.github.setPull({ number: 7, headSha: SHA2, branch: "feature/checkout", fork: true });
    await h.receive("pull_request", pullRequestPayload("synchronize", { number: 7, sha: SHA2, fork: true }));
    await h.settle();
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA1);
    expect(h.github.stickyComments()[0]?.body).toContain("waiting for approval");
  });

  it("an approval never covers a push that raced the maintainer's comment", async () => {
    h = await deployed({ fork: true });
    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1, fork: true }));
    await h.settle();
    h.github.setPull({ number: 7, headSha: SHA2, branch: "feature/checkout", fork: true });

    await comment(h, "/preview approve");
    expect(h.aws.mutations()).toEqual([]);
    expect(h.github.replies()).toEqual([
      "Not approved: the head of this pull request is now `2222222`, not `1111111`. Review it, then comment `/preview approve 2222222`.",
    ]);

    await comment(h, "/preview approve 2222222");
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA2);
  });

  it("a reader cannot approve a fork", async () => {
    h = await deployed({ fork: true });

    await comment(h, "/preview approve", "reader");

    expect(h.aws.mutations()).toEqual([]);
    expect(h.github.replies()[0]).toContain("needs write access");
  });

  it("with forks: never, no approval is offered", async () => {
    const files = readFixtureRepo("rails-postgres");
    files[".github/preview.yml"] += "forks: never\n";
    h = createHarness({ files });
    h.aws.putImage(IMAGE(SHA1));

    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1, fork: true }));
    await h.settle();

    expect(h.aws.mutations()).toEqual([]);
    expect(h.github.stickyComments()[0]?.body).toContain("No preview for pull requests from forks");
  });
});

describe("drafts", () => {
  it("with drafts: false, a draft is not deployed until it is ready for review", async () => {
    const files = readFixtureRepo("rails-postgres");
    files[".github/preview.yml"] += "drafts: false\n";
    h = createHarness({ files });
    h.aws.putImage(IMAGE(SHA1));

    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1, draft: true }));
    await h.settle();
    expect(h.aws.mutations()).toEqual([]);

    await h.receive("pull_request", pullRequestPayload("ready_for_review", { number: 7, sha: SHA1 }));
    await h.settle();
    expect(h.github.checkRun(SHA1)?.conclusion).toBe("success");
  });
});
