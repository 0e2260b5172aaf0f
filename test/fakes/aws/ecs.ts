/**
 * Fake ECS, its services: deployments that roll over successive DescribeServices calls
 * (COMPLETED, or FAILED with a circuit-breaker rollback when scripted), scaling, and the tasks a
 * service runs. It builds on the task definitions and one-off tasks of ecs-tasks.ts (RunTask,
 * DescribeTasks, StopTask and the task definition calls), whose table holds the services' tasks too.
 *
 * A BLUE_GREEN service's deployments are service deployments (ecs-service-deployments.ts): its
 * tasks keep the target group they were registered in, and its `deployments[]` follow them.
 */
import {
  DescribeServicesCommand,
  ListTasksCommand,
  UpdateServiceCommand,
  type Deployment,
  type DescribeServicesCommandInput,
  type ListTasksCommandInput,
  type Service,
  type Task,
  type UpdateServiceCommandInput,
} from "@aws-sdk/client-ecs";
import type { FakeElbV2 } from "./elbv2.js";
import { FakeServiceDeployments, isBlueGreen } from "./ecs-service-deployments.js";
import { clusterName, FakeEcsTasks, takeScript, type EcsTiming, type FakeTask } from "./ecs-tasks.js";
import type { FakeLogs } from "./logs.js";
import { awsError, type AnyStub, type World } from "./world.js";

/** How the next deployment of a matching service ends. */
export interface RolloutScript {
  /** Matches services whose name contains this; every service when absent. */
  service?: string;
  /** The circuit breaker stops the deployment with this reason, e.g. `tasks failed to start`. */
  fail: string;
  /**
   * ECS could not place the deployment's tasks, for this reason (e.g. `Capacity is unavailable at
   * this time. ...`): the service's events say `(service x) was unable to place a task. Reason: …`.
   */
  placement?: string;
  /** How the deployment's tasks stopped before the circuit breaker gave up (see failServiceTasks). */
  tasks?: ServiceTaskFailure;
  times?: number;
}

/**
 * How a service's task stops on its own, as DescribeTasks then shows it: the task's `stopCode` and
 * `stoppedReason`, the workload container's `exitCode` and `reason`, and what it logged.
 */
export interface ServiceTaskFailure {
  /** Default `EssentialContainerExited`. */
  stopCode?: Task["stopCode"];
  /** Default `Essential container in task exited`. */
  stoppedReason?: string;
  /** The essential container's exit code; absent when it never started. */
  exitCode?: number;
  /** The essential container's reason, e.g. `OutOfMemoryError: Container killed due to memory usage`. */
  reason?: string;
  /** Lines it wrote to its log stream before it stopped. */
  logLines?: string[];
}

export interface FakeServiceState extends Service {
  serviceArn: string;
  serviceName: string;
  deployments: FakeDeployment[];
}

interface FakeDeployment extends Deployment {
  id: string;
  /** DescribeServices calls left before this deployment settles. */
  pollsLeft: number;
  failWith?: string;
  placementFailure?: string;
  taskFailure?: ServiceTaskFailure;
  /** The ARN of the service deployment that drives it (BLUE_GREEN services). */
  serviceDeploymentArn?: string;
}

export class FakeEcs extends FakeEcsTasks {
  readonly services = new Map<string, FakeServiceState>();
  private readonly rolloutScripts: RolloutScript[] = [];
  /** The service deployments of BLUE_GREEN services. */
  readonly serviceDeployments: FakeServiceDeployments;

  constructor(world: World, logs: FakeLogs, timing: EcsTiming, elb: () => FakeElbV2) {
    super(world, logs, timing);
    this.serviceDeployments = new FakeServiceDeployments(world, {
      startTasks: (service, input) => {
        const started: string[] = [];
        for (let i = 0; i < input.count; i++) started.push(this.startServiceTask(service, input).taskArn);
        return started;
      },
      runningTasks: (service) => [...this.tasks.values()].filter((t) => t.service === service.serviceArn && t.lastStatus === "RUNNING").map((t) => t.taskArn),
      stopTasks: (arns, reason) => {
        for (const arn of arns) {
          const task = this.tasks.get(arn);
          if (task && task.lastStatus !== "STOPPED") this.stop(task, { stopCode: "ServiceSchedulerInitiated", reason });
        }
      },
      event: (service, message) => this.event(service, message),
      findService: (cluster, ref) => this.findService(cluster, ref),
    }, elb, { stagePolls: timing.rolloutPolls });
  }

