/**
 * Fake ECS: task definitions (registered by stacks or by RegisterTaskDefinition), services whose
 * deployments roll over successive DescribeServices calls (COMPLETED, or FAILED with a
 * circuit-breaker rollback when scripted), and one-off tasks that go PROVISIONING -> RUNNING ->
 * STOPPED with a scripted exit code per container.
 *
 * A task's workload containers (those RunTask overrides, else the essential ones) start in the
 * order their `dependsOn` gives and each runs for its script's polls. As ECS documents: a container
 * waiting on `SUCCESS` of one that exited non-zero never starts (the agent stops it with exit code
 * 143 and a `CannotStartContainerError: dependency graph` reason); the task stops when an essential
 * container stops; each container logs to its own stream `<prefix>/<container>/<task id>`.
 *
 * A BLUE_GREEN service's deployments are service deployments (ecs-service-deployments.ts): its
 * tasks keep the target group they were registered in, and its `deployments[]` follow them.
 */
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  DeleteTaskDefinitionsCommand,
  DeregisterTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  UpdateServiceCommand,
  type ContainerDefinition,
  type Deployment,
  type DescribeServicesCommandInput,
  type DescribeTaskDefinitionCommandInput,
  type DescribeTasksCommandInput,
  type DeleteTaskDefinitionsCommandInput,
  type DeregisterTaskDefinitionCommandInput,
  type ListTaskDefinitionsCommandInput,
  type RegisterTaskDefinitionCommandInput,
  type ListTasksCommandInput,
  type RunTaskCommandInput,
  type Service,
  type StopTaskCommandInput,
  type Task,
  type TaskDefinition,
  type UpdateServiceCommandInput,
} from "@aws-sdk/client-ecs";
import type { FakeElbV2 } from "./elbv2.js";
import { FakeServiceDeployments, isBlueGreen } from "./ecs-service-deployments.js";
import type { FakeLogs } from "./logs.js";
import { awsError, type AnyStub, type World } from "./world.js";

/** How a one-off task whose command matches ends. */
export interface TaskScript {
  /** Matches when the command (joined with spaces) contains this; any command when absent. */
  commandIncludes?: string;
  /** Matches only tasks run for this container. */
  container?: string;
  /** The container's exit code; default 0. */
  exitCode?: number;
  /** Lines the container writes to its CloudWatch log stream. */
  logLines?: string[];
  /** The container never starts (no exit code), e.g. `CannotPullContainerError: ...`. */
  failToStart?: string;
  /** DescribeTasks calls the task spends RUNNING; default from the fake's options. */
  runningPolls?: number;
  /** How many tasks the script applies to; default every matching one. */
  times?: number;
}

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

/** How long ECS keeps a stopped task visible to ListTasks and DescribeTasks: about an hour. */
export const STOPPED_TASK_RETENTION_MS = 60 * 60 * 1000;

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

/** A workload container of a one-off task: its script and how many DescribeTasks polls it runs. */
interface ChainLink {
  name: string;
  script: TaskScript | undefined;
  polls: number;
  essential: boolean;
  /** Containers of the chain that must exit 0 before this one starts. */
  needsSuccessOf: string[];
  /** Containers of the chain that must have exited (any code) before this one starts. */
  needsExitOf: string[];
}

interface FakeTask extends Task {
  taskArn: string;
  step: number;
  script: TaskScript | undefined;
  container: string;
  /** The workload containers, in the order they start. */
  chain: ChainLink[];
  /** The service whose task this is (long-running: it does not step towards STOPPED). */
  service?: string;
  /** The target group a BLUE_GREEN service's task is registered in (blue or green). */
  targetGroupArn?: string;
  /**
   * The poll at which a container of the chain last exited: ECS starts the one after it only then,
   * so a StopTask before the next poll finds that one not started yet.
   */
  exitedAtStep?: number;
}

export interface EcsTiming {
  provisioningPolls: number;
  runningPolls: number;
  rolloutPolls: number;
}

export class FakeEcs {
  readonly taskDefinitions = new Map<string, TaskDefinition>();
  readonly services = new Map<string, FakeServiceState>();
  readonly tasks = new Map<string, FakeTask>();
  private readonly revisions = new Map<string, number>();
  private readonly taskScripts: TaskScript[] = [];
  private readonly rolloutScripts: RolloutScript[] = [];
  /** RunTask answers by clientToken: a repeated request returns the task it started, as in ECS. */
  private readonly runTaskTokens = new Map<string, { tasks: Task[]; failures: unknown[] }>();
  /** The service deployments of BLUE_GREEN services. */
  readonly serviceDeployments: FakeServiceDeployments;

