import { Fn, type Stack } from "aws-cdk-lib";
import { CfnSecurityGroup, CfnSecurityGroupIngress } from "aws-cdk-lib/aws-ec2";
import { CfnService as CfnDiscoveryService } from "aws-cdk-lib/aws-servicediscovery";
import { fromBase } from "./base-stack.js";
import { previewResourceTags } from "./resource-tags.js";

/** Seconds a resolver may cache a service's address: short, as tasks come and go on every deploy. */
const DNS_TTL = 10;

/** The network every task of a preview joins. */
export interface PreviewNetwork {
  securityGroup: CfnSecurityGroup;
  /** Task subnets (a list token) from the base stack. */
  subnets: string[];
  /** The base stack's task security group (reachable from the ALB) and the preview's own. */
  securityGroups: string[];
  /** `ENABLED` or `DISABLED`, from the base stack. */
  assignPublicIp: string;
  /** `<label>.<namespace>`: the search domain under which compose service names resolve. */
  searchDomain: string;
}

/**
 * Creates the preview's own security group, which admits all traffic from itself only: the
 * services of one preview reach each other, and no other preview reaches them.
 */
export function addPreviewNetwork(stack: Stack, label: string): PreviewNetwork {
  const securityGroup = new CfnSecurityGroup(stack, "PreviewSecurityGroup", {
    groupDescription: `berth preview ${label}: its tasks reach each other`,
    vpcId: fromBase("VpcId"),
    tags: previewResourceTags(),
  });
  new CfnSecurityGroupIngress(stack, "PreviewSecurityGroupSelfIngress", {
    groupId: securityGroup.attrGroupId,
    sourceSecurityGroupId: securityGroup.attrGroupId,
    ipProtocol: "-1",
    description: "Services of the same preview",
  });
  return {
    securityGroup,
    subnets: Fn.split(",", fromBase("Subnets")),
    securityGroups: [fromBase("SecurityGroup"), securityGroup.attrGroupId],
    assignPublicIp: fromBase("AssignPublicIp"),
    searchDomain: `${label}.${fromBase("NamespaceName")}`,
  };
}

/**
 * Registers a compose service in the base stack's private DNS namespace as `<service>.<label>`,
 * one A record per task (awsvpc), so `<service>` resolves under the preview's search domain.
 */
export function addServiceDiscovery(stack: Stack, id: string, service: string, label: string): CfnDiscoveryService {
  return new CfnDiscoveryService(stack, id, {
    name: `${service}.${label}`,
    description: `berth preview ${label}: compose service ${service}`,
    namespaceId: fromBase("NamespaceId"),
    dnsConfig: { dnsRecords: [{ type: "A", ttl: DNS_TTL }], routingPolicy: "MULTIVALUE" },
    // ECS reports task health to Cloud Map itself.
    healthCheckCustomConfig: { failureThreshold: 1 },
    tags: previewResourceTags(),
  });
}
