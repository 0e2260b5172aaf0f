import type { Stack, StackStatus } from "@aws-sdk/client-cloudformation";
import type { StackSummary } from "../preview/ports.js";

/** What berth reads of a stack: name, status, outputs, tags, parameters and creation time. */
export function summarize(stack: Stack): StackSummary {
  const pairs = <T>(items: T[] | undefined, key: (item: T) => string | undefined, value: (item: T) => string | undefined) =>
    Object.fromEntries((items ?? []).map((item) => [key(item) ?? "", value(item) ?? ""]));
  return {
    name: stack.StackName ?? "",
    status: stack.StackStatus ?? "",
    outputs: pairs(stack.Outputs, (o) => o.OutputKey, (o) => o.OutputValue),
    tags: pairs(stack.Tags, (t) => t.Key, (t) => t.Value),
    parameters: pairs(stack.Parameters, (p) => p.ParameterKey, (p) => p.ParameterValue),
    ...(stack.CreationTime ? { createdAt: stack.CreationTime } : {}),
  };
}

/** The parts of a Stack that `ensure` decides by, from a summary read before. */
export function unsummarize(summary: StackSummary | undefined): Stack | undefined {
  if (!summary) return undefined;
  return {
    StackName: summary.name,
    StackStatus: summary.status as StackStatus,
    CreationTime: summary.createdAt,
    Tags: Object.entries(summary.tags).map(([Key, Value]) => ({ Key, Value })),
    Outputs: Object.entries(summary.outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
    Parameters: Object.entries(summary.parameters).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
  };
}
