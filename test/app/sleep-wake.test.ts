import { afterEach, describe, expect, it } from "vitest";
import { createHarness, readFixtureRepo, type Harness } from "../helpers/app-harness.js";
import { IMAGE, SHA1, SHA2, STACK } from "../helpers/app-fixtures.js";
import { prCommentPayload, pullRequestPayload } from "../helpers/webhook-payloads.js";
import { releaseStepRuns } from "../helpers/release-runs.js";
import { BASE_OUTPUTS } from "../fakes/aws-fake.js";

const MINUTE = 60_000;
let h: Harness;
let clock = Date.parse("2026-12-03T10:00:00Z");
afterEach(() => {
  expect(h.github.problems()).toEqual([]);
  h.close();
});

/** The rails-postgres preview of acme/shop#7 with `extra` appended to its .github/preview.yml, deployed at SHA1. */
async function deployed(extra: string): Promise<Harness> {
  clock = Date.parse("2026-12-03T10:00:00Z");
  const files = readFixtureRepo("rails-postgres");
  files[".github/preview.yml"] += extra;
  const harness = createHarness({ files, now: () => new Date(clock) });
  harness.aws.putImage(IMAGE(SHA1));
  harness.aws.putImage(IMAGE(SHA2));
  harness.github.setPull({ number: 7, headSha: SHA1, branch: "feature/checkout" });
  harness.github.setPermission("maintainer", "maintain");
  await harness.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
  await harness.settle();
  return harness;
}

/** Desired task count and running task ids of the preview's ECS services, by compose service. */
function services(harness: Harness): Record<string, { desired: number; tasks: string[] }> {
  const out: Record<string, { desired: number; tasks: string[] }> = {};
  for (const s of harness.aws.state.ecs.services.values()) {
    const name = /-(Web|Db)Service-/.exec(s.serviceName ?? "")?.[1]?.toLowerCase() ?? s.serviceName ?? "";
    const tasks = [...harness.aws.state.ecs.tasks.values()].filter((t) => t.service === s.serviceArn && t.lastStatus !== "STOPPED").map((t) => t.taskArn);
    out[name] = { desired: s.desiredCount ?? 0, tasks };
  }
  return out;
}

function request(harness: Harness, at: number): void {
  const targetGroupArn = harness.aws.state.cloudformation.stacks.get(STACK)!.current!.outputs.find((o) => o.OutputKey === "TargetGroupArn")!.OutputValue!;
  harness.aws.state.cloudwatch.recordRequests({ targetGroupArn, loadBalancer: BASE_OUTPUTS.LoadBalancerFullName, at: new Date(at) });
}

async function sweep(harness: Harness) {
  const summary = await harness.previews.sweepIdle();
  await harness.settle();
  return summary;
}

async function comment(harness: Harness, body: string): Promise<void> {
  const id = harness.github.addComment(body, { login: "maintainer", type: "User" });
  await harness.receive("issue_comment", prCommentPayload({ pr: 7, body, commentId: id, user: "maintainer" }));
  await harness.settle();
}

const sticky = (harness: Harness) => harness.github.stickyComments()[0]?.body ?? "";
const tags = (harness: Harness) => harness.aws.state.cloudformation.stacks.get(STACK)?.tags ?? {};

