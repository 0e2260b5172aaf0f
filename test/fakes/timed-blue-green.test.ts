import { setTimeout as sleep } from "node:timers/promises";
import { DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { ContinueServiceDeploymentCommand, DescribeServiceDeploymentsCommand, DescribeTasksCommand, ListServiceDeploymentsCommand, RegisterTaskDefinitionCommand, RunTaskCommand } from "@aws-sdk/client-ecs";
import { describe, expect, it } from "vitest";
import { BASE_OUTPUTS, createAwsFake, type AwsFake } from "./aws-fake.js";
import { blueGreenTemplate, executeChangeSet, liveWeights, pausedDeployment, pollStack, SERVICE, STACK } from "./aws/blue-green-preview.js";
import { fastRolloutPushBound, ISSUE_10_MODEL } from "./aws/latency-model.js";
import { TIMED_FAKE_OPTIONS, timeAws } from "./aws/timed-aws.js";
import { useVirtualClock } from "../helpers/virtual-clock.js";

// A push with fast rollout on the virtual clock: the release gate's migrate task and the public
// service's green tasks run side by side, berth continues the hook once both are done, and the
// update completes after the target group's deregistration delay.

const { run } = useVirtualClock();

const CLUSTER = BASE_OUTPUTS.ClusterName;

/** The preview created before the clock matters: public service on shop:1, its first deployment continued. */
async function created(deregistrationDelay: number | undefined): Promise<AwsFake> {
  const fake = createAwsFake(TIMED_FAKE_OPTIONS);
  await executeChangeSet(fake, { template: blueGreenTemplate({ deregistrationDelay }), image: "shop:1" });
  await pollStack(fake, 1);
  const paused = await pausedDeployment(fake);
  await fake.clients.ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: paused.serviceDeploymentArn, hookId: paused.hookId }));
  expect(await pollStack(fake)).toBe("CREATE_COMPLETE");
  await fake.clients.ecs.send(new RegisterTaskDefinitionCommand({
    family: "berth-pr-7-release",
    networkMode: "awsvpc",
    containerDefinitions: [{ name: "migrate", image: "shop:2", essential: true, command: ["bin/rails", "db:migrate"] }],
  }));
  return fake;
}

/**
 * What berth does on a push, looking every second: updates the stack with the public service
 * outside the gate, runs migrate and signals the gate when it exited 0, continues the hook once it
 * awaits action and migrate is done, then waits for the stack. Returns the seconds each took from the push.
 */
async function push(fake: AwsFake, deregistrationDelay: number | undefined, publicStartsAtOnce = true) {
  const t0 = Date.now();
  const at = () => (Date.now() - t0) / 1000;
  await executeChangeSet(fake, { template: blueGreenTemplate({ deregistrationDelay, gate: { id: "B2", publicStartsAtOnce, worker: false } }), image: "shop:2", live: "alternate" });
  const started = await fake.clients.ecs.send(new RunTaskCommand({ cluster: CLUSTER, taskDefinition: "berth-pr-7-release", networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-0a1b2c3d4e5f60001"] } } }));
  const taskArn = started.tasks![0]!.taskArn!;
  let serviceDeploymentArn: string | undefined;
  let migrated: number | undefined;
  let continued: number | undefined;
  let status = "";
  while (!status.endsWith("_COMPLETE")) {
    await sleep(1_000);
    if (migrated === undefined) {
      const task = await fake.clients.ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [taskArn] }));
      if (task.tasks?.[0]?.lastStatus === "STOPPED") {
        migrated = at();
        const url = fake.state.cloudformation.stacks.get(STACK)?.gate?.url ?? "";
        await fake.fetch(url, { method: "PUT", body: JSON.stringify({ Status: "SUCCESS", Reason: "migrate exited 0", UniqueId: "migrate", Data: "" }) });
      }
    }
    if (serviceDeploymentArn === undefined) {
      const listed = await fake.clients.ecs.send(new ListServiceDeploymentsCommand({ cluster: CLUSTER, service: SERVICE, status: ["IN_PROGRESS"] }));
      serviceDeploymentArn = listed.serviceDeployments?.[0]?.serviceDeploymentArn;
      if (serviceDeploymentArn === undefined) continue;
    }
    if (continued === undefined) {
      const out = await fake.clients.ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [serviceDeploymentArn] }));
      const hook = out.serviceDeployments?.[0]?.lifecycleHookDetails?.find((h) => h.status === "AWAITING_ACTION");
      if (hook && migrated !== undefined) {
        await fake.clients.ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn, hookId: hook.hookId, action: "CONTINUE" }));
        continued = at();
      }
      continue;
    }
    const stacks = await fake.clients.cloudformation.send(new DescribeStacksCommand({ StackName: STACK }));
    status = stacks.Stacks?.[0]?.StackStatus ?? "";
  }
  return { t0, migrated, continued, completed: at(), status };
}

