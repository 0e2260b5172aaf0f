import { BerthError } from "../../errors.js";
import type { ReleaseResources } from "../../stack/build-template.js";
import { releaseGateIds, type ReleaseGate } from "../../stack/release-gate.js";
import type { Logger } from "../../util/logger.js";
import type { EnsureStackInput, GatePort, StackSummary } from "../ports.js";
import { opening, settleGate } from "./gated-rollout.js";

/**
 * A first deploy as one create: the stack's template carries `gate`, which the services built from
 * the repository depend on, so CloudFormation creates everything else at once (the data services
 * until they are stable) and holds the new version. As soon as the release task's needs exist
 * (`resources`: its task definition, the preview's security group and rule, the data services),
 * their physical ids read from the create's events, runs the release steps; when every step passed,
 * signals SUCCESS to the gate and returns the create's outcome. When a step fails, the create fails
 * on its own, or `abort` fires (superseded, berth restarting), signals FAILURE with the reason
 * (when the gate's handle exists), waits until CloudFormation rolled the create back, and rethrows.
 * The empty stack a rolled-back create leaves (ROLLBACK_COMPLETE) is the caller's to delete.
 */
export async function createGated(
  deps: { gates: GatePort; log: Logger; redact: (text: string) => string },
  input: {
    gate: ReleaseGate;
    /** Signals with the same id count once. */
    uniqueId: string;
    resources: ReleaseResources;
    start: (
      watch: NonNullable<EnsureStackInput["watch"]>,
      awaitResources: NonNullable<EnsureStackInput["awaitResources"]>,
    ) => Promise<{ stack: StackSummary; priority: number }>;
    /** Runs the release steps, given the physical ids of `resources` by logical id. */
    runSteps: (created: Record<string, string>) => Promise<void>;
    /** Told once the gate is open: the new version starts. */
    onOpened: () => Promise<void>;
    abort: AbortSignal;
  },
): Promise<{ stack: StackSummary; priority: number }> {
  const ids = releaseGateIds(input.gate);
  const { resources } = input;
  // The newest handle: a create tried again (its listener rule priority taken) makes a new one.
  let url: string | undefined;
  let created: (found: Record<string, string>) => void = () => {};
  const ready = new Promise<Record<string, string>>((resolve) => (created = resolve));
  const gateOpened = opening();
  const create = input.start(
    { logicalId: ids.handle, onCreated: (handle) => (url = handle), opened: gateOpened.promise },
    {
      logicalIds: [resources.taskDefinition, resources.securityGroup, ...resources.network, ...Object.values(resources.dataServices)],
      onCreated: (found) => created(found),
    },
  );
  const ended = create.then(
    () => undefined,
    () => undefined,
  );
  const aborted = new Promise<never>((_, reject) => {
    if (input.abort.aborted) reject(input.abort.reason as Error);
    input.abort.addEventListener("abort", () => reject(input.abort.reason as Error), { once: true });
  });
  aborted.catch(() => {});
  const signal = async (status: "SUCCESS" | "FAILURE", reason: string): Promise<void> => {
    if (url === undefined) {
      if (status === "FAILURE") return;
      throw new BerthError(`create of the preview stack: release gate ${ids.handle} never reported`, {
        userMessage: "CloudFormation did not report the release gate of the preview stack; push again to retry.",
      });
    }
    await deps.gates.signal(url, { Status: status, Reason: reason, UniqueId: input.uniqueId, Data: reason });
  };

  const steps = async () => {
    const found = await Promise.race([ready, ended, aborted]);
    if (found === undefined) {
      // The create ended without them: its own failure says why.
      await create;
      throw new BerthError("create of the preview stack ended before the release task's resources existed", {
        userMessage: "The preview stack was created without the resources its release task needs; push again to retry.",
      });
    }
    // A step that runs is not cut off: the steps stop at their own safe points.
    await input.runSteps(found);
  };
  await settleGate(deps, { operation: "create", steps, signal, ended, opened: gateOpened, onOpened: input.onOpened });
  return create;
}
