import { describe, expect, it } from "vitest";
import { assessSubnetEgress, type SubnetEgress } from "../../src/doctor/assess-subnet-egress.js";
import type { RouteTableInfo, VpcEndpointInfo } from "../../src/doctor/doctor-port.js";

const local = { destination: "10.0.0.0/16", target: "local" };
const table = (id: string, target: string | undefined, extra: Partial<RouteTableInfo> = {}): RouteTableInfo => ({
  id,
  main: false,
  subnetIds: [],
  routes: target ? [local, { destination: "0.0.0.0/0", target, state: "active" }] : [local],
  ...extra,
});
const endpoint = (service: string, type = "Interface", extra: Partial<VpcEndpointInfo> = {}): VpcEndpointInfo => ({
  id: `vpce-${service}`,
  serviceName: `com.amazonaws.eu-west-1.${service}`,
  type,
  state: "available",
  ...extra,
});
const allEndpoints = [endpoint("ecr.api"), endpoint("ecr.dkr"), endpoint("logs"), endpoint("s3", "Gateway", { routeTableIds: ["rtb-private"] })];

describe("assessSubnetEgress", () => {
  it.each<[string, { tables: RouteTableInfo[]; publicIp?: boolean; endpoints?: VpcEndpointInfo[] }, Omit<SubnetEgress, "subnetId">]>([
    ["a NAT gateway", { tables: [table("rtb-main", "nat-1", { main: true })] }, { routeTableId: "rtb-main", internetVia: "nat-1", missingEndpoints: [], reachesAws: true, reachesEcrPublic: true }],
    ["an internet gateway with public IPs", { tables: [table("rtb-main", "igw-1", { main: true })], publicIp: true }, { routeTableId: "rtb-main", internetVia: "igw-1", missingEndpoints: [], reachesAws: true, reachesEcrPublic: true }],
    ["a transit gateway", { tables: [table("rtb-main", "tgw-1", { main: true })] }, { routeTableId: "rtb-main", internetVia: "tgw-1", missingEndpoints: [], reachesAws: true, reachesEcrPublic: true }],
    [
      "an internet gateway without public IPs",
      { tables: [table("rtb-main", "igw-1", { main: true })] },
      {
        routeTableId: "rtb-main",
        noInternet: "route table rtb-main sends 0.0.0.0/0 to internet gateway igw-1, but AssignPublicIp is DISABLED",
        missingEndpoints: ["ecr.api", "ecr.dkr", "logs", "s3"],
        reachesAws: false,
        reachesEcrPublic: false,
      },
    ],
    [
      "its own table without a default route, though the main one has a NAT",
      { tables: [table("rtb-main", "nat-1", { main: true }), table("rtb-private", undefined, { subnetIds: ["subnet-a"] })], endpoints: allEndpoints },
      { routeTableId: "rtb-private", noInternet: "route table rtb-private has no default route (0.0.0.0/0)", missingEndpoints: [], reachesAws: true, reachesEcrPublic: false },
    ],
    [
      "an S3 gateway endpoint attached to another route table",
      { tables: [table("rtb-other", undefined, { main: true })], endpoints: allEndpoints },
      { routeTableId: "rtb-other", noInternet: "route table rtb-other has no default route (0.0.0.0/0)", missingEndpoints: ["s3"], reachesAws: false, reachesEcrPublic: false },
    ],
    [
      "a pending endpoint",
      { tables: [table("rtb-private", undefined, { subnetIds: ["subnet-a"] })], endpoints: [...allEndpoints.slice(1), endpoint("ecr.api", "Interface", { state: "pending" })] },
      { routeTableId: "rtb-private", noInternet: "route table rtb-private has no default route (0.0.0.0/0)", missingEndpoints: ["ecr.api"], reachesAws: false, reachesEcrPublic: false },
    ],
    [
      "a default route to a deleted NAT gateway",
      { tables: [{ ...table("rtb-main", undefined, { main: true }), routes: [local, { destination: "0.0.0.0/0", target: "nat-gone", state: "blackhole" }] }] },
      {
        routeTableId: "rtb-main",
        noInternet: "the default route of rtb-main points to nat-gone, which no longer exists",
        missingEndpoints: ["ecr.api", "ecr.dkr", "logs", "s3"],
        reachesAws: false,
        reachesEcrPublic: false,
      },
    ],
    ["no route table at all", { tables: [] }, { noInternet: "no route table serves it", missingEndpoints: ["ecr.api", "ecr.dkr", "logs", "s3"], reachesAws: false, reachesEcrPublic: false }],
  ])("judges a subnet behind %s", (_name, input, expected) => {
    const [result] = assessSubnetEgress({
      subnetIds: ["subnet-a"],
      assignPublicIp: input.publicIp ?? false,
      region: "eu-west-1",
      routeTables: input.tables,
      endpoints: input.endpoints ?? [],
    });
    expect(result).toEqual({ subnetId: "subnet-a", ...expected });
  });
});