  constructor(
    private readonly world: World,
    private readonly logs: FakeLogs,
    private readonly timing: EcsTiming,
    elb: () => FakeElbV2,
  ) {
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

  install(mock: AnyStub): void {
    const w = this.world;
    this.serviceDeployments.install(mock);
    w.on("ecs", mock, RunTaskCommand, (input: RunTaskCommandInput, fault) => this.runTask(input, fault?.failures));
    w.on("ecs", mock, DescribeTasksCommand, (input: DescribeTasksCommandInput) => this.describeTasks(input));
    w.on("ecs", mock, ListTasksCommand, (input: ListTasksCommandInput) => this.listTasks(input));
    w.on("ecs", mock, StopTaskCommand, (input: StopTaskCommandInput) => ({ task: this.stopTask(input) }));
    w.on("ecs", mock, DescribeTaskDefinitionCommand, (input: DescribeTaskDefinitionCommandInput) => {
      const td = this.findTaskDefinition(input.taskDefinition ?? "");
      if (!td) throw awsError("ecs", "ClientException", "Unable to describe task definition.");
      return { taskDefinition: td };
    });
    w.on("ecs", mock, RegisterTaskDefinitionCommand, (input: RegisterTaskDefinitionCommandInput) => this.registerFromApi(input));
    w.on("ecs", mock, DeregisterTaskDefinitionCommand, (input: DeregisterTaskDefinitionCommandInput) => {
      const td = this.findTaskDefinition(input.taskDefinition ?? "");
      if (!td || !input.taskDefinition?.includes(":")) throw awsError("ecs", "ClientException", "The specified task definition does not exist.");
      td.status = "INACTIVE";
      td.deregisteredAt = this.world.now();
      return { taskDefinition: structuredClone(td) };
    });
    w.on("ecs", mock, ListTaskDefinitionsCommand, (input: ListTaskDefinitionsCommandInput) => ({
      // familyPrefix is the full family name, as ECS documents.
      taskDefinitionArns: [...this.taskDefinitions.values()]
        .filter((td) => (input.familyPrefix === undefined || td.family === input.familyPrefix) && td.status === (input.status ?? "ACTIVE"))
        .map((td) => td.taskDefinitionArn!),
    }));
    w.on("ecs", mock, DeleteTaskDefinitionsCommand, (input: DeleteTaskDefinitionsCommandInput) => {
      const refs = input.taskDefinitions ?? [];
      if (refs.length === 0 || refs.length > 10) throw awsError("ecs", "InvalidParameterException", "taskDefinitions must contain between 1 and 10 items.");
      const deleted: TaskDefinition[] = [];
      const failures: Array<{ arn: string; reason: string }> = [];
      for (const ref of refs) {
        const td = this.findTaskDefinition(ref);
        if (!td) failures.push({ arn: ref, reason: "The specified task definition does not exist." });
        else if (td.status === "ACTIVE") failures.push({ arn: ref, reason: "The specified task definition is still in ACTIVE status. Please deregister the target and try again." });
        else {
          td.status = "DELETE_IN_PROGRESS";
          deleted.push(structuredClone(td));
        }
      }
      return { taskDefinitions: deleted, failures };
    });
    w.on("ecs", mock, DescribeServicesCommand, (input: DescribeServicesCommandInput) => this.describeServices(input));
    w.on("ecs", mock, UpdateServiceCommand, (input: UpdateServiceCommandInput) => this.updateService(input));
  }

  scriptTask(script: TaskScript): void {
    this.taskScripts.push(script);
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

  /** Whether ECS still shows the task: a stopped one only for about an hour. */
  private visible(task: FakeTask): boolean {
    return task.lastStatus !== "STOPPED" || task.stoppedAt === undefined || this.world.peek().getTime() - task.stoppedAt.getTime() < STOPPED_TASK_RETENTION_MS;
  }

  /** The next revision number of a family. */
  nextRevision(family: string): number {
    const next = (this.revisions.get(family) ?? 0) + 1;
    this.revisions.set(family, next);
    return next;
  }

  registerTaskDefinition(arn: string, family: string, revision: number, props: Record<string, unknown>): TaskDefinition {
    const td: TaskDefinition = {
      ...(camelCase(props) as TaskDefinition),
      taskDefinitionArn: arn,
      family,
      revision,
      status: "ACTIVE",
      registeredAt: this.world.now(),
    };
    this.taskDefinitions.set(arn, td);
    return td;
  }

  /** Task definitions registered through the API (not by a stack), with the tags they were given. */
  readonly registeredTags = new Map<string, Array<{ key?: string; value?: string }>>();

  /**
   * RegisterTaskDefinition: a new revision of the family. Refuses, as ECS does, a `SUCCESS` or
   * `COMPLETE` dependency on an essential container, a dependency on a container the definition
   * lacks, and a definition without an essential container.
   */
  private registerFromApi(input: RegisterTaskDefinitionCommandInput) {
    const family = input.family ?? "";
    const containers = input.containerDefinitions ?? [];
    if (!/^[A-Za-z0-9_-]{1,255}$/.test(family)) throw awsError("ecs", "ClientException", "Family contains invalid characters.");
    const byName = new Map(containers.map((c) => [c.name, c]));
    for (const container of containers) {
      for (const dependency of container.dependsOn ?? []) {
        const target = byName.get(dependency.containerName);
        if (!target) throw awsError("ecs", "ClientException", `Container ${container.name} depends on ${dependency.containerName}, which is not a container in the task definition.`);
        if ((dependency.condition === "SUCCESS" || dependency.condition === "COMPLETE") && target.essential !== false) {
          throw awsError("ecs", "ClientException", "A dependency container with SUCCESS or COMPLETE condition cannot be an essential container");
        }
      }
    }
    if (!containers.some((c) => c.essential !== false)) throw awsError("ecs", "ClientException", "Task definition must have at least one essential container.");
    const revision = this.nextRevision(family);
    const arn = this.world.arn("ecs", `task-definition/${family}:${revision}`);
    const { tags, ...definition } = input;
    const td: TaskDefinition = { ...structuredClone(definition), taskDefinitionArn: arn, family, revision, status: "ACTIVE", registeredAt: this.world.now() };
    this.taskDefinitions.set(arn, td);
    this.registeredTags.set(arn, tags ?? []);
    return { taskDefinition: structuredClone(td), tags: tags ?? [] };
  }

  deregisterTaskDefinition(arn: string): void {
    const td = this.taskDefinitions.get(arn);
    if (td) td.status = "INACTIVE";
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

  /** By ARN, `family:revision` or `family` (its latest ACTIVE revision). */
  findTaskDefinition(ref: string): TaskDefinition | undefined {
    const exact = this.taskDefinitions.get(ref);
    if (exact) return exact;
    const [family, revision] = ref.split(":");
    let best: TaskDefinition | undefined;
    for (const td of this.taskDefinitions.values()) {
      if (td.family !== family) continue;
      if (revision !== undefined ? String(td.revision) === revision : td.status === "ACTIVE" && (td.revision ?? 0) > (best?.revision ?? 0)) best = td;
    }
    return best;
  }

  private runTask(input: RunTaskCommandInput, failures: Array<{ arn?: string; reason: string; detail?: string }> | undefined) {
    const token = input.clientToken;
    const repeated = token === undefined ? undefined : this.runTaskTokens.get(token);
    if (repeated) return structuredClone(repeated);
    const answer = this.startTask(input, failures);
    if (token !== undefined) this.runTaskTokens.set(token, structuredClone(answer));
    return answer;
  }

  private startTask(input: RunTaskCommandInput, failures: Array<{ arn?: string; reason: string; detail?: string }> | undefined): { tasks: Task[]; failures: unknown[] } {
    if (failures) return { tasks: [], failures };
    const td = this.findTaskDefinition(input.taskDefinition ?? "");
    if (!td || td.status !== "ACTIVE") throw awsError("ecs", "InvalidParameterException", "TaskDefinition not found.");
    if (td.networkMode === "awsvpc" && !input.networkConfiguration?.awsvpcConfiguration?.subnets?.length) {
      throw awsError("ecs", "InvalidParameterException", "Network Configuration must be provided when networkMode 'awsvpc' is specified.");
    }
    const overrides = input.overrides?.containerOverrides ?? [];
    const definitions = td.containerDefinitions ?? [];
    for (const override of overrides) {
      if (override.name && !definitions.some((c) => c.name === override.name)) {
        throw awsError("ecs", "InvalidParameterException", `Override for container named ${override.name} is not a container in the TaskDefinition.`);
      }
    }
    const chain = this.chainOf(definitions, overrides);
    const container = [...chain].reverse().find((c) => c.essential)?.name ?? chain.at(-1)?.name ?? "";
    const script = chain.find((c) => c.name === container)?.script;
    const cluster = clusterName(input.cluster);
    const taskArn = this.world.arn("ecs", `task/${cluster}/${this.world.hex(32)}`);
    const task: FakeTask = {
      taskArn,
      clusterArn: this.world.arn("ecs", `cluster/${cluster}`),
      taskDefinitionArn: td.taskDefinitionArn,
      lastStatus: "PROVISIONING",
      desiredStatus: "RUNNING",
      launchType: input.launchType,
      startedBy: input.startedBy,
      overrides: input.overrides,
      createdAt: this.world.now(),
      containers: definitions.map((c) => ({ name: c.name, lastStatus: "PENDING", taskArn, containerArn: this.world.arn("ecs", `container/${cluster}/${this.world.hex(32)}`) })),
      step: 0,
      script,
      container,
      chain,
    };
    this.tasks.set(taskArn, task);
    return { tasks: [publicTask(task)], failures: [] };
  }

  /**
   * The containers RunTask's overrides name (else the essential ones) in the order they start:
   * a container after those it depends on. Each takes the first script that matches its command.
   */
  private chainOf(definitions: ContainerDefinition[], overrides: Array<{ name?: string; command?: string[] }>): ChainLink[] {
    const names = overrides.length > 0 ? overrides.map((o) => o.name ?? "") : definitions.filter((c) => c.essential !== false).map((c) => c.name ?? "");
    const inChain = new Set(names);
    const ordered: ChainLink[] = [];
    const placed = new Set<string>();
    const place = (name: string): void => {
      if (placed.has(name)) return;
      placed.add(name);
      const definition = definitions.find((c) => c.name === name);
      const dependencies = (definition?.dependsOn ?? []).filter((d) => inChain.has(d.containerName ?? ""));
      for (const d of dependencies) place(d.containerName!);
      const command = (overrides.find((o) => o.name === name)?.command ?? definition?.command ?? []).join(" ");
      const script = takeScript(this.taskScripts, (s) => (!s.commandIncludes || command.includes(s.commandIncludes)) && (!s.container || s.container === name));
      ordered.push({
        name,
        script,
        polls: script?.runningPolls ?? this.timing.runningPolls,
        essential: definition?.essential !== false,
        needsSuccessOf: dependencies.filter((d) => d.condition === "SUCCESS").map((d) => d.containerName!),
        needsExitOf: dependencies.filter((d) => d.condition === "COMPLETE").map((d) => d.containerName!),
      });
    };
    for (const name of names) place(name);
    return ordered;
  }

  private describeTasks(input: DescribeTasksCommandInput) {
    const tasks: Task[] = [];
    const failures: Array<{ arn: string; reason: string }> = [];
    for (const ref of input.tasks ?? []) {
      const task = this.tasks.get(ref) ?? [...this.tasks.values()].find((t) => t.taskArn.endsWith(`/${ref}`));
      if (!task || !this.visible(task)) {
        failures.push({ arn: ref, reason: "MISSING" });
        continue;
      }
      this.step(task);
      tasks.push(publicTask(task));
    }
    return { tasks, failures };
  }

  private step(task: FakeTask): void {
    if (task.lastStatus === "STOPPED" || task.service !== undefined) return;
    task.step += 1;
    const failToStart = task.chain.find((c) => c.script?.failToStart)?.script?.failToStart;
    if (task.step < this.timing.provisioningPolls) return;
    if (failToStart) {
      this.stop(task, { stopCode: "TaskFailedToStart", reason: failToStart });
      return;
    }
    if (task.lastStatus !== "RUNNING") {
      task.lastStatus = "RUNNING";
      task.startedAt = this.world.now();
      for (const c of task.containers ?? []) c.lastStatus = "RUNNING";
    }
    // Each workload container runs its polls after those before it in the chain stopped.
    let elapsed = task.step - this.timing.provisioningPolls;
    for (const link of task.chain) {
      const state = task.containers?.find((c) => c.name === link.name);
      if (!state || state.lastStatus === "STOPPED") continue;
      const unmet = link.needsSuccessOf.find((name) => task.containers?.find((c) => c.name === name)?.exitCode !== 0);
      if (unmet !== undefined) {
        const failed = task.containers?.find((c) => c.name === unmet);
        Object.assign(state, {
          lastStatus: "STOPPED",
          exitCode: 143,
          reason: `CannotStartContainerError: dependency graph: failed to resolve container ordering dependency [${unmet} (STOPPED) - Exit: ${failed?.exitCode ?? "none"}] for target [${link.name} (NONE->RUNNING)] as dependency did not exit successfully.`,
        });
        if (link.essential) break;
        continue;
      }
      if (elapsed < link.polls) break;
      elapsed -= link.polls;
      state.lastStatus = "STOPPED";
      state.exitCode = link.script?.exitCode ?? 0;
      task.exitedAtStep = task.step;
      this.writeLogs(task, link);
      if (link.essential) break;
    }
    const essentialStopped = task.chain.some((link) => link.essential && task.containers?.find((c) => c.name === link.name)?.lastStatus === "STOPPED");
    const allStopped = task.chain.every((link) => task.containers?.find((c) => c.name === link.name)?.lastStatus === "STOPPED");
    if (essentialStopped || allStopped) this.stop(task, { stopCode: "EssentialContainerExited", reason: "Essential container in task exited" });
  }

  private stop(task: FakeTask, how: { stopCode: Task["stopCode"]; reason: string }, userInitiated = false): void {
    const started = task.lastStatus === "RUNNING";
    // Of the chain, only the first container not yet stopped runs; those after it wait, unstarted.
    // One whose dependency exited at the last poll is still being started: a StopTask now finds it unstarted.
    const next = task.chain.find((l) => task.containers?.find((c) => c.name === l.name)?.lastStatus !== "STOPPED");
    const running = userInitiated && next !== task.chain[0] && task.exitedAtStep === task.step ? undefined : next;
    Object.assign(task, { lastStatus: "STOPPED", desiredStatus: "STOPPED", stopCode: how.stopCode, stoppedReason: how.reason, stoppedAt: this.world.now() });
    for (const c of task.containers ?? []) {
      if (c.lastStatus === "STOPPED") continue;
      c.lastStatus = "STOPPED";
      const link = task.chain.find((l) => l.name === c.name);
      if (!started || (link && link !== running)) {
        if (link || c.name === task.container) c.reason = how.reason;
        continue;
      }
      // Helpers (init containers) have exited 0; a workload container still running is killed.
      c.exitCode = userInitiated ? 137 : link ? (link.script?.exitCode ?? 0) : 0;
      // What a killed container wrote before it was stopped is in its stream all the same.
      if (link) this.writeLogs(task, link);
    }
  }

  private stopTask(input: StopTaskCommandInput): Task {
    const task = this.tasks.get(input.task ?? "");
    if (!task) throw awsError("ecs", "InvalidParameterException", "The referenced task was not found.");
    if (task.lastStatus !== "STOPPED") this.stop(task, { stopCode: "UserInitiated", reason: input.reason ?? "Task stopped by user" }, true);
    return publicTask(task);
  }

  private writeLogs(task: FakeTask, link: ChainLink): void {
    const lines = link.script?.logLines ?? [];
    const definition = this.findTaskDefinition(task.taskDefinitionArn ?? "")?.containerDefinitions?.find((c: ContainerDefinition) => c.name === link.name);
    const options = definition?.logConfiguration?.options ?? {};
    const group = options["awslogs-group"];
    const prefix = options["awslogs-stream-prefix"];
    if (!group || !prefix || lines.length === 0) return;
    this.logs.put(group, `${prefix}/${link.name}/${task.taskArn.split("/").at(-1)}`, lines);
  }
}

function takeScript<T extends { times?: number }>(scripts: T[], matches: (s: T) => boolean): T | undefined {
  const index = scripts.findIndex(matches);
  const script = scripts[index];
  if (!script) return undefined;
  if (script.times !== undefined && --script.times <= 0) scripts.splice(index, 1);
  return script;
}

/** The family of a task definition ARN (`...:task-definition/<family>:<revision>`). */
function familyOf(taskDefinitionArn: string | undefined): string | undefined {
  return taskDefinitionArn?.split("/").at(-1)?.replace(/:\d+$/, "");
}

function clusterName(cluster: string | undefined): string {
  return (cluster ?? "default").split("/").at(-1) ?? "default";
}

function publicService(s: FakeServiceState): Service {
  return structuredClone({ ...s, deployments: s.deployments.map(({ pollsLeft: _p, failWith: _f, placementFailure: _pf, ...d }) => d) });
}

function publicTask(t: FakeTask): Task {
  const { step: _s, script: _sc, container: _c, service: _sv, chain: _ch, ...task } = t;
  return structuredClone(task);
}

/** CloudFormation's PascalCase properties to the ECS API's camelCase; maps (log options, labels) keep their keys. */
export function camelCase(value: unknown, keepKeys = false): unknown {
  if (Array.isArray(value)) return value.map((v) => camelCase(v));
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      keepKeys ? k : k.charAt(0).toLowerCase() + k.slice(1),
      camelCase(v, !keepKeys && (k === "Options" || k === "DockerLabels" || k === "SecretOptions")),
    ]),
  );
}