  override install(mock: AnyStub): void {
    const w = this.world;
    this.serviceDeployments.install(mock);
    super.install(mock);
    w.on("ecs", mock, ListTasksCommand, (input: ListTasksCommandInput) => this.listTasks(input));
    w.on("ecs", mock, DescribeServicesCommand, (input: DescribeServicesCommandInput) => this.describeServices(input));
    w.on("ecs", mock, UpdateServiceCommand, (input: UpdateServiceCommandInput) => this.updateService(input));
  }

  scriptRollout(script: RolloutScript): void {
    this.rolloutScripts.push(script);
  }

  /**
   * What ECS does when a service's task is retired (Fargate platform maintenance) or crashes:
   * stops the running task of each service whose name contains `service` and starts a new one
   * with fresh task storage, without a new deployment. Returns the new task ids.
   */
  replaceServiceTask(service: string, how: { stopCode?: Task["stopCode"]; reason?: string } = {}): string[] {
    const started: string[] = [];
    for (const s of this.services.values()) {
      if (!s.serviceName.includes(service)) continue;
      const running = [...this.tasks.values()].filter((t) => t.service === s.serviceArn && t.lastStatus === "RUNNING");
      for (const task of running) {
        this.stop(task, { stopCode: how.stopCode ?? "ServiceSchedulerInitiated", reason: how.reason ?? "Task is being retired: AWS Fargate platform maintenance" });
        started.push(this.startServiceTask(s).taskArn.split("/").at(-1)!);
      }
    }
    if (started.length === 0) throw new Error(`aws fake: no running task of a service named like ${service}`);
    return started;
  }

  /**
   * What ECS shows when a service's tasks stop on their own (the app crashed, ran out of memory,
   * failed its load balancer health checks): the running tasks of each service whose name contains
   * `service` stop as `how` says, and the scheduler starts new ones. Returns the stopped task ids.
   */
  failServiceTasks(service: string, how: ServiceTaskFailure): string[] {
    const stopped: string[] = [];
    for (const s of this.services.values()) if (s.serviceName.includes(service)) stopped.push(...this.failTasksOf(s, how));
    if (stopped.length === 0) throw new Error(`aws fake: no running task of a service named like ${service}`);
    return stopped;
  }

  private failTasksOf(service: FakeServiceState, how: ServiceTaskFailure): string[] {
    const running = [...this.tasks.values()].filter((t) => t.service === service.serviceArn && t.lastStatus === "RUNNING");
    for (const task of running) {
      const definitions = this.findTaskDefinition(task.taskDefinitionArn ?? "")?.containerDefinitions ?? [];
      const workload = definitions.filter((c) => c.essential !== false).at(-1);
      Object.assign(task, {
        lastStatus: "STOPPED",
        desiredStatus: "STOPPED",
        stopCode: how.stopCode ?? "EssentialContainerExited",
        stoppedReason: how.stoppedReason ?? "Essential container in task exited",
        stoppingAt: this.world.now(),
        stoppedAt: this.world.now(),
      });
      for (const c of task.containers ?? []) {
        if (c.lastStatus === "STOPPED") continue;
        c.lastStatus = "STOPPED";
        if (c.name !== workload?.name) continue;
        if (how.exitCode !== undefined) c.exitCode = how.exitCode;
        if (how.reason !== undefined) c.reason = how.reason;
      }
      const options = workload?.logConfiguration?.options ?? {};
      const group = options["awslogs-group"];
      const prefix = options["awslogs-stream-prefix"];
      if (group && prefix && workload?.name && how.logLines?.length) this.logs.put(group, `${prefix}/${workload.name}/${task.taskArn.split("/").at(-1)}`, how.logLines);
    }
    for (const _ of running) this.startServiceTask(service);
    return running.map((t) => t.taskArn.split("/").at(-1)!);
  }

