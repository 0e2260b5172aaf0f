/**
 * Fake CloudFormation: stacks that move through their statuses over successive DescribeStacks
 * calls, change sets (including "didn't contain changes"), stack events newest first and
 * paginated, outputs and exports evaluated from the template, and the resources' effects on the
 * other fakes (task definitions, ECS services, target groups, listener rules, log groups). What a
 * template evaluates to is planned in cloudformation-plan.ts; the operations here apply it.
 */
import {
  ContinueUpdateRollbackCommand,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  ListStackResourcesCommand,
  ListStacksCommand,
  GetTemplateCommand,
  type Change,
  type ContinueUpdateRollbackCommandInput,
  type ListStackResourcesCommandInput,
  type StackResourceSummary,
  type CreateChangeSetCommandInput,
  type DeleteChangeSetCommandInput,
  type DeleteStackCommandInput,
  type DescribeChangeSetCommandInput,
  type DescribeStackEventsCommandInput,
  type DescribeStacksCommandInput,
  type ExecuteChangeSetCommandInput,
  type ListStacksCommandInput,
  type GetTemplateCommandInput,
  type Output,
  type Stack,
  type StackEvent,
} from "@aws-sdk/client-cloudformation";
import { blueGreenFailure, dependenciesOf, isBlueGreenService } from "./cloudformation-blue-green.js";
import { heldBy, planParameters, planTemplate, tagLimitProblem, type FakeResource, type Plan, type Template } from "./cloudformation-plan.js";
import type { FakeEcs } from "./ecs.js";
import { camelCase } from "./ecs-tasks.js";
import type { FakeServiceDeployment } from "./ecs-service-deployments.js";
import { forwardTargets, type FakeElbV2 } from "./elbv2.js";
import { TemplateError } from "./intrinsics.js";
import type { FakeLogs } from "./logs.js";
import { awsError, type AnyStub, type World } from "./world.js";

const STACK_TYPE = "AWS::CloudFormation::Stack";
const NO_CHANGES = "The submitted information didn't contain changes. Submit different information to create a change set.";

export interface FakeStack {
  stackId: string;
  name: string;
  status: string;
  statusReason?: string;
  creationTime: Date;
  lastUpdatedTime?: Date;
  tags: Record<string, string>;
  /** What the stack is now (the last successful operation). */
  current?: Plan;
  events: StackEvent[];
  /** The running operation: one step per DescribeStacks call. */
  steps: Array<() => void>;
  /** Outputs of a seeded stack that has no template. */
  seededOutputs?: Output[];
  /** Resources whose rollback failed (UPDATE_FAILED in an UPDATE_ROLLBACK_FAILED stack). */
  rollbackFailed?: Map<string, string>;
  /** ClientRequestToken of the call that started the running or last operation: every event of it carries the token. */
  operationToken?: string;
  /** The wait condition the running create or update waits on, if any. */
  gate?: FakeGate;
  /** Steps of the running operation that wait for ECS service deployments of blue/green services to end. */
  holds?: Map<() => void, () => FakeServiceDeployment[]>;
}

/** A wait condition of a running operation: its handle's presigned URL and the signals it received. */
export interface FakeGate {
  condition: string;
  url: string;
  count: number;
  /** When the wait condition times out (world clock, ms). */
  deadline: number;
  /** SUCCESS signals by UniqueId (one per id counts). */
  successes: Set<string>;
  outcome?: { status: "SUCCESS" } | { status: "FAILURE"; reason: string };
  /** The step the operation halts at until the outcome is known. */
  step: () => void;
  /**
   * Logical ids of the resources that depend on the wait condition (DependsOn, Ref or GetAtt, also
   * through other resources): in a create, everything else is created before the gate.
   */
  held: Set<string>;
}

/** What a signal's PUT to a wait condition handle's URL came back with. */
export interface GateSignalAnswer {
  status: number;
  body: string;
}

interface FakeChangeSet {
  id: string;
  name: string;
  stack: FakeStack;
  type: "CREATE" | "UPDATE";
  plan?: Plan;
  finalStatus: "CREATE_COMPLETE" | "FAILED";
  status: string;
  statusReason?: string;
  executionStatus: string;
  pollsLeft: number;
  capabilities: string[];
}

/** A failure injected into the next matching stack operation. */
export interface StackFault {
  /** Only this stack; any when absent. */
  stack?: string;
  /** Logical id of the resource that fails. */
  resource: string;
  /** Its ResourceStatusReason. */
  reason: string;
  /** Which operation fails; default the next create or update. `rollback`: the next ContinueUpdateRollback. */
  operation?: "create" | "update" | "delete" | "rollback";
  /**
   * The resource fails to roll back too, with this reason: the update ends UPDATE_ROLLBACK_FAILED,
   * and ContinueUpdateRollback fails again until the resource is skipped.
   */
  rollbackFails?: string;
  times?: number;
  /** Matching operations that succeed first (e.g. 1: a deploy's release phase passes, its rollout fails). */
  skip?: number;
  /** What else happens as the resource fails (e.g. the ECS service's events telling why). */
  alongside?: () => void;
}

export interface CloudFormationTiming {
  /** DescribeStacks calls that see an operation in progress before it ends. */
  stackPolls: number;
  changeSetPolls: number;
  eventsPageSize: number;
}

export class FakeCloudFormation {
  /** Live stacks by name. */
  readonly stacks = new Map<string, FakeStack>();
  /** Every stack ever created, by id (deleted ones stay readable by id, as in AWS). */
  private readonly byId = new Map<string, FakeStack>();
  readonly exports = new Map<string, { value: string; stackId: string }>();
  private readonly changeSets = new Map<string, FakeChangeSet>();
  private readonly faults: StackFault[] = [];
  /** Idempotency tokens of requests already applied, `<operation>:<token>` -> answer. */
  private readonly tokens = new Map<string, unknown>();
  /** Every change set executed, in order, with the changes it listed (for assertions; AWS keeps no such record). */
  readonly executed: Array<{ stack: string; changeSetName: string; changes: Change[] }> = [];
  /** ListStacks page size; tests lower it to see pagination. */
  listPageSize = 100;

  constructor(
    private readonly world: World,
    private readonly deps: { ecs: FakeEcs; elb: FakeElbV2; logs: FakeLogs },
    private readonly timing: CloudFormationTiming,
  ) {}

