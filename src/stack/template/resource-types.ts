import type { If, ListValue, Ref, Value } from "./intrinsics.js";

/**
 * The properties of the CloudFormation resource types a preview template declares, named as the
 * AWS CloudFormation resource reference names them (the template's JSON is exactly these objects).
 * Only the properties berth sets are listed; CloudFormation accepts more.
 */

/** A resource tag (`Key`, `Value`). */
export interface Tag {
  Key: string;
  Value: string;
}

/** `AWS::EC2::SecurityGroup`. */
export interface SecurityGroupProperties {
  GroupDescription: string;
  VpcId?: Value;
  Tags?: Tag[];
}

/** `AWS::EC2::SecurityGroupIngress`: one inbound rule of a security group. */
export interface SecurityGroupIngressProperties {
  GroupId: Value;
  SourceSecurityGroupId?: Value;
  /** `-1` for every protocol. */
  IpProtocol: string;
  Description?: string;
}

/** `AWS::ServiceDiscovery::Service`: a Cloud Map service, here in a private DNS namespace. */
export interface DiscoveryServiceProperties {
  Name: string;
  Description?: string;
  NamespaceId: Value;
  DnsConfig: { DnsRecords: Array<{ Type: "A" | "AAAA" | "SRV" | "CNAME"; TTL: number }>; RoutingPolicy?: "MULTIVALUE" | "WEIGHTED" };
  HealthCheckCustomConfig?: { FailureThreshold?: number };
  Tags?: Tag[];
}

/** `AWS::ElasticLoadBalancingV2::TargetGroup`. */
export interface TargetGroupProperties {
  Name?: string;
  TargetType: "instance" | "ip" | "lambda" | "alb";
  Protocol: "HTTP" | "HTTPS";
  Port: number;
  VpcId: Value;
  HealthCheckEnabled?: boolean;
  HealthCheckProtocol?: "HTTP" | "HTTPS";
  HealthCheckPath?: string;
  HealthCheckIntervalSeconds?: number;
  HealthCheckTimeoutSeconds?: number;
  HealthyThresholdCount?: number;
  UnhealthyThresholdCount?: number;
  Matcher?: { HttpCode: string };
  TargetGroupAttributes?: Array<{ Key: string; Value: string }>;
  Tags?: Tag[];
}

/** `AWS::ElasticLoadBalancingV2::ListenerRule`. */
export interface ListenerRuleProperties {
  ListenerArn: Value;
  Priority: Value<number>;
  Conditions: Array<{ Field: "host-header"; HostHeaderConfig: { Values: Value[] } } | { Field: "source-ip"; SourceIpConfig: { Values: string[] } }>;
  Actions: Array<ForwardAction | If<ForwardAction> | { Type: "authenticate-oidc"; Order: number; AuthenticateOidcConfig: AuthenticateOidcConfig }>;
}

/** A listener rule's `forward` action: to one target group, or weighted across several (`ForwardConfig`). */
export type ForwardAction =
  | { Type: "forward"; Order?: number; TargetGroupArn: Value }
  | { Type: "forward"; Order?: number; ForwardConfig: { TargetGroups: Array<{ TargetGroupArn: Value; Weight: number | If<number> }> } };

/** A listener rule's `authenticate-oidc` settings. */
export interface AuthenticateOidcConfig {
  Issuer: string;
  AuthorizationEndpoint: string;
  TokenEndpoint: string;
  UserInfoEndpoint: string;
  ClientId: string;
  /** A dynamic reference (`{{resolve:secretsmanager:...}}`), never the secret itself. */
  ClientSecret: string;
  Scope?: string;
  OnUnauthenticatedRequest?: "deny" | "allow" | "authenticate";
}

/** One container of an ECS task definition (`ContainerDefinition`). */
export interface ContainerDefinition {
  Name: string;
  Image: string;
  Essential?: boolean;
  EntryPoint?: Value[];
  Command?: Value[];
  WorkingDirectory?: string;
  User?: string;
  Environment?: Array<{ Name: string; Value: Value }>;
  /** `ValueFrom`: an SSM parameter or Secrets Manager ARN; ECS injects the value. */
  Secrets?: Array<{ Name: string; ValueFrom: string }>;
  DependsOn?: Array<{ ContainerName: string; Condition: "START" | "COMPLETE" | "SUCCESS" | "HEALTHY" }>;
  LogConfiguration?: LogConfiguration;
  PortMappings?: PortMapping[];
  HealthCheck?: HealthCheck;
  MountPoints?: Array<{ SourceVolume: string; ContainerPath: string; ReadOnly?: boolean }>;
  LinuxParameters?: { InitProcessEnabled?: boolean; Capabilities?: { Add?: string[]; Drop?: string[] } };
  ReadonlyRootFilesystem?: boolean;
  /** Seconds between SIGTERM and SIGKILL (Fargate: at most 120). */
  StopTimeout?: number;
  DockerLabels?: Record<string, Value>;
  Ulimits?: Array<{ Name: string; SoftLimit: number; HardLimit: number }>;
  PseudoTerminal?: boolean;
  Interactive?: boolean;
}

/** Where a container's output goes (`LogConfiguration`). */
export interface LogConfiguration {
  LogDriver: "awslogs";
  Options: Record<string, Value>;
}

/** A container port (`PortMapping`); in awsvpc mode there is no host port to choose. */
/** One container port, or a range of them (`ContainerPortRange: "40000-40100"`, awsvpc maps the same host ports). */
export type PortMapping = { ContainerPort: number; Protocol: "tcp" | "udp" } | { ContainerPortRange: string; Protocol: "tcp" | "udp" };