  /**
   * Creates the service, or updates it and starts a deployment when its task definition or count
   * changed (or always, with `redeploy`: CloudFormation's rollback of a BLUE_GREEN service deploys
   * the previous task definition again).
   */
  upsertService(input: {
    arn: string;
    name: string;
    cluster: string;
    taskDefinition: string;
    desiredCount: number;
    loadBalancers: Service["loadBalancers"];
    deploymentConfiguration?: Service["deploymentConfiguration"];
    redeploy?: boolean;
  }): FakeServiceState {
    const existing = this.services.get(input.arn);
    const deploymentConfiguration = { minimumHealthyPercent: 100, maximumPercent: 200, deploymentCircuitBreaker: { enable: true, rollback: true }, ...input.deploymentConfiguration };
    if (existing) {
      const newDefinition = input.redeploy === true || existing.taskDefinition !== input.taskDefinition;
      const scaled = existing.desiredCount !== input.desiredCount;
      Object.assign(existing, { taskDefinition: input.taskDefinition, desiredCount: input.desiredCount, loadBalancers: input.loadBalancers, deploymentConfiguration });
      if (newDefinition || scaled) this.deployOrScale(existing, newDefinition);
      return existing;
    }
    const service: FakeServiceState = {
      serviceArn: input.arn,
      serviceName: input.name,
      clusterArn: this.world.arn("ecs", `cluster/${input.cluster}`),
      status: "ACTIVE",
      taskDefinition: input.taskDefinition,
      desiredCount: input.desiredCount,
      runningCount: 0,
      pendingCount: 0,
      launchType: "FARGATE",
      loadBalancers: input.loadBalancers,
      deployments: [],
      events: [],
      createdAt: this.world.now(),
      deploymentConfiguration,
    };
    this.services.set(input.arn, service);
    this.deploy(service);
    return service;
  }

  removeService(arn: string): void {
    const service = this.services.get(arn);
    if (service) this.serviceDeployments.serviceDeleted(service);
    this.services.delete(arn);
    for (const task of this.tasks.values()) if (task.service === arn && task.lastStatus !== "STOPPED") this.stop(task, { stopCode: "ServiceSchedulerInitiated", reason: "Service deleted" });
  }

  /**
   * Whether some running service sends traffic to the target group, and on which port: a
   * BLUE_GREEN service's tasks one target each, in the group each was registered in.
   */
  targetsOf(targetGroupArn: string): Array<{ service: string; port: number }> {
    const out: Array<{ service: string; port: number }> = [];
    for (const s of this.services.values()) {
      for (const lb of s.loadBalancers ?? []) {
        if (isBlueGreen(s)) {
          const inGroup = lb.targetGroupArn === targetGroupArn || lb.advancedConfiguration?.alternateTargetGroupArn === targetGroupArn;
          const registered = [...this.tasks.values()].filter((t) => t.service === s.serviceArn && t.lastStatus === "RUNNING" && t.targetGroupArn === targetGroupArn);
          if (inGroup) for (const _ of registered) out.push({ service: s.serviceName, port: lb.containerPort ?? 80 });
          continue;
        }
        if (lb.targetGroupArn === targetGroupArn && (s.desiredCount ?? 0) > 0) out.push({ service: s.serviceName, port: lb.containerPort ?? 80 });
      }
    }
    return out;
  }