  install(mock: AnyStub): void {
    const w = this.world;
    w.on("cloudformation", mock, DescribeStacksCommand, (input: DescribeStacksCommandInput) => this.describeStacks(input));
    w.on("cloudformation", mock, ListStacksCommand, (input: ListStacksCommandInput) => this.listStacks(input));
    w.on("cloudformation", mock, GetTemplateCommand, (input: GetTemplateCommandInput) => {
      const stack = this.mustFind(input.StackName ?? "");
      if (stack.status === "DELETE_COMPLETE" && input.StackName === stack.name) {
        throw awsError("cloudformation", "ValidationError", `Stack with id ${input.StackName} does not exist`);
      }
      return { TemplateBody: stack.current?.templateBody ?? "{}", StagesAvailable: ["Original", "Processed"] };
    });
    w.on("cloudformation", mock, DescribeStackEventsCommand, (input: DescribeStackEventsCommandInput) => this.describeEvents(input));
    w.on("cloudformation", mock, CreateChangeSetCommand, (input: CreateChangeSetCommandInput) => this.once("CreateChangeSet", input.ClientToken, () => this.createChangeSet(input)));
    w.on("cloudformation", mock, DescribeChangeSetCommand, (input: DescribeChangeSetCommandInput) => this.describeChangeSet(input));
    w.on("cloudformation", mock, ExecuteChangeSetCommand, (input: ExecuteChangeSetCommandInput) =>
      this.once("ExecuteChangeSet", input.ClientRequestToken, () => this.executeChangeSet(input)),
    );
    w.on("cloudformation", mock, DeleteChangeSetCommand, (input: DeleteChangeSetCommandInput) => this.deleteChangeSet(input));
    w.on("cloudformation", mock, DeleteStackCommand, (input: DeleteStackCommandInput) => this.once("DeleteStack", input.ClientRequestToken, () => this.deleteStack(input)));
    w.on("cloudformation", mock, ListStackResourcesCommand, (input: ListStackResourcesCommandInput) => this.listResources(input));
    w.on("cloudformation", mock, ContinueUpdateRollbackCommand, (input: ContinueUpdateRollbackCommandInput) =>
      this.once("ContinueUpdateRollback", input.ClientRequestToken, () => this.continueUpdateRollback(input)),
    );
  }

  /** A request repeated with the token of one already applied gets the same answer and changes nothing, as in AWS. */
  private once(operation: string, token: string | undefined, apply: () => unknown): unknown {
    if (token === undefined) return apply();
    const key = `${operation}:${token}`;
    if (this.tokens.has(key)) return this.tokens.get(key);
    const answer = apply();
    this.tokens.set(key, answer);
    return answer;
  }

  failStack(fault: StackFault): void {
    this.faults.push({ times: 1, ...fault });
  }

  /** Told when a wait condition of a stack's running operation gets its outcome (the timed layer times the rest by it). */
  readonly gateListeners: Array<(stack: string, outcome: NonNullable<FakeGate["outcome"]>) => void> = [];

  /**
   * A PUT of `body` to a wait condition handle's presigned URL, as CloudFormation documents it: a
   * JSON object with `Status` (SUCCESS or FAILURE), `Reason`, `UniqueId` and `Data`. `Count`
   * SUCCESS signals of distinct ids complete the wait condition; one FAILURE fails it (and the
   * operation rolls back). A URL whose operation ended still takes the PUT (S3 stores it) to no
   * effect; a URL no handle ever had is refused as S3 refuses a bad signature.
   */
  signalGate(url: string, body: string): GateSignalAnswer {
    const signal = JSON.parse(body) as { Status?: unknown; Reason?: unknown; UniqueId?: unknown; Data?: unknown };
    this.signals.push({ url, status: String(signal.Status), reason: String(signal.Reason) });
    const stack = [...this.stacks.values()].find((s) => s.gate?.url === url);
    if (!stack?.gate) {
      const known = [...this.stacks.values(), ...this.byId.values()].some((s) => s.current?.resources && [...s.current.resources.values()].some((r) => r.physicalId === url));
      return known || this.spentGates.has(url) ? { status: 200, body: "" } : { status: 403, body: "<Error><Code>SignatureDoesNotMatch</Code></Error>" };
    }
    const gate = stack.gate;
    const keys = ["Status", "Reason", "UniqueId", "Data"] as const;
    const missing = keys.filter((k) => typeof signal[k] !== "string");
    if (missing.length > 0 || (signal.Status !== "SUCCESS" && signal.Status !== "FAILURE")) {
      throw new Error(`the fake refuses a wait condition signal without string ${missing.join(", ") || "Status SUCCESS or FAILURE"}: ${body}`);
    }
    if (gate.outcome || this.world.now().getTime() >= gate.deadline) return { status: 200, body: "" };
    if (signal.Status === "FAILURE") {
      gate.outcome = { status: "FAILURE", reason: `WaitCondition received failed message: '${String(signal.Reason)}' for uniqueId: ${String(signal.UniqueId)}` };
    } else {
      gate.successes.add(String(signal.UniqueId));
      if (gate.successes.size >= gate.count) gate.outcome = { status: "SUCCESS" };
    }
    if (gate.outcome) for (const listener of this.gateListeners) listener(stack.name, gate.outcome);
    return { status: 200, body: "" };
  }

  /** Every signal PUT to a handle's URL, in order (for assertions). */
  readonly signals: Array<{ url: string; status: string; reason: string }> = [];

  /** URLs of handles whose operation ended (a later PUT to them changes nothing). */
  private readonly spentGates = new Set<string>();

  /** A complete stack without a template, with outputs exported as `<name>-<OutputKey>` when `exportPrefix` is set. */
  seedStack(input: { name: string; outputs: Record<string, string>; tags?: Record<string, string>; status?: string; exportPrefix?: string }): FakeStack {
    const stack = this.newStack(input.name, input.tags ?? {});
    stack.status = input.status ?? "CREATE_COMPLETE";
    stack.seededOutputs = Object.entries(input.outputs).map(([OutputKey, OutputValue]) => ({
      OutputKey,
      OutputValue,
      ExportName: input.exportPrefix === undefined ? undefined : `${input.exportPrefix}${OutputKey}`,
    }));
    for (const o of stack.seededOutputs) if (o.ExportName) this.exports.set(o.ExportName, { value: o.OutputValue ?? "", stackId: stack.stackId });
    this.event(stack, stack.name, STACK_TYPE, stack.stackId, stack.status);
    return stack;
  }

