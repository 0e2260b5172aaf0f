/**
 * What `berth doctor` reads from the AWS account. Adapters in src/aws implement it; tests pass the
 * fake account. Every method only reads: doctor changes nothing.
 */
import type { StackSummary } from "../preview/ports.js";

/** A route of a route table, reduced to where its traffic goes. */
export interface RouteInfo {
  /** `0.0.0.0/0`, `10.0.0.0/16`, ...; undefined for prefix-list or IPv6 routes. */
  destination?: string;
  /** The target's id: `igw-…`, `nat-…`, `eni-…`, `tgw-…`, `vpce-…`, `local`, `pcx-…`. */
  target: string;
  /** `active`, or `blackhole` when the target is gone. */
  state?: string;
}

/** A route table of the VPC and the subnets it serves. */
export interface RouteTableInfo {
  id: string;
  /** True for the VPC's main route table (serves every subnet without an explicit association). */
  main: boolean;
  /** Subnets explicitly associated with this table. */
  subnetIds: string[];
  routes: RouteInfo[];
}

/** A VPC endpoint, by the service it reaches. */
export interface VpcEndpointInfo {
  id: string;
  /** `com.amazonaws.us-east-1.ecr.api`, `com.amazonaws.us-east-1.s3`, ... */
  serviceName: string;
  /** `Interface` or `Gateway`. */
  type: string;
  /** `available`, `pending`, ... */
  state: string;
  /** Gateway endpoints: the route tables they are attached to. */
  routeTableIds?: string[];
}

/** A request to the IAM policy simulator: may this principal do `action` on `resource`? */
export interface SimulationRequest {
  action: string;
  /** An ARN, or `*` for actions without resource-level permissions. */
  resource: string;
  /** Condition keys the real request would carry, e.g. `iam:PassedToService`. */
  context?: Record<string, string | string[]>;
}

/** The simulator's verdict on one request. */
export interface SimulationResult extends SimulationRequest {
  /** `allowed`, `implicitDeny` or `explicitDeny`. */
  decision: string;
}

/** Who the credentials doctor runs with belong to. */
export interface CallerIdentity {
  account: string;
  /** `arn:aws:sts::<account>:assumed-role/<role>/<session>`, `arn:aws:iam::<account>:user/<name>`, ... */
  arn: string;
}

/** One ECR repository to look for. */
export interface RepositoryRef {
  registryId: string;
  region: string;
  name: string;
}

/** A target group as doctor judges it: where it is, what it routes to, and its targets' health. */
export interface TargetGroupInfo {
  vpcId?: string;
  /** `ip` (what Fargate tasks register as), `instance`, `lambda`, `alb`. */
  targetType?: string;
  /** `HTTP`, `HTTPS`, ... */
  protocol?: string;
  /** Each registered target's health state: `healthy`, `unhealthy`, `initial`, `draining`, ... */
  targetStates: string[];
}

/** The AWS reads berth doctor needs. */
export interface DoctorPort {
  /** The stack (any owner), or undefined when it does not exist. */
  findStack(name: string): Promise<StackSummary | undefined>;
  /** The VPC's `enableDnsSupport` and `enableDnsHostnames`. */
  vpcDnsAttributes(vpcId: string): Promise<{ enableDnsSupport: boolean; enableDnsHostnames: boolean }>;
  /** The subnets that exist among `subnetIds`, with their VPC. */
  subnets(subnetIds: string[]): Promise<Array<{ id: string; vpcId: string }>>;
  /** Every route table of the VPC. */
  routeTables(vpcId: string): Promise<RouteTableInfo[]>;
  /** Every VPC endpoint in the VPC. */
  vpcEndpoints(vpcId: string): Promise<VpcEndpointInfo[]>;
  /** How many rules the listener has, its default rule not counted. */
  listenerRuleCount(listenerArn: string): Promise<number>;
  /** How many target groups are attached to the load balancer. */
  targetGroupCount(loadBalancerArn: string): Promise<number>;
  /** The target group with its targets' health, or undefined when there is no such group. */
  targetGroup(targetGroupArn: string): Promise<TargetGroupInfo | undefined>;
  /** Simulates the principal's policies (identity policies, boundaries) for each request. */
  simulate(principalArn: string, requests: SimulationRequest[]): Promise<SimulationResult[]>;
  callerIdentity(): Promise<CallerIdentity>;
  /** The role's ARN (with its path), or undefined when there is no such role. */
  findRoleArn(roleName: string): Promise<string | undefined>;
  /** Whether the ECR repository exists. */
  repositoryExists(repository: RepositoryRef): Promise<boolean>;
}
