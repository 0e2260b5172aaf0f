/**
 * The release gate of a rollout that starts while the release steps still run: a CloudFormation
 * wait condition the services built from the repository depend on, so the update replaces what it
 * can (their task definitions) at once and starts the new version only once berth signals that
 * every due step exited 0. A FAILURE signal (or the timeout) fails the update, and CloudFormation
 * rolls it back: the previous version keeps serving.
 */

/** One deploy's gate: logical ids new for each deploy, so each gets a fresh handle. */
export interface ReleaseGate {
  /** Alphanumeric, unique to the deploy. */
  id: string;
  /** How long CloudFormation waits for the signal before it fails the update (at most 43200). */
  timeoutSeconds: number;
  /**
   * A fast rollout's push: the public service does not wait for the gate. Its new version starts at
   * once, beside the old one and without traffic, and takes the traffic at the pause hook berth
   * continues once the steps passed.
   */
  publicStartsAtOnce?: boolean;
}

/** The longest wait CloudFormation allows a wait condition: 12 hours. */
export const MAX_GATE_TIMEOUT_SECONDS = 43_200;

/** The logical ids of a gate's handle and wait condition. */
export function releaseGateIds(gate: Pick<ReleaseGate, "id">): { handle: string; condition: string } {
  if (!/^[A-Za-z0-9]{1,40}$/.test(gate.id)) throw new Error(`release gate id ${JSON.stringify(gate.id)} is not 1-40 letters and digits`);
  return { handle: `ReleaseGateHandle${gate.id}`, condition: `ReleaseGate${gate.id}` };
}

/** The signal a wait condition handle takes: a JSON document PUT to its presigned URL. */
export interface GateSignal {
  Status: "SUCCESS" | "FAILURE";
  Reason: string;
  /** Signals with the same id count once toward `Count`. */
  UniqueId: string;
  Data: string;
}

const GATE_TYPES = new Set(["AWS::CloudFormation::WaitConditionHandle", "AWS::CloudFormation::WaitCondition"]);

/**
 * The template without any release gate: its two resources gone, and the services' `DependsOn` on
 * it. A gate belongs to one deploy's rollout; what the stack runs otherwise is the rest. Pure.
 */
export function withoutReleaseGate(template: Record<string, unknown>): Record<string, unknown> {
  const resources = template.Resources as Record<string, { Type?: string; DependsOn?: string | string[] }> | undefined;
  if (!resources) return template;
  const gateIds = new Set(Object.entries(resources).filter(([, r]) => GATE_TYPES.has(r.Type ?? "")).map(([id]) => id));
  if (gateIds.size === 0) return template;
  const kept = Object.entries(resources)
    .filter(([id]) => !gateIds.has(id))
    .map(([id, r]) => {
      if (r.DependsOn === undefined) return [id, r];
      const { DependsOn, ...rest } = r;
      const left = [DependsOn].flat().filter((d) => !gateIds.has(d));
      return [id, left.length === 0 ? rest : { ...rest, DependsOn: left }];
    });
  return { ...template, Resources: Object.fromEntries(kept) };
}
