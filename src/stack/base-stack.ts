import { Fn } from "aws-cdk-lib";

/** The outputs the operator's base stack (`deploy/base.yml`) exports as `<BaseStackName>-<Name>`. */
export const BASE_EXPORTS = [
  "ClusterName",
  "ListenerArn",
  "Domain",
  "Subnets",
  "AssignPublicIp",
  "SecurityGroup",
  "LogGroup",
  "ExecutionRoleArn",
  "TaskRoleArn",
  "VpcId",
  "NamespaceId",
  "NamespaceName",
  "LoadBalancerDnsName",
  "LoadBalancerFullName",
] as const;

/** One of the base stack's exports. */
export type BaseExport = (typeof BASE_EXPORTS)[number];

/** The preview template's parameter that names the base stack. */
export const BASE_STACK_PARAMETER = "BaseStackName";

/** `Fn::ImportValue: !Sub "${BaseStackName}-<name>"`, as a CDK token. */
export function importBase(name: BaseExport): string {
  return Fn.importValue(Fn.sub(`\${${BASE_STACK_PARAMETER}}-${name}`));
}