/** A container health check (`HealthCheck`): seconds for the interval, timeout and start period. */
export interface HealthCheck {
  Command: Value[];
  Interval?: number;
  Timeout?: number;
  Retries?: number;
  StartPeriod?: number;
}

/** `AWS::ECS::TaskDefinition`, for Fargate. */
export interface TaskDefinitionProperties {
  Family: string;
  RequiresCompatibilities: Array<"FARGATE" | "EC2">;
  NetworkMode: "awsvpc";
  /** CPU units and MiB, as strings. */
  Cpu: string;
  Memory: string;
  ExecutionRoleArn: Value;
  TaskRoleArn: Value;
  ContainerDefinitions: ContainerDefinition[];
  Volumes?: Array<{ Name: string }>;
  Tags?: Tag[];
}

/** `AWS::ECS::Service`, on Fargate in awsvpc mode. */
export interface EcsServiceProperties {
  Cluster: Value;
  LaunchType: "FARGATE";
  PlatformVersion?: string;
  TaskDefinition: Value;
  DesiredCount: number;
  DeploymentConfiguration?: {
    /** Absent: ROLLING. */
    Strategy?: "ROLLING" | "BLUE_GREEN";
    MinimumHealthyPercent?: number;
    MaximumPercent?: number;
    DeploymentCircuitBreaker?: { Enable: boolean; Rollback: boolean };
    /** BLUE_GREEN: minutes both versions stay up after traffic moved. */
    BakeTimeInMinutes?: number;
    LifecycleHooks?: LifecycleHook[];
  };
  NetworkConfiguration: {
    AwsvpcConfiguration: { Subnets: ListValue; SecurityGroups?: Value[]; AssignPublicIp?: Value };
  };
  ServiceRegistries?: Array<{ RegistryArn: Value }>;
  EnableECSManagedTags?: boolean;
  PropagateTags?: "SERVICE" | "TASK_DEFINITION";
  HealthCheckGracePeriodSeconds?: number;
  LoadBalancers?: Array<{ ContainerName: string; ContainerPort: number; TargetGroupArn: Value; AdvancedConfiguration?: AdvancedLoadBalancerConfiguration }>;
  Tags?: Tag[];
}

/** A BLUE_GREEN service's second target group, the rule whose weights ECS moves, and the role it moves them with. */
export interface AdvancedLoadBalancerConfiguration {
  AlternateTargetGroupArn: Value;
  ProductionListenerRule: Ref;
  RoleArn: Value;
}

/**
 * A pause in a BLUE_GREEN deployment: it waits at its stages until ContinueServiceDeployment, or
 * until its timeout's action. ECS refuses a pause at the two traffic-shift stages themselves.
 */
export interface LifecycleHook {
  TargetType: "PAUSE";
  LifecycleStages: Array<"RECONCILE_SERVICE" | "PRE_SCALE_UP" | "POST_SCALE_UP" | "POST_TEST_TRAFFIC_SHIFT" | "PRE_PRODUCTION_TRAFFIC_SHIFT" | "POST_PRODUCTION_TRAFFIC_SHIFT">;
  TimeoutConfiguration: { TimeoutInMinutes: number; Action: "CONTINUE" | "ROLLBACK" };
}

/** `AWS::CloudFormation::WaitConditionHandle`: takes no properties; its `Ref` is a presigned URL to signal. */
export type WaitConditionHandleProperties = Record<string, never>;

/** `AWS::CloudFormation::WaitCondition`: completes once `Count` SUCCESS signals reached its handle's URL. */
export interface WaitConditionProperties {
  Handle: Value;
  /** Seconds, as a string, at most 43200 (12 hours). */
  Timeout: string;
  Count?: number;
}

/** The properties of each resource type, by its CloudFormation type name. */
export interface ResourceTypes {
  "AWS::CloudFormation::WaitConditionHandle": WaitConditionHandleProperties;
  "AWS::CloudFormation::WaitCondition": WaitConditionProperties;
  "AWS::EC2::SecurityGroup": SecurityGroupProperties;
  "AWS::EC2::SecurityGroupIngress": SecurityGroupIngressProperties;
  "AWS::ServiceDiscovery::Service": DiscoveryServiceProperties;
  "AWS::ElasticLoadBalancingV2::TargetGroup": TargetGroupProperties;
  "AWS::ElasticLoadBalancingV2::ListenerRule": ListenerRuleProperties;
  "AWS::ECS::TaskDefinition": TaskDefinitionProperties;
  "AWS::ECS::Service": EcsServiceProperties;
}

/** The attributes `Fn::GetAtt` reads from each resource type (those berth reads). */
export interface ResourceAttributes {
  "AWS::CloudFormation::WaitConditionHandle": never;
  "AWS::CloudFormation::WaitCondition": "Data";
  "AWS::EC2::SecurityGroup": "GroupId" | "VpcId";
  "AWS::EC2::SecurityGroupIngress": "Id";
  "AWS::ServiceDiscovery::Service": "Arn" | "Id" | "Name";
  "AWS::ElasticLoadBalancingV2::TargetGroup": "TargetGroupArn" | "TargetGroupName" | "TargetGroupFullName";
  "AWS::ElasticLoadBalancingV2::ListenerRule": "RuleArn";
  "AWS::ECS::TaskDefinition": "TaskDefinitionArn";
  "AWS::ECS::Service": "Name" | "ServiceArn";
}

/** A resource type a preview template declares. */
export type ResourceType = keyof ResourceTypes;
