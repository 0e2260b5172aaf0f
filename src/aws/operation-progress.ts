/**
 * What a stack operation's events (CloudFormation's own timestamps) tell of its progress: when it
 * started and ended, and when ECS services it creates should be stable.
 */
import type { StackEvent } from "@aws-sdk/client-cloudformation";
import { TYPICAL_MS } from "./expected-duration.js";

const STACK = "AWS::CloudFormation::Stack";

/** When the stack's own events (its statuses) happened, by CloudFormation's clock, in ms. */
function stackEventTimes(events: readonly StackEvent[]): number[] {
  return events.filter((e) => e.ResourceType === STACK && e.Timestamp).map((e) => new Date(e.Timestamp!).getTime());
}

/** Milliseconds from the first to the last of the stack's own events, when they tell. */
export function operationSpan(events: readonly StackEvent[]): number | undefined {
  const times = stackEventTimes(events);
  if (times.length < 2) return undefined;
  const span = Math.max(...times) - Math.min(...times);
  return span > 0 ? span : undefined;
}

/** When the operation's last event of the stack itself happened, by CloudFormation's clock. */
export function operationEnd(events: readonly StackEvent[]): number | undefined {
  const times = stackEventTimes(events);
  return times.length === 0 ? undefined : Math.max(...times);
}

/** When the operation's first event of the stack itself happened (its `*_IN_PROGRESS`), by CloudFormation's clock. */
export function operationStart(events: readonly StackEvent[]): number | undefined {
  const times = stackEventTimes(events);
  return times.length === 0 ? undefined : Math.min(...times);
}

/** When each resource's first event of the operation, and its `*_COMPLETE`, happened (ms), as far as the events go. */
export function resourceTimes(events: readonly StackEvent[], logicalId: string): { started?: number; completed?: number } {
  const mine = events.filter((e) => e.LogicalResourceId === logicalId && e.ResourceType !== STACK && e.Timestamp);
  const at = (e: StackEvent | undefined) => (e ? new Date(e.Timestamp!).getTime() : undefined);
  const started = at(mine.find((e) => e.ResourceStatus?.endsWith("_IN_PROGRESS")));
  const completed = at(mine.find((e) => e.ResourceStatus?.endsWith("_COMPLETE")));
  return { ...(started === undefined ? {} : { started }), ...(completed === undefined ? {} : { completed }) };
}

/**
 * When ECS services that an operation creates alongside other resources should be stable (ms,
 * CloudFormation's clock), from the operation's events so far (oldest first).
 *
 * CloudFormation starts a service (its first `*_IN_PROGRESS` event) once the resources it depends
 * on exist: the time from the operation's start to the services' start, against the typical
 * figure for those resources, is AWS's pace now, and the services are expected one rollout at that
 * pace after the last of them started (`resourcesPace` tells it). Before they start, the end is a
 * rollout beyond now, at `pace` or at the pace the time so far already implies when that is
 * slower, and never before the typical figures at `pace`. Undefined before the operation's first
 * event shows.
 */
export function expectServicesStable(input: { events: readonly StackEvent[]; services: readonly string[]; now: number; pace: number }): { endAt: number; resourcesPace?: number } | undefined {
  const { events, services, now, pace } = input;
  const start = operationStart(events);
  if (start === undefined) return undefined;
  const resources = TYPICAL_MS.stackResources;
  const rollout = services.length === 0 ? 0 : TYPICAL_MS.serviceRollout;
  const starts = services.map((id) => resourceTimes(events, id).started);
  if (services.length > 0 && starts.every((t): t is number => t !== undefined)) {
    const ratio = (Math.min(...starts) - start) / resources;
    // Services that depend on almost nothing start at once, which tells nothing of the pace.
    if (ratio < MIN_PACE) return { endAt: Math.max(...starts) + rollout * pace };
    const resourcesPace = clampPace(ratio);
    return { endAt: Math.max(...starts) + rollout * resourcesPace, resourcesPace };
  }
  const typicalEnd = start + (resources + rollout) * pace;
  return { endAt: Math.max(typicalEnd, now + rollout * Math.max(pace, clampPace((now - start) / resources))) };
}

const MIN_PACE = 0.25;
const MAX_PACE = 4;

/** A pace outside a quarter to four times the typical is an outlier (a resource stuck, a clock off), not AWS's pace. */
export function clampPace(ratio: number): number {
  return Math.min(Math.max(ratio, MIN_PACE), MAX_PACE);
}
