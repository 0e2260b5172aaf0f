/**
 * Fake ECS service deployments of BLUE_GREEN services, as ECS documents blue/green deployments
 * and lifecycle hooks: each new task definition (or the service's creation) is a service
 * deployment that launches the green tasks in the target group the production listener rule does
 * not serve (SCALE_UP), pauses at a PAUSE hook of POST_SCALE_UP until ContinueServiceDeployment,
 * then shifts the rule's weights to green (PRODUCTION_TRAFFIC_SHIFT), waits its bake time
 * (BAKE_TIME) and stops the blue tasks (CLEAN_UP): SUCCESSFUL. A ROLLBACK, or the hook's timeout
 * with a ROLLBACK action, stops the green tasks and leaves the rule: ROLLBACK_SUCCESSFUL.
 *
 * A ROLLING service's deployments are listed and described too, as ECS does, with the status of
 * the deployment DescribeServices shows (no lifecycle stage, no hook).
 *
 * A stage moves on after `stagePolls` looks (DescribeServiceDeployments, DescribeServices,
 * CloudFormation waiting on the service); the timed layer moves stages itself
 * (`next`) at the times its latency model gives.
 */
import {
  type Deployment,
  ContinueServiceDeploymentCommand,
  DescribeServiceDeploymentsCommand,
  ListServiceDeploymentsCommand,
  type ContinueServiceDeploymentCommandInput,
  type DeploymentConfiguration,
  type DeploymentLifecycleHookDetail,
  type DescribeServiceDeploymentsCommandInput,
  type ListServiceDeploymentsCommandInput,
  type ServiceDeployment,
  type ServiceDeploymentBrief,
  type ServiceDeploymentLifecycleStage,
  type ServiceDeploymentStatus,
} from "@aws-sdk/client-ecs";
import type { FakeServiceState } from "./ecs.js";
import type { FakeElbV2 } from "./elbv2.js";
import { awsError, type AnyStub, type World } from "./world.js";

/** What a service deployment needs of the ECS fake: the service's tasks and its event log. */
export interface ServiceTasks {
  /** Starts `count` tasks of `taskDefinition` for the service, registered in `targetGroupArn`; returns their ARNs. */
  startTasks(service: FakeServiceState, input: { taskDefinition: string; count: number; targetGroupArn: string; startedBy: string }): string[];
  /** The service's running tasks. */
  runningTasks(service: FakeServiceState): string[];
  stopTasks(taskArns: string[], reason: string): void;
  event(service: FakeServiceState, message: string): void;
  findService(cluster: string | undefined, ref: string): FakeServiceState | undefined;
}

export interface FakeServiceDeployment {
  arn: string;
  service: FakeServiceState;
  /** The id of the service's deployment (DescribeServices' `deployments[]`) this one drives. */
  deploymentId: string;
  status: ServiceDeploymentStatus;
  statusReason?: string;
  stage: ServiceDeploymentLifecycleStage;
  /** The task definitions deployed from (absent at the service's creation) and to. */
  sourceTaskDefinition?: string;
  targetTaskDefinition: string;
  deploymentConfiguration: DeploymentConfiguration;
  /** The service revision it deploys, and the one serving before it (the last deployment that succeeded). */
  revisionArn: string;
  sourceRevisionArn?: string;
  /** The production listener rule and the target groups: blue serves it when the deployment starts, green gets the new tasks. */
  ruleArn: string;
  blueTargetGroup: string;
  greenTargetGroup: string;
  blueTasks: string[];
  greenTasks: string[];
  /** The PAUSE hook, once its stage is reached. */
  hook?: DeploymentLifecycleHookDetail;
  createdAt: Date;
  updatedAt: Date;
  finishedAt?: Date;
  rollback?: { reason: string; startedAt: Date };
  /** Looks left before the current stage moves on. */
  pollsLeft: number;
}

