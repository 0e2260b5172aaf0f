import { afterEach, describe, expect, it } from "vitest";
import { createHarness, readFixtureRepo, type Harness } from "../helpers/app-harness.js";
import { SHA1, SHA2, STACK, IMAGE } from "../helpers/app-fixtures.js";
import { pullRequestPayload } from "../helpers/webhook-payloads.js";


let h: Harness;
afterEach(() => {
  expect(h.github.problems()).toEqual([]);
  h.close();
});

async function open(harness: Harness, sha = SHA1, action: "opened" | "synchronize" = "opened") {
  await harness.receive("pull_request", pullRequestPayload(action, { number: 7, sha }));
  await harness.settle();
}

describe("a deploy that fails", () => {
  it("stops at a failing migrate, keeps the previous version serving and shows the log tail", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    const digest1 = h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2));
    await open(h);
    const webImageBefore = h.aws.state.cloudformation.stacks.get(STACK)?.current?.parameters;
    h.aws.scriptTask({
      commandIncludes: "db:migrate",
      exitCode: 1,
      logLines: [
        "== 20261121 AddSkuToProducts: migrating",
        'PG::DuplicateColumn: ERROR:  column "sku" already exists',
        "DATABASE_URL=postgres://postgres:hunter2@db:5432/shop",
        "config: secret_key_base: 9f2c1d0e8b7a6f5e4d3c2b1a",
      ],
    });

    await open(h, SHA2, "synchronize");

    const run = h.github.checkRun(SHA2);
    expect(run?.conclusion).toBe("failure");
    expect(run?.output.title).toMatch(/migrate/i);
    expect(run?.output.summary).toContain("bin/rails db:migrate exited with code 1");
    expect(run?.output.summary).toContain('PG::DuplicateColumn: ERROR:  column "sku" already exists');
    expect(run?.output.summary).not.toContain("hunter2");
    // SECRET_KEY_BASE is one of the config's secrets, so its value is masked under any spelling.
    expect(run?.output.summary).toContain("config: secret_key_base: ***");
    expect(run?.output.summary).toMatch(/\| Migrate \| ❌ failure \|/);
    expect(run?.output.summary).toMatch(/\| Rollout \| ⚪ pending \|/);
    // No second (rollout) change set: the services still run SHA1's image.
    const stack = h.aws.state.cloudformation.stacks.get(STACK);
    expect(stack?.tags["berth:sha"]).toBe(SHA1);
    expect(JSON.stringify(stack?.current?.resources.get("WebTaskDefinition"))).toContain(`/shop@${digest1}`);
    expect(webImageBefore).toBeDefined();
    expect(h.github.state.deployments.at(-1)?.statuses.at(-1)?.state).toBe("failure");
    const sticky = h.github.stickyComments()[0]?.body ?? "";
    expect(sticky).toContain("Preview failed");
    // The comment still gives the URL, and says which commit it serves.
    expect(sticky).toContain("- **URL:** [https://shop-pr-7-acme-73pyonfhiqawoco7.preview.example.com](<https://shop-pr-7-acme-73pyonfhiqawoco7.preview.example.com>)\n- **Serving:** `1111111` (the new commit did not deploy)\n- **Commit:** `2222222`");
  });

  it("fails when the migrate task cannot be placed (capacity) and says why", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.fail("RunTask", { failures: [{ reason: "Capacity is unavailable at this time. Please try again later or in a different availability zone" }], times: 4 });

    await open(h);

    const run = h.github.checkRun(SHA1);
    expect(run?.conclusion).toBe("failure");
    expect(run?.output.summary).toContain("ECS could not start the release task after 4 attempts: Capacity is unavailable at this time");
    expect(run?.output.summary).toMatch(/\| Migrate \| ❌ failure \|/);
    // Capacity comes back by itself: the next resync deploys the head again.
    expect(run?.output.summary).toContain("berth deploys this commit again at its next resync (attempt 2 of 3).");
  });

  it("a stack rolled back on AWS's own internal error is deployed again by the next resync, and says so", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.failStack({ resource: "WebService", reason: 'Resource handler returned message: "Service Unavailable (Service: Ecs, Status Code: 503)" (HandlerErrorCode: ServiceInternalError)' });

    await open(h);

    const run = h.github.checkRun(SHA1);
    expect(run?.conclusion).toBe("failure");
    expect(run?.output.summary).toContain("berth deploys this commit again at its next resync (attempt 2 of 3).");
  });

  it("a push whose first AWS call is throttled before any check run fails visibly, and the next resync deploys it", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2));
    await open(h);
    // The SDK's retries spent: the looking up of the stack before the deploy (is it asleep?) fails.
    h.aws.fail("DescribeStacks", { error: { name: "ThrottlingException", message: "Rate exceeded" } });

    h.github.setPull({ number: 7, headSha: SHA2, branch: "feature/checkout" });
    await open(h, SHA2, "synchronize");

    const failed = h.github.checkRun(SHA2);
    expect(failed?.conclusion).toBe("failure");
    expect(failed?.output.summary).toContain("AWS DescribeStacks failed for stack berth-shop-pr-7-acme-d21b2c: Rate exceeded");
    expect(failed?.output.summary).toContain("berth deploys this commit again at its next resync (attempt 2 of 3).");
    expect(h.github.state.deployments.at(-1)?.statuses.at(-1)?.state).toBe("failure");

    await h.previews.resync();
    await h.settle();

    expect(h.github.checkRun(SHA2)?.conclusion).toBe("success");
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA2);
  });

  it("a pull request whose deploy GitHub would not let berth report (502 on everything) is deployed by the next resync", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    // GitHub down for this delivery: the installation token, so every request of the job, fails.
    h.github.failRequests("POST", /\/access_tokens$/, 502, 20);

    await open(h);
    // Nothing could be read or written: no check run, no stack.
    expect(h.github.checkRuns(SHA1)).toEqual([]);
    expect(h.aws.state.cloudformation.stacks.get(STACK)).toBeUndefined();

    h.github.healRequests();
    h.github.setPull({ number: 7, headSha: SHA1, branch: "feature/checkout" });
    await h.previews.resync();
    await h.settle();

    expect(h.github.checkRun(SHA1)?.conclusion).toBe("success");
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA1);
  });

  it("reports the first failing resource of a rolled-back stack", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.failStack({ resource: "DbService", reason: "Resource handler returned message: \"Invalid request provided: CreateService error: Service Discovery registry is invalid\"" });

    await open(h);

    const run = h.github.checkRun(SHA1);
    expect(run?.conclusion).toBe("failure");
    expect(run?.output.summary).toMatch(/\| Stack \| ❌ failure \|/);
    expect(run?.output.summary).toContain("DbService");
    expect(run?.output.summary).toContain("Service Discovery registry is invalid");
    expect(h.aws.commands("ecs")).not.toContain("RunTask");
  });

  it("fails a rollout that the circuit breaker rolled back, even though ECS calls it stable", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.scriptRollout({ service: "Web", fail: "ECS Deployment Circuit Breaker was triggered" });

    await open(h);

    const run = h.github.checkRun(SHA1);
    expect(run?.conclusion).toBe("failure");
    expect(run?.output.summary).toMatch(/\| (Rollout|Stack) \| ❌ failure \|/);
    expect(run?.output.summary).toContain("Circuit Breaker");
  });

  it("waits visibly for CI's image, then deploys it", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1), { afterPolls: 3 });

    await open(h);

    expect(h.github.checkRun(SHA1)?.conclusion).toBe("success");
    expect(h.aws.commands("ecr").filter((c) => c === "DescribeImages")).toHaveLength(4);
  });

  it("gives up on an image CI never pushed, with a clear failure", async () => {
    let clock = Date.parse("2026-11-21T10:00:00Z");
    h = createHarness({ files: readFixtureRepo("rails-postgres"), now: () => new Date((clock += 20_000)) });

    await open(h);

    const run = h.github.checkRun(SHA1);
    expect(run?.conclusion).toBe("failure");
    expect(run?.output.summary).toContain(`Image not in ECR after 1 min: ${IMAGE(SHA1)}. Did CI push it for this commit?`);
    expect(h.aws.mutations()).toEqual([]);
  });

  it("reports a bad compose file with its file, line and key, and deploys nothing", async () => {
    const files = readFixtureRepo("rails-postgres");
    files["docker-compose.yml"] = files["docker-compose.yml"]!.replace("    build: .\n", "    build: .\n    network_mode: host\n");
    h = createHarness({ files });
    h.aws.putImage(IMAGE(SHA1));

    await open(h);

    const run = h.github.checkRun(SHA1);
    expect(run?.conclusion).toBe("failure");
    expect(run?.output.title).toBe("Deploy failed");
    expect(run?.output.summary).toContain("**Nothing was deployed:** 1 problem in the repository's preview files:");
    expect(run?.output.summary).toContain("docker-compose.yml:4: services.web.network_mode: network_mode \"host\" is not available on Fargate");
    expect(h.aws.mutations()).toEqual([]);
  });
});

