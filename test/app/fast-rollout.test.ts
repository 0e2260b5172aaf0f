import { afterEach, describe, expect, it, vi } from "vitest";
import { createHarness, readFixtureRepo, type Harness } from "../helpers/app-harness.js";
import { IMAGE, SHA1, SHA2, STACK } from "../helpers/app-fixtures.js";
import { releaseThenDeployment } from "../helpers/release-runs.js";
import { prCommentPayload, pullRequestPayload } from "../helpers/webhook-payloads.js";
import { BASE_OUTPUTS } from "../fakes/aws-fake.js";

/**
 * The fast rollout (the base stack's FastRollout): a push's new version launches and passes its
 * health check in the target group that takes no traffic while migrate runs, and takes the traffic
 * only when berth continues the deployment's pause hook after migrate exited 0.
 */

const ROLE = "arn:aws:iam::123456789012:role/berth-base/us-east-1/berth-base-RolloutRole-0A1B2C3D4E5F";
const SHA3 = "3333333333333333333333333333333333333333";

let h: Harness;
afterEach(() => {
  expect(h.github.problems()).toEqual([]);
  h.close();
});

const WAKE = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/berth-TargetGroup-1ABCDEFGHIJK/0123456789abcdef";
const MINUTE = 60_000;
let clock = Date.parse("2026-12-03T10:00:00Z");

function fastHarness(extra = ""): Harness {
  clock = Date.parse("2026-12-03T10:00:00Z");
  const files = readFixtureRepo("rails-postgres");
  files[".github/preview.yml"] += extra;
  const harness = createHarness({
    files,
    releaseGate: true,
    now: () => new Date(clock),
    wakeTargetGroupArn: WAKE,
    aws: { baseStack: { outputs: { RolloutRoleArn: ROLE } } },
  });
  harness.github.setPermission("maintainer", "maintain");
  for (const sha of [SHA1, SHA2, SHA3]) harness.aws.putImage(IMAGE(sha));
  return harness;
}

async function deployed(harness: Harness, sha: string, action: "opened" | "synchronize"): Promise<void> {
  harness.github.setPull({ number: 7, headSha: sha, branch: "feature/checkout" });
  await harness.receive("pull_request", pullRequestPayload(action, { number: 7, sha }));
  await harness.settle();
}

function outputOf(harness: Harness, key: string): string {
  return harness.aws.state.cloudformation.stacks.get(STACK)?.current?.outputs.find((o) => o.OutputKey === key)?.OutputValue ?? "";
}

/** Which of the preview's two target groups the listener rule sends its traffic to (weight 100). */
function serving(harness: Harness): "primary" | "alternate" | undefined {
  const rule = harness.aws.state.elbv2.rules.get(outputOf(harness, "ListenerRuleArn"));
  const groups = harness.aws.state.elbv2.forwardOf(rule?.arn ?? "") ?? [];
  const live = groups.find((g) => g.weight === 100)?.targetGroupArn;
  if (live === outputOf(harness, "TargetGroupArn")) return "primary";
  if (live === outputOf(harness, "AlternateTargetGroupArn")) return "alternate";
  return undefined;
}

/** The task definitions of the running tasks in the target group the rule serves: what answers the preview's URL. */
function answering(harness: Harness): string[] {
  const live = serving(harness);
  const arn = live === undefined ? undefined : outputOf(harness, live === "primary" ? "TargetGroupArn" : "AlternateTargetGroupArn");
  return [...harness.aws.state.ecs.tasks.values()].filter((t) => t.lastStatus === "RUNNING" && t.targetGroupArn === arn).map((t) => t.taskDefinitionArn ?? "");
}

/** The target group ARNs the listener rule forwards to, with their weights. */
function forwards(harness: Harness): Record<string, number> {
  const groups = harness.aws.state.elbv2.forwardOf(outputOf(harness, "ListenerRuleArn")) ?? [];
  return Object.fromEntries(groups.map((g) => [g.targetGroupArn, g.weight]));
}

/** The actions berth gave the public service's paused deployments, in order. */
function answers(harness: Harness, from = 0): string[] {
  return harness.aws.calls.slice(from).filter((c) => c.command === "ContinueServiceDeployment").map((c) => String((c.input as { action?: string }).action));
}

function webTaskDefinition(harness: Harness): string | undefined {
  return [...harness.aws.state.ecs.services.values()].find((s) => s.serviceName.includes("WebService"))?.taskDefinition;
}

