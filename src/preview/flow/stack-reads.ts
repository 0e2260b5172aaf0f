import { SETTLED_STATUSES, type StackSummary } from "../ports.js";
import type { DeployDeps } from "./deploy-preview.js";
import { assertHeadroom, findDataTasks } from "./stack-operations.js";
import { parsePairs } from "./stack-outputs.js";

/**
 * What the stack phase of a deploy reads before it changes anything, each read started as soon as
 * what it needs is known, so that they run side by side (and beside the image check) rather than
 * one after another. A read that fails fails the deploy only where the stack phase awaits it, as
 * when it was read there; a read the stack phase turns out not to need is left unused.
 */
export interface StackReads {
  /** The preview stack as read; undefined: there is none. */
  stack: StackSummary | undefined;
  /** The template a settled stack runs (GetTemplate), for the release phase's comparison. */
  template?: Promise<Record<string, unknown> | undefined>;
  /** A settled stack's data services' running tasks, as the `berth:data-tasks` tag records them. */
  dataTasks?: Promise<string | undefined>;
  /** No stack: whether the load balancer has room for a new preview (throws LimitError when not). */
  headroom?: Promise<void>;
  /** No stack: the new preview's listener rule priority. */
  priority?: Promise<number>;
}

/**
 * Starts the stack phase's reads: the preview stack (or `live`, the answer read moments before),
 * then, from its answer, either the template, data tasks and release task definition of a settled
 * stack, or the load
 * balancer's headroom and a listener rule priority for a new one. A base stack without the output a
 * read needs starts no read: the stack phase reports the missing output as before.
 */
export async function startStackReads(
  deps: Pick<DeployDeps, "stacks" | "tasks" | "loadBalancers" | "priorities">,
  input: { name: string; live?: { stack: StackSummary | undefined }; baseOutputs: Record<string, string> },
): Promise<StackReads> {
  const stack = input.live ? input.live.stack : await deps.stacks.find(input.name);
  const { ListenerArn: listenerArn, ClusterName: cluster } = input.baseOutputs;
  if (!stack) {
    if (!listenerArn) return { stack };
    // The fast rollout (the base stack's RolloutRoleArn) gives a preview two target groups.
    const targetGroups = input.baseOutputs.RolloutRoleArn ? 2 : 1;
    return { stack, headroom: quiet(assertHeadroom(deps, listenerArn, targetGroups)), priority: quiet(deps.priorities.allocate(listenerArn)) };
  }
  if (!SETTLED_STATUSES.has(stack.status)) return { stack };
  // The release task's revision, which a release step run copies (a push that changed only code).
  if (stack.outputs.ReleaseTaskDefinitionArn) deps.tasks.prepareStepChain?.(stack.outputs.ReleaseTaskDefinitionArn);
  return {
    stack,
    ...(stack.parameters.ListenerRulePriority === undefined ? {} : { template: quiet(deps.stacks.findTemplate(stack.name)) }),
    ...(cluster ? { dataTasks: quiet(findDataTasks(deps, cluster, parsePairs(stack.outputs.StatefulServiceArns))) } : {}),
  };
}

/** The promise, with its rejection left for whoever awaits it (none is unhandled meanwhile). */
function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}
