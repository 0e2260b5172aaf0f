/**
 * The authorization requests `berth doctor` makes when it runs as berth's own role: its read-only
 * checks of the account (src/doctor/run-doctor.ts, through the adapters in src/aws). The suite
 * evaluates them against `deploy/bot.yml` with a preview's lifecycle requests, and doctor
 * simulates them too. `sts:GetCallerIdentity` needs no permission and is not listed.
 *
 * Pure: from the base stack's outputs, the role doctor simulates and the repositories it checks.
 */
import { NO_RESOURCE_LEVEL, type IamRequest } from "./preview-requests.js";

export interface DoctorRequestsInput {
  /** The base stack's name and outputs (`VpcId`, `ListenerArn`, `ExecutionRoleArn`). */
  base: { name: string; outputs: Record<string, string> };
  /** The bot's task role: doctor reads it (iam:GetRole) and simulates its policies. */
  botRoleArn: string;
  /** ECR repositories whose existence doctor checks. */
  repositories: ReadonlyArray<{ registryId: string; region: string; name: string }>;
  account: string;
  region: string;
  /** Default `aws`. */
  partition?: string;
}

/** Every request of one `berth doctor` run, in the order the checks make them. */
export function buildDoctorRequests(input: DoctorRequestsInput): IamRequest[] {
  const partition = input.partition ?? "aws";
  const { region, account } = input;
  const output = (name: string) => {
    const value = input.base.outputs[name];
    if (!value) throw new Error(`buildDoctorRequests: the base stack ${input.base.name} has no output ${name}`);
    return value;
  };
  const arn = (service: string, resource: string) => `arn:${partition}:${service}:${region}:${account}:${resource}`;
  const request = (action: string, resource: string, caller: string, inRegion = region): IamRequest => ({
    action,
    resource: NO_RESOURCE_LEVEL.has(action) ? "*" : resource,
    // IAM is global: its requests name no region a policy could pin.
    context: action.startsWith("iam:") ? {} : { "aws:RequestedRegion": inRegion },
    caller: `berth doctor ${caller}`,
  });
  return [
    request("cloudformation:DescribeStacks", arn("cloudformation", `stack/${input.base.name}/00000000-0000-4000-8000-000000000000`), "reads the base stack"),
    request("ec2:DescribeVpcAttribute", arn("ec2", `vpc/${output("VpcId")}`), "reads the VPC's DNS attributes"),
    request("ec2:DescribeSubnets", "*", "finds the task subnets"),
    request("ec2:DescribeRouteTables", "*", "follows the task subnets' routes"),
    request("ec2:DescribeVpcEndpoints", "*", "looks for VPC endpoints"),
    request("elasticloadbalancing:DescribeRules", output("ListenerArn"), "counts the listener's rules"),
    request("elasticloadbalancing:DescribeTargetGroups", "*", "counts the load balancer's target groups, reads berth's own"),
    request("elasticloadbalancing:DescribeTargetHealth", "*", "checks berth is healthy behind its own target group (the waking page)"),
    request("iam:SimulatePrincipalPolicy", output("ExecutionRoleArn"), "simulates the execution role's access to secrets"),
    request("iam:GetRole", input.botRoleArn, "finds the role it runs as"),
    request("iam:SimulatePrincipalPolicy", input.botRoleArn, "simulates the bot role"),
    ...input.repositories.map((r) =>
      request("ecr:DescribeRepositories", `arn:${partition}:ecr:${r.region}:${r.registryId}:repository/${r.name}`, "checks an ECR repository", r.region),
    ),
  ];
}