  /**
   * A new task definition (or a forced deployment) deploys; a new desired count alone deploys a
   * ROLLING service too (the fake replaces its tasks), but scales a BLUE_GREEN one in place: ECS
   * starts or stops tasks in the target group it serves from, without a service deployment.
   */
  private deployOrScale(service: FakeServiceState, newDefinition: boolean): void {
    if (newDefinition || !isBlueGreen(service)) {
      this.deploy(service);
      return;
    }
    const running = [...this.tasks.values()].filter((t) => t.service === service.serviceArn && t.lastStatus === "RUNNING");
    const desired = service.desiredCount ?? 0;
    for (const task of running.slice(desired)) this.stop(task, { stopCode: "ServiceSchedulerInitiated", reason: "Scaling activity initiated by (service scale-in)" });
    const targetGroupArn = this.serviceDeployments.servingTargetGroup(service);
    for (let i = running.length; i < desired; i++) this.startServiceTask(service, { ...(targetGroupArn ? { targetGroupArn } : {}) });
    const primary = service.deployments.find((d) => d.status === "PRIMARY");
    if (primary) Object.assign(primary, { desiredCount: desired, runningCount: desired, pendingCount: 0, updatedAt: this.world.now() });
    service.runningCount = desired;
    this.event(service, `(service ${service.serviceName}) has ${desired > running.length ? "started" : "stopped"} ${Math.abs(desired - running.length)} tasks.`);
  }

  private deploy(service: FakeServiceState, taskDefinition = service.taskDefinition, rollback = false): FakeDeployment {
    const now = this.world.now();
    const source = service.deployments.find((d) => d.status === "PRIMARY")?.taskDefinition;
    for (const d of service.deployments) if (d.status === "PRIMARY") d.status = "ACTIVE";
    const script = rollback ? undefined : takeScript(this.rolloutScripts, (s) => !s.service || service.serviceName.includes(s.service));
    const deployment: FakeDeployment = {
      id: `ecs-svc/${BigInt("0x" + this.world.hex(15)).toString().slice(0, 19)}`,
      status: "PRIMARY",
      taskDefinition,
      desiredCount: service.desiredCount,
      runningCount: 0,
      pendingCount: service.desiredCount,
      failedTasks: 0,
      rolloutState: "IN_PROGRESS",
      rolloutStateReason: "ECS deployment in progress.",
      createdAt: now,
      updatedAt: now,
      launchType: "FARGATE",
      pollsLeft: this.timing.rolloutPolls,
      failWith: script?.fail,
      ...(script?.placement === undefined ? {} : { placementFailure: script.placement }),
      ...(script?.tasks === undefined ? {} : { taskFailure: script.tasks }),
    };
    service.deployments.unshift(deployment);
    service.taskDefinition = taskDefinition;
    if (isBlueGreen(service)) {
      // Blue keeps serving while green launches beside it (the service deployment decides when blue stops).
      deployment.serviceDeploymentArn = this.serviceDeployments.start(service, { deploymentId: deployment.id, sourceTaskDefinition: source }).arn;
      return deployment;
    }
    if (!rollback) this.serviceDeployments.recordRolling(service, deployment);
    // The fake replaces a service's tasks at once (ECS does so over the rollout): new tasks, new storage.
    for (const task of this.tasks.values()) {
      if (task.service === service.serviceArn && task.lastStatus !== "STOPPED") this.stop(task, { stopCode: "ServiceSchedulerInitiated", reason: "Scaling activity initiated by (deployment " + deployment.id + ")" });
    }
    for (let i = 0; i < (service.desiredCount ?? 0); i++) this.startServiceTask(service);
    return deployment;
  }

  private startServiceTask(service: FakeServiceState, placed: { taskDefinition?: string; targetGroupArn?: string; startedBy?: string } = {}): FakeTask {
    const cluster = clusterName(service.clusterArn);
    const taskArn = this.world.arn("ecs", `task/${cluster}/${this.world.hex(32)}`);
    const taskDefinition = placed.taskDefinition ?? service.taskDefinition;
    const task: FakeTask = {
      taskArn,
      clusterArn: service.clusterArn,
      taskDefinitionArn: taskDefinition,
      group: `service:${service.serviceName}`,
      startedBy: placed.startedBy ?? service.deployments[0]?.id,
      lastStatus: "RUNNING",
      desiredStatus: "RUNNING",
      launchType: "FARGATE",
      createdAt: this.world.now(),
      startedAt: this.world.now(),
      containers: (this.findTaskDefinition(taskDefinition ?? "")?.containerDefinitions ?? []).map((c) => ({
        name: c.name,
        image: c.image,
        lastStatus: c.essential === false ? "STOPPED" : "RUNNING",
        // Init containers (essential: false) have run and exited 0 by the time the workload runs.
        ...(c.essential === false ? { exitCode: 0 } : {}),
        taskArn,
      })),
      step: 0,
      script: undefined,
      container: "",
      chain: [],
      service: service.serviceArn,
      ...(placed.targetGroupArn === undefined ? {} : { targetGroupArn: placed.targetGroupArn }),
    };
    this.tasks.set(taskArn, task);
    return task;
  }

