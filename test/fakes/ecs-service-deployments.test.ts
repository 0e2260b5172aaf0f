import {
  ContinueServiceDeploymentCommand,
  DescribeServiceDeploymentsCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListServiceDeploymentsCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from "@aws-sdk/client-ecs";
import { DescribeTargetHealthCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { describe, expect, it } from "vitest";
import { BASE_OUTPUTS, createAwsFake, type AwsFake } from "./aws-fake.js";
import { blueGreenTemplate, executeChangeSet, liveWeights, newestDeployment, pausedDeployment, pollStack, SERVICE, STACK } from "./aws/blue-green-preview.js";

const CLUSTER = BASE_OUTPUTS.ClusterName;
const ARN = new RegExp(`^arn:aws:ecs:us-east-1:123456789012:service-deployment/${CLUSTER}/${SERVICE}/[0-9a-f]{22}$`);

/** The public service created (its first deployment continued) and a second image deployed: paused at its hook. */
async function pausedUpdate(options: Parameters<typeof blueGreenTemplate>[0] = {}) {
  const fake = createAwsFake();
  const template = blueGreenTemplate(options);
  await executeChangeSet(fake, { template, image: "shop:1" });
  await pollStack(fake, 1);
  const first = await pausedDeployment(fake);
  await fake.clients.ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: first.serviceDeploymentArn, hookId: first.hookId, action: "CONTINUE" }));
  expect(await pollStack(fake)).toBe("CREATE_COMPLETE");
  await executeChangeSet(fake, { template, image: "shop:2", live: "alternate" });
  await pollStack(fake, 1);
  const paused = await pausedDeployment(fake);
  return { fake, first, paused };
}

/** The service's running tasks by image. */
async function runningImages(fake: AwsFake): Promise<string[]> {
  const listed = await fake.clients.ecs.send(new ListTasksCommand({ cluster: CLUSTER, serviceName: SERVICE }));
  if (!listed.taskArns?.length) return [];
  const tasks = await fake.clients.ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: listed.taskArns }));
  return (tasks.tasks ?? []).map((t) => t.containers?.find((c) => c.name === "web")?.image ?? "").sort();
}

/** How many targets each of the preview's target groups has. */
async function targets(fake: AwsFake): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const group of fake.state.elbv2.targetGroups.values()) {
    if (!group.name.startsWith("berth-pr-7")) continue;
    const health = await fake.clients.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: group.arn }));
    out[group.name] = health.TargetHealthDescriptions?.length ?? 0;
  }
  return out;
}

