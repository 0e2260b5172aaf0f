import type { Stack, StackEvent } from "@aws-sdk/client-cloudformation";
import { StackError, type StackFailure } from "../preview/errors.js";

const STACK_TYPE = "AWS::CloudFormation::Stack";

/** Resources CloudFormation gave up on because another one failed: noise, never the cause. */
function isCancellation(reason: string | undefined): boolean {
  return reason !== undefined && /cancel+ed/i.test(reason);
}

/**
 * The failure that caused a stack operation to fail: the first `*_FAILED` resource event
 * (chronologically, events given oldest first) that is not a cancellation. A failure of the
 * stack itself is only used when no resource failed.
 */
export function findFirstFailure(events: readonly StackEvent[]): StackFailure | undefined {
  const failures = events.filter(
    (e) => e.ResourceStatus?.endsWith("_FAILED") && !isCancellation(e.ResourceStatusReason),
  );
  const failure = failures.find((e) => e.ResourceType !== STACK_TYPE) ?? failures[0];
  if (!failure) return undefined;
  return {
    resource: failure.LogicalResourceId ?? "(unknown resource)",
    type: failure.ResourceType ?? "(unknown type)",
    reason: failure.ResourceStatusReason ?? "no reason given",
  };
}

/** One progress line for an event: `UPDATE_IN_PROGRESS WebService`, with the reason on failures. */
export function formatStackEvent(event: StackEvent): string {
  const line = `${event.ResourceStatus ?? "?"} ${event.LogicalResourceId ?? "?"}`;
  return event.ResourceStatus?.endsWith("_FAILED") && event.ResourceStatusReason
    ? `${line}: ${event.ResourceStatusReason}`
    : line;
}

/** The StackError for an operation that ended in a failed or rolled-back state. */
export function failedOperation(
  verb: string,
  name: string,
  stack: Stack | undefined,
  events: readonly StackEvent[],
  attempts?: number,
): StackError {
  const status = stack?.StackStatus ?? "DELETE_COMPLETE";
  const failure = findFirstFailure(events);
  const cause = failure
    ? `${failure.resource} (${failure.type}): ${failure.reason}`
    : (stack?.StackStatusReason ?? "CloudFormation reported no failing resource");
  const tries = attempts && attempts > 1 ? ` after ${attempts} attempts` : "";
  return new StackError(`${verb} stack ${name}: ${status}${tries}: ${cause}`, {
    stackName: name,
    status,
    firstFailure: failure,
    userMessage: `CloudFormation could not ${verb} stack ${name} (${status})${tries}: ${cause}`,
    // A release gate closed by a restarted berth, or timed out, fails this update only: the next deploy opens a new one.
    ...(failure && (isRetriableHandlerError(failure.reason) || failure.type === "AWS::CloudFormation::WaitCondition") ? { transient: "AWS" as const } : {}),
  });
}

/**
 * Whether a resource failed with one of the handler error codes CloudFormation's resource
 * handler contract calls retriable (the downstream service's 5xx, throttling, a network failure,
 * a conflicting operation in progress): the same operation may succeed later. Everything else
 * (an invalid request, a limit, access denied) repeats until something changes.
 */
export function isRetriableHandlerError(reason: string): boolean {
  return /\(HandlerErrorCode: (ServiceInternalError|Throttling|NetworkFailure|ResourceConflict)\)/.test(reason);
}
