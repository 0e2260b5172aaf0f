/**
 * When berth expects an AWS operation to end, so its waits check rarely before that and often
 * around it (see `nextCheckDelay`). A first estimate comes from typical AWS timings and what the
 * operation changes; after that, from how long the same thing took last time in this process.
 */
import { resourceDependencies } from "../stack/resource-dependencies.js";

/** Typical AWS timings (milliseconds), berth's estimate before it has seen its own. */
export const TYPICAL_MS = {
  /** A stack's resources other than ECS services (security groups, target groups, rules, task definitions). */
  stackResources: 30_000,
  /** One ECS service rolling: Fargate start (typically 30-60 s) and two health checks. CloudFormation waits for it. */
  serviceRollout: 50_000,
  /** A one-off Fargate task from RunTask to its container running. */
  taskLaunch: 35_000,
  /** A release step's command, before berth has timed it. */
  step: 10_000,
  /** A preview stack's deletion. */
  deleteStack: 60_000,
  /**
   * A blue/green deployment continued at its pause hook: ECS moves the rule's weights, then drains
   * and stops the old tasks (berth's target groups deregister in 5 s).
   */
  trafficShift: 5_000,
} as const;

/** One entry of a change set's Changes, as DescribeChangeSet lists it. */
export interface PlannedChange {
  action?: string;
  logicalId?: string;
  type?: string;
  replacement?: string;
  scope?: string[];
}

interface TemplateResource {
  Type?: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
}

const SERVICE = "AWS::ECS::Service";

/**
 * How long a change set should take to execute: the resources other than ECS services, then one
 * service rollout for each level of ECS services that start new tasks (added with tasks, or with
 * changed properties such as a replaced task definition), a service being one level above the
 * rolling services it depends on. A tags-only change starts no task. Behind a release gate, the
 * services start only after `heldMs` (the release steps' expected time), which the other resources
 * overlap.
 */
export function expectStackChangeMs(input: {
  template: unknown;
  changes: PlannedChange[];
  parameters?: Record<string, string>;
  /** A release gate holds the rolling services this long (the release steps run meanwhile); the other resources change alongside. */
  heldMs?: number;
}): number {
  const { changes } = input;
  if (changes.length === 0) return 0;
  const others = changes.some((c) => c.type !== SERVICE) ? TYPICAL_MS.stackResources : 0;
  return Math.max(others, input.heldMs ?? 0) + rollingDepth(input) * TYPICAL_MS.serviceRollout;
}

/**
 * The ECS services the change set rolls blue/green (the fast rollout): each waits at its pause hook
 * once its new tasks launched and passed the health check, and the operation ends a traffic shift
 * after berth continues it. One no release gate holds does so beside the release steps. Undefined
 * when none rolls. `floorMs`: the soonest the operation can end, from its start; `tailMs`: what is
 * left once berth continued.
 */
export function expectBlueGreenMs(input: { template: unknown; changes: PlannedChange[]; parameters?: Record<string, string>; heldBy?: string }): { floorMs: number; tailMs: number } | undefined {
  const resources = ((input.template as { Resources?: Record<string, TemplateResource> } | undefined)?.Resources ?? {});
  const blueGreen = input.changes.filter((change) => {
    const strategy = (resources[change.logicalId ?? ""]?.Properties?.DeploymentConfiguration as { Strategy?: unknown } | undefined)?.Strategy;
    return strategy === "BLUE_GREEN" && rolls(change, resources, input.parameters ?? {});
  });
  if (blueGreen.length === 0) return undefined;
  // One a gate holds starts only once the gate opened: the held rollout's estimate covers its launch.
  const atOnce = blueGreen.some((change) => !dependsOn(resources, change.logicalId ?? "", input.heldBy));
  return { floorMs: atOnce ? TYPICAL_MS.serviceRollout + TYPICAL_MS.trafficShift : 0, tailMs: TYPICAL_MS.trafficShift };
}

/** Whether a change starts new tasks of an ECS service: added with tasks, or with changed properties (a replaced task definition). */
function rolls(change: PlannedChange, resources: Record<string, TemplateResource>, parameters: Record<string, string>): boolean {
  const resource = resources[change.logicalId ?? ""];
  if (change.type !== SERVICE || !resource || desiredCount(resource, parameters) <= 0) return false;
  return change.action === "Add" || (change.action === "Modify" && (change.scope ?? []).includes("Properties"));
}

/** Whether resource `id` depends on `target`, directly or through other resources. */
function dependsOn(resources: Record<string, TemplateResource>, id: string, target: string | undefined, path = new Set<string>()): boolean {
  if (target === undefined) return false;
  if (id === target) return true;
  if (path.has(id)) return false;
  path.add(id);
  return resourceDependencies(resources[id]).some((d) => dependsOn(resources, d, target, path));
}

/**
 * How long the services a release gate holds take once it opens: one service rollout per level of
 * the rolling services that depend, directly or not, on `heldBy` (the gate's handle). The other
 * resources, and the services nothing holds, changed while the release steps ran.
 */
export function expectHeldRolloutMs(input: { template: unknown; changes: PlannedChange[]; parameters?: Record<string, string>; heldBy: string }): number {
  return rollingDepth(input) * TYPICAL_MS.serviceRollout;
}

/** Levels of ECS services the change set rolls (only those that depend on `heldBy`, when given). */
function rollingDepth(input: { template: unknown; changes: PlannedChange[]; parameters?: Record<string, string>; heldBy?: string }): number {
  const { changes, parameters = {} } = input;
  const resources = ((input.template as { Resources?: Record<string, TemplateResource> } | undefined)?.Resources ?? {});
  const rolling = new Set(
    changes
      .filter((c) => rolls(c, resources, parameters))
      .map((c) => c.logicalId ?? "")
      .filter((id) => input.heldBy === undefined || (id !== input.heldBy && dependsOn(resources, id, input.heldBy))),
  );
  const levels = new Map<string, number>();
  const level = (id: string, path: Set<string>): number => {
    const known = levels.get(id);
    if (known !== undefined) return known;
    if (path.has(id)) return 0;
    path.add(id);
    const below = resourceDependencies(resources[id]).filter((d) => rolling.has(d) && d !== id);
    const value = below.length === 0 ? 0 : 1 + Math.max(...below.map((d) => level(d, path)));
    levels.set(id, value);
    return value;
  };
  return rolling.size === 0 ? 0 : 1 + Math.max(...[...rolling].map((id) => level(id, new Set())));
}

/**
 * How long things took, by key (as AWS's own timestamps tell, when they do), for the next
 * estimate of the same thing. Bounded: the oldest key goes first.
 */
export class DurationMemory {
  private readonly entries = new Map<string, number>();

  constructor(private readonly capacity = 500) {}

  /** The last value recorded for `key`. */
  find(key: string): number | undefined {
    return this.entries.get(key);
  }

  record(key: string, value: number): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }
}

function desiredCount(resource: TemplateResource, parameters: Record<string, string>): number {
  const value = resource.Properties?.DesiredCount;
  if (typeof value === "number") return value;
  if (typeof value === "string") return Number(value);
  const ref = value && typeof value === "object" && "Ref" in value ? String(value.Ref) : undefined;
  if (ref !== undefined && parameters[ref] !== undefined) return Number(parameters[ref]);
  return 1;
}