  /**
   * The operator updates a seeded stack's outputs (as `aws cloudformation deploy` of deploy/base.yml
   * would). Refused as AWS refuses it when an exported value changes while another stack imports it.
   */
  updateSeededOutputs(name: string, outputs: Record<string, string>): void {
    const stack = this.mustFind(name);
    const seeded = stack.seededOutputs ?? [];
    for (const o of seeded) {
      const value = outputs[o.OutputKey ?? ""];
      if (value === undefined || value === o.OutputValue || !o.ExportName) continue;
      const importer = [...this.stacks.values()].find((s) => s.current?.imports.includes(o.ExportName!));
      if (importer) {
        throw awsError("cloudformation", "ValidationError", `Cannot update export ${o.ExportName} as it is in use by ${importer.name}`);
      }
    }
    for (const o of seeded) {
      const value = outputs[o.OutputKey ?? ""];
      if (value === undefined) continue;
      o.OutputValue = value;
      if (o.ExportName) this.exports.set(o.ExportName, { value, stackId: stack.stackId });
    }
  }

  /** The resources of a live stack by logical id. */
  resources(name: string): Map<string, FakeResource> {
    return this.stacks.get(name)?.current?.resources ?? new Map();
  }

  // ---------------------------------------------------------------------------------------------
  // Stacks and events

  private newStack(name: string, tags: Record<string, string>): FakeStack {
    const stack: FakeStack = {
      stackId: this.world.arn("cloudformation", `stack/${name}/${this.world.uuid()}`),
      name,
      status: "REVIEW_IN_PROGRESS",
      creationTime: this.world.now(),
      tags,
      events: [],
      steps: [],
    };
    this.stacks.set(name, stack);
    this.byId.set(stack.stackId, stack);
    return stack;
  }

  private find(nameOrId: string | undefined): FakeStack | undefined {
    if (!nameOrId) return undefined;
    return this.stacks.get(nameOrId) ?? this.byId.get(nameOrId);
  }

  private mustFind(nameOrId: string | undefined): FakeStack {
    const stack = this.find(nameOrId);
    if (!stack) throw awsError("cloudformation", "ValidationError", `Stack with id ${nameOrId} does not exist`);
    return stack;
  }

  private describeStacks(input: DescribeStacksCommandInput) {
    if (!input.StackName) return { Stacks: [...this.stacks.values()].map((s) => this.publicStack(s)) };
    const stack = this.mustFind(input.StackName);
    // An operation waiting on its wait condition stays where it is until a signal or the timeout.
    const halted = (stack.gate !== undefined && stack.steps[0] === stack.gate.step && !this.gateDecided(stack.gate)) || this.waitsOnServices(stack, true);
    if (!halted) stack.steps.shift()?.();
    if (stack.status === "DELETE_COMPLETE" && input.StackName === stack.name) {
      throw awsError("cloudformation", "ValidationError", `Stack with id ${input.StackName} does not exist`);
    }
    return { Stacks: [this.publicStack(stack)] };
  }

  /**
   * Whether the running operation's next step waits for a blue/green service deployment to end;
   * with `look`, CloudFormation's handler looks at each (which moves it on, as any look at ECS does).
   */
  waitsOnServices(stack: FakeStack, look = false): boolean {
    const deployments = this.deps.ecs.serviceDeployments;
    const front = stack.steps[0];
    const waited = front === undefined ? [] : (stack.holds?.get(front)?.() ?? []);
    return waited.some((d) => {
      if (look) deployments.look(d);
      return !deployments.isDone(d);
    });
  }

  /** Whether `step` of a stack's running operation waits for a blue/green service deployment that has not ended. */
  holdsStep(stack: FakeStack, step: () => void): boolean {
    return (stack.holds?.get(step)?.() ?? []).some((d) => !this.deps.ecs.serviceDeployments.isDone(d));
  }

  private gateDecided(gate: FakeGate): boolean {
    return gate.outcome !== undefined || this.world.now().getTime() >= gate.deadline;
  }

  /** Names and statuses of every stack ever created, deleted ones too (as AWS keeps them for 90 days), oldest first. */
  private listStacks(input: ListStacksCommandInput) {
    const filter = input.StackStatusFilter;
    const matching = [...this.byId.values()].filter((s) => !filter || filter.includes(s.status as never));
    const start = Number(input.NextToken ?? 0);
    const end = start + this.listPageSize;
    return {
      StackSummaries: matching.slice(start, end).map((s) => ({
        StackId: s.stackId,
        StackName: s.name,
        StackStatus: s.status as Stack["StackStatus"],
        CreationTime: s.creationTime,
      })),
      NextToken: end < matching.length ? String(end) : undefined,
    };
  }

  private publicStack(stack: FakeStack): Stack {
    const plan = stack.current;
    return structuredClone({
      StackId: stack.stackId,
      StackName: stack.name,
      StackStatus: stack.status as Stack["StackStatus"],
      StackStatusReason: stack.statusReason,
      CreationTime: stack.creationTime,
      LastUpdatedTime: stack.lastUpdatedTime,
      Parameters: Object.entries(plan?.parameters ?? {}).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
      Tags: Object.entries(stack.tags).map(([Key, Value]) => ({ Key, Value })),
      Outputs: stack.seededOutputs ?? plan?.outputs ?? [],
      DisableRollback: false,
      EnableTerminationProtection: false,
    });
  }

  private describeEvents(input: DescribeStackEventsCommandInput) {
    const stack = this.mustFind(input.StackName);
    if (stack.status === "DELETE_COMPLETE" && input.StackName === stack.name) {
      throw awsError("cloudformation", "ValidationError", `Stack [${input.StackName}] does not exist`);
    }
    // An operation holding at a wait condition moves on to the gate as it does on DescribeStacks:
    // a caller that reads only the events sees the resources the gate does not hold get created.
    if (stack.gate && stack.steps.length > 0 && stack.steps[0] !== stack.gate.step && !this.waitsOnServices(stack, true)) stack.steps.shift()?.();
    const newestFirst = [...stack.events].reverse();
    const start = Number(input.NextToken ?? 0);
    const end = start + this.timing.eventsPageSize;
    return {
      StackEvents: structuredClone(newestFirst.slice(start, end)),
      NextToken: end < newestFirst.length ? String(end) : undefined,
    };
  }

  private event(stack: FakeStack, logicalId: string, type: string, physicalId: string, status: string, reason?: string): void {
    stack.events.push({
      StackId: stack.stackId,
      StackName: stack.name,
      EventId: this.world.uuid(),
      LogicalResourceId: logicalId,
      PhysicalResourceId: physicalId,
      ResourceType: type,
      Timestamp: this.world.now(),
      ResourceStatus: status as StackEvent["ResourceStatus"],
      ResourceStatusReason: reason,
      ClientRequestToken: stack.operationToken,
    });
  }