describe("a config problem found while planning", () => {
  it("names its line in .github/preview.yml", async () => {
    const files = readFixtureRepo("rails-postgres");
    files[".github/preview.yml"] += "resources:\n  cpu: 256\n  memory: 4096\n";
    h = createHarness({ files });
    h.aws.putImage(IMAGE(SHA1));

    await open(h);

    const run = h.github.checkRun(SHA1);
    expect(run?.conclusion).toBe("failure");
    expect(run?.output.summary).toMatch(/\.github\/preview\.yml:16: resources\.memory: /);
    expect(h.aws.mutations()).toEqual([]);
  });

  it("names .github/preview.yaml when that is the repository's file", async () => {
    const files = readFixtureRepo("rails-postgres");
    files[".github/preview.yaml"] = `${files[".github/preview.yml"]}resources:\n  cpu: 256\n  memory: 4096\n`;
    delete files[".github/preview.yml"];
    h = createHarness({ files });
    h.aws.putImage(IMAGE(SHA1));

    await open(h);

    expect(h.github.checkRun(SHA1)?.output.summary).toMatch(/\.github\/preview\.yaml:16: resources\.memory: /);
  });
});

describe("concurrency", () => {
  it("a newer push supersedes a running deploy: neutral check run naming the newer SHA, newest wins", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1), { afterPolls: 1_000_000 });
    h.aws.putImage(IMAGE(SHA2));

    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await h.receive("pull_request", pullRequestPayload("synchronize", { number: 7, sha: SHA2 }));
    await h.settle();

    const first = h.github.checkRun(SHA1);
    expect(first?.conclusion).toBe("neutral");
    expect(first?.output.title).toContain("2222222");
    expect(h.github.checkRun(SHA2)?.conclusion).toBe("success");
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA2);
  });

  it("does the work once when the same delivery arrives twice", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    const payload = pullRequestPayload("opened", { number: 7, sha: SHA1 });

    await h.receive("pull_request", payload, "delivery-dup");
    await h.receive("pull_request", payload, "delivery-dup");
    await h.settle();

    expect(h.github.state.checkRuns).toHaveLength(1);
    expect(h.aws.commands("cloudformation").filter((c) => c === "ExecuteChangeSet")).toHaveLength(2);
  });
});

