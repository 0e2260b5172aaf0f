/**
 * The latency model of published AWS timings that berth's speed is measured against (issue #10),
 * as pure functions: how long a CloudFormation operation on a preview stack takes given what it
 * changes, how long a one-off task runs given the commands it carries, and the critical-path bound
 * of a preview. The timed layer (timed-aws.ts) applies it to the stateful fakes on a virtual clock.
 *
 * The model follows what AWS does, not berth's call sequence: a stack operation costs its
 * non-service resources, then, level by level of dependencies, the ECS services whose change
 * launches tasks (CloudFormation waits for a service to be stable before it completes it); a task
 * launches once and runs its steps one after the other.
 */
import { resourceDependencies } from "../../../src/stack/resource-dependencies.js";

/** Seconds for each thing the model times. */
export interface LatencyModel {
  /** Every AWS API call. */
  apiCall: number;
  /** A create or update of a preview stack: its resources other than ECS services. */
  stackResources: number;
  /** One level of ECS services whose change launches tasks: Fargate launch, then healthy. */
  serviceLaunch: number;
  serviceHealthy: number;
  /** A one-off task (RunTask) from the call to its container starting. */
  taskLaunch: number;
  /** A DeleteStack. */
  deleteStack: number;
  /** A change set computes in this long. */
  changeSet: number;
  /** The release steps a task may run, each by the command that runs it. */
  steps: Array<{ name: string; command: string; seconds: number }>;
}

/** The figures of issue #10, with the steps of the Rails + Postgres reference app. */
export const ISSUE_10_MODEL: LatencyModel = {
  apiCall: 0.05,
  stackResources: 30,
  serviceLaunch: 40,
  serviceHealthy: 10,
  taskLaunch: 35,
  deleteStack: 60,
  changeSet: 0,
  steps: [
    { name: "migrate", command: "bin/rails db:migrate", seconds: 10 },
    { name: "seed", command: "bin/rails db:seed", seconds: 15 },
  ],
};

/** `model` with AWS's work (not its API calls or change sets) `factor` times as long: AWS slower (or, below 1, faster) than typical. */
export function atPace(model: LatencyModel, factor: number): LatencyModel {
  return {
    ...model,
    stackResources: model.stackResources * factor,
    serviceLaunch: model.serviceLaunch * factor,
    serviceHealthy: model.serviceHealthy * factor,
    taskLaunch: model.taskLaunch * factor,
    deleteStack: model.deleteStack * factor,
    steps: model.steps.map((step) => ({ ...step, seconds: step.seconds * factor })),
  };
}

interface TemplateResource {
  Type?: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
}

/** The parts of a CloudFormation template the model reads. */
export interface ModelTemplate {
  Parameters?: Record<string, { Default?: unknown }>;
  Resources?: Record<string, TemplateResource>;
}

/** One entry of a change set's Changes, as DescribeChangeSet lists it. */
export interface ModelChange {
  action: string;
  logicalId: string;
  type: string;
  /** "True", "False" or "Conditional" for a Modify. */
  replacement?: string;
}

const SERVICE = "AWS::ECS::Service";

/** How a stack operation spends its time: the non-service part, then each level of launching services. */
export interface StackTiming {
  /**
   * Seconds until the operation completes, blue/green services aside: CloudFormation completes
   * those when their service deployment ends, which a PAUSE hook holds until berth continues it.
   */
  seconds: number;
  /** Logical ids of the ECS services that launch tasks, by dependency level (level 0 first), blue/green ones aside. */
  levels: string[][];
  /** Logical ids of the launching ECS services that deploy blue/green: their green tasks launch as their update starts. */
  blueGreen: string[];
}

/**
 * The time a create or update takes: `stackResources` when anything but an ECS service changes,
 * then `serviceLaunch + serviceHealthy` for each level of ECS services whose change launches
 * tasks. A service launches tasks when it is added with a desired count above 0, when its task
 * definition is replaced (a new task definition means a new deployment), or when its desired count
 * rises from 0; a tags-only change launches nothing. A service is one level above every launching
 * service it depends on (DependsOn, Ref or GetAtt).
 */
