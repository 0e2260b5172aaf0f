import { GetRoleCommand, SimulatePrincipalPolicyCommand, type ContextEntry, type IAMClient } from "@aws-sdk/client-iam";
import type { SimulationRequest, SimulationResult } from "../doctor/doctor-port.js";
import { awsCall, errorName, wrapAwsError } from "./aws-call.js";

/** Actions per SimulatePrincipalPolicy call: the simulator answers every action against every resource. */
const ACTIONS_PER_CALL = 50;

/** Roles and the IAM policy simulator (read-only). */
export class IamRoles {
  private readonly client: IAMClient;

  constructor(options: { client: IAMClient }) {
    this.client = options.client;
  }

  /** The role's ARN with its path, or undefined when there is no such role. */
  async findRoleArn(roleName: string): Promise<string | undefined> {
    try {
      const out = await this.client.send(new GetRoleCommand({ RoleName: roleName }));
      return out.Role?.Arn;
    } catch (error) {
      if (errorName(error) === "NoSuchEntityException" || errorName(error) === "NoSuchEntity") return undefined;
      throw wrapAwsError("GetRole", `role ${roleName}`, error);
    }
  }

  /**
   * Simulates the principal's policies for each request. Requests that share a resource and a
   * context go in one call (the simulator takes one context per call); pages are followed.
   */
  async simulate(principalArn: string, requests: SimulationRequest[]): Promise<SimulationResult[]> {
    const groups = new Map<string, SimulationRequest[]>();
    for (const request of requests) {
      const key = JSON.stringify([request.resource, Object.entries(request.context ?? {}).sort()]);
      groups.set(key, [...(groups.get(key) ?? []), request]);
    }
    const results: SimulationResult[] = [];
    for (const group of groups.values()) {
      const { resource, context } = group[0]!;
      const ContextEntries: ContextEntry[] = Object.entries(context ?? {}).map(([ContextKeyName, value]) => ({
        ContextKeyName,
        ContextKeyValues: Array.isArray(value) ? value : [value],
        ContextKeyType: Array.isArray(value) ? "stringList" : "string",
      }));
      const actions = [...new Set(group.map((r) => r.action))];
      for (let i = 0; i < actions.length; i += ACTIONS_PER_CALL) {
        let marker: string | undefined;
        do {
          const page = await awsCall("SimulatePrincipalPolicy", `${principalArn} on ${resource}`, () =>
            this.client.send(
              new SimulatePrincipalPolicyCommand({
                PolicySourceArn: principalArn,
                ActionNames: actions.slice(i, i + ACTIONS_PER_CALL),
                ...(resource === "*" ? {} : { ResourceArns: [resource] }),
                ...(ContextEntries.length ? { ContextEntries } : {}),
                Marker: marker,
              }),
            ),
          );
          for (const r of page.EvaluationResults ?? []) {
            results.push({ action: r.EvalActionName ?? "", resource, ...(context ? { context } : {}), decision: r.EvalDecision ?? "implicitDeny" });
          }
          marker = page.IsTruncated ? page.Marker : undefined;
        } while (marker);
      }
    }
    return results;
  }
}
