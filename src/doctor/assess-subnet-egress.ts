import type { RouteTableInfo, VpcEndpointInfo } from "./doctor-port.js";

/** How one task subnet reaches ECR, ECR Public and CloudWatch Logs, or what it lacks. */
export interface SubnetEgress {
  subnetId: string;
  /** The route table that serves the subnet (its own, else the VPC's main one). */
  routeTableId?: string;
  /** `nat-…`, `igw-…` and so on when the subnet reaches the internet; undefined otherwise. */
  internetVia?: string;
  /** Why the subnet has no internet, when it has none. */
  noInternet?: string;
  /** VPC endpoints the subnet would need without internet and lacks (`ecr.api`, `s3`, ...). */
  missingEndpoints: string[];
  /** Reaches ECR and CloudWatch Logs (through the internet or endpoints). */
  reachesAws: boolean;
  /** Reaches ECR Public (only through the internet: it has no VPC endpoint). */
  reachesEcrPublic: boolean;
}

/** Interface endpoints tasks pull and log through without internet; S3 (image layers) is a gateway endpoint. */
export const REQUIRED_ENDPOINTS = ["ecr.api", "ecr.dkr", "logs", "s3"] as const;

/**
 * Decides, from the VPC's route tables and endpoints, how each task subnet reaches the services a
 * Fargate task needs to start: its default route (0.0.0.0/0) to a NAT gateway, an instance or a
 * transit gateway; to an internet gateway when tasks get a public IP; else VPC endpoints for
 * ecr.api, ecr.dkr and logs (interface) and s3 (gateway, in the subnet's route table).
 */
export function assessSubnetEgress(input: {
  subnetIds: readonly string[];
  assignPublicIp: boolean;
  region: string;
  routeTables: readonly RouteTableInfo[];
  endpoints: readonly VpcEndpointInfo[];
}): SubnetEgress[] {
  const main = input.routeTables.find((t) => t.main);
  return input.subnetIds.map((subnetId) => {
    const table = input.routeTables.find((t) => t.subnetIds.includes(subnetId)) ?? main;
    const route = table?.routes.find((r) => r.destination === "0.0.0.0/0");
    let internetVia: string | undefined;
    let noInternet: string | undefined;
    if (!table) noInternet = "no route table serves it";
    else if (!route) noInternet = `route table ${table.id} has no default route (0.0.0.0/0)`;
    else if (route.state === "blackhole") noInternet = `the default route of ${table.id} points to ${route.target}, which no longer exists`;
    else if (route.target.startsWith("igw-") && !input.assignPublicIp) {
      noInternet = `route table ${table.id} sends 0.0.0.0/0 to internet gateway ${route.target}, but AssignPublicIp is DISABLED`;
    } else if (/^(igw|nat|eni|i|tgw)-/.test(route.target)) internetVia = route.target;
    else noInternet = `the default route of ${table.id} points to ${route.target}`;

    const available = input.endpoints.filter((e) => e.state.toLowerCase() === "available");
    const missingEndpoints = REQUIRED_ENDPOINTS.filter((name) => {
      const serviceName = `com.amazonaws.${input.region}.${name}`;
      return !available.some((e) => {
        if (e.serviceName !== serviceName) return false;
        if (name !== "s3") return e.type === "Interface";
        // A gateway endpoint serves only the route tables it is attached to.
        return e.type === "Interface" || (e.type === "Gateway" && table !== undefined && (e.routeTableIds ?? []).includes(table.id));
      });
    });
    return {
      subnetId,
      ...(table ? { routeTableId: table.id } : {}),
      ...(internetVia ? { internetVia } : { noInternet }),
      missingEndpoints: internetVia ? [] : missingEndpoints,
      reachesAws: internetVia !== undefined || missingEndpoints.length === 0,
      reachesEcrPublic: internetVia !== undefined,
    };
  });
}
