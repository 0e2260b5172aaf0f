import type { DeployReporter } from "../report/index.js";
import type { GatePort, StackPort, StackSummary } from "../ports.js";
import { closeAbandonedGate } from "./gated-rollout.js";
import { type HookDeps, leftRollout, settleLeftRollout } from "./rollout-hooks.js";

/** States of a stack whose create failed: it holds nothing, and can only be deleted. */
const FAILED_CREATE = new Set(["CREATE_FAILED", "ROLLBACK_IN_PROGRESS", "ROLLBACK_COMPLETE", "ROLLBACK_FAILED"]);

/**
 * The preview stack a deploy builds on, from the one it read (the same object), or undefined when
 * the deploy must create the preview anew, seeded: there is none, an earlier removal left it half
 * gone (finished here), or it holds nothing (a create that failed, or one a stopped berth left
 * waiting on its release gate). An operation a stopped berth left waiting on its gate is rolled
 * back now, not at the gate's timeout. Says on the check run's Stack row what it does.
 */
export async function findUsableStack(
  deps: HookDeps & { stacks: Pick<StackPort, "delete" | "findOpenGate">; gates: GatePort; options: { hookRetryMs?: number } },
  input: { stack: StackSummary | undefined; reporter: DeployReporter; signal: AbortSignal },
): Promise<StackSummary | undefined> {
  const { reporter } = input;
  let { stack } = input;
  if (!stack) return undefined;
  if (stack.status === "DELETE_FAILED" || stack.status === "DELETE_IN_PROGRESS") {
    // A removal that failed or still runs (its pull request closed, then reopened): the stack is
    // half gone and can only be deleted.
    await reporter.phase("stack", "running", "removing what an earlier removal left behind");
    await deps.stacks.delete(stack.name, input.signal);
    return undefined;
  }
  // A create or update that waits on a release gate nobody here owns (this pull request's deploys
  // run one at a time): a berth stopped during its release steps. Close it so the operation rolls
  // back now; the deploy's own create or update waits for that, then deploys the head.
  const creating = stack.status === "CREATE_IN_PROGRESS";
  if ((creating || stack.status === "UPDATE_IN_PROGRESS") && (await closeAbandonedGate(deps, stack.name))) {
    await reporter.phase("stack", "running", `rolling back ${creating ? "a create" : "an update"} a restarted berth left waiting on its release gate`);
    // A create rolled back holds nothing: the deploy's create removes its empty stack and starts anew.
    if (creating) return undefined;
  }
  // A fast rollout's deployment the stopped berth left waiting at its hook is rolled back (its
  // steps never finished), and the rollback's own deployment continued, before this deploy starts.
  if (leftRollout(stack)) {
    await reporter.phase("stack", "running", "waiting for an update a restarted berth left running to roll back");
    stack = await settleLeftRollout(deps, { stack, retryMs: deps.options.hookRetryMs ?? 5_000, signal: input.signal });
    if (!stack) return undefined;
  }
  // The empty stack a create that failed left behind: likewise.
  return FAILED_CREATE.has(stack.status) ? undefined : stack;
}
