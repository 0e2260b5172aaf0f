import { describe, expect, it } from "vitest";
import { buildPreviewRequests, type IamRequest, type LifecycleStep } from "../../src/iam/preview-requests.js";
import path from "node:path";
import { planPreview } from "../../src/plan/plan-preview.js";
import { buildTemplate } from "../../src/stack/build-template.js";
import { createDirReader } from "../../src/util/repo-reader.js";
import { BASE_OUTPUTS, FAKE_ACCOUNT, FAKE_REGION } from "../fakes/aws-fake.js";
import { BASE, rails, TARGET } from "../stack/fixtures/projects.js";

const stack = buildTemplate({ ...rails, target: TARGET, baseStack: BASE });
const STACK_TAGS = { "berth:managed": "true", "berth:repository": "acme/shop", "berth:pr": "42", "berth:deploying": TARGET.sha, "berth:sha": TARGET.sha, "berth:seeded": "true" };
const input = { stackName: stack.stackName, base: { name: BASE, outputs: BASE_OUTPUTS }, account: FAKE_ACCOUNT, region: FAKE_REGION, stackTags: STACK_TAGS };
const requests = buildPreviewRequests({ ...input, template: stack.template as never });

const arn = (service: string, resource: string) => `arn:aws:${service}:${FAKE_REGION}:${FAKE_ACCOUNT}:${resource}`;
const CLUSTER = arn("ecs", `cluster/${BASE_OUTPUTS.ClusterName}`);

/** The requests of a step for one action whose caller mentions `who`. */
function find(step: LifecycleStep, action: string, who = ""): IamRequest[] {
  return requests[step].filter((r) => r.action === action && r.caller.includes(who));
}