/** A ROLLING service's deployment as a service deployment: its status follows the deployment. */
interface RollingServiceDeployment {
  arn: string;
  service: FakeServiceState;
  deployment: Deployment;
  revisionArn: string;
  /** The circuit breaker's deployment of the previous task definition, when this one failed. */
  rollback?: Deployment;
}

const TERMINAL = new Set<ServiceDeploymentStatus>(["SUCCESSFUL", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED", "STOPPED"]);

/** Whether a service runs ECS's blue/green strategy. */
export function isBlueGreen(service: FakeServiceState): boolean {
  return service.deploymentConfiguration?.strategy === "BLUE_GREEN";
}

export class FakeServiceDeployments {
  /** Every service deployment of a BLUE_GREEN service, by ARN, oldest first. */
  readonly all = new Map<string, FakeServiceDeployment>();
  /** Every service deployment of a ROLLING service, by ARN, oldest first. */
  private readonly rolling = new Map<string, RollingServiceDeployment>();
  /**
   * The clock stamps and timeouts read; the world's by default (each reading a second on). The
   * timed layer sets its virtual clock.
   */
  clock: (() => Date) | undefined;

  constructor(
    private readonly world: World,
    private readonly tasks: ServiceTasks,
    private readonly elb: () => FakeElbV2,
    private readonly timing: { stagePolls: number },
  ) {}

  install(mock: AnyStub): void {
    const w = this.world;
    w.on("ecs", mock, ListServiceDeploymentsCommand, (input: ListServiceDeploymentsCommandInput) => this.list(input));
    w.on("ecs", mock, DescribeServiceDeploymentsCommand, (input: DescribeServiceDeploymentsCommandInput) => this.describe(input));
    w.on("ecs", mock, ContinueServiceDeploymentCommand, (input: ContinueServiceDeploymentCommandInput) => this.continue(input));
  }

  private stamp(): Date {
    return this.clock?.() ?? this.world.now();
  }

  private peek(): number {
    return (this.clock?.() ?? this.world.peek()).getTime();
  }

  /** The service's deployment in progress, if any. */
  current(service: FakeServiceState): FakeServiceDeployment | undefined {
    return [...this.all.values()].reverse().find((d) => d.service === service && !TERMINAL.has(d.status));
  }

  /** The target group a BLUE_GREEN service serves from: the green one of its last successful deployment, else its primary. */
  servingTargetGroup(service: FakeServiceState): string | undefined {
    const last = this.of(service).find((d) => d.status === "SUCCESSFUL");
    return last?.greenTargetGroup ?? service.loadBalancers?.find((l) => l.advancedConfiguration?.alternateTargetGroupArn)?.targetGroupArn;
  }

  /** The service's deployments, newest first. */
  of(service: FakeServiceState): FakeServiceDeployment[] {
    return [...this.all.values()].filter((d) => d.service === service).reverse();
  }

  isDone(d: FakeServiceDeployment): boolean {
    return TERMINAL.has(d.status);
  }

  /**
   * Starts a service deployment of the service's task definition: a deployment in progress is
   * stopped (its green tasks too), and green tasks launch in the target group the production rule
   * does not serve.
   */
  start(service: FakeServiceState, input: { deploymentId: string; sourceTaskDefinition: string | undefined }): FakeServiceDeployment {
    const lb = service.loadBalancers?.find((l) => l.advancedConfiguration?.alternateTargetGroupArn);
    const ruleArn = lb?.advancedConfiguration?.productionListenerRule ?? "";
    const primary = lb?.targetGroupArn ?? "";
    const alternate = lb?.advancedConfiguration?.alternateTargetGroupArn ?? "";
    if (!lb || !ruleArn) throw awsError("ecs", "InvalidParameterException", `Service ${service.serviceName}: a BLUE_GREEN deployment needs a load balancer with advancedConfiguration (alternateTargetGroupArn, productionListenerRule).`);
    const running = this.current(service);
    if (running) this.stop(running, `Service deployment stopped: a new service deployment ${input.deploymentId} started.`);
    const weights = this.elb().forwardOf(ruleArn) ?? [];
    const weightOf = (arn: string) => weights.find((t) => t.targetGroupArn === arn)?.weight ?? 0;
    // Blue is what the rule serves; a rule that serves neither (a sleeping preview's) leaves blue where the service last served.
    const blueTargetGroup = weightOf(alternate) > weightOf(primary) ? alternate : weightOf(primary) > weightOf(alternate) ? primary : (this.servingTargetGroup(service) ?? primary);
    const greenTargetGroup = blueTargetGroup === primary ? alternate : primary;
    const now = this.stamp();
    const id = this.world.hex(22);
    const cluster = clusterName(service.clusterArn);
    const sourceRevisionArn = this.of(service).find((x) => x.status === "SUCCESSFUL")?.revisionArn;
    const d: FakeServiceDeployment = {
      arn: this.world.arn("ecs", `service-deployment/${cluster}/${service.serviceName}/${id}`),
      revisionArn: this.world.arn("ecs", `service-revision/${cluster}/${service.serviceName}/${BigInt("0x" + this.world.hex(15)).toString().slice(0, 19)}`),
      ...(sourceRevisionArn === undefined ? {} : { sourceRevisionArn }),
      service,
      deploymentId: input.deploymentId,
      status: "IN_PROGRESS",
      stage: "SCALE_UP",
      ...(input.sourceTaskDefinition === undefined ? {} : { sourceTaskDefinition: input.sourceTaskDefinition }),
      targetTaskDefinition: service.taskDefinition ?? "",
      deploymentConfiguration: structuredClone(service.deploymentConfiguration ?? {}),
      ruleArn,
      blueTargetGroup,
      greenTargetGroup,
      blueTasks: this.tasks.runningTasks(service),
      greenTasks: [],
      createdAt: now,
      updatedAt: now,
      pollsLeft: this.timing.stagePolls,
    };
    d.greenTasks = this.tasks.startTasks(service, { taskDefinition: d.targetTaskDefinition, count: service.desiredCount ?? 0, targetGroupArn: greenTargetGroup, startedBy: input.deploymentId });
    this.all.set(d.arn, d);
    this.tasks.event(service, `(service ${service.serviceName}) has started ${d.greenTasks.length} tasks in target group ${greenTargetGroup.split("/").at(-2)} (service deployment ${id}).`);
    return d;
  }

  /** The service is deleted: a deployment in progress stops with it. */
  serviceDeleted(service: FakeServiceState): void {
    const running = this.current(service);
    if (running) this.stop(running, "Service deployment stopped: the service was deleted.");
  }

  /** Records a ROLLING service's new deployment as a service deployment. */
  recordRolling(service: FakeServiceState, deployment: Deployment): void {
    const cluster = clusterName(service.clusterArn);
    const arn = this.world.arn("ecs", `service-deployment/${cluster}/${service.serviceName}/${this.world.hex(22)}`);
    const revisionArn = this.world.arn("ecs", `service-revision/${cluster}/${service.serviceName}/${BigInt("0x" + this.world.hex(15)).toString().slice(0, 19)}`);
    this.rolling.set(arn, { arn, service, deployment, revisionArn });
  }

  /** The circuit breaker rolls a failed rolling deployment back: the same service deployment, rolling back. */
  recordRollback(failed: Deployment, back: Deployment): void {
    const record = [...this.rolling.values()].find((r) => r.deployment === failed);
    if (record) record.rollback = back;
  }

  /**
   * A rolling deployment's status: as its rollout stands while the service shows it (a failed one
   * rolls back with the circuit breaker's deployment); one that left the service unfinished was
   * superseded (STOPPED).
   */
  private rollingStatus(r: RollingServiceDeployment): ServiceDeploymentStatus {
    const shown = r.service.deployments.includes(r.deployment as never);
    if (r.deployment.rolloutState === "COMPLETED") return "SUCCESSFUL";
    if (r.deployment.rolloutState === "FAILED") {
      if (!r.rollback) return "ROLLBACK_FAILED";
      return r.rollback.rolloutState === "COMPLETED" ? "ROLLBACK_SUCCESSFUL" : "ROLLBACK_IN_PROGRESS";
    }
    return shown ? "IN_PROGRESS" : "STOPPED";
  }

  private rollingJson(r: RollingServiceDeployment): ServiceDeployment {
    const status = this.rollingStatus(r);
    return structuredClone({
      serviceDeploymentArn: r.arn,
      serviceArn: r.service.serviceArn,
      clusterArn: r.service.clusterArn,
      createdAt: r.deployment.createdAt,
      startedAt: r.deployment.createdAt,
      updatedAt: r.deployment.updatedAt,
      ...(status === "IN_PROGRESS" ? {} : { finishedAt: r.deployment.updatedAt }),
      targetServiceRevision: { arn: r.revisionArn, requestedTaskCount: r.deployment.desiredCount, runningTaskCount: r.deployment.runningCount, pendingTaskCount: r.deployment.pendingCount },
      status,
      ...(r.deployment.rolloutStateReason ? { statusReason: r.deployment.rolloutStateReason } : {}),
      deploymentConfiguration: r.service.deploymentConfiguration ?? {},
    });
  }

  /** One look at a deployment: its stage moves on once its looks are spent; a hook past its expiry times out. */
  look(d: FakeServiceDeployment): void {
    if (this.isDone(d)) return;
    if (this.expired(d)) {
      this.timeOut(d);
      return;
    }
    if (d.stage === "POST_SCALE_UP" && d.hook?.status === "AWAITING_ACTION") return;
    if (--d.pollsLeft > 0) return;
    this.next(d);
  }

  /** Whether the deployment waits at its PAUSE hook past the hook's expiry. */
  expired(d: FakeServiceDeployment): boolean {
    return d.hook?.status === "AWAITING_ACTION" && d.hook.expiresAt !== undefined && this.peek() >= d.hook.expiresAt.getTime();
  }

  /** The hook's timeout: its action, as ECS takes it when nobody answered in time. */
  timeOut(d: FakeServiceDeployment): void {
    if (!d.hook) return;
    d.hook.status = "TIMED_OUT";
    if (d.hook.timeoutAction === "CONTINUE") this.shift(d);
    else this.rollBack(d, "Service deployment rolled back because the lifecycle hook timed out.");
  }

  /** Moves the deployment to its next stage (a PAUSE hook waits for ContinueServiceDeployment instead). */
  next(d: FakeServiceDeployment): void {
    if (this.isDone(d)) return;
    d.pollsLeft = this.timing.stagePolls;
    switch (d.stage) {
      case "SCALE_UP": {
        const pause = d.deploymentConfiguration.lifecycleHooks?.find((h) => h.targetType === "PAUSE" && h.lifecycleStages?.includes("POST_SCALE_UP"));
        d.stage = "POST_SCALE_UP";
        d.updatedAt = this.stamp();
        if (!pause) {
          this.shift(d);
          return;
        }
        const minutes = pause.timeoutConfiguration?.timeoutInMinutes ?? 60;
        d.hook = {
          hookId: `ecs-pause-${this.world.hex(43)}`,
          targetType: "PAUSE",
          status: "AWAITING_ACTION",
          expiresAt: new Date(d.updatedAt.getTime() + minutes * 60_000),
          timeoutAction: pause.timeoutConfiguration?.action ?? "ROLLBACK",
        };
        return;
      }
      case "PRODUCTION_TRAFFIC_SHIFT":
        // BakeTimeInMinutes 0: the bake time is over as it starts.
        d.stage = (d.deploymentConfiguration.bakeTimeInMinutes ?? 0) > 0 ? "BAKE_TIME" : "CLEAN_UP";
        d.updatedAt = this.stamp();
        return;
      case "BAKE_TIME":
        d.stage = "CLEAN_UP";
        d.updatedAt = this.stamp();
        return;
      case "CLEAN_UP":
        this.tasks.stopTasks(d.blueTasks, `Scaling activity initiated by (service deployment ${d.arn.split("/").at(-1)}): blue tasks cleaned up`);
        this.finish(d, "SUCCESSFUL", "Service deployment completed successfully.");
        return;
      default:
        return;
    }
  }

  /** The production listener rule's weights move to green at once (ECS's ModifyRule). */
  private shift(d: FakeServiceDeployment): void {
    if (d.hook?.status === "AWAITING_ACTION") d.hook.status = "SUCCEEDED";
    this.elb().setWeights(d.ruleArn, { [d.greenTargetGroup]: 100, [d.blueTargetGroup]: 0 });
    d.stage = "PRODUCTION_TRAFFIC_SHIFT";
    // The shift is done at once; the next look still sees its stage, the one after moves on.
    d.pollsLeft = 2;
    d.updatedAt = this.stamp();
  }

  private rollBack(d: FakeServiceDeployment, reason: string): void {
    d.rollback = { reason, startedAt: this.stamp() };
    this.tasks.stopTasks(d.greenTasks, `Scaling activity initiated by (service deployment ${d.arn.split("/").at(-1)}): rolled back`);
    if (d.sourceTaskDefinition !== undefined) d.service.taskDefinition = d.sourceTaskDefinition;
    this.finish(d, "ROLLBACK_SUCCESSFUL", reason);
  }

  private stop(d: FakeServiceDeployment, reason: string): void {
    this.tasks.stopTasks(d.greenTasks, reason);
    this.finish(d, "STOPPED", reason);
  }

  private finish(d: FakeServiceDeployment, status: ServiceDeploymentStatus, reason: string): void {
    d.status = status;
    d.statusReason = reason;
    d.finishedAt = this.stamp();
    d.updatedAt = d.finishedAt;
    this.tasks.event(d.service, `(service ${d.service.serviceName}) (service deployment ${d.arn.split("/").at(-1)}) ${status === "SUCCESSFUL" ? "deployment completed" : `deployment ended ${status}: ${reason}`}.`);
  }

  private find(arn: string | undefined): FakeServiceDeployment {
    const d = this.all.get(arn ?? "");
    if (!d) throw awsError("ecs", "ServiceDeploymentNotFoundException", `The service deployment ${arn} does not exist.`);
    return d;
  }

  /**
   * ContinueServiceDeployment: CONTINUE (the default) moves on from the PAUSE hook to the
   * production traffic shift; ROLLBACK rolls back. Refused unless the hook awaits action.
   */
  private continue(input: ContinueServiceDeploymentCommandInput) {
    const d = this.find(input.serviceDeploymentArn);
    if (!input.hookId) throw awsError("ecs", "InvalidParameterException", "hookId must be specified.");
    if (this.expired(d)) this.timeOut(d);
    if (d.hook?.hookId !== input.hookId) {
      throw awsError("ecs", "InvalidParameterException", `The lifecycle hook ${input.hookId} is not a hook of service deployment ${d.arn}.`);
    }
    if (this.isDone(d)) {
      throw awsError("ecs", "InvalidParameterException", `The service deployment ${d.arn} is in ${d.status} status; its lifecycle hook ${input.hookId} can no longer be continued.`);
    }
    if (d.hook.status !== "AWAITING_ACTION") {
      throw awsError("ecs", "InvalidParameterException", `The lifecycle hook ${input.hookId} is in ${d.hook.status} status, not AWAITING_ACTION; only a paused hook can be continued.`);
    }
    if (input.action === "ROLLBACK") {
      d.hook.status = "SUCCEEDED";
      this.rollBack(d, "Service deployment rolled back by ContinueServiceDeployment with action ROLLBACK.");
    } else this.shift(d);
    return { serviceDeploymentArn: d.arn };
  }

  private describe(input: DescribeServiceDeploymentsCommandInput) {
    const arns = input.serviceDeploymentArns ?? [];
    if (arns.length === 0 || arns.length > 20) throw awsError("ecs", "InvalidParameterException", "serviceDeploymentArns must contain between 1 and 20 items.");
    const serviceDeployments: ServiceDeployment[] = [];
    const failures: Array<{ arn: string; reason: string }> = [];
    for (const arn of arns) {
      const d = this.all.get(arn);
      const rolling = this.rolling.get(arn);
      if (rolling) {
        serviceDeployments.push(this.rollingJson(rolling));
        continue;
      }
      if (!d) {
        failures.push({ arn, reason: "MISSING" });
        continue;
      }
      this.look(d);
      serviceDeployments.push(this.json(d));
    }
    return { serviceDeployments, failures };
  }

  /** ListServiceDeployments: the service's deployments, newest first, optionally of some statuses. */
  private list(input: ListServiceDeploymentsCommandInput) {
    const service = this.tasks.findService(input.cluster, input.service ?? "");
    if (!service) throw awsError("ecs", "ServiceNotFoundException", "Service not found.");
    // A brief listing moves no stage on, but shows a hook that timed out as ECS acted on it.
    for (const d of this.of(service)) if (this.expired(d)) this.timeOut(d);
    const rolling = [...this.rolling.values()].filter((r) => r.service === service).reverse().map((r) => this.rollingJson(r));
    const all = [...this.of(service).map((d) => this.json(d)), ...rolling];
    const matching = all.filter((d) => !input.status || input.status.includes(d.status!));
    const size = input.maxResults ?? 20;
    const start = Number(input.nextToken ?? 0);
    const serviceDeployments: ServiceDeploymentBrief[] = matching.slice(start, start + size).map((d) => ({
      serviceDeploymentArn: d.serviceDeploymentArn,
      serviceArn: d.serviceArn,
      clusterArn: d.clusterArn,
      createdAt: d.createdAt,
      startedAt: d.startedAt,
      ...(d.finishedAt ? { finishedAt: d.finishedAt } : {}),
      targetServiceRevisionArn: d.targetServiceRevision?.arn,
      status: d.status,
      ...(d.statusReason ? { statusReason: d.statusReason } : {}),
    }));
    return { serviceDeployments: structuredClone(serviceDeployments), ...(start + size < matching.length ? { nextToken: String(start + size) } : {}) };
  }

  private json(d: FakeServiceDeployment): ServiceDeployment {
    const running = (arns: string[]) => arns.filter((arn) => this.tasks.runningTasks(d.service).includes(arn)).length;
    return structuredClone({
      serviceDeploymentArn: d.arn,
      serviceArn: d.service.serviceArn,
      clusterArn: d.service.clusterArn,
      createdAt: d.createdAt,
      startedAt: d.createdAt,
      updatedAt: d.updatedAt,
      ...(d.finishedAt ? { finishedAt: d.finishedAt } : {}),
      ...(d.status === "STOPPED" && d.finishedAt ? { stoppedAt: d.finishedAt } : {}),
      ...(d.sourceRevisionArn === undefined ? {} : { sourceServiceRevisions: [{ arn: d.sourceRevisionArn, requestedTaskCount: d.blueTasks.length, runningTaskCount: running(d.blueTasks), pendingTaskCount: 0 }] }),
      targetServiceRevision: { arn: d.revisionArn, requestedTaskCount: d.greenTasks.length, runningTaskCount: running(d.greenTasks), pendingTaskCount: 0 },
      status: d.status,
      ...(d.statusReason ? { statusReason: d.statusReason } : {}),
      lifecycleStage: d.stage,
      ...(d.hook ? { lifecycleHookDetails: [d.hook] } : {}),
      deploymentConfiguration: d.deploymentConfiguration,
      ...(d.rollback ? { rollback: d.rollback } : {}),
    });
  }
}

function clusterName(cluster: string | undefined): string {
  return (cluster ?? "default").split("/").at(-1) ?? "default";
}