describe("sleep_after", () => {
  it("sleeps after the window without a request, keeps the data service running, and wakes on /preview wake", async () => {
    h = await deployed("sleep_after: 30m\n");
    expect(tags(h)).toMatchObject({ "berth:sleep-after": "1800", "berth:active-at": "2026-12-03T10:00:00.000Z" });
    expect(sticky(h)).toContain("**State:** awake; sleeps after 30 minutes without a request");
    const db = services(h).db!.tasks;

    // Someone looked 10 minutes in: 35 minutes after the deploy, the last 30 minutes saw a request.
    request(h, clock + 10 * MINUTE);
    clock += 35 * MINUTE;
    await expect(sweep(h)).resolves.toMatchObject({ checked: 1, slept: 0, asleep: 0 });
    expect(services(h).web!.desired).toBe(1);

    clock += 10 * MINUTE;
    await expect(sweep(h)).resolves.toMatchObject({ checked: 1, slept: 1 });
    expect(services(h)).toMatchObject({ web: { desired: 0 }, db: { desired: 1, tasks: db } });
    expect(tags(h)["berth:asleep"]).toBe("2026-12-03T10:45:00.000Z");
    expect(sticky(h)).toContain("### 😴 Preview asleep");
    expect(sticky(h)).toContain("**State:** asleep since 2026-12-03T10:45:00Z; about $0.01 an hour asleep (its data services)");

    // Asleep already: a second sweep queues nothing, and counts it asleep.
    clock += 40 * MINUTE;
    await expect(sweep(h)).resolves.toMatchObject({ slept: 0, asleep: 1 });

    await comment(h, "/preview wake");
    expect(services(h)).toMatchObject({ web: { desired: 1 }, db: { desired: 1, tasks: db } });
    expect(services(h).web!.tasks).toHaveLength(1);
    expect(tags(h)["berth:asleep"]).toBeUndefined();
    expect(tags(h)["berth:active-at"]).toBe("2026-12-03T11:25:00.000Z");
    expect(sticky(h)).toContain("### ✅ Preview ready");
    expect(sticky(h)).toContain("**State:** awake; sleeps after 30 minutes without a request");
    expect(releaseStepRuns(h)).toEqual(["berth/migrate", "berth/seed"]);
  });

  it("a push to a sleeping preview wakes it and deploys, data kept", async () => {
    h = await deployed("sleep_after: 30m\n");
    const db = services(h).db!.tasks;
    clock += 31 * MINUTE;
    await sweep(h);
    expect(services(h).web!.desired).toBe(0);

    h.github.setPull({ number: 7, headSha: SHA2, branch: "feature/checkout" });
    await h.receive("pull_request", pullRequestPayload("synchronize", { number: 7, sha: SHA2 }));
    await h.settle();

    expect(h.github.checkRun(SHA2)?.conclusion).toBe("success");
    expect(services(h)).toMatchObject({ web: { desired: 1 }, db: { desired: 1, tasks: db } });
    expect(tags(h)).toMatchObject({ "berth:sha": SHA2, "berth:active-at": "2026-12-03T10:31:00.000Z" });
    expect(tags(h)["berth:asleep"]).toBeUndefined();
    expect(releaseStepRuns(h)).toEqual(["berth/migrate", "berth/seed", "berth/migrate"]);
  });

  it("/preview wake on an awake preview says so and changes nothing", async () => {
    h = await deployed("sleep_after: 30m\n");
    const before = h.aws.mutations().length;
    await comment(h, "/preview wake");
    expect(h.aws.mutations()).toHaveLength(before);
    expect(h.github.state.comments.at(-1)?.body).toContain("The preview is awake already.");
  });
});

describe("expire_after", () => {
  it("removes a preview nobody pushed to, commanded or opened for the window; a push brings it back, seeded anew", async () => {
    h = await deployed("sleep_after: 30m\nexpire_after: 2h\n");
    expect(sticky(h)).toContain("**State:** awake; sleeps after 30 minutes without a request; expires in 2 hours without a push, command or request");
    request(h, clock + 90 * MINUTE);
    clock += 125 * MINUTE;
    // Two hours since the deploy, but a request 35 minutes ago: it only falls asleep.
    await expect(sweep(h)).resolves.toMatchObject({ expired: 0, slept: 1 });
    expect(h.aws.state.cloudformation.stacks.has(STACK)).toBe(true);

    // Two hours after that request, asleep all along: it goes.
    clock += 95 * MINUTE;
    await expect(sweep(h)).resolves.toMatchObject({ expired: 1 });
    expect(h.aws.state.cloudformation.stacks.has(STACK)).toBe(false);
    expect(sticky(h)).toContain("### 🗑️ Preview removed");
    expect(sticky(h)).toContain("> Removed after 2h without a push, command or request \\(expire\\_after\\); push or comment");

    // A resync leaves an expired preview removed, as one removed by /preview destroy.
    await h.previews.resync();
    await h.settle();
    expect(h.aws.state.cloudformation.stacks.has(STACK)).toBe(false);

    h.github.setPull({ number: 7, headSha: SHA2, branch: "feature/checkout" });
    await h.receive("pull_request", pullRequestPayload("synchronize", { number: 7, sha: SHA2 }));
    await h.settle();
    expect(tags(h)["berth:sha"]).toBe(SHA2);
    expect(releaseStepRuns(h)).toEqual(["berth/migrate", "berth/seed", "berth/migrate", "berth/seed"]);
  });
});

describe("neither key", () => {
  it("a preview without sleep_after and expire_after is never swept, however long nobody looks", async () => {
    h = await deployed("");
    expect(sticky(h)).not.toContain("**State:**");
    const before = h.aws.calls.length;
    clock += 400 * 86_400_000;
    await expect(sweep(h)).resolves.toEqual({ checked: 0, slept: 0, expired: 0, asleep: 0, errors: 0 });
    // It lists berth's stacks and asks CloudWatch nothing.
    expect(h.aws.calls.slice(before).map((c) => c.command)).toEqual(["ListStacks", "DescribeStacks", "DescribeStacks"]);
    expect(services(h).web!.desired).toBe(1);
  });
});