describe("buildPreviewRequests", () => {
  it("creates a Cloud Map service on the base namespace and on the new service/srv-… resource", () => {
    expect(find("deploy", "servicediscovery:CreateService", "WebDiscovery").map((r) => r.resource)).toEqual([
      arn("servicediscovery", `namespace/${BASE_OUTPUTS.NamespaceId}`),
      expect.stringMatching(new RegExp(`^${arn("servicediscovery", "service/srv-")}[a-z0-9]{16}$`)),
    ]);
  });

  it("deletes the target group by its berth-pr-* name, carrying berth:managed and no aws:cloudformation:* tag", () => {
    const [request] = find("teardown", "elasticloadbalancing:DeleteTargetGroup");
    expect(request!.resource).toMatch(new RegExp(`^${arn("elasticloadbalancing", "targetgroup/berth-pr-")}[0-9a-f]{23}/[0-9a-f]{16}$`));
    expect(request!.context).toEqual({ "aws:RequestedRegion": FAKE_REGION, "aws:ResourceTag/berth:managed": "true" });
  });

  it("tags a new target group after creating it, when it has no tags yet", () => {
    const [request] = find("deploy", "elasticloadbalancing:AddTags", "create");
    expect(request!.context).toMatchObject({ "aws:RequestTag/berth:managed": "true", "aws:RequestTag/berth:sha": TARGET.sha });
    expect(Object.keys(request!.context).filter((k) => k.startsWith("aws:ResourceTag/") || k.endsWith(":CreateAction"))).toEqual([]);
  });

  it.each([
    ["ecs:TagResource", "WebService", "ecs:CreateAction", "CreateService"],
    ["ecs:TagResource", "WebTaskDefinition", "ecs:CreateAction", "RegisterTaskDefinition"],
    ["ec2:CreateTags", "PreviewSecurityGroup", "ec2:CreateAction", "CreateSecurityGroup"],
  ])("tags on create: %s of %s carries %s=%s and the new tags", (action, id, key, value) => {
    const [request] = find("deploy", action, `create ${id} `);
    expect(request!.context).toMatchObject({ [key]: value, "aws:RequestTag/berth:managed": "true" });
  });

  it("retags on a push with the changed stack tags, on resources that carry berth:managed", () => {
    const [request] = find("push", "ecs:TagResource", "update WebService");
    expect(request!.context).toEqual({
      "aws:RequestedRegion": FAKE_REGION,
      "aws:ResourceTag/berth:managed": "true",
      "aws:RequestTag/berth:deploying": TARGET.sha,
      "aws:RequestTag/berth:sha": TARGET.sha,
      "aws:RequestTag/berth:seeded": "true",
      "aws:RequestTag/berth:needs-seed": "true",
      "aws:TagKeys": ["berth:deploying", "berth:sha", "berth:seeded", "berth:needs-seed"],
    });
    expect(request!.resource).toMatch(new RegExp(`^${arn("ecs", `service/${BASE_OUTPUTS.ClusterName}/${stack.stackName}-WebService-`)}[A-Z0-9]{12}$`));
  });

  it("describes a service deployment on the service and on service-deployment/<cluster>/<service>/<id>", () => {
    const list = find("push", "ecs:DescribeServiceDeployments", "WebService");
    expect(list.map((r) => r.resource)).toEqual([
      expect.stringContaining(`:service/${BASE_OUTPUTS.ClusterName}/${stack.stackName}-WebService-`),
      expect.stringMatching(new RegExp(`:service-deployment/${BASE_OUTPUTS.ClusterName}/${stack.stackName}-WebService-[A-Z0-9]{12}/[a-z0-9]{20}$`)),
    ]);
    expect(list[1]!.context).toEqual({ "aws:RequestedRegion": FAKE_REGION, "ecs:cluster": CLUSTER, "ecs:service": list[0]!.resource });
  });

  it("authorizes the self-ingress rule on the preview's own, tagged security group in the base VPC", () => {
    const [request] = find("deploy", "ec2:AuthorizeSecurityGroupIngress", "PreviewSecurityGroupSelfIngress");
    expect(request!.resource).toMatch(/:security-group\/sg-[0-9a-f]{17}$/);
    expect(request!.context).toMatchObject({ "aws:ResourceTag/berth:managed": "true", "ec2:Vpc": arn("ec2", `vpc/${BASE_OUTPUTS.VpcId}`) });
  });

  it("passes and reads exactly the base stack's two roles for task definitions, passing them to ECS tasks", () => {
    const passed = find("deploy", "iam:PassRole");
    expect([...new Set(passed.map((r) => r.resource))]).toEqual([BASE_OUTPUTS.ExecutionRoleArn, BASE_OUTPUTS.TaskRoleArn]);
    for (const r of passed) expect(r.context["iam:PassedToService"]).toBe("ecs-tasks.amazonaws.com");
    expect([...new Set(find("teardown", "iam:GetRole").map((r) => r.resource))]).toEqual([BASE_OUTPUTS.ExecutionRoleArn, BASE_OUTPUTS.TaskRoleArn]);
  });

  it("runs the release task definition in the base cluster and reads its log stream", () => {
    const [run] = find("deploy", "ecs:RunTask");
    expect(run!.resource).toBe(arn("ecs", `task-definition/berth-${stack.label}-release:1`));
    expect(run!.context["ecs:cluster"]).toBe(CLUSTER);
    expect(find("deploy", "logs:GetLogEvents")[0]!.resource).toMatch(
      new RegExp(`^${arn("logs", `log-group:${BASE_OUTPUTS.LogGroup}:log-stream:${stack.label}/release/`)}[0-9a-f]{32}$`),
    );
  });

  it("restarts the data services on a reset, and nothing on a push", () => {
    expect(find("reset", "ecs:UpdateService", "berth").map((r) => r.resource)).toEqual([
      expect.stringMatching(new RegExp(`:service/${BASE_OUTPUTS.ClusterName}/${stack.stackName}-DbService-[A-Z0-9]{12}$`)),
    ]);
    expect(find("push", "ecs:UpdateService", "berth")).toEqual([]);
  });

  it.each<[string, string, LifecycleStep[]]>([
    // Before a new preview's first create only.
    ["elasticloadbalancing:DescribeListeners", "headroom", ["deploy"]],
    ["elasticloadbalancing:DescribeTargetGroups", "headroom", ["deploy"]],
    // A later deploy first repairs a stack left in UPDATE_ROLLBACK_FAILED.
    ["cloudformation:ListStackResources", "stuck rollback", ["push", "reset"]],
    ["cloudformation:ContinueUpdateRollback", "stuck rollback", ["push", "reset"]],
    // Every deploy looks at the tasks holding the data services' storage.
    ["ecs:ListTasks", "data services", ["deploy", "push", "reset"]],
  ])("asks %s (berth: %s) in the steps %j", (action, who, steps) => {
    const asked = (["deploy", "push", "reset", "teardown"] as const).filter((step) => find(step, action, who).length > 0);
    expect(asked).toEqual(steps);
  });

  it("lists the data services' tasks on `*`, fenced by the base cluster alone, as AWS authorizes it on Fargate", () => {
    expect(find("deploy", "ecs:ListTasks")).toEqual([
      { action: "ecs:ListTasks", resource: "*", context: { "aws:RequestedRegion": FAKE_REGION, "ecs:cluster": CLUSTER }, caller: expect.stringContaining("berth") },
    ]);
  });

  it("lists, for a template without data services, only the release tasks that still run", () => {
    const { StatefulServiceArns: _none, ...outputs } = (stack.template as { Outputs: Record<string, unknown> }).Outputs;
    const stateless = buildPreviewRequests({ ...input, template: { ...(stack.template as object), Outputs: outputs } as never });
    expect(stateless.deploy.filter((r) => r.action === "ecs:ListTasks" && r.caller.includes("data services"))).toEqual([]);
    // Requests alike are merged, their callers joined with " / ".
    expect(stateless.deploy.filter((r) => r.action === "ecs:ListTasks").flatMap((r) => r.caller.split(" / "))).toContain("berth looks for the preview's release tasks that still run");
  });

  it("reads why a service's new tasks stopped, and the log of its essential container, on a deploy and a push", () => {
    for (const step of ["deploy", "push"] as const) {
      const calls = requests[step].filter((r) => r.caller === "berth reads why a service's new tasks stopped");
      expect(calls.map((r) => r.action)).toEqual(expect.arrayContaining(["ecs:DescribeTasks", "logs:GetLogEvents"]));
      const web = calls.find((r) => r.action === "logs:GetLogEvents" && r.resource.includes("/web/"));
      expect(web?.resource).toMatch(/:log-stream:[a-z0-9-]+\/web\/[0-9a-f]{32}$/);
    }
    expect(requests.deploy.some((r) => r.action === "ecs:ListTasks")).toBe(true);
  });

  it("names `*`, without resource keys, for calls without resource-level permissions", () => {
    const [describe] = find("teardown", "ec2:DescribeInstances");
    expect(describe).toMatchObject({ resource: "*", context: { "aws:RequestedRegion": FAKE_REGION } });
    expect(Object.keys(describe!.context)).toEqual(["aws:RequestedRegion"]);
  });

  it("gives the same requests when the template takes the base stack's outputs as parameters", () => {
    const asParameters = JSON.parse(
      JSON.stringify(stack.template).replace(/\{"Fn::ImportValue":\{"Fn::Sub":"\$\{BaseStackName\}-([A-Za-z]+)"\}\}/g, '{"Ref":"Base$1"}'),
    ) as Record<string, unknown>;
    expect(JSON.stringify(asParameters)).not.toContain("Fn::ImportValue");
    expect(buildPreviewRequests({ ...input, template: asParameters as never })).toEqual(requests);
  });

  it("refuses a resource type it knows no handler permissions for", () => {
    const template = { Resources: { Queue: { Type: "AWS::SQS::Queue", Properties: {} } } };
    expect(() => buildPreviewRequests({ ...input, template })).toThrow("no handler permissions known for AWS::SQS::Queue");
  });

  it("runs each one-shot compose service's own task definition, as well as the release task's", async () => {
    const repo = path.join(import.meta.dirname, "..", "fixtures", "repos", "uploads-oneshot");
    const plan = await planPreview({ reader: createDirReader(repo), target: TARGET, baseStack: BASE });
    const steps = buildPreviewRequests({ ...input, stackName: plan!.stack.stackName, template: plan!.stack.template as never });
    const families = steps.deploy
      .filter((r) => r.action === "ecs:RunTask")
      .map((r) => r.resource.replace(/^.*:task-definition\//, "").replace(/:\d+$/, ""))
      .sort();
    expect(families).toEqual([
      `${plan!.stack.stackName}-createbuckets`,
      `${plan!.stack.stackName}-migrate`,
      `${plan!.stack.stackName}-release`,
      // berth's own revision of the release family, for migrate and seed in one task.
      `${plan!.stack.stackName}-release`,
    ]);
  });

  it("lets berth register, run and deregister its own revision of the release task definition, tagged as berth's", () => {
    const steps = requests;
    const register = steps.push.find((r) => r.action === "ecs:RegisterTaskDefinition" && r.caller.startsWith("berth registers"));
    expect(register?.resource).toMatch(/:task-definition\/berth-[^:]+-release:9000$/);
    expect(register?.context["aws:RequestTag/berth:managed"]).toBe("true");
    const own = steps.push.filter((r) => r.resource === register?.resource).map((r) => r.action);
    expect(own).toEqual(expect.arrayContaining(["ecs:RegisterTaskDefinition", "ecs:TagResource", "ecs:RunTask"]));
    // Deregistering has no resource-level permissions: IAM sees it on "*".
    expect(steps.push.some((r) => r.action === "ecs:DeregisterTaskDefinition" && r.caller.includes("berth registers"))).toBe(true);
    expect(steps.push.map((r) => r.action)).toContain("cloudformation:GetTemplate");
  });

  describe("a blue/green preview (fast rollout)", () => {
    const ROLE = `arn:aws:iam::${FAKE_ACCOUNT}:role/${BASE}/${FAKE_REGION}/${BASE}-RolloutRole-1A2B3C4D5E6F`;
    const outputs = { ...BASE_OUTPUTS, RolloutRoleArn: ROLE };
    const fast = buildTemplate({ ...rails, target: TARGET, baseStack: BASE, baseOutputs: { RolloutRoleArn: ROLE } });
    const steps = buildPreviewRequests({ ...input, base: { name: BASE, outputs }, template: fast.template as never });
    const web = steps.deploy.find((r) => r.action === "ecs:CreateService" && r.caller.includes("WebService"))!.resource;

    it("passes the rollout role to ECS when CloudFormation creates and updates the public service, and only for it", () => {
      const passes = (step: LifecycleStep) => steps[step].filter((r) => r.action === "iam:PassRole" && r.resource === ROLE);
      expect(passes("deploy").map((r) => [r.caller, r.context])).toEqual([
        ["CloudFormation create WebService (AWS::ECS::Service) / CloudFormation update WebService (AWS::ECS::Service)", { "aws:RequestedRegion": FAKE_REGION, "iam:PassedToService": "ecs.amazonaws.com" }],
      ]);
      expect(passes("push").map((r) => r.caller)).toEqual(["CloudFormation update WebService (AWS::ECS::Service)"]);
      expect(passes("teardown")).toEqual([]);
      // The data service names no role; the rolling template's services never did.
      expect(steps.deploy.filter((r) => r.action === "iam:PassRole" && r.caller.includes("DbService"))).toEqual([]);
      expect(requests.deploy.filter((r) => r.action === "iam:PassRole" && r.caller.includes("Service ("))).toEqual([]);
    });

    it("lets berth find, read and continue the public service's paused deployment on a first deploy and a push, and never otherwise", () => {
      const caller = "berth continues a blue/green rollout's pause";
      const deployment = expect.stringMatching(new RegExp(`^${arn("ecs", `service-deployment/${BASE_OUTPUTS.ClusterName}/`)}`));
      const onService = { "aws:RequestedRegion": FAKE_REGION, "ecs:cluster": CLUSTER, "aws:ResourceTag/berth:managed": "true" };
      for (const step of ["deploy", "push", "reset"] as const) {
        const own = steps[step].filter((r) => r.caller.split(" / ").includes(caller));
        expect(own.map((r) => [r.action, r.resource, r.context]).sort((x, y) => `${x[0]}${x[1]}`.localeCompare(`${y[0]}${y[1]}`)), step).toEqual([
          ["ecs:ContinueServiceDeployment", deployment, { "aws:RequestedRegion": FAKE_REGION, "ecs:cluster": CLUSTER, "ecs:service": web }],
          ["ecs:ContinueServiceDeployment", web, onService],
          ["ecs:DescribeServiceDeployments", deployment, { "aws:RequestedRegion": FAKE_REGION, "ecs:cluster": CLUSTER, "ecs:service": web }],
          ["ecs:DescribeServiceDeployments", web, onService],
          ["ecs:ListServiceDeployments", web, onService],
        ]);
      }
      expect([...steps.idle, ...steps.teardown].filter((r) => r.caller.includes(caller))).toEqual([]);
      expect(Object.values(requests).flat().filter((r) => r.action === "ecs:ContinueServiceDeployment")).toEqual([]);
    });

    it("creates, tags and deletes the second target group as the first, by its berth-pr-* name", () => {
      const names = steps.deploy.filter((r) => r.action === "elasticloadbalancing:CreateTargetGroup").map((r) => r.resource.split("/")[1]);
      expect(names).toHaveLength(2);
      expect(names.every((n) => /^berth-pr-[0-9a-f]{23}$/.test(n!))).toBe(true);
      expect(steps.teardown.filter((r) => r.action === "elasticloadbalancing:DeleteTargetGroup")).toHaveLength(2);
    });

    it("needs the base stack's rollout role output to say what it passes", () => {
      expect(() => buildPreviewRequests({ ...input, template: fast.template as never })).toThrow(`the base stack ${BASE} has no output RolloutRoleArn`);
    });
  });
});
