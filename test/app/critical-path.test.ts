import { afterEach, describe, expect, it } from "vitest";
import { createHarness, deliverHead, readFixtureRepo, type Harness } from "../helpers/app-harness.js";
import { IMAGE, SHA1, SHA2, STACK } from "../helpers/app-fixtures.js";

/*
 * What berth reads on a deploy's critical path, and in which order it may: reads that need nothing
 * of each other run side by side, the same stack is not read twice for one answer, clean-ups wait
 * until the new version may start, and a read that gates a stack change still stops the deploy
 * before any change.
 */

let h: Harness;
afterEach(() => {
  expect(h.github.problems()).toEqual([]);
  h.close();
});

const deploy = deliverHead;

function commands(harness: Harness, from = 0): string[] {
  return harness.aws.calls.slice(from).map((c) => c.command);
}

/** Records how many AWS calls had been made when each release gate signal was sent. */
function recordGateSignals(harness: Harness): number[] {
  const at: number[] = [];
  const fetch = harness.aws.fetch;
  harness.aws.fetch = (...args: Parameters<typeof fetch>) => {
    at.push(harness.aws.calls.length);
    return fetch(...args);
  };
  return at;
}

describe("a deploy's critical path", () => {
  it("a push reads the preview stack once, for the wake and the deploy, and its change set follows without reading it again", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2));
    await deploy(h, SHA1, "opened");
    const before = h.aws.calls.length;

    await deploy(h, SHA2, "synchronize");

    expect(h.github.checkRun(SHA2)?.conclusion).toBe("success");
    const later = commands(h, before);
    expect(later.slice(0, later.indexOf("CreateChangeSet")).filter((c) => c === "DescribeStacks")).toEqual(["DescribeStacks"]);
  });

  it("a first deploy reads the preview stack once and creates it without reading it again", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));

    await deploy(h, SHA1, "opened");

    expect(h.github.checkRun(SHA1)?.conclusion).toBe("success");
    const calls = h.aws.calls.slice(0, h.aws.calls.findIndex((c) => c.command === "CreateChangeSet"));
    expect(calls.filter((c) => c.command === "DescribeStacks").map((c) => (c.input as { StackName?: string }).StackName)).toEqual(
      expect.arrayContaining([STACK, "berth-base"]),
    );
    expect(calls.filter((c) => c.command === "DescribeStacks")).toHaveLength(2);
  });

  it.each([
    ["a first deploy (a gated create)", false],
    ["a push (a gated update)", true],
  ])("%s deregisters the release run's revision only after the release gate is signalled", async (_name, push) => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2));
    if (push) await deploy(h, SHA1, "opened");
    const before = h.aws.calls.length;
    const signals = recordGateSignals(h);

    await deploy(h, push ? SHA2 : SHA1, push ? "synchronize" : "opened");

    expect(h.github.checkRun(push ? SHA2 : SHA1)?.conclusion).toBe("success");
    expect(signals).toHaveLength(1);
    const deregistered = h.aws.calls.findIndex((c, i) => i >= before && c.command === "DeregisterTaskDefinition");
    expect(deregistered).toBeGreaterThanOrEqual(signals[0]!);
    const revisions = [...h.aws.state.ecs.registeredTags.keys()].map((arn) => h.aws.state.ecs.taskDefinitions.get(arn)!);
    expect(revisions.map((r) => r.status)).toEqual(revisions.map(() => "INACTIVE"));
  });

  it("a revision that cannot be deregistered is only a warning: the deploy succeeds", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.fail("DeregisterTaskDefinition", { error: { name: "AccessDeniedException", message: "User is not authorized to perform: ecs:DeregisterTaskDefinition", status: 400 } });

    await deploy(h, SHA1, "opened");

    expect(h.github.checkRun(SHA1)?.conclusion).toBe("success");
    expect(h.logs.some((line) => line.includes("could not deregister the release run's task definition"))).toBe(true);
  });

  it("a push whose data services' tasks cannot be read fails in the stack phase and changes nothing", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2));
    await deploy(h, SHA1, "opened");
    const before = h.aws.calls.length;
    h.aws.fail("ListTasks", { error: { name: "AccessDeniedException", message: "User is not authorized to perform: ecs:ListTasks", status: 400 }, times: 10 });

    await deploy(h, SHA2, "synchronize");

    const run = h.github.checkRun(SHA2);
    expect(run?.conclusion).toBe("failure");
    expect(run?.output.summary).toMatch(/\| Stack \| ❌ failure \|/);
    expect(run?.output.summary).toContain("ecs:ListTasks");
    for (const change of ["CreateChangeSet", "ExecuteChangeSet", "RegisterTaskDefinition", "RunTask"]) expect(commands(h, before)).not.toContain(change);
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA1);
  });

  it("a push whose image never arrives reports the image, not the reads that ran beside its check", async () => {
    let clock = Date.parse("2026-11-21T10:00:00Z");
    h = createHarness({ files: readFixtureRepo("rails-postgres"), now: () => new Date((clock += 20_000)) });
    h.aws.putImage(IMAGE(SHA1));
    await deploy(h, SHA1, "opened");
    h.aws.fail("ListTasks", { error: { name: "AccessDeniedException", message: "User is not authorized to perform: ecs:ListTasks", status: 400 }, times: 10 });

    await deploy(h, SHA2, "synchronize");

    const run = h.github.checkRun(SHA2);
    expect(run?.conclusion).toBe("failure");
    expect(run?.output.summary).toMatch(/\| Image \| ❌ failure \|/);
    expect(run?.output.summary).toContain(`Image not in ECR after 1 min: ${IMAGE(SHA2)}. Did CI push it for this commit?`);
    expect(run?.output.summary).not.toContain("ecs:ListTasks");
  });

  it("a push that waited for CI's image reads the preview stack again: what was read before the wait may be stale", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2), { afterPolls: 2 });
    await deploy(h, SHA1, "opened");
    const before = h.aws.calls.length;

    await deploy(h, SHA2, "synchronize");

    expect(h.github.checkRun(SHA2)?.conclusion).toBe("success");
    const later = h.aws.calls.slice(before);
    const lastImageCheck = later.map((c) => c.command).lastIndexOf("DescribeImages");
    const stackReads = (calls: typeof later) => calls.filter((c) => c.command === "DescribeStacks" && (c.input as { StackName?: string }).StackName === STACK);
    expect(stackReads(later.slice(0, lastImageCheck))).toHaveLength(1);
    expect(stackReads(later.slice(lastImageCheck, later.findIndex((c) => c.command === "CreateChangeSet")))).toHaveLength(1);
  });
});
