import type { StackEvent } from "@aws-sdk/client-cloudformation";
import type { StackFailure } from "../preview/errors.js";

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
