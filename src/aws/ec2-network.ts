import {
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcEndpointsCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";
import type { RouteTableInfo, VpcEndpointInfo } from "../doctor/doctor-port.js";
import { awsCall } from "./aws-call.js";

/** Reads of a VPC's DNS attributes, subnets, route tables and endpoints (EC2, read-only). */
export class Ec2Network {
  private readonly client: EC2Client;

  constructor(options: { client: EC2Client }) {
    this.client = options.client;
  }

  /** `enableDnsSupport` and `enableDnsHostnames` (DescribeVpcAttribute answers one attribute per call). */
  async vpcDnsAttributes(vpcId: string): Promise<{ enableDnsSupport: boolean; enableDnsHostnames: boolean }> {
    const [support, hostnames] = await Promise.all(
      (["enableDnsSupport", "enableDnsHostnames"] as const).map((Attribute) =>
        awsCall("DescribeVpcAttribute", `${Attribute} of VPC ${vpcId}`, () => this.client.send(new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute }))),
      ),
    );
    return { enableDnsSupport: support?.EnableDnsSupport?.Value === true, enableDnsHostnames: hostnames?.EnableDnsHostnames?.Value === true };
  }

  /** The subnets that exist among the ids, with their VPC (a filter, so that a missing id is no error). */
  async subnets(subnetIds: string[]): Promise<Array<{ id: string; vpcId: string }>> {
    const out: Array<{ id: string; vpcId: string }> = [];
    let token: string | undefined;
    do {
      const page = await awsCall("DescribeSubnets", `subnets ${subnetIds.join(", ")}`, () =>
        this.client.send(new DescribeSubnetsCommand({ Filters: [{ Name: "subnet-id", Values: subnetIds }], NextToken: token })),
      );
      for (const s of page.Subnets ?? []) out.push({ id: s.SubnetId ?? "", vpcId: s.VpcId ?? "" });
      token = page.NextToken;
    } while (token);
    return out;
  }

  /** Every route table of the VPC, with its explicit subnet associations and routes. */
  async routeTables(vpcId: string): Promise<RouteTableInfo[]> {
    const out: RouteTableInfo[] = [];
    let token: string | undefined;
    do {
      const page = await awsCall("DescribeRouteTables", `route tables of VPC ${vpcId}`, () =>
        this.client.send(new DescribeRouteTablesCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }], NextToken: token })),
      );
      for (const table of page.RouteTables ?? []) {
        const associations = table.Associations ?? [];
        out.push({
          id: table.RouteTableId ?? "",
          main: associations.some((a) => a.Main === true),
          subnetIds: associations.flatMap((a) => (a.SubnetId ? [a.SubnetId] : [])),
          routes: (table.Routes ?? []).map((r) => ({
            ...(r.DestinationCidrBlock ? { destination: r.DestinationCidrBlock } : {}),
            target: r.NatGatewayId ?? r.GatewayId ?? r.TransitGatewayId ?? r.InstanceId ?? r.NetworkInterfaceId ?? r.VpcPeeringConnectionId ?? r.LocalGatewayId ?? r.CarrierGatewayId ?? r.CoreNetworkArn ?? "unknown",
            ...(r.State ? { state: r.State } : {}),
          })),
        });
      }
      token = page.NextToken;
    } while (token);
    return out;
  }

  /** Every VPC endpoint in the VPC. */
  async vpcEndpoints(vpcId: string): Promise<VpcEndpointInfo[]> {
    const out: VpcEndpointInfo[] = [];
    let token: string | undefined;
    do {
      const page = await awsCall("DescribeVpcEndpoints", `endpoints of VPC ${vpcId}`, () =>
        this.client.send(new DescribeVpcEndpointsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }], NextToken: token })),
      );
      for (const e of page.VpcEndpoints ?? []) {
        out.push({
          id: e.VpcEndpointId ?? "",
          serviceName: e.ServiceName ?? "",
          type: e.VpcEndpointType ?? "",
          state: e.State ?? "",
          ...(e.RouteTableIds?.length ? { routeTableIds: e.RouteTableIds } : {}),
        });
      }
      token = page.NextToken;
    } while (token);
    return out;
  }
}
