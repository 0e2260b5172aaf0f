import { describe, expect, it } from "vitest";
import { AwsPace } from "../../src/aws/aws-pace.js";
import { CloudFormationStacks } from "../../src/aws/cloudformation-stacks.js";
import { EcsTasks } from "../../src/aws/ecs-tasks.js";
import { ElbV2 } from "../../src/aws/elbv2.js";
import { BASE_OUTPUTS, createAwsFake } from "../fakes/aws-fake.js";
import { atPace, ISSUE_10_MODEL } from "../fakes/aws/latency-model.js";
import { previewTemplate } from "../fakes/aws/preview-template.js";
import { TIMED_FAKE_OPTIONS, timeAws } from "../fakes/aws/timed-aws.js";
import { useVirtualClock } from "../helpers/virtual-clock.js";

// The adapters' waits with production timings over the AWS fake timed by the issue #10 model, on
// a virtual clock: what is asserted is when the adapters look and how many calls they make, in
// virtual time, never how long the test takes.

const LABEL = "shop-pr-7-acme-1a2b3c";
const NAME = `berth-${LABEL}`;
const IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop";

const { run } = useVirtualClock();

/** The adapters as the engine builds them (one AWS pace for both), over AWS `pace` times slower than the model. */
function setup(pace = 1) {
  const fake = createAwsFake(TIMED_FAKE_OPTIONS);
  const timed = timeAws(fake, atPace(ISSUE_10_MODEL, pace));
  const awsPace = new AwsPace();
  const stacks = new CloudFormationStacks({ client: fake.clients.cloudformation, ownership: { prefix: "berth-", tagKey: "berth:managed" }, pollDelayMs: 5_000, pace: awsPace });
  const tasks = new EcsTasks({ client: fake.clients.ecs, pollDelayMs: 5_000, pace: awsPace });
  const loadBalancers = new ElbV2({ client: fake.clients.elbv2, pollDelayMs: 5_000, pace: awsPace });
  const ensure = (tag: string) => stacks.ensure({ name: NAME, template: previewTemplate({ label: LABEL, image: `${IMAGE}:${tag}` }), tags: {}, parameters: { ListenerRulePriority: "4242" } });
  /** Virtual seconds after the last call of `command` before `index` at which each later call of `look` came. */
  const looks = (after: string, look: string) => {
    const start = timed.log.findLastIndex((c) => c.command === after);
    return timed.log.slice(start + 1).filter((c) => c.command === look).map((c) => (c.at - timed.log[start]!.at) / 1000);
  };
  return { fake, timed, stacks, tasks, loadBalancers, awsPace, ensure, looks };
}