describe("the timed layer with a blue/green public service", () => {
  it("completes a push at about 55 s: migrate's 45 s beside green's 50 s launch and health, then a 5 s deregistration delay", async () => {
    const fake = await created(5);
    const timed = timeAws(fake, ISSUE_10_MODEL);

    const figures = await run(push(fake, 5));

    expect(figures.status).toBe("UPDATE_COMPLETE");
    expect(figures.migrated).toBeGreaterThanOrEqual(45);
    expect(figures.migrated).toBeLessThan(46.5);
    // The hook awaits action from 50 s on; berth's next look sees it.
    expect(figures.continued).toBeGreaterThanOrEqual(50);
    expect(figures.continued).toBeLessThan(52);
    expect(figures.completed).toBeGreaterThanOrEqual(55);
    expect(figures.completed).toBeLessThanOrEqual(fastRolloutPushBound(ISSUE_10_MODEL, { pushSteps: ["migrate"], deregistrationDelaySeconds: 5 }) + 2);
    const seconds = (ms: number | undefined) => (ms === undefined ? undefined : (ms - figures.t0) / 1000);
    const hook = timed.completions.find((c) => c.what === `hook of ${SERVICE} awaiting action`);
    expect(seconds(hook?.at)).toBeCloseTo(50, 0);
    expect(seconds(hook?.noticedAt)).toBeCloseTo(figures.continued!, 0);
    const update = timed.completions.find((c) => c.what === `update of ${STACK}`);
    expect(seconds(update?.at)).toBeCloseTo(figures.continued! + 5, 0);
    expect(update?.noticedAt).toBeDefined();
    expect(timed.launches.map((l) => l.what)).toEqual(expect.arrayContaining([`green tasks of service ${SERVICE}`, "task migrate"]));
    expect(timed.calls.get("ContinueServiceDeployment")).toBe(1);
    expect(timed.calls.get("DescribeServiceDeployments")).toBeGreaterThan(40);
    expect(liveWeights(fake)).toEqual({ "berth-pr-7-web-80": 100, "berth-pr-7-web-80-alt": 0 });
  });

  it("launches green only when the gate opens if the public service depends on it: about 100 s", async () => {
    const fake = await created(5);
    const timed = timeAws(fake, ISSUE_10_MODEL);

    const figures = await run(push(fake, 5, false));

    expect(figures.status).toBe("UPDATE_COMPLETE");
    const launch = timed.launches.find((l) => l.what === `green tasks of service ${SERVICE}`);
    expect((launch!.start - figures.t0) / 1000).toBeCloseTo(figures.migrated!, 0);
    expect(figures.continued).toBeGreaterThanOrEqual(95);
    expect(figures.continued).toBeLessThan(97);
    expect(figures.completed).toBeGreaterThanOrEqual(100);
    expect(figures.completed).toBeLessThan(102);
  });

  it("waits AWS's default 300 s deregistration delay when the template sets none", async () => {
    const fake = await created(undefined);
    timeAws(fake, ISSUE_10_MODEL);

    const figures = await run(push(fake, undefined));

    expect(figures.status).toBe("UPDATE_COMPLETE");
    expect(figures.completed).toBeGreaterThanOrEqual(350);
    expect(figures.completed).toBeLessThanOrEqual(352);
  });

  it("starts a first deploy's held public service when the gate opens: the create completes one launch, health and clean-up later", async () => {
    const fake = createAwsFake(TIMED_FAKE_OPTIONS);
    const timed = timeAws(fake, ISSUE_10_MODEL);
    const t0 = Date.now();
    const at = (ms: number) => (ms - t0) / 1000;

    const status = await run((async () => {
      await executeChangeSet(fake, { template: blueGreenTemplate({ deregistrationDelay: 5, gate: { id: "C3", publicStartsAtOnce: false, worker: false } }), image: "shop:1" });
      await sleep(60_000);
      const url = fake.state.cloudformation.stacks.get(STACK)?.gate?.url ?? "";
      await fake.fetch(url, { method: "PUT", body: JSON.stringify({ Status: "SUCCESS", Reason: "seeded", UniqueId: "seed", Data: "" }) });
      for (;;) {
        await sleep(1_000);
        const listed = await fake.clients.ecs.send(new ListServiceDeploymentsCommand({ cluster: CLUSTER, service: SERVICE, status: ["IN_PROGRESS"] })).catch(() => undefined);
        const arn = listed?.serviceDeployments?.[0]?.serviceDeploymentArn;
        if (!arn) continue;
        const out = await fake.clients.ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }));
        const hook = out.serviceDeployments?.[0]?.lifecycleHookDetails?.find((h) => h.status === "AWAITING_ACTION");
        if (!hook) continue;
        await fake.clients.ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: hook.hookId }));
        break;
      }
      for (;;) {
        await sleep(1_000);
        const out = await fake.clients.cloudformation.send(new DescribeStacksCommand({ StackName: STACK }));
        const stackStatus = out.Stacks?.[0]?.StackStatus ?? "";
        if (!stackStatus.endsWith("_IN_PROGRESS")) return stackStatus;
      }
    })());

    expect(status).toBe("CREATE_COMPLETE");
    const launch = timed.launches.find((l) => l.what === `green tasks of service ${SERVICE}`);
    expect(at(launch!.start)).toBeCloseTo(60, 0);
    const hook = timed.completions.find((c) => c.what === `hook of ${SERVICE} awaiting action`);
    expect(at(hook!.at)).toBeCloseTo(110, 0);
    const create = timed.completions.find((c) => c.what === `create of ${STACK}`);
    expect(at(create!.at)).toBeGreaterThanOrEqual(115);
    expect(at(create!.at)).toBeLessThan(117);
  });
});
