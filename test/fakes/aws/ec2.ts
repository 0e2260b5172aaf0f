/**
 * Fake EC2, for the network reads berth doctor makes: VPC DNS attributes, subnets, route tables
 * (explicit associations and the main table) and VPC endpoints.
 */
import {
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcEndpointsCommand,
  type DescribeRouteTablesCommandInput,
  type DescribeSubnetsCommandInput,
  type DescribeVpcAttributeCommandInput,
  type DescribeVpcEndpointsCommandInput,
  type Filter,
  type Route,
} from "@aws-sdk/client-ec2";
import { awsError, type AnyStub, type World } from "./world.js";

export interface FakeVpc {
  enableDnsSupport: boolean;
  enableDnsHostnames: boolean;
}

export interface FakeRouteTable {
  id: string;
  vpcId: string;
  main: boolean;
  subnetIds: string[];
  /** Destination CIDR -> target id (`igw-…`, `nat-…`, `tgw-…`, `eni-…`, `local`); `blackhole` marks a gone target. */
  routes: Array<{ destination: string; target: string; blackhole?: boolean }>;
}

export interface FakeVpcEndpoint {
  id: string;
  vpcId: string;
  /** Short name: `ecr.api`, `ecr.dkr`, `logs`, `s3`. */
  service: string;
  type: "Interface" | "Gateway";
  state?: string;
  routeTableIds?: string[];
}

export class FakeEc2 {
  readonly vpcs = new Map<string, FakeVpc>();
  /** Subnet id -> its VPC. */
  readonly subnets = new Map<string, string>();
  readonly routeTables: FakeRouteTable[] = [];
  readonly endpoints: FakeVpcEndpoint[] = [];

  constructor(private readonly world: World) {}

  install(mock: AnyStub): void {
    const w = this.world;
    w.on("ec2", mock, DescribeVpcAttributeCommand, (input: DescribeVpcAttributeCommandInput) => this.describeVpcAttribute(input));
    w.on("ec2", mock, DescribeSubnetsCommand, (input: DescribeSubnetsCommandInput) => ({
      Subnets: [...this.subnets].filter(([id]) => matches(input.Filters, "subnet-id", id)).map(([SubnetId, VpcId]) => ({ SubnetId, VpcId })),
    }));
    w.on("ec2", mock, DescribeRouteTablesCommand, (input: DescribeRouteTablesCommandInput) => ({
      RouteTables: this.routeTables.filter((t) => matches(input.Filters, "vpc-id", t.vpcId)).map((t) => ({
        RouteTableId: t.id,
        VpcId: t.vpcId,
        Associations: [
          ...(t.main ? [{ Main: true, RouteTableId: t.id, RouteTableAssociationId: `rtbassoc-${t.id.slice(4)}` }] : []),
          ...t.subnetIds.map((SubnetId) => ({ Main: false, SubnetId, RouteTableId: t.id, RouteTableAssociationId: `rtbassoc-${SubnetId.slice(7)}` })),
        ],
        Routes: t.routes.map((r) => route(r.destination, r.target, r.blackhole)),
      })),
    }));
    w.on("ec2", mock, DescribeVpcEndpointsCommand, (input: DescribeVpcEndpointsCommandInput) => ({
      VpcEndpoints: this.endpoints.filter((e) => matches(input.Filters, "vpc-id", e.vpcId)).map((e) => ({
        VpcEndpointId: e.id,
        VpcId: e.vpcId,
        ServiceName: `com.amazonaws.${this.world.region}.${e.service}`,
        VpcEndpointType: e.type,
        State: e.state ?? "available",
        RouteTableIds: e.routeTableIds ?? [],
      })),
    }));
  }

  /**
   * A VPC with DNS on, the subnets, and a main route table whose default route goes to `egress`
   * (an internet gateway, a NAT gateway, or none).
   */
  seedNetwork(input: { vpcId: string; subnetIds: string[]; egress: "igw" | "nat" | "none" }): FakeRouteTable {
    this.vpcs.set(input.vpcId, { enableDnsSupport: true, enableDnsHostnames: true });
    for (const id of input.subnetIds) this.subnets.set(id, input.vpcId);
    const table = this.addRouteTable({ vpcId: input.vpcId, main: true, egress: input.egress });
    // Fixed ids, so that what a test expects does not depend on how many ids were made before.
    table.id = "rtb-0main0000000000001";
    for (const route of table.routes) if (route.target !== "local") route.target = `${input.egress}-0a1b2c3d4e5f60001`;
    return table;
  }

  /** A route table with the local route and, unless `none`, a default route to a new gateway. */
  addRouteTable(input: { vpcId: string; main?: boolean; subnetIds?: string[]; egress: "igw" | "nat" | "none" }): FakeRouteTable {
    const routes: FakeRouteTable["routes"] = [{ destination: "10.0.0.0/16", target: "local" }];
    if (input.egress !== "none") routes.push({ destination: "0.0.0.0/0", target: `${input.egress}-${this.world.hex(17)}` });
    const table = { id: `rtb-${this.world.hex(17)}`, vpcId: input.vpcId, main: input.main ?? false, subnetIds: input.subnetIds ?? [], routes };
    this.routeTables.push(table);
    return table;
  }

  addEndpoint(endpoint: Omit<FakeVpcEndpoint, "id">): FakeVpcEndpoint {
    const added = { id: `vpce-${this.world.hex(17)}`, ...endpoint };
    this.endpoints.push(added);
    return added;
  }

  private describeVpcAttribute(input: DescribeVpcAttributeCommandInput) {
    const vpc = this.vpcs.get(input.VpcId ?? "");
    if (!vpc) throw awsError("ec2", "InvalidVpcID.NotFound", `The vpc ID '${input.VpcId}' does not exist`);
    if (input.Attribute === "enableDnsSupport") return { VpcId: input.VpcId, EnableDnsSupport: { Value: vpc.enableDnsSupport } };
    if (input.Attribute === "enableDnsHostnames") return { VpcId: input.VpcId, EnableDnsHostnames: { Value: vpc.enableDnsHostnames } };
    throw awsError("ec2", "InvalidParameterValue", `Value (${input.Attribute}) for parameter attribute is invalid`);
  }
}

/** Whether a resource passes the named filter (no such filter: it does). */
function matches(filters: Filter[] | undefined, name: string, value: string): boolean {
  const filter = filters?.find((f) => f.Name === name);
  return !filter || (filter.Values ?? []).includes(value);
}

function route(destination: string, target: string, blackhole?: boolean): Route {
  const base: Route = { DestinationCidrBlock: destination, State: blackhole ? "blackhole" : "active", Origin: "CreateRoute" };
  if (target.startsWith("nat-")) return { ...base, NatGatewayId: target };
  if (target.startsWith("tgw-")) return { ...base, TransitGatewayId: target };
  if (target.startsWith("eni-")) return { ...base, NetworkInterfaceId: target };
  if (target.startsWith("i-")) return { ...base, InstanceId: target };
  return { ...base, GatewayId: target, ...(target === "local" ? { Origin: "CreateRouteTable" } : {}) };
}
