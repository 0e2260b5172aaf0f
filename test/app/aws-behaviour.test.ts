/**
 * What a real AWS account does that a happy-path fake would not: capacity shortages, throttling,
 * re-pushed tags, replaced data tasks, stuck stacks and full load balancers, seen through the whole
 * app as the pull request sees them.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createHarness, readFixtureRepo, type Harness } from "../helpers/app-harness.js";
import { SHA1, SHA2, STACK, IMAGE } from "../helpers/app-fixtures.js";
import { releaseStepRuns } from "../helpers/release-runs.js";
import { pullRequestPayload } from "../helpers/webhook-payloads.js";

let h: Harness;
afterEach(() => {
  expect(h.github.problems()).toEqual([]);
  h.close();
});

async function push(harness: Harness, sha: string, action: "opened" | "synchronize" = "opened", branch?: string) {
  await harness.receive("pull_request", pullRequestPayload(action, { number: 7, sha, ...(branch ? { branch } : {}) }));
  await harness.settle();
}

describe("capacity and throttling", () => {
  it("asks ECS again when it has no capacity for migrate, and says so on the check run", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.fail("RunTask", { failures: [{ reason: "Capacity is unavailable at this time. Please try again later or in a different availability zone" }], times: 2 });

    await push(h, SHA1);

    const run = h.github.checkRun(SHA1);
    expect(run?.conclusion).toBe("success");
    expect(run?.output.summary).toMatch(/\| Migrate \| ✅ success \| [^|]* \| retried: capacity; started on attempt 3 \|/);
    // migrate and seed run in one task: ECS is asked three times for that one task.
    expect(h.aws.calls.filter((c) => c.command === "RunTask").map((c) => (c.input as { startedBy: string }).startedBy)).toEqual([
      "berth/migrate+seed",
      "berth/migrate+seed",
      "berth/migrate+seed",
    ]);
  });

  it("keeps waiting through throttled stack, rollout and health polls", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.fail("DescribeChangeSet", { error: { name: "Throttling", message: "Rate exceeded" }, times: 2 });
    h.aws.fail("DescribeServices", { error: { name: "ThrottlingException", message: "Rate exceeded" }, times: 2 });
    h.aws.fail("DescribeTargetHealth", { error: { name: "Throttling", message: "Rate exceeded" }, times: 2 });

    await push(h, SHA1);

    expect(h.github.checkRun(SHA1)?.conclusion).toBe("success");
  });
});

describe("mutable tags", () => {
  /** The fixture with `image: ...shop:{branch}`: every push of the branch overwrites one tag. */
  function branchTagged(): Record<string, string> {
    const files = readFixtureRepo("rails-postgres");
    files[".github/preview.yml"] = files[".github/preview.yml"]!.replace("shop:{sha}", "shop:{branch}");
    return files;
  }
  const TAG = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:feature-checkout";
  const webImage = (harness: Harness) => {
    const td = harness.aws.state.cloudformation.resources(STACK).get("WebTaskDefinition");
    return { arn: td?.physicalId, image: (td?.props.ContainerDefinitions as Array<{ Name: string; Image: string }>).find((c) => c.Name === "web")?.Image };
  };

  it("deploys the digest the tag points to, and rolls out when the same tag is pushed with new content", async () => {
    h = createHarness({ files: branchTagged() });
    const first = h.aws.putImage(TAG);
    await push(h, SHA1);
    const before = webImage(h);
    expect(before.image).toBe(`123456789012.dkr.ecr.us-east-1.amazonaws.com/shop@${first}`);
    expect(h.github.checkRun(SHA1)?.output.summary).toContain(`| ${TAG} @ ${first.slice(0, 19)} |`);

    const second = h.aws.putImage(TAG);
    await push(h, SHA2, "synchronize");

    const after = webImage(h);
    expect(h.github.checkRun(SHA2)?.conclusion).toBe("success");
    expect(after.image).toBe(`123456789012.dkr.ecr.us-east-1.amazonaws.com/shop@${second}`);
    expect(after.arn).not.toBe(before.arn);
    const web = h.aws.state.ecs.services.get(h.aws.state.cloudformation.resources(STACK).get("WebService")?.physicalId ?? "");
    expect(web?.taskDefinition).toBe(after.arn);
    expect(h.github.checkRun(SHA2)?.output.summary).toContain(`| ${TAG} @ ${second.slice(0, 19)} |`);
  });
});

