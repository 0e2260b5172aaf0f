/**
 * A preview stack template shaped like the one src/stack renders (CDK L1 output: imports from the
 * base stack through `Fn::ImportValue` of `Fn::Sub "${BaseStackName}-..."`), for tests of the AWS
 * adapters and the fake that must not depend on the template builder.
 */

export interface PreviewTemplateInput {
  /** The preview's DNS label, e.g. `shop-pr-7-acme-1a2b3c`. */
  label: string;
  /** The web service's image. */
  image: string;
  /** Default of the ListenerRulePriority parameter. */
  priority?: number;
  /** Web service desired count (0 while a first deploy is held). */
  desiredCount?: number;
}

const imp = (name: string) => ({ "Fn::ImportValue": { "Fn::Sub": `\${BaseStackName}-${name}` } });

function logging(label: string) {
  return {
    LogDriver: "awslogs",
    Options: { "awslogs-group": imp("LogGroup"), "awslogs-region": { Ref: "AWS::Region" }, "awslogs-stream-prefix": label },
  };
}

function taskDefinition(label: string, family: string, containers: object[]) {
  return {
    Type: "AWS::ECS::TaskDefinition",
    Properties: {
      Family: family,
      Cpu: "256",
      Memory: "512",
      NetworkMode: "awsvpc",
      RequiresCompatibilities: ["FARGATE"],
      ExecutionRoleArn: imp("ExecutionRoleArn"),
      TaskRoleArn: imp("TaskRoleArn"),
      ContainerDefinitions: [
        {
          Name: "berth-dns-init",
          Image: "public.ecr.aws/docker/library/busybox:stable",
          Essential: false,
          Command: ["sh", "-c", `echo "search ${label}.berth.internal" >> /etc/resolv.conf`],
          LogConfiguration: logging(label),
        },
        ...containers,
      ],
    },
  };
}

function service(name: string, taskDefinition: string, desiredCount: number | undefined, extra: object = {}) {
  return {
    Type: "AWS::ECS::Service",
    Properties: {
      ServiceName: name,
      Cluster: imp("ClusterName"),
      TaskDefinition: { Ref: taskDefinition },
      DesiredCount: desiredCount ?? 1,
      LaunchType: "FARGATE",
      DeploymentConfiguration: { MinimumHealthyPercent: 100, MaximumPercent: 200, DeploymentCircuitBreaker: { Enable: true, Rollback: true } },
      NetworkConfiguration: {
        AwsvpcConfiguration: {
          AssignPublicIp: imp("AssignPublicIp"),
          Subnets: { "Fn::Split": [",", imp("Subnets")] },
          SecurityGroups: [imp("SecurityGroup"), { "Fn::GetAtt": ["TaskSecurityGroup", "GroupId"] }],
        },
      },
      ...extra,
    },
  };
}