describe("the fast rollout of a push", () => {
  it("starts the new version with migrate and moves the traffic to it once migrate exited 0", async () => {
    h = fastHarness();
    await deployed(h, SHA1, "opened");
    expect(h.github.checkRun(SHA1)?.conclusion).toBe("success");
    const before = serving(h);
    expect(before).toBeDefined();
    const servingDefinition = webTaskDefinition(h);
    const from = h.aws.calls.length;

    await deployed(h, SHA2, "synchronize");

    const run = h.github.checkRun(SHA2);
    expect(run?.conclusion).toBe("success");
    expect(run?.output.summary).toMatch(/\| Rollout \| ✅ success \| [^|]* \| started with the release steps, without traffic; the new version takes the traffic now that they passed \|/);
    const later = h.aws.calls.slice(from).map((c) => c.command);
    // One stack update, migrate beside it, and the pause answered only after migrate's task stopped.
    expect(later.filter((c) => c === "ExecuteChangeSet")).toHaveLength(1);
    expect(later.indexOf("ExecuteChangeSet")).toBeLessThan(later.indexOf("RunTask"));
    expect(answers(h, from)).toEqual(["CONTINUE"]);
    expect(h.aws.state.cloudformation.signals.at(-1)).toMatchObject({ status: "SUCCESS" });
    // ECS started the new version's deployment while migrate's task still ran.
    const { released, deployed: started } = releaseThenDeployment(h);
    expect(started).toBeLessThan(released);
    // The traffic moved to the group the new version was deployed to; the rule says so.
    expect(serving(h)).toBe(before === "primary" ? "alternate" : "primary");
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA2);
    expect(webTaskDefinition(h)).not.toBe(servingDefinition);
    expect(answering(h)).toEqual([webTaskDefinition(h)]);

    // The next push reads where the traffic is and moves it back.
    const next = h.aws.calls.length;
    await deployed(h, SHA3, "synchronize");
    expect(h.github.checkRun(SHA3)?.conclusion).toBe("success");
    expect(answers(h, next)).toEqual(["CONTINUE"]);
    expect(serving(h)).toBe(before);
  });

  it("rolls the new version back when migrate fails: it never took the traffic, and the old one serves", async () => {
    h = fastHarness();
    await deployed(h, SHA1, "opened");
    const servingDefinition = webTaskDefinition(h);
    const from = h.aws.calls.length;
    h.aws.scriptTask({ commandIncludes: "db:migrate", exitCode: 1, logLines: ["== 20261121 AddSkuToProducts: migrating", 'PG::UndefinedTable: ERROR:  relation "skus" does not exist'], times: 1 });

    await deployed(h, SHA2, "synchronize");

    const run = h.github.checkRun(SHA2);
    expect(run?.conclusion).toBe("failure");
    expect(run?.output.summary).toContain('PG::UndefinedTable: ERROR:  relation "skus" does not exist');
    // The paused deployment rolled back; CloudFormation's rollback deployed the old version again, continued.
    expect(answers(h, from)[0]).toBe("ROLLBACK");
    expect(answers(h, from).slice(1).every((a) => a === "CONTINUE")).toBe(true);
    expect(webTaskDefinition(h)).toBe(servingDefinition);
    expect(answering(h)).toEqual([servingDefinition]);
    const stack = h.aws.state.cloudformation.stacks.get(STACK);
    expect(stack?.status).toBe("UPDATE_ROLLBACK_COMPLETE");
    expect(stack?.tags["berth:sha"]).toBe(SHA1);
    // The push left the listener rule alone: its rollback could not write back weights ECS had moved since.
    const push = h.aws.state.cloudformation.executed.filter((e) => e.stack === STACK).at(-1);
    expect(push?.changes.map((c) => c.ResourceChange?.LogicalResourceId)).toContain("WebService");
    expect(push?.changes.map((c) => c.ResourceChange?.LogicalResourceId)).not.toContain("PublicListenerRule");
  });
});

