import type { EC2Client } from "@aws-sdk/client-ec2";
import type { ECRClient } from "@aws-sdk/client-ecr";
import type { IAMClient } from "@aws-sdk/client-iam";
import type { STSClient } from "@aws-sdk/client-sts";
import type { DoctorPort } from "../doctor/doctor-port.js";
import type { StackPort } from "../preview/ports.js";
import { getCallerIdentity } from "./caller-identity.js";
import { Ec2Network } from "./ec2-network.js";
import { EcrRepositories } from "./ecr-repositories.js";
import type { ElbV2 } from "./elbv2.js";
import { IamRoles } from "./iam-roles.js";

/** What the doctor port is made of: the deploy's own stack and load balancer adapters, and SDK clients. */
export interface AwsDoctorPortOptions {
  stacks: Pick<StackPort, "find">;
  loadBalancers: Pick<ElbV2, "usedPriorities" | "countTargetGroups" | "describeTargetGroup">;
  ec2: EC2Client;
  iam: IAMClient;
  sts: STSClient;
  /** The ECR client of a region. */
  ecr: (region: string) => ECRClient;
}

/** DoctorPort on AWS: only Describe, List, Get and Simulate calls. */
export function createAwsDoctorPort(options: AwsDoctorPortOptions): DoctorPort {
  const network = new Ec2Network({ client: options.ec2 });
  const roles = new IamRoles({ client: options.iam });
  const repositories = new EcrRepositories({ clientFor: options.ecr });
  return {
    findStack: (name) => options.stacks.find(name),
    vpcDnsAttributes: (vpcId) => network.vpcDnsAttributes(vpcId),
    subnets: (ids) => network.subnets(ids),
    routeTables: (vpcId) => network.routeTables(vpcId),
    vpcEndpoints: (vpcId) => network.vpcEndpoints(vpcId),
    listenerRuleCount: async (listenerArn) => (await options.loadBalancers.usedPriorities(listenerArn)).length,
    targetGroupCount: (loadBalancerArn) => options.loadBalancers.countTargetGroups(loadBalancerArn),
    targetGroup: (targetGroupArn) => options.loadBalancers.describeTargetGroup(targetGroupArn),
    simulate: (principalArn, requests) => roles.simulate(principalArn, requests),
    callerIdentity: () => getCallerIdentity(options.sts),
    findRoleArn: (roleName) => roles.findRoleArn(roleName),
    repositoryExists: (repository) => repositories.exists(repository),
  };
}
