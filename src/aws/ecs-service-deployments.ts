import {
  ContinueServiceDeploymentCommand,
  DescribeServiceDeploymentsCommand,
  ListServiceDeploymentsCommand,
  type ECSClient,
} from "@aws-sdk/client-ecs";
import { AwsCallError } from "../preview/errors.js";
import type { PausedDeployment, RolloutHookPort } from "../preview/ports.js";
import { awsCall } from "./aws-call.js";
import { AwsPace } from "./aws-pace.js";
import { TYPICAL_MS } from "./expected-duration.js";
import { pollUntil, timing, type Cadence, type PollTiming } from "./poll.js";

export interface EcsServiceDeploymentsOptions {
  client: ECSClient;
  /** First back-off delay; 5 s by default. Tests pass milliseconds. */
  pollDelayMs?: number;
  /** How long a look for a paused deployment goes on at most; the hook's own timeout (45 min) by default. */
  timeoutMs?: number;
  pace?: AwsPace;
}

/**
 * RolloutHookPort on ECS service deployments (ListServiceDeployments, DescribeServiceDeployments,
 * ContinueServiceDeployment). A blue/green deployment of a preview's public service pauses at its
 * `POST_SCALE_UP` hook: the new version runs and is healthy in the alternate target group while the
 * old one takes all the traffic, until berth continues it or rolls it back.
 */
export class EcsServiceDeployments implements RolloutHookPort {
  private readonly client: ECSClient;
  private readonly timing: PollTiming;
  private readonly pace: AwsPace;

  constructor(options: EcsServiceDeploymentsOptions) {
    this.client = options.client;
    this.pace = options.pace ?? new AwsPace();
    this.timing = timing(options.pollDelayMs ?? 5_000, options.timeoutMs ?? 45 * 60_000);
  }

  async waitPaused(input: { cluster: string; service: string; signal: AbortSignal }): Promise<PausedDeployment | undefined> {
    // Nothing pauses before the new tasks launched and passed the health check: the first look is
    // then, at AWS's pace, and never further off than the usual far delay.
    const expected = () => this.pace.scale(TYPICAL_MS.serviceRollout);
    const cadence: Cadence = {
      ...this.timing,
      expectedMs: expected,
      farDelayMs: Math.min(this.timing.farDelayMs ?? this.timing.delayMs * 12, expected()),
      checkAtOnce: false,
    };
    try {
      return await pollUntil(() => this.findPaused(input), cadence, input.signal);
    } catch (error) {
      if (input.signal.aborted) return undefined;
      throw error;
    }
  }

  async resume(input: PausedDeployment & { action: "CONTINUE" | "ROLLBACK" }): Promise<void> {
    await awsCall("ContinueServiceDeployment", input.deploymentArn, () =>
      this.client.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: input.deploymentArn, hookId: input.hookId, action: input.action })),
    );
  }

  /** The service's deployment in progress that waits at a pause hook, if one does. */
  async findPaused({ cluster, service }: { cluster: string; service: string }): Promise<PausedDeployment | undefined> {
    let listed;
    try {
      listed = await awsCall("ListServiceDeployments", service, () =>
        this.client.send(new ListServiceDeploymentsCommand({ cluster, service, status: ["IN_PROGRESS"] })),
      );
    } catch (error) {
      // A service the stack has not created yet (it waits behind a release gate) has no deployment.
      if (error instanceof AwsCallError && error.code === "ServiceNotFoundException") return undefined;
      throw error;
    }
    const arns = (listed.serviceDeployments ?? []).flatMap((d) => (d.serviceDeploymentArn ? [d.serviceDeploymentArn] : []));
    if (arns.length === 0) return undefined;
    const described = await awsCall("DescribeServiceDeployments", service, () =>
      this.client.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: arns })),
    );
    for (const deployment of described.serviceDeployments ?? []) {
      const hook = deployment.lifecycleHookDetails?.find((h) => h.targetType === "PAUSE" && h.status === "AWAITING_ACTION");
      if (hook?.hookId && deployment.serviceDeploymentArn) return { deploymentArn: deployment.serviceDeploymentArn, hookId: hook.hookId };
    }
    return undefined;
  }
}
