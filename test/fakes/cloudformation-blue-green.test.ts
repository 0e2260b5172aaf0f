import { DescribeStackEventsCommand } from "@aws-sdk/client-cloudformation";
import { ContinueServiceDeploymentCommand, DescribeServicesCommand } from "@aws-sdk/client-ecs";
import { describe, expect, it } from "vitest";
import { BASE_OUTPUTS, createAwsFake, type AwsFake } from "./aws-fake.js";
import { blueGreenTemplate, executeChangeSet, liveWeights, newestDeployment, pausedDeployment, pollStack, SERVICE, STACK } from "./aws/blue-green-preview.js";

async function proceed(fake: AwsFake, action: "CONTINUE" | "ROLLBACK"): Promise<string> {
  const paused = await pausedDeployment(fake);
  await fake.clients.ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: paused.serviceDeploymentArn, hookId: paused.hookId, action }));
  return paused.serviceDeploymentArn!;
}

/** A stack created with the public service on image shop:1 (its first deployment continued). */
async function created(): Promise<AwsFake> {
  const fake = createAwsFake();
  await executeChangeSet(fake, { template: blueGreenTemplate(), image: "shop:1" });
  expect(await pollStack(fake, 5)).toBe("CREATE_IN_PROGRESS");
  await proceed(fake, "CONTINUE");
  expect(await pollStack(fake)).toBe("CREATE_COMPLETE");
  return fake;
}

async function serviceTaskDefinition(fake: AwsFake): Promise<string | undefined> {
  const out = await fake.clients.ecs.send(new DescribeServicesCommand({ cluster: BASE_OUTPUTS.ClusterName, services: [SERVICE] }));
  return out.services?.[0]?.taskDefinition;
}

async function eventsOf(fake: AwsFake, logicalId: string): Promise<string[]> {
  const out = await fake.clients.cloudformation.send(new DescribeStackEventsCommand({ StackName: STACK }));
  return (out.StackEvents ?? []).filter((e) => e.LogicalResourceId === logicalId).reverse().map((e) => `${e.ResourceStatus}${e.ResourceStatusReason ? `: ${e.ResourceStatusReason}` : ""}`);
}

function signal(fake: AwsFake, status: "SUCCESS" | "FAILURE") {
  const url = fake.state.cloudformation.stacks.get(STACK)?.gate?.url ?? "";
  return fake.fetch(url, { method: "PUT", body: JSON.stringify({ Status: status, Reason: "release steps", UniqueId: "release", Data: "" }) });
}