describe("sleep and wake of a fast-rollout preview", () => {
  it("counts requests to either target group, and wakes onto the one the last push left serving", async () => {
    h = fastHarness("sleep_after: 30m\n");
    await deployed(h, SHA1, "opened");
    await deployed(h, SHA2, "synchronize");
    const live = serving(h)!;
    // ECS put the first version in the alternate group; the push moved the traffic back.
    expect(live).toBe("primary");
    await deployed(h, SHA3, "synchronize");
    expect(serving(h)).toBe("alternate");
    const liveArn = outputOf(h, "AlternateTargetGroupArn");
    const idleArn = outputOf(h, "TargetGroupArn");

    // A request 10 minutes in, to whichever group served it then: not idle 35 minutes in.
    h.aws.state.cloudwatch.recordRequests({ targetGroupArn: liveArn, loadBalancer: BASE_OUTPUTS.LoadBalancerFullName, at: new Date(clock + 10 * MINUTE) });
    clock += 35 * MINUTE;
    await expect(h.previews.sweepIdle()).resolves.toMatchObject({ checked: 1, slept: 0 });
    clock += 10 * MINUTE;
    await expect(h.previews.sweepIdle()).resolves.toMatchObject({ checked: 1, slept: 1 });
    await h.settle();
    expect(forwards(h)).toEqual({ [WAKE]: 1 });

    const from = h.aws.calls.length;
    const id = h.github.addComment("/preview wake", { login: "maintainer", type: "User" });
    await h.receive("issue_comment", prCommentPayload({ pr: 7, body: "/preview wake", commentId: id, user: "maintainer" }));
    await h.settle();

    expect(h.github.stickyComments()[0]?.body).toContain("### ✅ Preview ready");
    // The rule forwards to the group that served before the sleep, where the woken task registers.
    expect(forwards(h)).toEqual({ [liveArn]: 100, [idleArn]: 0 });
    const looked = h.aws.calls.slice(from).filter((c) => c.command === "DescribeTargetHealth").map((c) => (c.input as { TargetGroupArn?: string }).TargetGroupArn);
    expect(new Set(looked)).toEqual(new Set([liveArn]));
  });
});

describe("a fast-rollout push left by a berth that stopped during migrate", () => {
  /** SHA1 serves; a push of SHA2 starts, its new version launches, and berth dies while migrate runs. */
  async function diedDuringMigrate(): Promise<{ harness: Harness; serving: string | undefined; from: number }> {
    const harness = fastHarness();
    await deployed(harness, SHA1, "opened");
    const servingDefinition = webTaskDefinition(harness);
    const from = harness.aws.calls.length;
    harness.aws.scriptTask({ commandIncludes: "db:migrate", runningPolls: 150, times: 1 });
    harness.github.setPull({ number: 7, headSha: SHA2, branch: "feature/checkout" });
    await harness.receive("pull_request", pullRequestPayload("synchronize", { number: 7, sha: SHA2 }));
    const runTasks = () => harness.aws.commands("ecs").filter((c) => c === "RunTask").length;
    const ran = runTasks();
    await vi.waitFor(() => expect(runTasks()).toBeGreaterThan(ran), { timeout: 30_000, interval: 5 });
    await vi.waitFor(() => expect(harness.aws.commands("ecs").includes("ListServiceDeployments")).toBe(true), { timeout: 30_000, interval: 5 });
    harness.restart();
    await harness.ready();
    return { harness, serving: servingDefinition, from };
  }

  it("is rolled back by the restarted berth's next deploy before it deploys: the new version never served", async () => {
    const died = await diedDuringMigrate();
    h = died.harness;
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.status).toBe("UPDATE_IN_PROGRESS");

    await deployed(h, SHA3, "synchronize");

    const acted = answers(h, died.from);
    expect(acted[0]).toBe("ROLLBACK");
    expect(h.aws.state.cloudformation.signals.filter((signal) => signal.status === "FAILURE")).toMatchObject([{ reason: "berth restarted during the release steps" }]);
    const run = h.github.checkRun(SHA3);
    expect(run?.conclusion).toBe("success");
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA3);
    // SHA2's version was rolled back at its hook; SHA3's, deployed after it, took the traffic.
    expect(answering(h)).toEqual([webTaskDefinition(h)]);
  });

  it("is rolled back by the restarted berth's resync, and a later resync deploys the head", async () => {
    const died = await diedDuringMigrate();
    h = died.harness;

    await vi.waitFor(async () => {
      await h.previews.resync();
      expect(answers(h, died.from)[0]).toBe("ROLLBACK");
    }, { timeout: 30_000, interval: 5 });
    // The old version kept the traffic.
    expect(answering(h)).toEqual([died.serving]);
    await vi.waitFor(async () => expect((await h.previews.resync()).redeployed).toBe(1), { timeout: 30_000, interval: 5 });
    await h.settle();

    expect(h.github.checkRuns(SHA2).map((r) => r.conclusion)).toEqual(["neutral", "success"]);
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA2);
  });
});