  private listTasks(input: ListTasksCommandInput) {
    const cluster = clusterName(input.cluster);
    const wanted = input.desiredStatus ?? "RUNNING";
    const service = input.serviceName === undefined ? undefined : this.findService(input.cluster, input.serviceName);
    if (input.serviceName !== undefined && !service) throw awsError("ecs", "ServiceNotFoundException", "Service not found.");
    const taskArns = [...this.tasks.values()]
      .filter((t) => clusterName(t.clusterArn) === cluster && t.desiredStatus === wanted && (!service || t.service === service.serviceArn))
      // `family` is a task definition family's full name, as ECS documents; `startedBy` an exact value.
      .filter((t) => input.family === undefined || familyOf(t.taskDefinitionArn) === input.family)
      .filter((t) => input.startedBy === undefined || t.startedBy === input.startedBy)
      .filter((t) => this.visible(t))
      .map((t) => t.taskArn);
    return { taskArns };
  }

  /** One DescribeServices look at a service: its PRIMARY deployment moves one step. */
  private advance(service: FakeServiceState): void {
    const primary = service.deployments.find((d) => d.status === "PRIMARY");
    if (!primary || primary.rolloutState !== "IN_PROGRESS") return;
    if (primary.serviceDeploymentArn !== undefined) {
      this.followServiceDeployment(service, primary);
      return;
    }
    if (--primary.pollsLeft > 0) return;
    const name = service.serviceName;
    if (primary.failWith) {
      const reason = `ECS deployment circuit breaker: ${primary.failWith}.`;
      if (primary.placementFailure) this.event(service, `(service ${name}) was unable to place a task. Reason: ${primary.placementFailure}`);
      if (primary.taskFailure) this.failTasksOf(service, primary.taskFailure);
      Object.assign(primary, { rolloutState: "FAILED", rolloutStateReason: reason, failedTasks: 3, runningCount: 0, pendingCount: 0 });
      this.event(service, `(service ${name}) (deployment ${primary.id}) deployment failed: ${primary.failWith}.`);
      const previous = service.deployments.find((d) => d !== primary && d.status === "ACTIVE");
      if (previous) {
        // The circuit breaker rolls back with a fresh deployment of the previous task definition.
        service.deployments = service.deployments.filter((d) => d !== previous);
        const back = this.deploy(service, previous.taskDefinition, true);
        this.serviceDeployments.recordRollback(primary, back);
        this.event(service, `(service ${name}) rolling back to deployment ${back.id}.`);
      }
      return;
    }
    Object.assign(primary, {
      rolloutState: "COMPLETED",
      rolloutStateReason: "ECS deployment completed.",
      runningCount: primary.desiredCount,
      pendingCount: 0,
      updatedAt: this.world.now(),
    });
    // Steady state: older deployments drained, failed ones included, so it "looks stable".
    service.deployments = [primary];
    service.runningCount = service.desiredCount;
    service.pendingCount = 0;
    this.event(service, `(service ${name}) (deployment ${primary.id}) deployment completed.`);
    this.event(service, `(service ${name}) has reached a steady state.`);
  }