describe("the ECS fake's blue/green service deployments", () => {
  it("launches green beside blue, pauses at POST_SCALE_UP, and on CONTINUE shifts the rule to green and stops blue", async () => {
    const { fake, first, paused } = await pausedUpdate();
    // The first deployment shifted the rule to the alternate group; this one's green is the primary.
    expect(liveWeights(fake)).toEqual({ "berth-pr-7-web-80": 0, "berth-pr-7-web-80-alt": 100 });
    expect(paused).toMatchObject({
      status: "IN_PROGRESS",
      lifecycleStage: "POST_SCALE_UP",
      lifecycleHookDetails: [{ targetType: "PAUSE", status: "AWAITING_ACTION", timeoutAction: "ROLLBACK" }],
      deploymentConfiguration: { strategy: "BLUE_GREEN", bakeTimeInMinutes: 0 },
    });
    expect(paused.serviceDeploymentArn).toMatch(ARN);
    expect(paused.hookId).not.toBe(first.hookId);
    const hook = paused.lifecycleHookDetails![0]!;
    expect(hook.expiresAt!.getTime() - paused.updatedAt!.getTime()).toBe(45 * 60_000);
    expect(await runningImages(fake)).toEqual(["shop:1", "shop:2"]);
    expect(await targets(fake)).toEqual({ "berth-pr-7-web-80": 1, "berth-pr-7-web-80-alt": 1 });

    const answer = await fake.clients.ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: paused.serviceDeploymentArn, hookId: paused.hookId, action: "CONTINUE" }));

    expect(answer).toEqual({ serviceDeploymentArn: paused.serviceDeploymentArn });
    expect(liveWeights(fake)).toEqual({ "berth-pr-7-web-80": 100, "berth-pr-7-web-80-alt": 0 });
    const stages: string[] = [];
    for (let i = 0; i < 6; i++) {
      const d = await newestDeployment(fake);
      stages.push(`${d.lifecycleStage}/${d.status}`);
    }
    expect(stages).toEqual(["PRODUCTION_TRAFFIC_SHIFT/IN_PROGRESS", "CLEAN_UP/IN_PROGRESS", "CLEAN_UP/IN_PROGRESS", "CLEAN_UP/SUCCESSFUL", "CLEAN_UP/SUCCESSFUL", "CLEAN_UP/SUCCESSFUL"]);
    expect((await newestDeployment(fake)).lifecycleHookDetails).toMatchObject([{ hookId: paused.hookId, status: "SUCCEEDED" }]);
    expect(await runningImages(fake)).toEqual(["shop:2"]);
    expect(await targets(fake)).toEqual({ "berth-pr-7-web-80": 1, "berth-pr-7-web-80-alt": 0 });
  });

  it("starts in SCALE_UP, with the green tasks launching and no hook yet", async () => {
    const fake = createAwsFake();
    await executeChangeSet(fake, { template: blueGreenTemplate(), image: "shop:1" });
    await pollStack(fake, 1);

    const d = await newestDeployment(fake);

    expect(d).toMatchObject({ status: "IN_PROGRESS", lifecycleStage: "SCALE_UP", targetServiceRevision: { requestedTaskCount: 1, runningTaskCount: 1 } });
    expect(d.lifecycleHookDetails).toBeUndefined();
  });

  it("on ROLLBACK stops green and leaves the rule to blue: ROLLBACK_SUCCESSFUL", async () => {
    const { fake, paused } = await pausedUpdate();
    const before = liveWeights(fake);

    await fake.clients.ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: paused.serviceDeploymentArn, hookId: paused.hookId, action: "ROLLBACK" }));

    const out = await fake.clients.ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [paused.serviceDeploymentArn!] }));
    expect(out.serviceDeployments?.[0]).toMatchObject({ status: "ROLLBACK_SUCCESSFUL", rollback: { reason: expect.stringContaining("ROLLBACK") } });
    expect(liveWeights(fake)).toEqual(before);
    expect(await targets(fake)).toEqual({ "berth-pr-7-web-80": 0, "berth-pr-7-web-80-alt": 1 });
  });

  it("rolls back when the hook times out: virtual time past expiresAt", async () => {
    const { fake, paused } = await pausedUpdate({ hookTimeoutMinutes: 10 });
    const before = liveWeights(fake);

    fake.advanceClock(10 * 60_000);
    const d = await newestDeployment(fake);

    expect(d).toMatchObject({ status: "ROLLBACK_SUCCESSFUL", lifecycleHookDetails: [{ hookId: paused.hookId, status: "TIMED_OUT" }] });
    expect(d.statusReason).toMatch(/timed out/);
    expect(liveWeights(fake)).toEqual(before);
    await expect(fake.clients.ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: paused.serviceDeploymentArn, hookId: paused.hookId, action: "CONTINUE" })))
      .rejects.toMatchObject({ name: "InvalidParameterException", message: `The service deployment ${paused.serviceDeploymentArn} is in ROLLBACK_SUCCESSFUL status; its lifecycle hook ${paused.hookId} can no longer be continued.` });
  });

  it("refuses to continue a hook that does not await action, and a service deployment that does not exist", async () => {
    const fake = createAwsFake();
    await executeChangeSet(fake, { template: blueGreenTemplate(), image: "shop:1" });
    await pollStack(fake, 1);
    const scalingUp = await newestDeployment(fake);
    const send = (serviceDeploymentArn: string, hookId: string) => fake.clients.ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn, hookId, action: "CONTINUE" }));

    await expect(send(scalingUp.serviceDeploymentArn!, "ecs-pause-0")).rejects.toMatchObject({ name: "InvalidParameterException" });
    const paused = await pausedDeployment(fake);
    await send(paused.serviceDeploymentArn!, paused.hookId);
    await expect(send(paused.serviceDeploymentArn!, paused.hookId)).rejects.toMatchObject({
      name: "InvalidParameterException",
      message: `The lifecycle hook ${paused.hookId} is in SUCCEEDED status, not AWAITING_ACTION; only a paused hook can be continued.`,
    });
    const missing = paused.serviceDeploymentArn!.replace(/[0-9a-f]{22}$/, "0".repeat(22));
    await expect(send(missing, paused.hookId)).rejects.toMatchObject({ name: "ServiceDeploymentNotFoundException" });
  });

  it("scales a blue/green service in place on a new desired count: no service deployment, tasks in the group it serves from", async () => {
    const { fake, paused } = await pausedUpdate();
    await fake.clients.ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: paused.serviceDeploymentArn, hookId: paused.hookId }));
    expect(await pollStack(fake)).toBe("UPDATE_COMPLETE");
    const scale = (desiredCount: number) => fake.clients.ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: SERVICE, desiredCount }));

    await scale(0);
    expect(await runningImages(fake)).toEqual([]);
    await scale(2);

    expect(await runningImages(fake)).toEqual(["shop:2", "shop:2"]);
    expect(await targets(fake)).toEqual({ "berth-pr-7-web-80": 2, "berth-pr-7-web-80-alt": 0 });
    const listed = await fake.clients.ecs.send(new ListServiceDeploymentsCommand({ cluster: CLUSTER, service: SERVICE }));
    expect(listed.serviceDeployments?.map((d) => d.status)).toEqual(["SUCCESSFUL", "SUCCESSFUL"]);
  });

  it("lists a service's deployments newest first, filtered by status, and refuses an unknown service", async () => {
    const { fake, first, paused } = await pausedUpdate();
    const list = (status?: Array<"IN_PROGRESS" | "SUCCESSFUL">) => fake.clients.ecs.send(new ListServiceDeploymentsCommand({ cluster: CLUSTER, service: SERVICE, ...(status ? { status } : {}) }));

    expect((await list()).serviceDeployments?.map((d) => d.serviceDeploymentArn)).toEqual([paused.serviceDeploymentArn, first.serviceDeploymentArn]);
    expect((await list(["IN_PROGRESS"])).serviceDeployments?.map((d) => d.serviceDeploymentArn)).toEqual([paused.serviceDeploymentArn]);
    expect((await list(["SUCCESSFUL"])).serviceDeployments).toMatchObject([{ serviceDeploymentArn: first.serviceDeploymentArn, status: "SUCCESSFUL" }]);
    await expect(fake.clients.ecs.send(new ListServiceDeploymentsCommand({ cluster: CLUSTER, service: "berth-pr-8-web" }))).rejects.toMatchObject({ name: "ServiceNotFoundException" });
    expect(fake.state.cloudformation.stacks.get(STACK)?.status).toBe("UPDATE_IN_PROGRESS");
  });

  it("lists and describes a ROLLING service's deployments too, with the status of its rollout and no hook", async () => {
    const fake = createAwsFake();
    const register = (image: string) => fake.clients.ecs.send(new RegisterTaskDefinitionCommand({ family: "berth-pr-9-web", containerDefinitions: [{ name: "web", image, essential: true }] }));
    const first = (await register("shop:1")).taskDefinition!.taskDefinitionArn!;
    const second = (await register("shop:2")).taskDefinition!.taskDefinitionArn!;
    fake.state.ecs.upsertService({ arn: `arn:aws:ecs:us-east-1:123456789012:service/${CLUSTER}/berth-pr-9-web`, name: "berth-pr-9-web", cluster: CLUSTER, taskDefinition: first, desiredCount: 1, loadBalancers: [] });
    const list = async () => (await fake.clients.ecs.send(new ListServiceDeploymentsCommand({ cluster: CLUSTER, service: "berth-pr-9-web" }))).serviceDeployments ?? [];
    const look = () => fake.clients.ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: ["berth-pr-9-web"] }));
    await look();
    await look();

    await fake.clients.ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: "berth-pr-9-web", taskDefinition: second }));

    expect((await list()).map((d) => d.status)).toEqual(["IN_PROGRESS", "SUCCESSFUL"]);
    await look();
    await look();
    expect((await list()).map((d) => d.status)).toEqual(["SUCCESSFUL", "SUCCESSFUL"]);
    const newest = (await list())[0]!.serviceDeploymentArn!;
    expect(newest).toMatch(/^arn:aws:ecs:us-east-1:123456789012:service-deployment\/berth-previews\/berth-pr-9-web\/[0-9a-f]{22}$/);
    const described = await fake.clients.ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [newest] }));
    expect(described.serviceDeployments?.[0]).toMatchObject({ status: "SUCCESSFUL", targetServiceRevision: { requestedTaskCount: 1, runningTaskCount: 1 } });
    expect(described.serviceDeployments?.[0]?.lifecycleHookDetails).toBeUndefined();
    fake.scriptRollout({ service: "berth-pr-9-web", fail: "tasks failed to start" });
    await fake.clients.ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: "berth-pr-9-web", taskDefinition: first }));
    await look();
    await look();
    expect((await list()).map((d) => d.status)).toEqual(["ROLLBACK_IN_PROGRESS", "SUCCESSFUL", "SUCCESSFUL"]);
    await look();
    await look();
    expect((await list()).map((d) => d.status)).toEqual(["ROLLBACK_SUCCESSFUL", "SUCCESSFUL", "SUCCESSFUL"]);
  });
});
