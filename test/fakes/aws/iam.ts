/**
 * Fake IAM: roles by name (GetRole) and a policy simulator (SimulatePrincipalPolicy) that decides
 * from each principal's set of allowed actions, with denials on an action (or on an action for
 * resources that contain a text). It evaluates no policy documents: the real policies are
 * evaluated in the IAM test; here tests say what the account's roles may do.
 */
import {
  GetRoleCommand,
  SimulatePrincipalPolicyCommand,
  type EvaluationResult,
  type GetRoleCommandInput,
  type SimulatePrincipalPolicyCommandInput,
} from "@aws-sdk/client-iam";
import { awsError, type AnyStub, type World } from "./world.js";

interface FakePrincipal {
  /** Actions allowed on every resource; `*` for all. */
  allowed: Set<string> | "*";
  /** Explicit denials, e.g. an action on resources whose ARN contains `resource`. */
  denied: Array<{ action: string; resource?: string }>;
}

export class FakeIam {
  /** Role name -> ARN (with its path). */
  readonly roles = new Map<string, string>();
  readonly principals = new Map<string, FakePrincipal>();

  constructor(
    private readonly world: World,
    private readonly options: { pageSize: number },
  ) {}

  install(mock: AnyStub): void {
    this.world.on("iam", mock, GetRoleCommand, (input: GetRoleCommandInput) => {
      const arn = this.roles.get(input.RoleName ?? "");
      if (!arn) throw awsError("iam", "NoSuchEntityException", `The role with name ${input.RoleName} cannot be found.`);
      return { Role: { RoleName: input.RoleName, Arn: arn, Path: arn.slice(arn.indexOf(":role") + 5, arn.lastIndexOf("/") + 1), RoleId: `AROA${this.world.hex(17).toUpperCase()}`, CreateDate: this.world.now() } };
    });
    this.world.on("iam", mock, SimulatePrincipalPolicyCommand, (input: SimulatePrincipalPolicyCommandInput) => this.simulate(input));
  }

  /** A role every action is allowed to, until a test narrows it. */
  addRole(arn: string): void {
    this.roles.set(arn.slice(arn.lastIndexOf("/") + 1), arn);
    this.principals.set(arn, { allowed: "*", denied: [] });
  }

  /** Narrows what the principal may do to exactly these actions. */
  allowOnly(principalArn: string, actions: string[]): void {
    this.principal(principalArn).allowed = new Set(actions);
  }

  /** Denies an action to the principal, on every resource or on those whose ARN contains `resource`. */
  deny(principalArn: string, action: string, resource?: string): void {
    this.principal(principalArn).denied.push({ action, ...(resource ? { resource } : {}) });
  }

  private principal(arn: string): FakePrincipal {
    const found = this.principals.get(arn);
    if (!found) throw new Error(`aws fake: no IAM principal ${arn} (add it with addRole)`);
    return found;
  }

  private simulate(input: SimulatePrincipalPolicyCommandInput) {
    const principal = this.principals.get(input.PolicySourceArn ?? "");
    if (!principal) throw awsError("iam", "NoSuchEntityException", `PolicySourceArn ${input.PolicySourceArn} does not exist`);
    const resources = input.ResourceArns?.length ? input.ResourceArns : ["*"];
    const results: EvaluationResult[] = (input.ActionNames ?? []).flatMap((action) =>
      resources.map((resource) => {
        const denied = principal.denied.some((d) => d.action === action && (!d.resource || resource.includes(d.resource)));
        const allowed = !denied && (principal.allowed === "*" || principal.allowed.has(action));
        return { EvalActionName: action, EvalResourceName: resource, EvalDecision: denied ? "explicitDeny" : allowed ? "allowed" : "implicitDeny" };
      }),
    );
    const start = Number(input.Marker ?? 0);
    const size = input.MaxItems ?? this.options.pageSize;
    const truncated = start + size < results.length;
    return { EvaluationResults: results.slice(start, start + size), IsTruncated: truncated, ...(truncated ? { Marker: String(start + size) } : {}) };
  }
}