describe("data kept only while it really is kept", () => {
  const dbTask = (harness: Harness) => {
    const db = harness.aws.state.cloudformation.resources(STACK).get("DbService")?.physicalId;
    return [...harness.aws.state.ecs.tasks.values()].filter((t) => t.group !== undefined && t.lastStatus === "RUNNING" && db?.endsWith(`/${t.group.replace("service:", "")}`));
  };
  const seeds = (harness: Harness) => releaseStepRuns(harness).filter((step) => step === "berth/seed").length;

  it("keeps the database's task and data when only preview.yml's environment changes", async () => {
    const files = readFixtureRepo("rails-postgres");
    h = createHarness({ files });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2));
    await push(h, SHA1);
    const dbDefinition = h.aws.state.cloudformation.resources(STACK).get("DbTaskDefinition")?.physicalId;
    const [task] = dbTask(h);
    expect(task).toBeDefined();
    expect(JSON.stringify(h.aws.state.cloudformation.resources(STACK).get("DbTaskDefinition")?.props)).not.toContain("RAILS_ENV");

    h.github.setFiles(SHA2, { ...files, ".github/preview.yml": files[".github/preview.yml"]!.replace("RAILS_ENV: staging", "RAILS_ENV: staging\n  FEATURE_CHECKOUT: \"on\"") });
    await push(h, SHA2, "synchronize");

    expect(h.github.checkRun(SHA2)?.conclusion).toBe("success");
    expect(JSON.stringify(h.aws.state.cloudformation.resources(STACK).get("WebTaskDefinition")?.props)).toContain("FEATURE_CHECKOUT");
    expect(h.aws.state.cloudformation.resources(STACK).get("DbTaskDefinition")?.physicalId).toBe(dbDefinition);
    expect(dbTask(h).map((t) => t.taskArn)).toEqual([task?.taskArn]);
    expect(h.github.checkRun(SHA2)?.output.summary).toMatch(/\| Seed \| ⏭️ skipped \| [^|]* \| data kept from the previous deploy \|/);
    expect(seeds(h)).toBe(1);
  });

  it("seeds again when ECS replaced the database's task since the last seed, and says why", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2));
    await push(h, SHA1);
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:data-tasks"]).toMatch(/^db=[0-9a-f]{12}$/);

    h.aws.state.ecs.replaceServiceTask("DbService", { reason: "Task is being retired: AWS Fargate platform maintenance" });
    await push(h, SHA2, "synchronize");

    const run = h.github.checkRun(SHA2);
    expect(run?.conclusion).toBe("success");
    expect(run?.output.summary).toMatch(/\| Seed \| ✅ success \| [^|]* \| seeded again: db was replaced since the last seed \\\(new task, empty storage\\\) \|/);
    expect(seeds(h)).toBe(2);
    const recorded = h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:data-tasks"];
    expect(recorded).toBe(`db=${dbTask(h)[0]?.taskArn.split("/").at(-1)?.slice(0, 12)}`);

    // The next push finds the tasks it recorded: the data is kept.
    h.aws.putImage(IMAGE("3".repeat(40)));
    await push(h, "3".repeat(40), "synchronize");
    expect(seeds(h)).toBe(2);
  });

  it("seeds again when the database's definition changed in the compose file", async () => {
    const files = readFixtureRepo("rails-postgres");
    h = createHarness({ files });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2));
    await push(h, SHA1);

    h.github.setFiles(SHA2, { ...files, "docker-compose.yml": files["docker-compose.yml"]!.replace("postgres:16-alpine", "postgres:17-alpine") });
    await push(h, SHA2, "synchronize");

    expect(h.github.checkRun(SHA2)?.output.summary).toMatch(/\| Seed \| ✅ success \| [^|]* \| seeded again: db was replaced/);
    expect(seeds(h)).toBe(2);
  });
});

describe("stuck stacks", () => {
  it("repairs a stack whose rollback failed on the next push, keeping the preview and its data", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    const SHA3 = "3".repeat(40);
    for (const sha of [SHA1, SHA2, SHA3]) h.aws.putImage(IMAGE(sha));
    await push(h, SHA1);
    h.aws.failStack({ stack: STACK, resource: "ReleaseTaskDefinition", reason: "Internal failure", rollbackFails: "Resource handler returned message: \"Internal failure\"" });
    await push(h, SHA2, "synchronize");
    expect(h.github.checkRun(SHA2)?.conclusion).toBe("failure");
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.status).toBe("UPDATE_ROLLBACK_FAILED");

    await push(h, SHA3, "synchronize");

    const run = h.github.checkRun(SHA3);
    expect(run?.conclusion).toBe("success");
    expect(run?.output.summary).toMatch(/\| Seed \| ⏭️ skipped \| [^|]* \| data kept from the previous deploy \|/);
    expect(h.aws.commands("cloudformation")).toContain("ContinueUpdateRollback");
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA3);
  });
});

describe("limits known before AWS refuses", () => {
  it.each([
    [
      "the target groups",
      { rules: 100, targetGroups: 100 },
      "No room for a new preview: the shared load balancer already routes to 100 target groups, and AWS allows 100 per Application Load Balancer, not adjustable.",
    ],
    [
      "the listener rules",
      { rules: 100, targetGroups: 60 },
      "No room for a new preview: the shared load balancer's listener already has 100 rules, and AWS allows 100 per Application Load Balancer by default",
    ],
  ])("refuses a new preview when %s are full, naming the limit and the way out, and creates nothing", async (_name, fill, message) => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.fillLoadBalancer(fill);

    await push(h, SHA1);

    const run = h.github.checkRun(SHA1);
    expect(run?.conclusion).toBe("failure");
    expect(run?.output.summary).toMatch(/\| Stack \| ❌ failure \|/);
    expect(run?.output.summary).toContain(message);
    expect(run?.output.summary).toContain("Close pull requests whose previews are no longer needed, or shard: deploy a second base stack");
    expect(h.aws.mutations()).toEqual([]);
    expect(h.aws.state.cloudformation.stacks.has(STACK)).toBe(false);
  });

  it("keeps deploying a preview that already has its rule and target group when the load balancer is full", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2));
    await push(h, SHA1);
    h.aws.fillLoadBalancer({ rules: 99 });

    await push(h, SHA2, "synchronize");

    expect(h.github.checkRun(SHA2)?.conclusion).toBe("success");
  });
});