export function stackOperationTiming(input: {
  model: LatencyModel;
  changes: ModelChange[];
  template: ModelTemplate;
  previous?: ModelTemplate;
  parameters?: Record<string, string>;
}): StackTiming {
  const { model, changes, template, previous, parameters = {} } = input;
  if (changes.length === 0) return { seconds: 0, levels: [], blueGreen: [] };
  const resources = template.Resources ?? {};
  const changed = new Map(changes.map((c) => [c.logicalId, c]));
  const launches = (id: string): boolean => {
    const change = changed.get(id);
    const resource = resources[id];
    if (!change || resource?.Type !== SERVICE || change.action === "Remove") return false;
    const desired = desiredCount(resource, template, parameters);
    if (desired <= 0) return false;
    if (change.action === "Add") return true;
    const before = previous?.Resources?.[id];
    if (before && desiredCount(before, previous ?? {}, parameters) <= 0) return true;
    return newTaskDefinition(id);
  };
  /** A new task definition (or a new service) is a new deployment; a count risen from 0 only scales the service. */
  const newTaskDefinition = (id: string): boolean => {
    if (changed.get(id)?.action === "Add") return true;
    const taskDefinition = refOf(resources[id]?.Properties?.TaskDefinition);
    const definitionChange = taskDefinition === undefined ? undefined : changed.get(taskDefinition);
    return definitionChange !== undefined && (definitionChange.action === "Add" || definitionChange.replacement === "True");
  };
  const blueGreen = Object.keys(resources).filter((id) => launches(id) && isBlueGreen(resources[id]) && newTaskDefinition(id));
  const launching = Object.keys(resources).filter((id) => launches(id) && !blueGreen.includes(id));
  const levelOf = new Map<string, number>();
  const level = (id: string, seen: Set<string>): number => {
    const known = levelOf.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return 0;
    seen.add(id);
    const deps = resourceDependencies(resources[id]).filter((d) => launching.includes(d));
    const value = deps.length === 0 ? 0 : 1 + Math.max(...deps.map((d) => level(d, seen)));
    levelOf.set(id, value);
    return value;
  };
  const levels: string[][] = [];
  for (const id of launching) (levels[level(id, new Set())] ??= []).push(id);
  const nonService = changes.some((c) => c.type !== SERVICE) ? model.stackResources : 0;
  return { seconds: nonService + levels.length * (model.serviceLaunch + model.serviceHealthy), levels, blueGreen };
}

/**
 * The critical-path bound of a push with fast rollout (an ECS blue/green public service paused at
 * POST_SCALE_UP): the release steps due on every deploy and the green tasks' launch and health run
 * side by side from the push; berth continues the hook once both are done, the traffic shift takes
 * no time, and the clean-up waits the target group's deregistration delay.
 */
export function fastRolloutPushBound(model: LatencyModel, input: { pushSteps: string[]; deregistrationDelaySeconds: number }): number {
  const steps = input.pushSteps.reduce((sum, name) => sum + model.taskLaunch + (model.steps.find((s) => s.name === name)?.seconds ?? 0), 0);
  return Math.max(steps, model.serviceLaunch + model.serviceHealthy) + input.deregistrationDelaySeconds;
}

function isBlueGreen(resource: TemplateResource | undefined): boolean {
  const configuration = resource?.Properties?.DeploymentConfiguration as { Strategy?: unknown } | undefined;
  return configuration?.Strategy === "BLUE_GREEN";
}

/** The release steps a task runs, in the order its commands name them, and how long it runs. */
export function taskRunSeconds(model: LatencyModel, commands: string[]): { steps: string[]; seconds: number } {
  const text = commands.join("\n");
  const found = model.steps
    .map((step) => ({ step, at: text.indexOf(step.command) }))
    .filter((s) => s.at >= 0)
    .sort((a, b) => a.at - b.at);
  return { steps: found.map((s) => s.step.name), seconds: found.reduce((sum, s) => sum + s.step.seconds, 0) };
}

/**
 * The critical-path bound of a preview with today's sequence of launches (issue #10): on a first
 * deploy, the stack with the data services the release steps need (their non-service resources,
 * then one launch and health per level), each release step in a task of its own, then the public
 * service's launch and health; on a push, the steps due on every deploy, then the public service.
 */
export function criticalPathBound(model: LatencyModel, input: { dataServiceLevels: number; firstSteps: string[]; pushSteps: string[] }): { first: number; push: number } {
  const service = model.serviceLaunch + model.serviceHealthy;
  const steps = (names: string[]) => names.reduce((sum, name) => sum + model.taskLaunch + (model.steps.find((s) => s.name === name)?.seconds ?? 0), 0);
  return {
    first: model.stackResources + input.dataServiceLevels * service + steps(input.firstSteps) + service,
    push: steps(input.pushSteps) + service,
  };
}

function desiredCount(resource: TemplateResource, template: ModelTemplate, parameters: Record<string, string>): number {
  const value = resource.Properties?.DesiredCount;
  if (value === undefined) return 1;
  if (typeof value === "number") return value;
  if (typeof value === "string") return Number(value);
  const ref = refOf(value);
  if (ref !== undefined) return Number(parameters[ref] ?? template.Parameters?.[ref]?.Default ?? 1);
  // An expression the model does not evaluate (Fn::If...): assume the service runs.
  return 1;
}

function refOf(value: unknown): string | undefined {
  if (value && typeof value === "object" && "Ref" in value && typeof value.Ref === "string") return value.Ref;
  return undefined;
}