/** A web (built, public) + db (postgres) preview with a release task definition. */
export function previewTemplate(input: PreviewTemplateInput): Record<string, unknown> {
  const { label } = input;
  const web = { Name: "web", Image: input.image, Essential: true, PortMappings: [{ ContainerPort: 3000 }], LogConfiguration: logging(label) };
  const release = { Name: "release", Image: input.image, Essential: true, LogConfiguration: logging(label) };
  const db = { Name: "db", Image: "postgres:16", Essential: true, PortMappings: [{ ContainerPort: 5432 }], LogConfiguration: logging(label) };
  const host = { "Fn::Join": ["", [label, ".", imp("Domain")]] };
  return {
    Parameters: {
      BaseStackName: { Type: "String", Default: "berth-base" },
      ListenerRulePriority: { Type: "Number", Default: input.priority ?? 4242, MinValue: 1, MaxValue: 50000 },
    },
    Resources: {
      TaskSecurityGroup: {
        Type: "AWS::EC2::SecurityGroup",
        Properties: { GroupDescription: `berth preview ${label}`, VpcId: imp("VpcId") },
      },
      TaskSecurityGroupSelfIngress: {
        Type: "AWS::EC2::SecurityGroupIngress",
        Properties: {
          GroupId: { "Fn::GetAtt": ["TaskSecurityGroup", "GroupId"] },
          SourceSecurityGroupId: { "Fn::GetAtt": ["TaskSecurityGroup", "GroupId"] },
          IpProtocol: "-1",
        },
      },
      DbDiscovery: {
        Type: "AWS::ServiceDiscovery::Service",
        Properties: { Name: `db.${label}`, NamespaceId: imp("NamespaceId"), DnsConfig: { DnsRecords: [{ Type: "A", TTL: 10 }] } },
      },
      DbTaskDefinition: taskDefinition(label, `${label}-db`, [db]),
      DbService: service(`${label}-db`, "DbTaskDefinition", 1, {
        ServiceRegistries: [{ RegistryArn: { "Fn::GetAtt": ["DbDiscovery", "Arn"] } }],
      }),
      WebTaskDefinition: taskDefinition(label, `${label}-web`, [web]),
      PublicTargetGroup: {
        Type: "AWS::ElasticLoadBalancingV2::TargetGroup",
        Properties: {
          Port: 3000,
          Protocol: "HTTP",
          TargetType: "ip",
          VpcId: imp("VpcId"),
          HealthCheckPath: "/",
          HealthCheckIntervalSeconds: 5,
          HealthyThresholdCount: 2,
        },
      },
      PublicListenerRule: {
        Type: "AWS::ElasticLoadBalancingV2::ListenerRule",
        Properties: {
          ListenerArn: imp("ListenerArn"),
          Priority: { Ref: "ListenerRulePriority" },
          Conditions: [{ Field: "host-header", HostHeaderConfig: { Values: [host] } }],
          Actions: [{ Type: "forward", TargetGroupArn: { Ref: "PublicTargetGroup" } }],
        },
      },
      WebService: service(`${label}-web`, "WebTaskDefinition", input.desiredCount, {
        HealthCheckGracePeriodSeconds: 30,
        LoadBalancers: [{ ContainerName: "web", ContainerPort: 3000, TargetGroupArn: { Ref: "PublicTargetGroup" } }],
      }),
      ReleaseTaskDefinition: taskDefinition(label, `${label}-release`, [release]),
    },
    Outputs: {
      Hostname: { Value: host },
      Url: { Value: { "Fn::Join": ["", ["https://", host]] } },
      PublicServiceArn: { Value: { Ref: "WebService" } },
      PublicServiceName: { Value: { "Fn::GetAtt": ["WebService", "Name"] } },
      ServiceArns: { Value: { "Fn::Join": ["", ["db=", { Ref: "DbService" }, ",web=", { Ref: "WebService" }]] } },
      StatefulServiceArns: { Value: { "Fn::Join": ["", ["db=", { Ref: "DbService" }]] } },
      ReleaseTaskDefinitionArn: { Value: { Ref: "ReleaseTaskDefinition" } },
      ReleaseContainerName: { Value: "release" },
      TargetGroupArn: { Value: { Ref: "PublicTargetGroup" } },
      TaskSubnets: { Value: { "Fn::Join": [",", { "Fn::Split": [",", imp("Subnets")] }] } },
      TaskSecurityGroups: { Value: { "Fn::Join": [",", [imp("SecurityGroup"), { "Fn::GetAtt": ["TaskSecurityGroup", "GroupId"] }]] } },
      AssignPublicIp: { Value: imp("AssignPublicIp") },
      ServiceImages: { Value: { "Fn::Sub": ["web=${Image}", { Image: input.image }] } },
      LogGroup: { Value: imp("LogGroup") },
      LogStreamPrefix: { Value: label },
      ListenerRulePriority: { Value: { Ref: "ListenerRulePriority" } },
    },
  };
}