describe("waits on the latency model", () => {
  it("looks at a stack create once far from its expected end and once at it, and notices the end at once", async () => {
    const { timed, ensure, looks } = setup();
    const stack = await run(ensure("abc1234"));

    expect(stack.status).toBe("CREATE_COMPLETE");
    // db and web start together after the other resources: 30 s + 50 s; looks 60 s and 80 s after ExecuteChangeSet answered.
    expect(looks("ExecuteChangeSet", "DescribeStacks")).toEqual([60.05, 80.05]);
    expect(looks("ExecuteChangeSet", "DescribeStackEvents")).toEqual([80.1]);
    const create = timed.completions.find((c) => c.what.startsWith("create of"));
    expect(create && create.noticedAt! - create.at).toBeLessThanOrEqual(2_000);
  });

  it("expects a tags-only update to take the stack's resources alone", async () => {
    const { ensure, looks, stacks } = setup();
    await run(ensure("abc1234"));
    await run(stacks.ensure({ name: NAME, template: previewTemplate({ label: LABEL, image: `${IMAGE}:abc1234` }), tags: { "berth:sha": "abc1234" }, parameters: { ListenerRulePriority: "4242" } }));

    expect(looks("ExecuteChangeSet", "DescribeStacks")).toEqual([30.05]);
  });

  it("looks at a release task at its expected end, and learns a longer step for the next run", async () => {
    const { fake, timed, ensure, tasks, looks } = setup();
    const { outputs } = await run(ensure("abc1234"));
    const seed = () =>
      tasks.runTask({
        cluster: BASE_OUTPUTS.ClusterName,
        taskDefinition: outputs.ReleaseTaskDefinitionArn ?? "",
        container: "release",
        command: ["bin/rails", "db:seed"],
        subnets: (outputs.TaskSubnets ?? "").split(","),
        securityGroups: (outputs.TaskSecurityGroups ?? "").split(","),
        assignPublicIp: true,
        startedBy: "berth/seed",
      });

    // Nothing timed yet: 35 s launch + 10 s step expected; ECS's startedAt re-aims it, and the 15 s seed is seen within 2 s.
    expect((await run(seed())).exitCode).toBe(0);
    expect(looks("RunTask", "DescribeTasks")).toEqual([45.05, 47.1, 49.15, 51.2]);
    const first = timed.completions.find((c) => c.what === "task seed stopped");
    expect(first && first.noticedAt! - first.at).toBeLessThanOrEqual(2_000);

    // The next seed is expected when the last one ended by ECS's timestamps: one look.
    expect((await run(seed())).exitCode).toBe(0);
    expect(looks("RunTask", "DescribeTasks")).toEqual([50.05]);
    expect(fake.commands("ecs").filter((c) => c === "DescribeTasks")).toHaveLength(5);
  });

  it("times a chained release task as one launch, then migrate and seed in turn", async () => {
    const { timed, ensure, tasks, looks } = setup();
    const { outputs } = await run(ensure("abc1234"));
    const taskDefinition = await run(tasks.registerStepChain({ from: outputs.ReleaseTaskDefinitionArn ?? "", container: "release", steps: ["migrate", "seed"], tags: {} }));
    const result = await run(
      tasks.runTask({
        cluster: BASE_OUTPUTS.ClusterName,
        taskDefinition,
        container: "seed",
        command: ["bin/rails", "db:seed"],
        before: [{ container: "migrate", command: ["bin/rails", "db:migrate"] }],
        subnets: (outputs.TaskSubnets ?? "").split(","),
        securityGroups: (outputs.TaskSecurityGroups ?? "").split(","),
        assignPublicIp: true,
        startedBy: "berth/release",
      }),
    );

    expect(result.exitCode).toBe(0);
    expect(timed.launches.filter((l) => l.what.startsWith("task"))).toHaveLength(1);
    // 35 s launch, then 10 s migrate and 15 s seed one after the other: it stops 60 s after RunTask.
    const stopped = timed.completions.find((c) => c.what === "task migrate+seed stopped");
    const ranAt = timed.log.findLast((c) => c.command === "RunTask")!.at;
    expect(stopped && stopped.at - ranAt).toBe(60_000);
    expect(stopped && stopped.noticedAt! - stopped.at).toBeLessThanOrEqual(2_000);
    // Expected after the launch and two typical 10 s steps (55 s), then looked at every 2 s until the stop shows.
    expect(looks("RunTask", "DescribeTasks")).toEqual([55.05, 57.1, 59.15, 61.2]);
  });

  it("aims a gated update's wait at the held service's rollout from the moment the gate opens, however long the release steps took", async () => {
    const { fake, timed, ensure, stacks } = setup();
    await run(ensure("abc1234"));
    const template = previewTemplate({ label: LABEL, image: `${IMAGE}:def5678` }) as { Resources: Record<string, Record<string, unknown>> };
    template.Resources.GateHandle = { Type: "AWS::CloudFormation::WaitConditionHandle", Properties: {} };
    template.Resources.Gate = { Type: "AWS::CloudFormation::WaitCondition", Properties: { Handle: { Ref: "GateHandle" }, Timeout: "2700", Count: 1 } };
    template.Resources.WebService = { ...template.Resources.WebService, DependsOn: [template.Resources.WebService!.DependsOn ?? []].flat().concat("Gate") };
    let open: () => void = () => {};
    const opened = new Promise<void>((resolve) => (open = resolve));
    let signalledAt = 0;
    const update = stacks.ensure({
      name: NAME,
      template,
      tags: {},
      parameters: { ListenerRulePriority: "4242" },
      watch: {
        logicalId: "GateHandle",
        opened,
        // Release steps that run 4 minutes, four times what the wait first expected of them.
        onCreated: (url) =>
          void setTimeout(() => {
            void fake.fetch(url, { method: "PUT", body: JSON.stringify({ Status: "SUCCESS", Reason: "steps passed", UniqueId: "x", Data: "" }) }).then(() => {
              signalledAt = Date.now();
              open();
            });
          }, 240_000),
      },
    });

    expect((await run(update)).status).toBe("UPDATE_COMPLETE");
    const after = timed.log.filter((c) => c.command === "DescribeStacks" && c.at > signalledAt).map((c) => (c.at - signalledAt) / 1000);
    // web's launch and health (50 s) from the signal: one look at that end (answered 0.05 s later), and it shows.
    expect(after).toEqual([50.05]);
    const end = timed.completions.find((c) => c.what.startsWith("update of"));
    expect(end && end.noticedAt! - end.at).toBeLessThanOrEqual(100);
    // While the steps ran, the wait looked no more often than once a rollout's length (50 s).
    const executed = timed.log.findLast((c) => c.command === "ExecuteChangeSet")!.at;
    const during = timed.log.filter((c) => c.command === "DescribeStacks" && c.at > executed && c.at <= signalledAt);
    expect(during.length).toBeLessThanOrEqual(240 / 50);
  });

  describe.each([
    { pace: 0.5, shows: 30, data: 40, task: 30, rollout: 25 },
    { pace: 0.8, shows: 30, data: 64, task: 48, rollout: 40 },
    { pace: 1.3, shows: 80, data: 104, task: 78, rollout: 65 },
    { pace: 2, shows: 80, data: 160, task: 120, rollout: 100 },
  ])("AWS at $pace x its typical pace, a first deploy (a gated create)", ({ pace, shows, data, task, rollout }) => {
    it(`sees the data service stable (at ${data} s), the release task stopped and the held service rolled out, each within 2 s, and learns the pace from the first`, async () => {
      const { fake, timed, stacks, tasks, looks } = setup(pace);
      const template = previewTemplate({ label: LABEL, image: `${IMAGE}:abc1234` }) as { Resources: Record<string, Record<string, unknown>> };
      template.Resources.GateHandle = { Type: "AWS::CloudFormation::WaitConditionHandle", Properties: {} };
      template.Resources.Gate = { Type: "AWS::CloudFormation::WaitCondition", Properties: { Handle: { Ref: "GateHandle" }, Timeout: "2700", Count: 1 } };
      // web waits for db (compose's depends_on) and for the gate.
      template.Resources.WebService = { ...template.Resources.WebService, DependsOn: ["DbService", "Gate"] };
      let open: () => void = () => {};
      const opened = new Promise<void>((resolve) => (open = resolve));
      let gate = "";
      let signalledAt = 0;
      let release: Promise<unknown> = Promise.resolve();
      const create = stacks.ensure({
        name: NAME,
        template,
        tags: {},
        parameters: { ListenerRulePriority: "4242" },
        watch: { logicalId: "GateHandle", opened, onCreated: (url) => (gate = url) },
        awaitResources: {
          logicalIds: ["ReleaseTaskDefinition", "TaskSecurityGroup", "DbService"],
          // Migrate and seed in one task (10 s + 15 s at the model's pace), then the gate's signal.
          onCreated: (ids) =>
            void (release = tasks
              .runTask({
                cluster: BASE_OUTPUTS.ClusterName,
                taskDefinition: ids.ReleaseTaskDefinition ?? "",
                container: "release",
                command: ["sh", "-c", "bin/rails db:migrate && bin/rails db:seed"],
                subnets: BASE_OUTPUTS.Subnets.split(","),
                securityGroups: [ids.TaskSecurityGroup ?? ""],
                assignPublicIp: true,
                startedBy: "berth/release",
              })
              .then(() => fake.fetch(gate, { method: "PUT", body: JSON.stringify({ Status: "SUCCESS", Reason: "steps passed", UniqueId: "x", Data: "" }) }))
              .then(() => {
                signalledAt = Date.now();
                open();
              })),
        },
      });

      expect((await run(create)).status).toBe("CREATE_COMPLETE");
      await run(release);
      const lag = (prefix: string) => {
        const completion = timed.completions.find((c) => c.what.startsWith(prefix));
        return completion && completion.noticedAt! - completion.at;
      };
      // The data service starts once the resources are done (30 s x pace): the first look comes
      // when they typically are (30 s); the first look after they are done shows its start (at 30 s,
      // else at the typical end, 80 s), and the next comes a rollout at that pace (50 s x pace)
      // after the start, and sees it stable.
      const ranAt = timed.log.find((c) => c.command === "RunTask")!.at;
      const executedAt = timed.log.find((c) => c.command === "ExecuteChangeSet")!.at;
      const eventLooks = timed.log.filter((c) => c.command === "DescribeStackEvents" && c.at < ranAt).map((c) => (c.at - executedAt) / 1000);
      const resourcesDone = 30 * pace;
      expect(eventLooks.slice(0, 2)).toEqual([0.05, 30.1]);
      const afterStart = eventLooks.filter((at) => at > resourcesDone);
      expect(afterStart[0]).toBeCloseTo(shows, 0);
      expect(afterStart.at(-1)! - resourcesDone).toBeCloseTo(50 * pace, 0);
      expect(eventLooks.at(-1)).toBeCloseTo(data, 0);
      expect(lag("resources of")).toBeLessThanOrEqual(2_000);
      // The release task: a launch of 35 s and two 10 s steps, at the pace learned; it runs 60 s x pace.
      expect(looks("RunTask", "DescribeTasks").at(-1)).toBeLessThanOrEqual(task + 2.1);
      expect(lag("task ")).toBeLessThanOrEqual(2_000);
      // The held web service: a look at its rollout at the pace learned, after the gate's signal
      // (and one 60 s in when that is further, for failures that come early).
      const after = timed.log.filter((c) => c.command === "DescribeStacks" && c.at > signalledAt).map((c) => (c.at - signalledAt) / 1000);
      expect(after).toEqual(rollout > 60 ? [60.05, rollout + 0.05] : [rollout + 0.05]);
      expect(lag("create of")).toBeLessThanOrEqual(2_000);
    });
  });

  describe("a wake's health check, targets launched just now", () => {
    /** Creates the preview, scales its web service to 0 and back to 1, and waits for the target group. */
    async function wake(pace: number, learned: boolean) {
      const { ensure, tasks, loadBalancers, awsPace, timed, looks } = setup(pace);
      const { outputs } = await run(ensure("abc1234"));
      if (!learned) awsPace.record(1, 1);
      const web = { cluster: BASE_OUTPUTS.ClusterName, services: [outputs.PublicServiceArn!] };
      await run(tasks.scaleServices({ ...web, desiredCount: 0 }));
      await run(tasks.scaleServices({ ...web, desiredCount: 1 }));
      await run(loadBalancers.waitHealthy({ targetGroupArn: outputs.TargetGroupArn!, launching: true }));
      const healthy = timed.completions.filter((c) => c.what.startsWith("targets of")).at(-1)!;
      return { looks: looks("UpdateService", "DescribeTargetHealth"), lag: healthy.noticedAt! - healthy.at };
    }

    it.each([
      // AWS's pace learned from the create: the looks come at 3/5 of a launch and at its end.
      { pace: 1, learned: true, looks: [30.05, 50.05], lagMs: 50 },
      { pace: 2, learned: true, looks: [60.05, 100.05], lagMs: 50 },
      { pace: 0.8, learned: true, looks: [24.05, 40.05], lagMs: 50 },
      // Nothing learned, AWS twice as fast: the early look sees it, 5 s late rather than 25 s.
      { pace: 0.5, learned: false, looks: [30.05], lagMs: 5_050 },
      // Nothing learned, AWS slower: a look at the typical end, then every 2 s.
      { pace: 1.2, learned: false, looks: [30.05, 50.05, 52.1, 54.15, 56.2, 58.25, 60.3], lagMs: 300 },
    ])("AWS at $pace x, pace learned: $learned: looks at $looks s", async ({ pace, learned, looks, lagMs }) => {
      const seen = await wake(pace, learned);
      expect(seen.looks).toEqual(looks);
      expect(seen.lag).toBeCloseTo(lagMs, -1);
    });
  });
});