  /**
   * A BLUE_GREEN service's PRIMARY deployment as its service deployment stands: COMPLETED once
   * SUCCESSFUL (the older deployments drained); FAILED when it rolled back or stopped, the previous
   * deployment PRIMARY again.
   */
  private followServiceDeployment(service: FakeServiceState, primary: FakeDeployment): void {
    const sd = this.serviceDeployments.all.get(primary.serviceDeploymentArn ?? "");
    if (!sd) return;
    this.serviceDeployments.look(sd);
    if (!this.serviceDeployments.isDone(sd)) return;
    this.settleDeployment(service, primary);
  }

  /** Brings `deployments[]` of a BLUE_GREEN service in line with its finished service deployment. */
  settleDeployment(service: FakeServiceState, primary: FakeDeployment): void {
    const sd = this.serviceDeployments.all.get(primary.serviceDeploymentArn ?? "");
    if (!sd || !this.serviceDeployments.isDone(sd) || primary.rolloutState !== "IN_PROGRESS") return;
    if (sd.status === "SUCCESSFUL") {
      Object.assign(primary, { rolloutState: "COMPLETED", rolloutStateReason: "ECS deployment completed.", runningCount: primary.desiredCount, pendingCount: 0, updatedAt: this.world.now() });
      service.deployments = [primary];
      service.runningCount = service.desiredCount;
      service.pendingCount = 0;
      this.event(service, `(service ${service.serviceName}) has reached a steady state.`);
      return;
    }
    Object.assign(primary, { status: "INACTIVE", rolloutState: "FAILED", rolloutStateReason: sd.statusReason, runningCount: 0, pendingCount: 0, updatedAt: this.world.now() });
    const previous = service.deployments.find((d) => d !== primary && d.status === "ACTIVE");
    service.deployments = previous ? [Object.assign(previous, { status: "PRIMARY" })] : [];
  }

  /** Adds an event to the services whose name contains `match`, as ECS's scheduler would (e.g. a placement failure). */
  addServiceEvent(match: string, message: string): void {
    for (const service of this.services.values()) if (service.serviceName.includes(match)) this.event(service, message.replace("{service}", service.serviceName));
  }

  private event(service: FakeServiceState, message: string): void {
    service.events?.unshift({ id: this.world.uuid(), createdAt: this.world.now(), message });
  }

  private describeServices(input: DescribeServicesCommandInput) {
    const services: Service[] = [];
    const failures: Array<{ arn: string; reason: string }> = [];
    for (const ref of input.services ?? []) {
      const service = this.findService(input.cluster, ref);
      if (!service) {
        failures.push({ arn: this.world.arn("ecs", `service/${clusterName(input.cluster)}/${ref}`), reason: "MISSING" });
        continue;
      }
      this.advance(service);
      services.push(publicService(service));
    }
    return { services, failures };
  }

  private updateService(input: UpdateServiceCommandInput) {
    const service = this.findService(input.cluster, input.service ?? "");
    if (!service) throw awsError("ecs", "ServiceNotFoundException", "Service not found.");
    if (input.taskDefinition) service.taskDefinition = this.findTaskDefinition(input.taskDefinition)?.taskDefinitionArn ?? input.taskDefinition;
    if (input.desiredCount !== undefined) service.desiredCount = input.desiredCount;
    if (input.forceNewDeployment || input.taskDefinition || input.desiredCount !== undefined) this.deployOrScale(service, input.forceNewDeployment === true || input.taskDefinition !== undefined);
    return { service: publicService(service) };
  }

  private findService(cluster: string | undefined, ref: string): FakeServiceState | undefined {
    const wanted = clusterName(cluster);
    for (const s of this.services.values()) {
      if ((s.serviceArn === ref || s.serviceName === ref) && clusterName(s.clusterArn) === wanted) return s;
    }
    return undefined;
  }

}

/** The family of a task definition ARN (`...:task-definition/<family>:<revision>`). */
function familyOf(taskDefinitionArn: string | undefined): string | undefined {
  return taskDefinitionArn?.split("/").at(-1)?.replace(/:\d+$/, "");
}

function publicService(s: FakeServiceState): Service {
  return structuredClone({ ...s, deployments: s.deployments.map(({ pollsLeft: _p, failWith: _f, placementFailure: _pf, ...d }) => d) });
}