  private stackEvent(stack: FakeStack, status: string, reason?: string): void {
    stack.status = status;
    stack.statusReason = reason;
    this.event(stack, stack.name, STACK_TYPE, stack.stackId, status, reason);
  }

  // ---------------------------------------------------------------------------------------------
  // Change sets

  private createChangeSet(input: CreateChangeSetCommandInput) {
    const name = input.StackName ?? "";
    const type = input.ChangeSetType === "CREATE" ? "CREATE" : "UPDATE";
    let stack = this.stacks.get(name);
    // A request repeated with its ClientToken never gets here (see `once`); without one, the
    // name is taken by the change set the first request created.
    if (stack && [...this.changeSets.values()].some((c) => c.stack === stack && c.name === input.ChangeSetName)) {
      throw awsError("cloudformation", "AlreadyExistsException", `ChangeSet [${input.ChangeSetName}] already exists`);
    }
    if (type === "CREATE" && stack && stack.status !== "REVIEW_IN_PROGRESS") {
      throw awsError("cloudformation", "ValidationError", `Stack [${name}] already exists and cannot be created again with the changeSet [${input.ChangeSetName}].`);
    }
    if (type === "UPDATE") {
      if (!stack) throw awsError("cloudformation", "ValidationError", `Stack [${name}] does not exist`);
      if (stack.status.endsWith("_IN_PROGRESS") || stack.status === "ROLLBACK_COMPLETE" || stack.status.endsWith("_FAILED")) {
        throw awsError("cloudformation", "ValidationError", `Stack:${stack.stackId} is in ${stack.status} state and can not be updated.`);
      }
    }
    let template: Template;
    try {
      template = JSON.parse(input.TemplateBody ?? "") as Template;
    } catch {
      throw awsError("cloudformation", "ValidationError", "Template format error: JSON not well-formed.");
    }
    const capabilities = input.Capabilities ?? [];
    const needsIam = Object.values(template.Resources ?? {}).some((r) => r.Type.startsWith("AWS::IAM::"));
    if (needsIam && !capabilities.some((c) => c === "CAPABILITY_IAM" || c === "CAPABILITY_NAMED_IAM")) {
      throw awsError("cloudformation", "InsufficientCapabilitiesException", "Requires capabilities : [CAPABILITY_IAM]");
    }
    const tags = input.Tags ? Object.fromEntries(input.Tags.map((t) => [t.Key ?? "", t.Value ?? ""])) : (stack?.tags ?? {});
    const tagProblem = tagLimitProblem(tags);
    if (tagProblem) throw awsError("cloudformation", "ValidationError", `Stack tags: ${tagProblem}`);
    const parameters = planParameters(template, input, stack?.current);
    if (!stack) {
      stack = this.newStack(name, tags);
      this.event(stack, name, STACK_TYPE, stack.stackId, "REVIEW_IN_PROGRESS", "User Initiated");
    }
    const id = this.world.arn("cloudformation", `changeSet/${input.ChangeSetName}/${this.world.uuid()}`);
    const changeSet: FakeChangeSet = {
      id,
      name: input.ChangeSetName ?? "",
      stack,
      type,
      status: "CREATE_PENDING",
      executionStatus: "UNAVAILABLE",
      finalStatus: "CREATE_COMPLETE",
      pollsLeft: this.timing.changeSetPolls,
      capabilities,
    };
    try {
      const context = { world: this.world, ecs: this.deps.ecs, elb: this.deps.elb, exports: this.exports };
      changeSet.plan = planTemplate(context, { stack, template, body: input.TemplateBody ?? "", parameters, tags });
      const same = stack.current && changeSet.plan.changes.length === 0 &&
        JSON.stringify([changeSet.plan.outputs, changeSet.plan.parameters, tags]) ===
          JSON.stringify([stack.current.outputs, stack.current.parameters, stack.tags]);
      if (type === "UPDATE" && same) Object.assign(changeSet, { finalStatus: "FAILED", statusReason: NO_CHANGES });
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      Object.assign(changeSet, { finalStatus: "FAILED", statusReason: error.message });
    }
    this.changeSets.set(id, changeSet);
    return { Id: id, StackId: stack.stackId };
  }

  private findChangeSet(nameOrId: string | undefined, stackName: string | undefined): FakeChangeSet {
    const byId = this.changeSets.get(nameOrId ?? "");
    const found = byId ?? [...this.changeSets.values()].find((c) => c.name === nameOrId && (c.stack.name === stackName || c.stack.stackId === stackName));
    if (!found) throw awsError("cloudformation", "ChangeSetNotFoundException", `ChangeSet [${nameOrId}] does not exist`);
    return found;
  }

