/**
 * A preview template whose public service deploys with ECS's blue/green strategy and a PAUSE hook
 * at POST_SCALE_UP, written by hand with the property names of the fast-rollout contract, for
 * tests of the fakes that must not depend on the template builder. With `gate`, a release gate (a
 * wait condition) that a worker service waits on; the public service waits on it too unless
 * `publicStartsAtOnce`. And the steps a test takes with it through the SDK clients, as berth would.
 */
import { CreateChangeSetCommand, DescribeChangeSetCommand, DescribeStacksCommand, ExecuteChangeSetCommand } from "@aws-sdk/client-cloudformation";
import { DescribeServiceDeploymentsCommand, ListServiceDeploymentsCommand, type ServiceDeployment } from "@aws-sdk/client-ecs";
import { BASE_OUTPUTS, type AwsFake } from "../aws-fake.js";

export const BLUE_GREEN_ROLE_ARN = "arn:aws:iam::123456789012:role/berth-base-RolloutRole-0A1B2C3D4E5F";

export interface BlueGreenTemplateInput {
  /**
   * A release gate, which a worker service (unless `worker: false`) waits on; `id` is new for each
   * deploy, as berth's gates are.
   */
  gate?: { id: string; publicStartsAtOnce: boolean; worker?: boolean };
  /** The target groups' deregistration delay in seconds; the attribute is left out when undefined. */
  deregistrationDelay?: number;
  /** The PAUSE hook's timeout. Default 45 minutes, action ROLLBACK. */
  hookTimeoutMinutes?: number;
  /** The public service's desired count; default 1. */
  desiredCount?: number;
}

const imp = (name: string) => ({ "Fn::ImportValue": `berth-base-${name}` });

function targetGroup(name: string, delay: number | undefined) {
  return {
    Type: "AWS::ElasticLoadBalancingV2::TargetGroup",
    Properties: {
      Name: name,
      Port: 80,
      Protocol: "HTTP",
      TargetType: "ip",
      VpcId: imp("VpcId"),
      ...(delay === undefined ? {} : { TargetGroupAttributes: [{ Key: "deregistration_delay.timeout_seconds", Value: String(delay) }] }),
    },
  };
}

function taskDefinition(family: string, image: { Ref: string }) {
  return {
    Type: "AWS::ECS::TaskDefinition",
    Properties: {
      Family: family,
      Cpu: "256",
      Memory: "512",
      NetworkMode: "awsvpc",
      RequiresCompatibilities: ["FARGATE"],
      ExecutionRoleArn: imp("ExecutionRoleArn"),
      ContainerDefinitions: [{ Name: "web", Image: image, Essential: true, PortMappings: [{ ContainerPort: 80 }] }],
    },
  };
}

/** The template as a JSON string, with parameters `Image` and `LiveTargetGroup` (primary/alternate). */
export function blueGreenTemplate(input: BlueGreenTemplateInput = {}): string {
  const weight = (group: "primary" | "alternate") => ({ "Fn::If": ["LiveIsPrimary", group === "primary" ? 100 : 0, group === "primary" ? 0 : 100] });
  const gate = input.gate;
  const resources: Record<string, unknown> = {
    WebTaskDefinition: taskDefinition("berth-pr-7-web", { Ref: "Image" }),
    PublicTargetGroup: targetGroup("berth-pr-7-web-80", input.deregistrationDelay),
    PublicTargetGroupAlternate: targetGroup("berth-pr-7-web-80-alt", input.deregistrationDelay),
    PublicListenerRule: {
      Type: "AWS::ElasticLoadBalancingV2::ListenerRule",
      Properties: {
        ListenerArn: imp("ListenerArn"),
        Priority: 7,
        Conditions: [{ Field: "host-header", HostHeaderConfig: { Values: ["shop-pr-7.preview.example.com"] } }],
        Actions: [{
          Type: "forward",
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: { Ref: "PublicTargetGroup" }, Weight: weight("primary") },
              { TargetGroupArn: { Ref: "PublicTargetGroupAlternate" }, Weight: weight("alternate") },
            ],
          },
        }],
      },
    },
    PublicService: {
      Type: "AWS::ECS::Service",
      ...(gate && !gate.publicStartsAtOnce ? { DependsOn: [`ReleaseGate${gate.id}`] } : {}),
      Properties: {
        Cluster: imp("ClusterName"),
        ServiceName: "berth-pr-7-web",
        TaskDefinition: { Ref: "WebTaskDefinition" },
        DesiredCount: input.desiredCount ?? 1,
        LaunchType: "FARGATE",
        DeploymentConfiguration: {
          Strategy: "BLUE_GREEN",
          BakeTimeInMinutes: 0,
          DeploymentCircuitBreaker: { Enable: true, Rollback: true },
          LifecycleHooks: [{ TargetType: "PAUSE", LifecycleStages: ["POST_SCALE_UP"], TimeoutConfiguration: { TimeoutInMinutes: input.hookTimeoutMinutes ?? 45, Action: "ROLLBACK" } }],
        },
        LoadBalancers: [{
          ContainerName: "web",
          ContainerPort: 80,
          TargetGroupArn: { Ref: "PublicTargetGroup" },
          AdvancedConfiguration: {
            AlternateTargetGroupArn: { Ref: "PublicTargetGroupAlternate" },
            ProductionListenerRule: { Ref: "PublicListenerRule" },
            RoleArn: BLUE_GREEN_ROLE_ARN,
          },
        }],
      },
    },
  };
  if (gate) {
    resources[`ReleaseGateHandle${gate.id}`] = { Type: "AWS::CloudFormation::WaitConditionHandle" };
    resources[`ReleaseGate${gate.id}`] = { Type: "AWS::CloudFormation::WaitCondition", Properties: { Handle: { Ref: `ReleaseGateHandle${gate.id}` }, Timeout: "3600", Count: 1 } };
  }
  if (gate && gate.worker !== false) {
    resources.WorkerTaskDefinition = taskDefinition("berth-pr-7-worker", { Ref: "Image" });
    resources.WorkerService = {
      Type: "AWS::ECS::Service",
      DependsOn: [`ReleaseGate${gate.id}`],
      Properties: { Cluster: imp("ClusterName"), ServiceName: "berth-pr-7-worker", TaskDefinition: { Ref: "WorkerTaskDefinition" }, DesiredCount: 1, LaunchType: "FARGATE" },
    };
  }
  return JSON.stringify({
    Parameters: {
      Image: { Type: "String" },
      LiveTargetGroup: { Type: "String", AllowedValues: ["primary", "alternate"], Default: "primary" },
    },
    Conditions: { LiveIsPrimary: { "Fn::Equals": [{ Ref: "LiveTargetGroup" }, "primary"] } },
    Resources: resources,
    Outputs: {
      TargetGroupArn: { Value: { Ref: "PublicTargetGroup" } },
      AlternateTargetGroupArn: { Value: { Ref: "PublicTargetGroupAlternate" } },
      ListenerRuleArn: { Value: { Ref: "PublicListenerRule" } },
      ...(gate ? { ReleaseGateUrl: { Value: { Ref: `ReleaseGateHandle${gate.id}` } } } : {}),
    },
  });
}

