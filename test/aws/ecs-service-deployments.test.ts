import {
  ContinueServiceDeploymentCommand,
  DescribeServiceDeploymentsCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
} from "@aws-sdk/client-ecs";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { EcsServiceDeployments } from "../../src/aws/ecs-service-deployments.js";

const CLUSTER = "berth-previews";
const SERVICE = "arn:aws:ecs:us-east-1:123456789012:service/berth-previews/berth-shop-pr-7-WebService-1a2b";
const DEPLOYMENT = "arn:aws:ecs:us-east-1:123456789012:service-deployment/berth-previews/berth-shop-pr-7-WebService-1a2b/NCWGC2ZR-taawPAYrIaU5";
// The shape of ECS's documented answer for a deployment paused at its hook (Pause hooks for Amazon ECS service deployments).
const HOOK = { hookId: "ecs-pause-e7tK9G_WRJqNF_EOMjztDXfKenlJuEUVjsNStf4WLKw", targetType: "PAUSE", status: "AWAITING_ACTION", expiresAt: new Date("2026-12-03T12:45:00Z"), timeoutAction: "ROLLBACK" } as const;

const ecs = mockClient(ECSClient);
afterEach(() => ecs.reset());

function adapter() {
  return new EcsServiceDeployments({ client: new ECSClient({ region: "us-east-1" }), pollDelayMs: 1 });
}

describe("EcsServiceDeployments", () => {
  it("finds the deployment in progress waiting at its pause hook", async () => {
    ecs.on(ListServiceDeploymentsCommand).resolves({ serviceDeployments: [{ serviceDeploymentArn: DEPLOYMENT, serviceArn: SERVICE, status: "IN_PROGRESS" }] });
    ecs.on(DescribeServiceDeploymentsCommand).resolves({
      serviceDeployments: [{ serviceDeploymentArn: DEPLOYMENT, status: "IN_PROGRESS", lifecycleStage: "POST_SCALE_UP", lifecycleHookDetails: [HOOK] }],
    });
    expect(await adapter().findPaused({ cluster: CLUSTER, service: SERVICE })).toEqual({ deploymentArn: DEPLOYMENT, hookId: HOOK.hookId });
    expect(ecs.commandCalls(ListServiceDeploymentsCommand)[0]!.args[0].input).toEqual({ cluster: CLUSTER, service: SERVICE, status: ["IN_PROGRESS"] });
    expect(ecs.commandCalls(DescribeServiceDeploymentsCommand)[0]!.args[0].input).toEqual({ serviceDeploymentArns: [DEPLOYMENT] });
  });

  it("finds none while the hook has not been reached, has been answered, or no deployment runs", async () => {
    ecs.on(ListServiceDeploymentsCommand).resolves({ serviceDeployments: [{ serviceDeploymentArn: DEPLOYMENT, status: "IN_PROGRESS" }] });
    ecs.on(DescribeServiceDeploymentsCommand).resolvesOnce({
      serviceDeployments: [{ serviceDeploymentArn: DEPLOYMENT, status: "IN_PROGRESS", lifecycleStage: "SCALE_UP", lifecycleHookDetails: [] }],
    }).resolvesOnce({
      serviceDeployments: [{ serviceDeploymentArn: DEPLOYMENT, status: "IN_PROGRESS", lifecycleStage: "PRODUCTION_TRAFFIC_SHIFT", lifecycleHookDetails: [{ ...HOOK, status: "SUCCEEDED" }] }],
    });
    const hooks = adapter();
    expect(await hooks.findPaused({ cluster: CLUSTER, service: SERVICE })).toBeUndefined();
    expect(await hooks.findPaused({ cluster: CLUSTER, service: SERVICE })).toBeUndefined();
    ecs.on(ListServiceDeploymentsCommand).resolves({ serviceDeployments: [] });
    expect(await hooks.findPaused({ cluster: CLUSTER, service: SERVICE })).toBeUndefined();
    // No deployment in progress: nothing to describe.
    expect(ecs.commandCalls(DescribeServiceDeploymentsCommand)).toHaveLength(2);
  });

  it("waits until the hook is reached, and stops looking once the operation ended", async () => {
    ecs.on(ListServiceDeploymentsCommand).resolves({ serviceDeployments: [{ serviceDeploymentArn: DEPLOYMENT, status: "IN_PROGRESS" }] });
    ecs.on(DescribeServiceDeploymentsCommand)
      .resolvesOnce({ serviceDeployments: [{ serviceDeploymentArn: DEPLOYMENT, status: "IN_PROGRESS", lifecycleStage: "SCALE_UP" }] })
      .resolves({ serviceDeployments: [{ serviceDeploymentArn: DEPLOYMENT, status: "IN_PROGRESS", lifecycleStage: "POST_SCALE_UP", lifecycleHookDetails: [HOOK] }] });
    const found = await adapter().waitPaused({ cluster: CLUSTER, service: SERVICE, signal: new AbortController().signal });
    expect(found).toEqual({ deploymentArn: DEPLOYMENT, hookId: HOOK.hookId });
    expect(ecs.commandCalls(DescribeServiceDeploymentsCommand)).toHaveLength(2);

    ecs.reset();
    ecs.on(ListServiceDeploymentsCommand).resolves({ serviceDeployments: [] });
    const ended = new AbortController();
    const waiting = adapter().waitPaused({ cluster: CLUSTER, service: SERVICE, signal: ended.signal });
    await new Promise((resolve) => setTimeout(resolve, 20));
    ended.abort();
    expect(await waiting).toBeUndefined();
  });

  it("answers the hook with the action", async () => {
    ecs.on(ContinueServiceDeploymentCommand).resolves({ serviceDeploymentArn: DEPLOYMENT });
    await adapter().resume({ deploymentArn: DEPLOYMENT, hookId: HOOK.hookId, action: "ROLLBACK" });
    expect(ecs.commandCalls(ContinueServiceDeploymentCommand)[0]!.args[0].input).toEqual({ serviceDeploymentArn: DEPLOYMENT, hookId: HOOK.hookId, action: "ROLLBACK" });
  });

  it("says which call AWS refused and why", async () => {
    ecs.on(ListServiceDeploymentsCommand).rejects(Object.assign(new Error("User: arn:aws:sts::123456789012:assumed-role/berth-bot is not authorized to perform: ecs:ListServiceDeployments"), { name: "AccessDeniedException" }));
    await expect(adapter().findPaused({ cluster: CLUSTER, service: SERVICE })).rejects.toMatchObject({
      userMessage: expect.stringMatching(/^AWS ListServiceDeployments failed for arn:aws:ecs:.*: User: .* is not authorized to perform: ecs:ListServiceDeployments$/),
    });
  });
});
