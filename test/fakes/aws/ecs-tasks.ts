/**
 * Fake ECS, its tasks and task definitions: task definitions registered by stacks or by
 * RegisterTaskDefinition, and one-off tasks that go PROVISIONING -> RUNNING -> STOPPED with a
 * scripted exit code per container. The services (ecs.ts) build on this: their tasks live in the
 * same table, so DescribeTasks and StopTask see both.
 *
 * A task's workload containers (those RunTask overrides, else the essential ones) start in the
 * order their `dependsOn` gives and each runs for its script's polls. As ECS documents: a container
 * waiting on `SUCCESS` of one that exited non-zero never starts (the agent stops it with exit code
 * 143 and a `CannotStartContainerError: dependency graph` reason); the task stops when an essential
 * container stops; each container logs to its own stream `<prefix>/<container>/<task id>`.
 */
import {
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  DeleteTaskDefinitionsCommand,
  DeregisterTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  type ContainerDefinition,
  type DescribeTaskDefinitionCommandInput,
  type DescribeTasksCommandInput,
  type DeleteTaskDefinitionsCommandInput,
  type DeregisterTaskDefinitionCommandInput,
  type ListTaskDefinitionsCommandInput,
  type RegisterTaskDefinitionCommandInput,
  type RunTaskCommandInput,
  type StopTaskCommandInput,
  type Task,
  type TaskDefinition,
} from "@aws-sdk/client-ecs";
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

/** How long ECS keeps a stopped task visible to ListTasks and DescribeTasks: about an hour. */
export const STOPPED_TASK_RETENTION_MS = 60 * 60 * 1000;

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

export interface FakeTask extends Task {
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

/** Task definitions and tasks, and the ECS API calls on them. */
export class FakeEcsTasks {
  readonly taskDefinitions = new Map<string, TaskDefinition>();
  readonly tasks = new Map<string, FakeTask>();
  private readonly revisions = new Map<string, number>();
  private readonly taskScripts: TaskScript[] = [];
  /** RunTask answers by clientToken: a repeated request returns the task it started, as in ECS. */
  private readonly runTaskTokens = new Map<string, { tasks: Task[]; failures: unknown[] }>();

  constructor(
    protected readonly world: World,
    protected readonly logs: FakeLogs,
    protected readonly timing: EcsTiming,
  ) {}

  install(mock: AnyStub): void {
    const w = this.world;
    w.on("ecs", mock, RunTaskCommand, (input: RunTaskCommandInput, fault) => this.runTask(input, fault?.failures));
    w.on("ecs", mock, DescribeTasksCommand, (input: DescribeTasksCommandInput) => this.describeTasks(input));
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
  }

  scriptTask(script: TaskScript): void {
    this.taskScripts.push(script);
  }

  /** Whether ECS still shows the task: a stopped one only for about an hour. */
  protected visible(task: FakeTask): boolean {
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

  protected stop(task: FakeTask, how: { stopCode: Task["stopCode"]; reason: string }, userInitiated = false): void {
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

export function takeScript<T extends { times?: number }>(scripts: T[], matches: (s: T) => boolean): T | undefined {
  const index = scripts.findIndex(matches);
  const script = scripts[index];
  if (!script) return undefined;
  if (script.times !== undefined && --script.times <= 0) scripts.splice(index, 1);
  return script;
}

/** The cluster's name in a name or ARN; `default` when absent. */
export function clusterName(cluster: string | undefined): string {
  return (cluster ?? "default").split("/").at(-1) ?? "default";
}

/** A task as ECS answers it, without what the fake keeps of it. */
export function publicTask(t: FakeTask): Task {
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