export const STACK = "berth-shop-pr-7";
export const SERVICE = "berth-pr-7-web";

let changeSets = 0;

/** Creates and executes a change set of `template` (a create when the stack does not exist yet). */
export async function executeChangeSet(fake: AwsFake, input: { template: string; image: string; live?: "primary" | "alternate" }): Promise<void> {
  const cf = fake.clients.cloudformation;
  const exists = fake.state.cloudformation.stacks.get(STACK)?.current !== undefined;
  const ChangeSetName = `berth-${++changeSets}`;
  await cf.send(new CreateChangeSetCommand({
    StackName: STACK,
    ChangeSetName,
    ChangeSetType: exists ? "UPDATE" : "CREATE",
    TemplateBody: input.template,
    Parameters: [{ ParameterKey: "Image", ParameterValue: input.image }, { ParameterKey: "LiveTargetGroup", ParameterValue: input.live ?? "primary" }],
  }));
  const described = await cf.send(new DescribeChangeSetCommand({ StackName: STACK, ChangeSetName }));
  if (described.Status !== "CREATE_COMPLETE") throw new Error(`change set ${ChangeSetName}: ${described.Status} ${described.StatusReason ?? ""}`);
  await cf.send(new ExecuteChangeSetCommand({ StackName: STACK, ChangeSetName }));
}

/** DescribeStacks `times` times (or until the stack settles); returns the last status. */
export async function pollStack(fake: AwsFake, times = 10): Promise<string> {
  let status = "";
  for (let i = 0; i < times; i++) {
    const out = await fake.clients.cloudformation.send(new DescribeStacksCommand({ StackName: STACK }));
    status = out.Stacks?.[0]?.StackStatus ?? "";
    if (!status.endsWith("_IN_PROGRESS")) break;
  }
  return status;
}

/** The public service's newest service deployment, as DescribeServiceDeployments shows it (one look). */
export async function newestDeployment(fake: AwsFake): Promise<ServiceDeployment> {
  const listed = await fake.clients.ecs.send(new ListServiceDeploymentsCommand({ cluster: BASE_OUTPUTS.ClusterName, service: SERVICE }));
  const arn = listed.serviceDeployments?.[0]?.serviceDeploymentArn;
  if (!arn) throw new Error(`no service deployment of ${SERVICE}`);
  const out = await fake.clients.ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }));
  return out.serviceDeployments![0]!;
}

/** Looks at the newest service deployment until its PAUSE hook awaits action. */
export async function pausedDeployment(fake: AwsFake): Promise<ServiceDeployment & { hookId: string }> {
  for (let i = 0; i < 10; i++) {
    const d = await newestDeployment(fake);
    const hook = d.lifecycleHookDetails?.find((h) => h.status === "AWAITING_ACTION");
    if (hook?.hookId) return { ...d, hookId: hook.hookId };
  }
  throw new Error("the service deployment never paused at its hook");
}

/** The production listener rule's weights by target group name. */
export function liveWeights(fake: AwsFake): Record<string, number> {
  const rule = [...fake.state.elbv2.rules.values()].find((r) => r.priority === 7);
  const groups = fake.state.elbv2.forwardOf(rule?.arn ?? "") ?? [];
  return Object.fromEntries(groups.map((g) => [fake.state.elbv2.targetGroups.get(g.targetGroupArn)?.name ?? g.targetGroupArn, g.weight]));
}