describe("listener rule priorities", () => {
  it("another process taking our priority mid-create is retried with the next free one", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    // Priority 1 looks free to DescribeRules but is taken by the time CloudFormation creates the rule.
    const elbv2 = h.aws.state.elbv2;
    const taken = elbv2.isPriorityTaken.bind(elbv2);
    let raced = false;
    elbv2.isPriorityTaken = (listener: string, priority: number, except?: string) => {
      if (!raced && priority === 1) return (raced = true);
      return taken(listener, priority, except);
    };

    await open(h);

    expect(raced).toBe(true);
    expect(h.github.checkRun(SHA1)?.conclusion).toBe("success");
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.current?.parameters.ListenerRulePriority).toBe("2");
  });

  it("keeps a preview's priority across deploys", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2));
    h.aws.addListenerRules([1, 2, 3]);
    await open(h);
    const before = h.aws.calls.length;
    await open(h, SHA2, "synchronize");

    expect(h.aws.state.cloudformation.stacks.get(STACK)?.current?.parameters.ListenerRulePriority).toBe("4");
    // The second deploy reads its priority from the stack: it neither allocates nor counts rules.
    expect(h.aws.calls.slice(before).filter((c) => c.command === "DescribeRules")).toEqual([]);
  });
});

describe("teardown", () => {
  it("deletes the stack on close, verifies it is gone, deactivates the deployment, updates the comment", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    await open(h);

    await h.receive("pull_request", pullRequestPayload("closed", { number: 7, sha: SHA1, merged: true }));
    await h.settle();

    expect(h.aws.state.cloudformation.stacks.has(STACK)).toBe(false);
    expect(h.github.state.deployments.every((d) => d.statuses.at(-1)?.state === "inactive")).toBe(true);
    const [comment] = h.github.stickyComments();
    expect(comment?.body).toContain("Preview removed");
    expect(h.github.stickyComments()).toHaveLength(1);
  });

  it("retries a DELETE_FAILED and then succeeds", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    await open(h);
    h.aws.failStack({ operation: "delete", resource: "PreviewSecurityGroup", reason: "resource sg-0abc has a dependent object", times: 1 });

    await h.receive("pull_request", pullRequestPayload("closed", { number: 7, sha: SHA1 }));
    await h.settle();

    expect(h.aws.state.cloudformation.stacks.has(STACK)).toBe(false);
    expect(h.aws.commands("cloudformation").filter((c) => c === "DeleteStack")).toHaveLength(2);
    expect(h.github.stickyComments()[0]?.body).toContain("Preview removed");
  });

  it("a pull request reopened after its removal ended in DELETE_FAILED is deployed anew: the remains are deleted, the new stack seeded", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    await open(h);
    // The first DeleteStack and both of the stack port's retries fail.
    h.aws.failStack({ operation: "delete", resource: "PreviewSecurityGroup", reason: "resource sg-0abc has a dependent object", times: 3 });
    await h.receive("pull_request", pullRequestPayload("closed", { number: 7, sha: SHA1 }));
    await h.settle();
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.status).toBe("DELETE_FAILED");
    const before = h.aws.calls.length;

    await h.receive("pull_request", pullRequestPayload("reopened", { number: 7, sha: SHA1 }));
    await h.settle();

    const run = h.github.checkRuns(SHA1).at(-1);
    expect(run?.conclusion).toBe("success");
    expect(run?.output.summary).toMatch(/\| Seed \| ✅ success/);
    const later = h.aws.calls.slice(before).map((c) => c.command);
    expect(later.indexOf("DeleteStack")).toBeLessThan(later.indexOf("CreateChangeSet"));
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.status).toBe("UPDATE_COMPLETE");
  });

  it("closing a pull request that never had a preview does nothing", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });

    await h.receive("pull_request", pullRequestPayload("closed", { number: 7, sha: SHA1 }));
    await h.settle();

    expect(h.aws.mutations()).toEqual([]);
    expect(h.github.state.comments).toEqual([]);
  });
});