describe("the CloudFormation fake with a blue/green ECS service", () => {
  it("completes an update only once the service deployment is SUCCESSFUL", async () => {
    const fake = await created();
    await executeChangeSet(fake, { template: blueGreenTemplate(), image: "shop:2", live: "alternate" });

    expect(await pollStack(fake, 20)).toBe("UPDATE_IN_PROGRESS");
    await proceed(fake, "CONTINUE");

    expect(await pollStack(fake)).toBe("UPDATE_COMPLETE");
    expect(await eventsOf(fake, "PublicService")).toEqual(["CREATE_IN_PROGRESS", "CREATE_COMPLETE", "UPDATE_IN_PROGRESS", "UPDATE_COMPLETE"]);
    expect(await serviceTaskDefinition(fake)).toMatch(/task-definition\/berth-pr-7-web:2$/);
    expect((await newestDeployment(fake)).status).toBe("SUCCESSFUL");
  });

  it("fails the service on ROLLBACK_SUCCESSFUL and rolls back with another deployment of the previous task definition, paused at the hook", async () => {
    const fake = await created();
    await executeChangeSet(fake, { template: blueGreenTemplate(), image: "shop:2", live: "alternate" });
    await pollStack(fake, 1);
    const rolledBack = await proceed(fake, "ROLLBACK");

    expect(await pollStack(fake, 5)).toBe("UPDATE_ROLLBACK_IN_PROGRESS");
    const failed = (await eventsOf(fake, "PublicService")).find((e) => e.startsWith("UPDATE_FAILED"));
    expect(failed).toMatch(new RegExp(`^UPDATE_FAILED: Resource handler returned message: "Error occurred during operation 'ECS service deployment ${rolledBack} ended in status ROLLBACK_SUCCESSFUL: Service deployment rolled back by ContinueServiceDeployment with action ROLLBACK.'." \\(RequestToken: [0-9a-f-]{36}, HandlerErrorCode: GeneralServiceException\\)$`));
    const again = await pausedDeployment(fake);
    expect(again.serviceDeploymentArn).not.toBe(rolledBack);
    // CloudFormation rolled the rule back to the created template's weights (primary), which the
    // first deployment had already shifted away from: the rollback's deployment launches in the alternate.
    expect(liveWeights(fake)).toEqual({ "berth-pr-7-web-80": 100, "berth-pr-7-web-80-alt": 0 });

    await proceed(fake, "CONTINUE");

    expect(await pollStack(fake)).toBe("UPDATE_ROLLBACK_COMPLETE");
    expect(await serviceTaskDefinition(fake)).toMatch(/task-definition\/berth-pr-7-web:1$/);
    expect(liveWeights(fake)).toEqual({ "berth-pr-7-web-80": 0, "berth-pr-7-web-80-alt": 100 });
  });

  it("ends UPDATE_ROLLBACK_FAILED when the rollback's own deployment is rolled back", async () => {
    const fake = await created();
    await executeChangeSet(fake, { template: blueGreenTemplate(), image: "shop:2", live: "alternate" });
    await pollStack(fake, 1);
    await proceed(fake, "ROLLBACK");
    await pollStack(fake, 2);

    await proceed(fake, "ROLLBACK");

    expect(await pollStack(fake)).toBe("UPDATE_ROLLBACK_FAILED");
    expect((await eventsOf(fake, "PublicService")).at(-1)).toMatch(/^UPDATE_FAILED: .*ended in status ROLLBACK_SUCCESSFUL/);
  });

  it("completes an update that only scales the service without a service deployment (a sleep)", async () => {
    const fake = await created();
    const before = (await newestDeployment(fake)).serviceDeploymentArn;

    await executeChangeSet(fake, { template: blueGreenTemplate({ desiredCount: 0 }), image: "shop:1", live: "alternate" });

    expect(await pollStack(fake)).toBe("UPDATE_COMPLETE");
    expect((await newestDeployment(fake)).serviceDeploymentArn).toBe(before);
    expect(fake.state.ecs.targetsOf(fake.state.cloudformation.resources(STACK).get("PublicTargetGroupAlternate")!.physicalId)).toEqual([]);
  });

  it("starts the public service's deployment at once beside a release gate it does not depend on, and completes after both", async () => {
    const fake = await created();
    await executeChangeSet(fake, { template: blueGreenTemplate({ gate: { id: "A1", publicStartsAtOnce: true } }), image: "shop:2", live: "alternate" });
    await pollStack(fake, 1);

    const paused = await pausedDeployment(fake);
    expect(paused.targetServiceRevision?.requestedTaskCount).toBe(1);
    expect(fake.state.ecs.services.size).toBe(1);
    await fake.clients.ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: paused.serviceDeploymentArn, hookId: paused.hookId, action: "CONTINUE" }));
    expect(await pollStack(fake, 10)).toBe("UPDATE_IN_PROGRESS");
    expect((await signal(fake, "SUCCESS")).status).toBe(200);

    expect(await pollStack(fake)).toBe("UPDATE_COMPLETE");
    expect(fake.state.ecs.services.size).toBe(2);
  });

  it("starts the deployment of a public service that depends on the gate only once the gate opens", async () => {
    const fake = await created();
    const first = (await newestDeployment(fake)).serviceDeploymentArn;
    await executeChangeSet(fake, { template: blueGreenTemplate({ gate: { id: "A1", publicStartsAtOnce: false } }), image: "shop:2", live: "alternate" });

    expect(await pollStack(fake, 5)).toBe("UPDATE_IN_PROGRESS");
    expect((await newestDeployment(fake)).serviceDeploymentArn).toBe(first);
    await signal(fake, "SUCCESS");
    await pollStack(fake, 2);
    await proceed(fake, "CONTINUE");

    expect(await pollStack(fake)).toBe("UPDATE_COMPLETE");
    expect(await serviceTaskDefinition(fake)).toMatch(/berth-pr-7-web:2$/);
  });

  it("stops a service deployment paused at its hook when a create that started it rolls back", async () => {
    const fake = createAwsFake();
    await executeChangeSet(fake, { template: blueGreenTemplate({ gate: { id: "A1", publicStartsAtOnce: true } }), image: "shop:1" });
    await pollStack(fake, 2);
    await pausedDeployment(fake);

    await signal(fake, "FAILURE");

    expect(await pollStack(fake)).toBe("ROLLBACK_COMPLETE");
    expect(fake.state.ecs.services.size).toBe(0);
    expect([...fake.state.ecs.serviceDeployments.all.values()].map((d) => d.status)).toEqual(["STOPPED"]);
  });

  it("rolls back a gated update whose gate fails while the public service waits at its hook: that deployment stops, another pauses", async () => {
    const fake = await created();
    await executeChangeSet(fake, { template: blueGreenTemplate({ gate: { id: "A1", publicStartsAtOnce: true } }), image: "shop:2", live: "alternate" });
    await pollStack(fake, 1);
    const waiting = await pausedDeployment(fake);

    await signal(fake, "FAILURE");
    expect(await pollStack(fake, 3)).toBe("UPDATE_ROLLBACK_IN_PROGRESS");

    const again = await pausedDeployment(fake);
    expect(again.serviceDeploymentArn).not.toBe(waiting.serviceDeploymentArn);
    await proceed(fake, "CONTINUE");
    expect(await pollStack(fake)).toBe("UPDATE_ROLLBACK_COMPLETE");
    expect(await serviceTaskDefinition(fake)).toMatch(/berth-pr-7-web:1$/);
  });
});