  private describeChangeSet(input: DescribeChangeSetCommandInput) {
    const cs = this.findChangeSet(input.ChangeSetName, input.StackName);
    if (cs.status === "CREATE_PENDING" || cs.status === "CREATE_IN_PROGRESS") {
      cs.pollsLeft -= 1;
      if (cs.pollsLeft <= 0) {
        cs.status = cs.finalStatus;
        cs.executionStatus = cs.finalStatus === "CREATE_COMPLETE" ? "AVAILABLE" : "UNAVAILABLE";
      } else cs.status = "CREATE_IN_PROGRESS";
    }
    return structuredClone({
      ChangeSetId: cs.id,
      ChangeSetName: cs.name,
      StackId: cs.stack.stackId,
      StackName: cs.stack.name,
      Status: cs.status,
      StatusReason: cs.status === "FAILED" ? cs.statusReason : undefined,
      ExecutionStatus: cs.executionStatus,
      Changes: cs.status === "CREATE_COMPLETE" ? cs.plan?.changes : [],
      Parameters: Object.entries(cs.plan?.parameters ?? {}).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
      Tags: Object.entries(cs.plan?.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
      Capabilities: cs.capabilities,
    }) as never;
  }

  private deleteChangeSet(input: DeleteChangeSetCommandInput) {
    // CloudFormation answers DeleteChangeSet of a change set that is gone (deleted already, or
    // never created) with success on an existing stack; only the API's InvalidChangeSetStatus is an
    // error of its own. A retry of a delete AWS applied therefore succeeds.
    const byId = this.changeSets.has(input.ChangeSetName ?? "");
    const stackName = input.StackName;
    const known = byId || [...this.changeSets.values()].some((c) => c.name === input.ChangeSetName && (c.stack.name === stackName || c.stack.stackId === stackName));
    if (!known) {
      this.mustFind(stackName);
      return {};
    }
    const cs = this.findChangeSet(input.ChangeSetName, input.StackName);
    if (cs.executionStatus === "EXECUTE_IN_PROGRESS") {
      throw awsError("cloudformation", "InvalidChangeSetStatusException", `ChangeSet [${cs.id}] cannot be deleted in its current status`);
    }
    this.changeSets.delete(cs.id);
    return {};
  }

  private executeChangeSet(input: ExecuteChangeSetCommandInput) {
    const cs = this.findChangeSet(input.ChangeSetName, input.StackName);
    if (cs.status !== "CREATE_COMPLETE" || cs.executionStatus !== "AVAILABLE" || !cs.plan) {
      throw awsError("cloudformation", "InvalidChangeSetStatusException", `ChangeSet [${cs.id}] cannot be executed in its current status of [${cs.status}]`);
    }
    const stack = cs.stack;
    this.executed.push({ stack: stack.name, changeSetName: cs.name, changes: structuredClone(cs.plan.changes) });
    // Executing one change set deletes the stack's others, as in AWS.
    for (const [id, other] of this.changeSets) if (other.stack === stack) this.changeSets.delete(id);
    const plan = cs.plan;
    const creating = cs.type === "CREATE";
    const operation = creating ? "create" : "update";
    stack.operationToken = input.ClientRequestToken;
    this.stackEvent(stack, creating ? "CREATE_IN_PROGRESS" : "UPDATE_IN_PROGRESS", "User Initiated");
    // The stack carries the update's tags from its start; a rollback that completes restores the
    // last successful operation's (a failed rollback leaves the new ones, naming what never served).
    if (!creating) {
      stack.lastUpdatedTime = this.world.now();
      stack.tags = plan.tags;
    }

    const changed = creating ? [...plan.resources.values()] : plan.changes
      .filter((c) => c.ResourceChange?.Action !== "Remove")
      .map((c) => plan.resources.get(c.ResourceChange?.LogicalResourceId ?? ""))
      .filter((r): r is FakeResource => r !== undefined);
    const failure: { resource: string; reason: string; rollbackFails?: string } | undefined =
      this.takeFault(stack.name, operation, (id) => plan.resources.has(id)) ?? this.conflict(plan, stack.current);
    const inProgress = creating ? "CREATE_IN_PROGRESS" : "UPDATE_IN_PROGRESS";
    const doneStatus = (r: FakeResource) => (creating || !stack.current?.resources.has(r.logicalId) ? "CREATE" : "UPDATE");

    // A wait condition added by this operation: its handle is created at once (its physical id, the
    // presigned URL, shows in its CREATE_COMPLETE event), and the resources that depend on it wait.
    const condition = changed.find((r) => r.type === "AWS::CloudFormation::WaitCondition" && !stack.current?.resources.has(r.logicalId));
    const handle = condition && changed.find((r) => r.type === "AWS::CloudFormation::WaitConditionHandle" && r.physicalId === condition.props.Handle);
    const steps: Array<() => void> = [];
    // A create makes every resource that does not depend on the wait condition while the gate waits
    // (an ECS service CREATE_COMPLETE once stable), as CloudFormation starts a resource as soon as
    // its dependencies exist; the other fakes see them at once. Deleted again if the create rolls back.
    const held = condition ? heldBy(plan.templateBody, condition.logicalId) : new Set<string>();
    const early = creating && condition ? changed.filter((r) => r !== handle && r !== condition && !held.has(r.logicalId)) : [];
    const createdEarly = new Set<string>();
    // ECS blue/green services start their deployment as soon as what they depend on exists (the
    // fake applies those first), and CloudFormation's handler completes them only once it ended.
    const appliedEarly = new Set<string>();
    const deploying = new Map<string, FakeServiceDeployment>();
    const blueGreen = changed.filter(isBlueGreenService);
    const startBlueGreen = (which: (r: FakeResource) => boolean) => {
      for (const r of blueGreen) {
        if (appliedEarly.has(r.logicalId) || !which(r)) continue;
        for (const id of dependenciesOf(plan.templateBody, r.logicalId)) {
          const dependency = changed.find((c) => c.logicalId === id);
          if (!dependency || dependency === condition || dependency === handle || createdEarly.has(id) || appliedEarly.has(id)) continue;
          this.applyResource(dependency);
          appliedEarly.add(id);
        }
        const started = this.applyResource(r);
        appliedEarly.add(r.logicalId);
        if (started) deploying.set(r.logicalId, started);
      }
    };
    /** The step after the blue/green services' deployments ended: the operation completes, or fails on the first that did not succeed. */
    const afterBlueGreen = () => {
      const end = finish(blueGreenFailure(deploying, this.world.uuid()));
      steps.push(...end.slice(1));
      end[0]?.();
    };
    stack.holds = new Map([[afterBlueGreen, () => [...deploying.values()]]]);
    const createEarly = () => {
      for (const r of early) {
        if (isBlueGreenService(r)) continue;
        this.event(stack, r.logicalId, r.type, r.physicalId, "CREATE_COMPLETE");
        this.applyResource(r);
        createdEarly.add(r.logicalId);
      }
      if (!failure) startBlueGreen((r) => !held.has(r.logicalId));
    };
    steps.push(() => {
      for (const r of changed) {
        if (r === handle) continue;
        this.event(stack, r.logicalId, r.type, r.physicalId, stack.current?.resources.has(r.logicalId) ? inProgress : "CREATE_IN_PROGRESS");
      }
      // Blue/green services that no gate holds start at once (a gated create starts them with its other early resources).
      if (!failure && !(creating && condition)) startBlueGreen((r) => !held.has(r.logicalId));
    });
    if (handle && condition) {
      this.event(stack, handle.logicalId, handle.type, handle.physicalId, "CREATE_IN_PROGRESS");
      this.event(stack, handle.logicalId, handle.type, handle.physicalId, "CREATE_COMPLETE");
      const timeout = Number(condition.props.Timeout ?? 0);
      stack.gate = {
        condition: condition.logicalId,
        url: handle.physicalId,
        count: Number(condition.props.Count ?? 1),
        deadline: this.world.now().getTime() + timeout * 1000,
        successes: new Set(),
        step: () => {},
        held,
      };
    }
    for (let i = 2; i < this.timing.stackPolls; i++) steps.push(() => {});
    /** The operation's end: complete, or fail on `failed` and roll back (two steps). */
    const finish = (failure: { resource: string; reason: string; rollbackFails?: string } | undefined): Array<() => void> => {
    const out: Array<() => void> = [];
    if (!failure) {
      out.push(() => {
        for (const r of changed) if (!createdEarly.has(r.logicalId)) this.event(stack, r.logicalId, r.type, r.physicalId, `${doneStatus(r)}_COMPLETE`);
        if (!creating) {
          this.stackEvent(stack, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS");
          for (const [id, r] of stack.current?.resources ?? []) {
            if (plan.resources.get(id)?.physicalId === r.physicalId) continue;
            this.event(stack, id, r.type, r.physicalId, "DELETE_IN_PROGRESS");
            this.event(stack, id, r.type, r.physicalId, "DELETE_COMPLETE");
          }
        }
        this.commit(stack, plan, new Set([...createdEarly, ...appliedEarly]));
        this.stackEvent(stack, creating ? "CREATE_COMPLETE" : "UPDATE_COMPLETE");
      });
    } else {
      out.push(() => {
        const index = changed.findIndex((r) => r.logicalId === failure.resource);
        const failed = plan.resources.get(failure.resource);
        changed.slice(0, Math.max(index, 0)).filter((r) => !createdEarly.has(r.logicalId)).forEach((r) => this.event(stack, r.logicalId, r.type, r.physicalId, `${doneStatus(r)}_COMPLETE`));
        if (failed) this.event(stack, failed.logicalId, failed.type, failed.physicalId, `${doneStatus(failed)}_FAILED`, failure.reason);
        for (const r of changed.slice(index + 1)) {
          if (createdEarly.has(r.logicalId)) continue;
          const verb = doneStatus(r);
          this.event(stack, r.logicalId, r.type, r.physicalId, `${verb}_FAILED`, `Resource ${verb === "CREATE" ? "creation" : "update"} cancelled`);
        }
        const list = `The following resource(s) failed to ${operation}: [${failure.resource}].`;
        this.stackEvent(stack, creating ? "ROLLBACK_IN_PROGRESS" : "UPDATE_ROLLBACK_IN_PROGRESS", creating ? `${list} Rollback requested by user.` : `${list} `);
      });
      // An update rolls back what it already applied: a blue/green service deploys its previous
      // task definition again (another service deployment, which the rollback waits for).
      const rollingBack = new Map<string, FakeServiceDeployment>();
      if (!creating && appliedEarly.size > 0) {
        out.push(() => {
          for (const id of appliedEarly) {
            const before = stack.current?.resources.get(id);
            const r = plan.resources.get(id);
            if (!before) {
              if (r) this.removeResource(r);
              continue;
            }
            const again = this.applyResource(before, { redeploy: true });
            if (again) rollingBack.set(id, again);
          }
        });
      }
      const rolledBack = () => {
        if (creating) {
          for (const r of [...changed].reverse()) {
            this.event(stack, r.logicalId, r.type, r.physicalId, "DELETE_IN_PROGRESS");
            if (createdEarly.has(r.logicalId) || appliedEarly.has(r.logicalId)) this.removeResource(r);
            this.event(stack, r.logicalId, r.type, r.physicalId, "DELETE_COMPLETE");
          }
          this.stackEvent(stack, "ROLLBACK_COMPLETE");
          return;
        }
        for (const r of changed) {
          const before = stack.current?.resources.get(r.logicalId);
          if (!before) continue;
          this.event(stack, r.logicalId, r.type, before.physicalId, "UPDATE_IN_PROGRESS");
          if (failure.rollbackFails && r.logicalId === failure.resource) {
            this.event(stack, r.logicalId, r.type, before.physicalId, "UPDATE_FAILED", failure.rollbackFails);
            stack.rollbackFailed = new Map([[r.logicalId, failure.rollbackFails]]);
            continue;
          }
          const back = blueGreenFailure(new Map([...rollingBack].filter(([id]) => id === r.logicalId)), this.world.uuid());
          if (back) {
            this.event(stack, r.logicalId, r.type, before.physicalId, "UPDATE_FAILED", back.reason);
            stack.rollbackFailed = new Map([...(stack.rollbackFailed ?? []), [r.logicalId, back.reason]]);
            continue;
          }
          this.event(stack, r.logicalId, r.type, before.physicalId, "UPDATE_COMPLETE");
        }
        if (stack.rollbackFailed?.size) {
          this.stackEvent(stack, "UPDATE_ROLLBACK_FAILED", `The following resource(s) failed to update: [${[...stack.rollbackFailed.keys()].join(", ")}]. `);
          return;
        }
        stack.tags = stack.current?.tags ?? stack.tags;
        this.stackEvent(stack, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS");
        this.stackEvent(stack, "UPDATE_ROLLBACK_COMPLETE");
      };
      stack.holds?.set(rolledBack, () => [...rollingBack.values()]);
      out.push(rolledBack);
    }
    return out;
    };
    const gate = stack.gate;
    // A resource the gate does not hold fails a create before anyone could signal: it rolls back
    // without waiting, and its handle is spent.
    const failsEarly = creating && failure !== undefined && !held.has(failure.resource);
    if (!gate || !condition || failsEarly) {
      if (!failure && blueGreen.length > 0) {
        // Halted (see describeStacks) until the blue/green services' deployments end.
        steps.push(afterBlueGreen);
      } else {
        const end = finish(failure);
        const first = end[0];
        if (gate && first) {
          end[0] = () => {
            first();
            this.spentGates.add(gate.url);
            stack.gate = undefined;
          };
        }
        steps.push(...end);
      }
    } else {
      // Halted at the gate (see describeStacks) until its outcome; a FAILURE or the timeout fails the wait condition.
      if (early.length > 0) steps.push(createEarly);
      steps.push(gate.step, () => {
        const gateFailure = gate.outcome?.status === "FAILURE"
          ? { resource: condition.logicalId, reason: gate.outcome.reason }
          : gate.outcome === undefined
            ? { resource: condition.logicalId, reason: `WaitCondition timed out. Received ${gate.successes.size} conditions when expecting ${gate.count}` }
            : undefined;
        this.spentGates.add(gate.url);
        stack.gate = undefined;
        if (!gateFailure && !failure && blueGreen.length > 0) {
          // The services the gate held start their deployments now; the operation waits for every one.
          startBlueGreen(() => true);
          steps.push(afterBlueGreen);
          return;
        }
        // Steps are appended to the operation's own list, which the timed layer may be running through.
        const end = finish(gateFailure ?? failure);
        steps.push(...end.slice(1));
        end[0]?.();
      });
    }
    stack.steps = steps;
    return {};
  }

  /** A listener rule whose priority another rule on the listener holds (a real race between previews). */
  private conflict(plan: Plan, current: Plan | undefined): { resource: string; reason: string } | undefined {
    for (const r of plan.resources.values()) {
      if (r.type !== "AWS::ElasticLoadBalancingV2::ListenerRule") continue;
      const listener = String(r.props.ListenerArn ?? "");
      if (!this.deps.elb.listeners.has(listener)) {
        return { resource: r.logicalId, reason: `Resource handler returned message: "One or more listeners not found (Service: ElasticLoadBalancingV2, Status Code: 400)" (HandlerErrorCode: NotFound)` };
      }
      const priority = Number(r.props.Priority);
      const refused = this.deps.elb.refusal(listener, current?.resources.get(r.logicalId)?.physicalId, forwardTargets(r.props.Actions)?.map((t) => t.targetGroupArn));
      if (refused) {
        return { resource: r.logicalId, reason: `Resource handler returned message: "${refused.message} (Service: ElasticLoadBalancingV2, Status Code: 400, Request ID: ${this.world.uuid()})" (HandlerErrorCode: ServiceLimitExceeded)` };
      }
      if (this.deps.elb.isPriorityTaken(listener, priority, current?.resources.get(r.logicalId)?.physicalId)) {
        return { resource: r.logicalId, reason: `Resource handler returned message: "${this.deps.elb.priorityInUse(priority)}" (HandlerErrorCode: AlreadyExists)` };
      }
    }
    return undefined;
  }

  private takeFault(stackName: string, operation: "create" | "update" | "delete" | "rollback", applies: (resource: string) => boolean) {
    const index = this.faults.findIndex(
      (f) => (!f.stack || f.stack === stackName) &&
        (f.operation ? f.operation === operation : operation === "create" || operation === "update") &&
        applies(f.resource),
    );
    const fault = this.faults[index];
    if (!fault) return undefined;
    if ((fault.skip ?? 0) > 0) {
      fault.skip! -= 1;
      return undefined;
    }
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) this.faults.splice(index, 1);
    fault.alongside?.();
    return fault;
  }

  // ---------------------------------------------------------------------------------------------
  // Stuck updates

  private listResources(input: ListStackResourcesCommandInput) {
    const stack = this.mustFind(input.StackName);
    const created = (id: string) => stack.events.some((e) => e.LogicalResourceId === id && e.ResourceStatus === "UPDATE_COMPLETE") ? "UPDATE_COMPLETE" : "CREATE_COMPLETE";
    const summaries = new Map<string, StackResourceSummary>(
      [...(stack.current?.resources.values() ?? [])].map((r) => [
        r.logicalId,
        {
          LogicalResourceId: r.logicalId,
          PhysicalResourceId: r.physicalId,
          ResourceType: r.type,
          LastUpdatedTimestamp: stack.lastUpdatedTime ?? stack.creationTime,
          ResourceStatus: (stack.rollbackFailed?.has(r.logicalId) ? "UPDATE_FAILED" : created(r.logicalId)) as never,
          ResourceStatusReason: stack.rollbackFailed?.get(r.logicalId),
        },
      ]),
    );
    // An operation in progress lists what it has started so far, as its events say, with their
    // physical ids (AWS lists a resource from its first event on).
    if (stack.status.endsWith("_IN_PROGRESS") && stack.operationToken !== undefined) {
      for (const e of stack.events) {
        if (e.ClientRequestToken !== stack.operationToken || e.LogicalResourceId === stack.name || !e.LogicalResourceId || !e.PhysicalResourceId) continue;
        if (e.ResourceStatus === "DELETE_COMPLETE") {
          summaries.delete(e.LogicalResourceId);
          continue;
        }
        summaries.set(e.LogicalResourceId, {
          LogicalResourceId: e.LogicalResourceId,
          PhysicalResourceId: e.PhysicalResourceId,
          ResourceType: e.ResourceType,
          LastUpdatedTimestamp: e.Timestamp,
          ResourceStatus: e.ResourceStatus as never,
        });
      }
    }
    return { StackResourceSummaries: [...summaries.values()] };
  }

  /**
   * Rolls an UPDATE_ROLLBACK_FAILED stack back again: resources still failing to roll back fail it
   * again, unless listed in ResourcesToSkip (only UPDATE_FAILED ones may be), which CloudFormation
   * then marks as rolled back without touching them.
   */
  private continueUpdateRollback(input: ContinueUpdateRollbackCommandInput) {
    const stack = this.mustFind(input.StackName);
    if (stack.status !== "UPDATE_ROLLBACK_FAILED") {
      throw awsError("cloudformation", "ValidationError", `Stack ${stack.stackId} is in ${stack.status} state and can not continue update rollback.`);
    }
    const failed = stack.rollbackFailed ?? new Map<string, string>();
    const skip = input.ResourcesToSkip ?? [];
    const invalid = skip.filter((id) => !failed.has(id));
    if (invalid.length > 0) {
      throw awsError("cloudformation", "ValidationError", `Resources [${invalid.join(", ")}] cannot be skipped: only resources in UPDATE_FAILED state can be skipped.`);
    }
    const again = this.takeFault(stack.name, "rollback", (id) => stack.current?.resources.has(id) === true);
    if (again) failed.set(again.resource, again.reason);
    stack.operationToken = input.ClientRequestToken;
    this.stackEvent(stack, "UPDATE_ROLLBACK_IN_PROGRESS", "Continue rollback requested by user.");
    const steps: Array<() => void> = [];
    for (let i = 1; i < this.timing.stackPolls; i++) steps.push(() => {});
    steps.push(() => {
      for (const [id, reason] of failed) {
        const r = stack.current?.resources.get(id);
        if (skip.includes(id) && id !== again?.resource) {
          this.event(stack, id, r?.type ?? "", r?.physicalId ?? "", "UPDATE_COMPLETE", "Resource skipped during UpdateRollback");
          failed.delete(id);
        } else {
          this.event(stack, id, r?.type ?? "", r?.physicalId ?? "", "UPDATE_FAILED", reason);
        }
      }
      if (failed.size > 0) {
        this.stackEvent(stack, "UPDATE_ROLLBACK_FAILED", `The following resource(s) failed to update: [${[...failed.keys()].join(", ")}]. `);
        return;
      }
      stack.rollbackFailed = undefined;
      stack.tags = stack.current?.tags ?? stack.tags;
      this.stackEvent(stack, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS");
      this.stackEvent(stack, "UPDATE_ROLLBACK_COMPLETE");
    });
    stack.steps = steps;
    return {};
  }

  // ---------------------------------------------------------------------------------------------
  // Delete

  private deleteStack(input: DeleteStackCommandInput) {
    const stack = this.stacks.get(input.StackName ?? "") ?? this.byId.get(input.StackName ?? "");
    if (!stack || stack.status === "DELETE_COMPLETE" || stack.status === "DELETE_IN_PROGRESS") return {};
    if (stack.status.endsWith("_IN_PROGRESS") && stack.status !== "REVIEW_IN_PROGRESS") {
      throw awsError("cloudformation", "ValidationError", `Stack [${stack.name}] cannot be deleted while in status ${stack.status}`);
    }
    const retain = new Set(input.RetainResources ?? []);
    if (retain.size > 0 && stack.status !== "DELETE_FAILED") {
      throw awsError("cloudformation", "ValidationError", "Invalid operation on stack: RetainResources can only be specified when the stack is in DELETE_FAILED state");
    }
    const resources = [...(stack.current?.resources.values() ?? [])].filter((r) => !retain.has(r.logicalId)).reverse();
    const failure = this.takeFault(stack.name, "delete", (id) => resources.some((r) => r.logicalId === id));
    stack.operationToken = input.ClientRequestToken;
    this.stackEvent(stack, "DELETE_IN_PROGRESS", "User Initiated");
    const steps: Array<() => void> = [() => resources.forEach((r) => this.event(stack, r.logicalId, r.type, r.physicalId, "DELETE_IN_PROGRESS"))];
    for (let i = 2; i < this.timing.stackPolls; i++) steps.push(() => {});
    steps.push(() => {
      for (const r of resources) {
        if (r.logicalId === failure?.resource) {
          this.event(stack, r.logicalId, r.type, r.physicalId, "DELETE_FAILED", failure.reason);
          continue;
        }
        this.event(stack, r.logicalId, r.type, r.physicalId, "DELETE_COMPLETE");
        this.removeResource(r);
        stack.current?.resources.delete(r.logicalId);
      }
      if (failure) {
        this.stackEvent(stack, "DELETE_FAILED", `The following resource(s) failed to delete: [${failure.resource}]. `);
        return;
      }
      for (const id of retain) stack.current?.resources.delete(id);
      for (const [name, e] of this.exports) if (e.stackId === stack.stackId) this.exports.delete(name);
      this.stackEvent(stack, "DELETE_COMPLETE");
      this.stacks.delete(stack.name);
    });
    stack.steps = steps;
    return {};
  }

  /** Makes a finished create or update real: the other fakes see the stack's resources, exports are published. */
  private commit(stack: FakeStack, plan: Plan, createdEarly: ReadonlySet<string> = new Set()): void {
    const before = stack.current?.resources ?? new Map<string, FakeResource>();
    for (const [id, r] of before) if (plan.resources.get(id)?.physicalId !== r.physicalId) this.removeResource(r);
    for (const r of plan.resources.values()) {
      if (createdEarly.has(r.logicalId)) continue;
      // An update that leaves a resource's properties alone (a retag) calls no API of its service
      // but tagging: an ECS service is not deployed again.
      const was = before.get(r.logicalId);
      if (was?.physicalId === r.physicalId && JSON.stringify(was.props) === JSON.stringify(r.props)) continue;
      this.applyResource(r);
    }
    for (const [name, e] of this.exports) if (e.stackId === stack.stackId) this.exports.delete(name);
    for (const o of plan.outputs) if (o.ExportName) this.exports.set(o.ExportName, { value: o.OutputValue ?? "", stackId: stack.stackId });
    stack.current = plan;
    stack.tags = plan.tags;
  }

  /**
   * Makes a resource real in the other fakes; returns the service deployment a blue/green ECS
   * service started (`redeploy`: it deploys even an unchanged task definition, as a rollback does).
   */
  private applyResource(r: FakeResource, options: { redeploy?: boolean } = {}): FakeServiceDeployment | undefined {
    const { ecs, elb, logs } = this.deps;
    switch (r.type) {
      case "AWS::ECS::TaskDefinition":
        if (!ecs.taskDefinitions.has(r.physicalId)) ecs.registerTaskDefinition(r.physicalId, String(r.meta.family), Number(r.meta.revision), r.props);
        break;
      case "AWS::ECS::Service": {
        const before = ecs.services.get(r.physicalId);
        const previous = before ? ecs.serviceDeployments.current(before) : undefined;
        const service = ecs.upsertService({
          arn: r.physicalId,
          name: String(r.meta.name),
          cluster: String(r.meta.cluster),
          taskDefinition: String(r.props.TaskDefinition ?? ""),
          desiredCount: Number(r.props.DesiredCount ?? 1),
          loadBalancers: camelCase(r.props.LoadBalancers ?? []) as never,
          ...(r.props.DeploymentConfiguration === undefined ? {} : { deploymentConfiguration: camelCase(r.props.DeploymentConfiguration) as never }),
          ...(options.redeploy && isBlueGreenService(r) ? { redeploy: true } : {}),
        });
        const started = ecs.serviceDeployments.current(service);
        return started !== previous ? started : undefined;
      }
      case "AWS::ElasticLoadBalancingV2::TargetGroup":
        elb.addTargetGroup({
          arn: r.physicalId,
          name: String(r.meta.name),
          port: Number(r.props.Port ?? 80),
          ...(typeof r.props.VpcId === "string" ? { vpcId: r.props.VpcId } : {}),
          ...(typeof r.props.TargetType === "string" ? { targetType: r.props.TargetType } : {}),
          ...(typeof r.props.Protocol === "string" ? { protocol: r.props.Protocol } : {}),
          ...(Array.isArray(r.props.TargetGroupAttributes)
            ? { attributes: Object.fromEntries((r.props.TargetGroupAttributes as Array<{ Key?: unknown; Value?: unknown }>).map((a) => [String(a.Key), String(a.Value)])) }
            : {}),
        });
        break;
      case "AWS::ElasticLoadBalancingV2::ListenerRule":
        elb.putRule({ arn: r.physicalId, listenerArn: String(r.props.ListenerArn), priority: Number(r.props.Priority), forward: forwardTargets(r.props.Actions) });
        break;
      case "AWS::Logs::LogGroup":
        logs.createGroup(r.physicalId);
        break;
    }
    return undefined;
  }

  private removeResource(r: FakeResource): void {
    const { ecs, elb } = this.deps;
    switch (r.type) {
      case "AWS::ECS::TaskDefinition":
        ecs.deregisterTaskDefinition(r.physicalId);
        break;
      case "AWS::ECS::Service":
        ecs.removeService(r.physicalId);
        break;
      case "AWS::ElasticLoadBalancingV2::TargetGroup":
        elb.targetGroups.delete(r.physicalId);
        break;
      case "AWS::ElasticLoadBalancingV2::ListenerRule":
        elb.rules.delete(r.physicalId);
        break;
    }
  }
}
