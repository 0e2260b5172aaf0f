import { BerthError } from "../../errors.js";
import { releaseGateIds, type ReleaseGate } from "../../stack/release-gate.js";
import type { Logger } from "../../util/logger.js";
import type { EnsureStackInput, GatePort, StackPort, StackSummary } from "../ports.js";
import { RestartSignal, SupersededSignal } from "./keyed-queue.js";
import { ReleaseStepError } from "./release-step.js";
import type { HookAction } from "./rollout-hooks.js";

/**
 * How long a release gate waits for berth's signal: the release task's own wait (30 min), its
 * capacity retries' back-off and a margin. A berth that died mid-deploy leaves the update waiting
 * this long at most before CloudFormation rolls it back.
 */
export const GATE_TIMEOUT_SECONDS = 45 * 60;

/** A gate id new for each deploy: the commit's short SHA and the time, letters and digits only. */
export function gateId(sha: string, now: Date): string {
  return `${sha.slice(0, 7)}${now.getTime().toString(36)}`.replace(/[^A-Za-z0-9]/g, "");
}

/**
 * Starts the rollout update (its template carries `gate`) and runs the release steps meanwhile.
 * When every step passed, signals SUCCESS to the gate's handle (its URL read from the update's
 * events) and returns the update's outcome. When a step failed, or the deploy stops (superseded,
 * berth restarting), signals FAILURE with the reason, so nothing waits for the timeout, waits until
 * CloudFormation rolled the update back (the previous version serves throughout), and rethrows
 * the step's error. The engine knows the signal only through `GatePort`.
 */
export async function rollOutGated(
  deps: { gates: GatePort; log: Logger; redact: (text: string) => string },
  input: {
    gate: ReleaseGate;
    /** Signals with the same id count once. */
    uniqueId: string;
    /**
     * Starts the update; `hookFirst` answers a fast rollout's pause hook (the new version, running
     * beside the old one without traffic, takes it once every step exited 0, or is rolled back).
     */
    start: (watch: NonNullable<EnsureStackInput["watch"]>, hookFirst: () => Promise<HookAction>) => Promise<{ stack: StackSummary; priority: number }>;
    runSteps: () => Promise<void>;
    /** Told once the gate is open: the new version starts. */
    onOpened: () => Promise<void>;
  },
): Promise<{ stack: StackSummary; priority: number }> {
  const ids = releaseGateIds(input.gate);
  let created: (url: string) => void = () => {};
  const handle = new Promise<string>((resolve) => (created = resolve));
  const gateOpened = opening();
  let decide: (action: HookAction) => void = () => {};
  const decided = new Promise<HookAction>((resolve) => (decide = resolve));
  const update = input.start({ logicalId: ids.handle, onCreated: (url) => created(url), opened: gateOpened.promise }, () => decided);
  // Read below either way; a failure here is the update's, reported by whoever awaits `update`.
  const ended = update.then(
    () => undefined,
    () => undefined,
  );
  /** Signals the gate once its handle exists; false when the update ended without creating it. */
  const signal = async (status: "SUCCESS" | "FAILURE", reason: string): Promise<boolean> => {
    decide(status === "SUCCESS" ? "CONTINUE" : "ROLLBACK");
    const url = await Promise.race([handle, ended]);
    if (url === undefined) return false;
    await deps.gates.signal(url, { Status: status, Reason: reason, UniqueId: input.uniqueId, Data: reason });
    return true;
  };

  // The previous version serves until a rollback completes, which the check run then says.
  await settleGate(deps, { operation: "update", steps: input.runSteps, signal, ended, opened: gateOpened, onOpened: input.onOpened });
  return update;
}

/** A promise the stack wait reads (`EnsureStackInput["watch"]["opened"]`), settled once the gate is signalled open. */
export function opening(): { promise: Promise<void>; open: () => void } {
  let open: () => void = () => {};
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/**
 * What a gated stack operation does once started: runs the release steps; when they throw, signals
 * FAILURE with the reason (a signal that fails is logged, and CloudFormation rolls the operation
 * back at the gate's timeout), waits until the operation has ended and rethrows; when they pass,
 * signals SUCCESS and tells `onOpened`.
 */
export async function settleGate(
  deps: { log: Logger; redact: (text: string) => string },
  input: {
    operation: "create" | "update";
    steps: () => Promise<void>;
    signal: (status: "SUCCESS" | "FAILURE", reason: string) => Promise<unknown>;
    /** Settles once the operation has ended, however. */
    ended: Promise<unknown>;
    /** Opened once SUCCESS is signalled: the operation's wait aims at the held services from then. */
    opened: { open: () => void };
    onOpened: () => Promise<void>;
  },
): Promise<void> {
  try {
    await input.steps();
  } catch (error) {
    const reason = deps.redact(whyClosed(error)).slice(0, 240);
    await input.signal("FAILURE", reason).catch((signalError: unknown) =>
      deps.log.warn({ err: signalError }, `could not close the release gate; CloudFormation rolls the ${input.operation} back at its timeout`),
    );
    await input.ended;
    throw error;
  }
  await input.signal("SUCCESS", "every release step exited 0");
  input.opened.open();
  await input.onOpened();
}

/** Why the gate stays closed, for the stack's events. */
export function whyClosed(error: unknown): string {
  if (error instanceof ReleaseStepError) return `${error.step} failed: ${error.userMessage}`;
  if (error instanceof SupersededSignal) return "the deploy was superseded";
  if (error instanceof RestartSignal) return "berth is restarting";
  if (error instanceof BerthError) return error.userMessage;
  return "the release steps did not finish";
}

/** Why a gate found open at a deploy's start or by the resync is closed, for the stack's events. */
export const ABANDONED_GATE_REASON = "berth restarted during the release steps";

/**
 * Closes a release gate that a stopped berth left open: when the stack's running update waits on
 * one, signals FAILURE with the reason, so CloudFormation rolls the update back at once rather than
 * at the gate's timeout (the previous version serves throughout). Call it only where no deploy of
 * this process owns the gate. Returns whether it closed one; a signal that fails is logged, and the
 * timeout remains.
 */
export async function closeAbandonedGate(
  deps: { stacks: Pick<StackPort, "findOpenGate">; gates: GatePort; log: Logger },
  stackName: string,
): Promise<boolean> {
  const url = await deps.stacks.findOpenGate(stackName);
  if (url === undefined) return false;
  try {
    await deps.gates.signal(url, { Status: "FAILURE", Reason: ABANDONED_GATE_REASON, UniqueId: "berth-restart", Data: ABANDONED_GATE_REASON });
  } catch (error) {
    deps.log.warn({ err: error, stack: stackName }, "could not close the release gate left open; CloudFormation rolls the update back at its timeout");
    return false;
  }
  deps.log.info({ stack: stackName }, "closed a release gate left open by a stopped berth");
  return true;
}
