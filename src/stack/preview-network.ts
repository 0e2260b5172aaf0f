import { fromBase } from "./base-stack.js";
import { previewResourceTags } from "./resource-tags.js";
import { split, type ListValue, type Value } from "./template/intrinsics.js";
import type { ResourceHandle, TemplateBuilder } from "./template/template-builder.js";

/** Seconds a resolver may cache a service's address: short, as tasks come and go on every deploy. */
const DNS_TTL = 10;

/** The network every task of a preview joins. */
export interface PreviewNetwork {
  securityGroup: ResourceHandle<"AWS::EC2::SecurityGroup">;
  /** The rule that lets the preview's tasks reach each other through its security group. */
  selfIngress: ResourceHandle<"AWS::EC2::SecurityGroupIngress">;
  /** Task subnets: the base stack's comma-separated list, split at deploy time. */
  subnets: ListValue;
  /** The base stack's task security group (reachable from the ALB) and the preview's own. */
  securityGroups: Value[];
  /** `ENABLED` or `DISABLED`, from the base stack. */
  assignPublicIp: Value;
  /**
   * `<label>.<namespace>`: the search domain under which compose service names resolve, as text
   * that may stand inside other text (the namespace is known at deploy time).
   */
  searchDomain: string;
}

/**
 * Creates the preview's own security group, which admits all traffic from itself only: the
 * services of one preview reach each other, and no other preview reaches them.
 */
export function addPreviewNetwork(template: TemplateBuilder, label: string): PreviewNetwork {
  const securityGroup = template.addResource("PreviewSecurityGroup", "AWS::EC2::SecurityGroup", {
    GroupDescription: `berth preview ${label}: its tasks reach each other`,
    VpcId: fromBase("VpcId"),
    Tags: previewResourceTags(),
  });
  const selfIngress = template.addResource("PreviewSecurityGroupSelfIngress", "AWS::EC2::SecurityGroupIngress", {
    GroupId: securityGroup.getAtt("GroupId"),
    SourceSecurityGroupId: securityGroup.getAtt("GroupId"),
    IpProtocol: "-1",
    Description: "Services of the same preview",
  });
  return {
    securityGroup,
    selfIngress,
    subnets: split(",", fromBase("Subnets")),
    securityGroups: [fromBase("SecurityGroup"), securityGroup.getAtt("GroupId")],
    assignPublicIp: fromBase("AssignPublicIp"),
    searchDomain: `${label}.${template.embed(fromBase("NamespaceName"))}`,
  };
}

/**
 * Registers a compose service in the base stack's private DNS namespace as `<service>.<label>`,
 * one A record per task (awsvpc), so `<service>` resolves under the preview's search domain.
 */
export function addServiceDiscovery(
  template: TemplateBuilder,
  id: string,
  service: string,
  label: string,
): ResourceHandle<"AWS::ServiceDiscovery::Service"> {
  return template.addResource(id, "AWS::ServiceDiscovery::Service", {
    Name: `${service}.${label}`,
    Description: `berth preview ${label}: compose service ${service}`,
    NamespaceId: fromBase("NamespaceId"),
    DnsConfig: { DnsRecords: [{ Type: "A", TTL: DNS_TTL }], RoutingPolicy: "MULTIVALUE" },
    // ECS reports task health to Cloud Map itself.
    HealthCheckCustomConfig: { FailureThreshold: 1 },
    Tags: previewResourceTags(),
  });
}
