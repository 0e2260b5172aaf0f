import { describe, expect, it } from "vitest";
import { CloudFormationStacks } from "../../src/aws/cloudformation-stacks.js";
import { AwsCallError, OwnershipError, StackError } from "../../src/preview/errors.js";
import { BASE_OUTPUTS, createAwsFake, type AwsFakeOptions } from "../fakes/aws-fake.js";
import { previewTemplate } from "../fakes/aws/preview-template.js";

const LABEL = "shop-pr-7-acme-1a2b3c";
const NAME = `berth-${LABEL}`;
const IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:abc1234";
const TAGS = { "berth:repository": "acme/shop", "berth:pr": "7", "berth:sha": "abc1234" };
const ARN = "arn:aws:ecs:us-east-1:123456789012";

function setup(options: AwsFakeOptions = {}) {
  const fake = createAwsFake(options);
  const stacks = new CloudFormationStacks({
    client: fake.clients.cloudformation,
    ownership: { prefix: "berth-", tagKey: "berth:managed" },
    pollDelayMs: 1,
  });
  const progress: string[] = [];
  const ensure = (image = IMAGE, extra: { template?: object; signal?: AbortSignal } = {}) =>
    stacks.ensure({
      name: NAME,
      template: extra.template ?? previewTemplate({ label: LABEL, image }),
      tags: { ...TAGS },
      parameters: { ListenerRulePriority: "4242" },
      onProgress: (line) => progress.push(line),
      signal: extra.signal,
    });
  return { fake, stacks, progress, ensure };
}

async function rejection(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  if (!(error instanceof Error)) throw new Error(`expected a rejection, got ${String(error)}`);
  return error as Error & Record<string, unknown>;
}

describe("CloudFormationStacks.ensure", () => {
  it("creates a missing stack through a CREATE change set and returns its outputs", async () => {
    const { fake, ensure, progress } = setup();
    const stack = await ensure();

    expect(stack.status).toBe("CREATE_COMPLETE");
    expect(stack.tags).toEqual({ ...TAGS, "berth:managed": "true" });
    expect(stack.parameters).toEqual({ BaseStackName: "berth-base", ListenerRulePriority: "4242" });
    expect(stack.outputs).toEqual({
      Hostname: `${LABEL}.preview.example.com`,
      Url: `https://${LABEL}.preview.example.com`,
      PublicServiceArn: `${ARN}:service/berth-previews/${LABEL}-web`,
      PublicServiceName: `${LABEL}-web`,
      ServiceArns: `db=${ARN}:service/berth-previews/${LABEL}-db,web=${ARN}:service/berth-previews/${LABEL}-web`,
      StatefulServiceArns: `db=${ARN}:service/berth-previews/${LABEL}-db`,
      ReleaseTaskDefinitionArn: `${ARN}:task-definition/${LABEL}-release:1`,
      ReleaseContainerName: "release",
      TargetGroupArn: expect.stringMatching(/^arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup\/PublicTargetGroup-[0-9a-f]{12}\/[0-9a-f]{16}$/),
      TaskSubnets: BASE_OUTPUTS.Subnets,
      TaskSecurityGroups: expect.stringMatching(/^sg-0123456789abcdef0,sg-[0-9a-f]{17}$/),
      AssignPublicIp: "ENABLED",
      ServiceImages: `web=${IMAGE}`,
      LogGroup: "/berth/previews",
      LogStreamPrefix: LABEL,
      ListenerRulePriority: "4242",
    });
    expect(fake.mutations()).toEqual(["CreateChangeSet", "ExecuteChangeSet"]);
    const create = fake.calls.find((c) => c.command === "CreateChangeSet")?.input;
    expect(create).toMatchObject({ StackName: NAME, ChangeSetType: "CREATE", Capabilities: ["CAPABILITY_IAM"] });
    expect(JSON.parse(String(create?.TemplateBody))).toEqual(previewTemplate({ label: LABEL, image: IMAGE }));
    expect(progress).toContain("CREATE_IN_PROGRESS WebService");
    expect(progress).toContain("CREATE_COMPLETE WebService");
    expect(progress.at(-1)).toBe(`CREATE_COMPLETE ${NAME}`);
    // The stack's resources exist for the other services.
    expect(fake.state.ecs.services.get(`${ARN}:service/berth-previews/${LABEL}-web`)?.taskDefinition).toBe(
      `${ARN}:task-definition/${LABEL}-web:1`,
    );
  });

  it("updates an existing stack through an UPDATE change set", async () => {
    const { fake, ensure, progress } = setup();
    await ensure();
    progress.length = 0;
    const stack = await ensure("123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:def5678");

    expect(stack.status).toBe("UPDATE_COMPLETE");
    expect(stack.outputs.ReleaseTaskDefinitionArn).toBe(`${ARN}:task-definition/${LABEL}-release:2`);
    expect(stack.outputs.ServiceImages).toBe("web=123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:def5678");
    expect(fake.calls.filter((c) => c.command === "CreateChangeSet").map((c) => c.input.ChangeSetType)).toEqual(["CREATE", "UPDATE"]);
    expect(progress).toEqual([
      "change set for berth-shop-pr-7-acme-1a2b3c: 3 resource changes",
      `UPDATE_IN_PROGRESS ${NAME}`,
      "UPDATE_IN_PROGRESS WebTaskDefinition",
      "UPDATE_IN_PROGRESS WebService",
      "UPDATE_IN_PROGRESS ReleaseTaskDefinition",
      "UPDATE_COMPLETE WebTaskDefinition",
      "UPDATE_COMPLETE WebService",
      "UPDATE_COMPLETE ReleaseTaskDefinition",
      `UPDATE_COMPLETE_CLEANUP_IN_PROGRESS ${NAME}`,
      "DELETE_IN_PROGRESS WebTaskDefinition",
      "DELETE_COMPLETE WebTaskDefinition",
      "DELETE_IN_PROGRESS ReleaseTaskDefinition",
      "DELETE_COMPLETE ReleaseTaskDefinition",
      `UPDATE_COMPLETE ${NAME}`,
    ]);
  });

  it("treats a change set without changes as success and deletes it", async () => {
    const { fake, ensure, progress } = setup();
    await ensure();
    const before = fake.mutations().length;
    const stack = await ensure();

    expect(stack.status).toBe("CREATE_COMPLETE");
    expect(fake.mutations().slice(before)).toEqual(["CreateChangeSet", "DeleteChangeSet"]);
    expect(progress.at(-1)).toBe(`no changes to ${NAME}`);
  });

  it("names the first failing resource when an update rolls back (UPDATE_ROLLBACK_COMPLETE)", async () => {
    const { fake, ensure } = setup();
    const created = await ensure();
    const reason = 'Resource handler returned message: "Invalid request provided: CreateService error: Container web exceeds memory"';
    fake.failStack({ resource: "WebService", reason });
    const error = await rejection(ensure("123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:def5678"));

    expect(error).toBeInstanceOf(StackError);
    expect(error.userMessage).toBe(
      `CloudFormation could not update stack ${NAME} (UPDATE_ROLLBACK_COMPLETE): WebService (AWS::ECS::Service): ${reason}`,
    );
    expect(error.status).toBe("UPDATE_ROLLBACK_COMPLETE");
    expect(error.firstFailure).toEqual({ resource: "WebService", type: "AWS::ECS::Service", reason });
    // The previous version is what the stack still describes.
    const after = await new CloudFormationStacks({ client: fake.clients.cloudformation, ownership: { prefix: "berth-", tagKey: "berth:managed" } }).find(NAME);
    expect(after?.status).toBe("UPDATE_ROLLBACK_COMPLETE");
    expect(after?.outputs).toEqual(created.outputs);
    // An invalid request fails the same way next time.
    expect(error.transient).toBeUndefined();
  });

  it.each([
    ['Resource handler returned message: "Service Unavailable (Service: Ecs, Status Code: 503)" (HandlerErrorCode: ServiceInternalError)', "AWS"],
    ['Resource handler returned message: "Rate exceeded (Service: Ecs, Status Code: 400)" (HandlerErrorCode: Throttling)', "AWS"],
    ['Resource handler returned message: "Unable to assume the service linked role" (HandlerErrorCode: GeneralServiceException)', undefined],
    ['Resource handler returned message: "Limit exceeded for resource of type AWS::ECS::Service" (HandlerErrorCode: ServiceLimitExceeded)', undefined],
  ])("a rolled-back update whose resource failed with %s may pass: %s", async (reason, transient) => {
    const { fake, ensure } = setup();
    await ensure();
    fake.failStack({ resource: "WebService", reason });
    const error = await rejection(ensure("123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:def5678"));

    expect(error.status).toBe("UPDATE_ROLLBACK_COMPLETE");
    expect(error.transient).toBe(transient);
  });

  it("repairs a stack left in UPDATE_ROLLBACK_FAILED, skipping what failed to roll back, then updates it", async () => {
    const { fake, ensure, progress } = setup();
    await ensure();
    fake.failStack({ resource: "WebService", reason: "CreateService error: Container web exceeds memory", rollbackFails: "TaskDefinition is inactive" });
    const first = await rejection(ensure("123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:def5678"));
    expect(first.status).toBe("UPDATE_ROLLBACK_FAILED");
    progress.length = 0;
    const before = fake.calls.length;

    const stack = await ensure("123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:def5678");

    expect(stack.status).toBe("UPDATE_COMPLETE");
    expect(stack.outputs.ServiceImages).toBe("web=123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:def5678");
    const repair = fake.calls.slice(before).find((c) => c.command === "ContinueUpdateRollback");
    expect(repair?.input).toEqual({ StackName: NAME, ResourcesToSkip: ["WebService"], ClientRequestToken: expect.stringMatching(/^berth-[0-9a-f-]{36}$/) });
    expect(fake.mutations().slice(-3)).toEqual(["ContinueUpdateRollback", "CreateChangeSet", "ExecuteChangeSet"]);
    expect(progress[0]).toBe(`continuing the rollback of ${NAME}, left in UPDATE_ROLLBACK_FAILED`);
  });

  it("says clearly when the continued rollback fails again", async () => {
    const { fake, ensure } = setup();
    await ensure();
    fake.failStack({ resource: "WebService", reason: "CreateService error", rollbackFails: "TaskDefinition is inactive" });
    await rejection(ensure("123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:def5678"));
    fake.failStack({ resource: "ReleaseTaskDefinition", operation: "rollback", reason: "Internal failure" });
    const error = await rejection(ensure());

    expect(error).toBeInstanceOf(StackError);
    expect(error.status).toBe("UPDATE_ROLLBACK_FAILED");
    expect(error.userMessage).toBe(
      `CloudFormation could not roll back stack ${NAME} (UPDATE_ROLLBACK_FAILED): ReleaseTaskDefinition (AWS::ECS::TaskDefinition): Internal failure. ` +
        "berth continued the stuck rollback, skipping WebService, and it failed again; an operator must repair the stack in the CloudFormation console (Continue update rollback).",
    );
    expect(fake.mutations().filter((m) => m === "CreateChangeSet")).toHaveLength(2);
  });

  it("an ExecuteChangeSet repeated with its token is the same request, as an SDK retry would send it", async () => {
    const { fake, ensure } = setup();
    await ensure();
    const execute = fake.calls.find((c) => c.command === "ExecuteChangeSet")!;
    expect(execute.input.ClientRequestToken).toMatch(/^berth-[0-9a-f-]{36}$/);
    const { ExecuteChangeSetCommand } = await import("@aws-sdk/client-cloudformation");

    await fake.clients.cloudformation.send(new ExecuteChangeSetCommand(execute.input as never));
    const { ClientRequestToken: _token, ...withoutToken } = execute.input;
    const refused = await rejection(fake.clients.cloudformation.send(new ExecuteChangeSetCommand(withoutToken as never)));
    expect(refused.name).toBe("ChangeSetNotFoundException");
    expect(fake.state.cloudformation.stacks.get(NAME)?.status).toBe("CREATE_COMPLETE");
  });

  it("ignores cancelled resources and names the one that failed a create, across event pages", async () => {
    const { fake, ensure, progress } = setup({ eventsPageSize: 3 });
    fake.failStack({ resource: "DbService", reason: "Resource handler returned message: \"Error occurred during operation 'ECS Deployment Circuit Breaker was triggered'.\"" });
    const error = await rejection(ensure());

    expect(error.userMessage).toBe(
      `CloudFormation could not create stack ${NAME} (ROLLBACK_COMPLETE): DbService (AWS::ECS::Service): Resource handler returned message: "Error occurred during operation 'ECS Deployment Circuit Breaker was triggered'."`,
    );
    expect(progress).toContain("CREATE_FAILED WebService: Resource creation cancelled");
    expect(new Set(progress).size).toBe(progress.length);
  });

  it("reports a listener rule priority taken by another preview", async () => {
    const { fake, ensure } = setup();
    fake.addListenerRules([4242]);
    const error = await rejection(ensure());

    expect(error).toBeInstanceOf(StackError);
    expect(error.firstFailure).toEqual({
      resource: "PublicListenerRule",
      type: "AWS::ElasticLoadBalancingV2::ListenerRule",
      reason: expect.stringMatching(/^Resource handler returned message: "Priority '4242' is currently in use/),
    });
  });

  it("deletes a stack left in ROLLBACK_COMPLETE by a failed create, then creates it again", async () => {
    const { fake, ensure, progress } = setup();
    fake.failStack({ resource: "WebService", reason: "boom" });
    await rejection(ensure());
    const stack = await ensure();

    expect(stack.status).toBe("CREATE_COMPLETE");
    expect(fake.mutations()).toEqual(["CreateChangeSet", "ExecuteChangeSet", "DeleteStack", "CreateChangeSet", "ExecuteChangeSet"]);
    expect(progress).toContain(`deleting ${NAME}, left in ROLLBACK_COMPLETE by a failed create`);
  });

  it("starts from the stack as the caller just read it, settled or missing, without reading it again", async () => {
    const { fake, stacks } = setup();
    const input = { name: NAME, template: previewTemplate({ label: LABEL, image: IMAGE }), tags: { ...TAGS }, parameters: { ListenerRulePriority: "4242" } };
    const created = await stacks.ensure({ ...input, current: { stack: undefined } });
    const before = fake.calls.length;
    const updated = await stacks.ensure({ ...input, template: previewTemplate({ label: LABEL, image: `${IMAGE}9` }), current: { stack: created } });

    expect(updated.status).toBe("UPDATE_COMPLETE");
    expect(fake.calls.filter((c) => c.command === "CreateChangeSet").map((c) => c.input.ChangeSetType)).toEqual(["CREATE", "UPDATE"]);
    // Each operation's first call is its change set: no DescribeStacks before it.
    expect(fake.calls[0]?.command).toBe("CreateChangeSet");
    expect(fake.calls[before]?.command).toBe("CreateChangeSet");
  });

  it("reads the stack again when the answer it was given is not settled, and refuses one that is not berth's", async () => {
    const { fake, stacks } = setup();
    fake.failStack({ resource: "WebService", reason: "boom" });
    const input = { name: NAME, template: previewTemplate({ label: LABEL, image: IMAGE }), tags: { ...TAGS }, parameters: { ListenerRulePriority: "4242" } };
    await rejection(stacks.ensure(input));
    const failed = (await stacks.find(NAME))!;
    expect(failed.status).toBe("ROLLBACK_COMPLETE");
    const stack = await stacks.ensure({ ...input, current: { stack: failed } });

    expect(stack.status).toBe("CREATE_COMPLETE");
    expect(fake.mutations()).toEqual(["CreateChangeSet", "ExecuteChangeSet", "DeleteStack", "CreateChangeSet", "ExecuteChangeSet"]);
    const foreign = { ...stack, tags: { ...stack.tags, "berth:managed": "false" } };
    const error = await rejection(stacks.ensure({ ...input, current: { stack: foreign } }));
    expect(error).toBeInstanceOf(OwnershipError);
  });

  it("tells completion before reading the operation's events, and not for a failed one", async () => {
    const { fake, stacks } = setup();
    const input = { name: NAME, template: previewTemplate({ label: LABEL, image: IMAGE }), tags: { ...TAGS }, parameters: { ListenerRulePriority: "4242" } };
    const told: Array<{ status: string; callsSoFar: string[] }> = [];
    const onComplete = (stack: { status: string }) => told.push({ status: stack.status, callsSoFar: fake.calls.map((c) => c.command) });
    const stack = await stacks.ensure({ ...input, onComplete });

    expect(told.map((t) => t.status)).toEqual(["CREATE_COMPLETE"]);
    const calls = fake.calls.map((c) => c.command);
    // The last DescribeStacks showed the create complete; the events were read after the caller was told.
    expect(told[0]!.callsSoFar.at(-1)).toBe("DescribeStacks");
    expect(calls.slice(told[0]!.callsSoFar.length)).toEqual(["DescribeStackEvents"]);
    expect(stack.status).toBe("CREATE_COMPLETE");

    fake.failStack({ resource: "WebService", reason: "boom" });
    await rejection(stacks.ensure({ ...input, template: previewTemplate({ label: LABEL, image: `${IMAGE}9` }), onComplete }));
    expect(told).toHaveLength(1);
  });

  it("creates a stack left in REVIEW_IN_PROGRESS by a rejected change set", async () => {
    const { fake, ensure } = setup();
    const broken = previewTemplate({ label: LABEL, image: IMAGE });
    (broken.Outputs as Record<string, unknown>).Extra = { Value: { "Fn::ImportValue": "berth-base-Nope" } };
    const error = await rejection(ensure(IMAGE, { template: broken }));
    expect(error.userMessage).toBe(`CloudFormation rejected the create of stack ${NAME}: No export named berth-base-Nope found`);
    expect(fake.state.cloudformation.stacks.get(NAME)?.status).toBe("REVIEW_IN_PROGRESS");

    const stack = await ensure();
    expect(stack.status).toBe("CREATE_COMPLETE");
    expect(fake.calls.filter((c) => c.command === "CreateChangeSet").map((c) => c.input.ChangeSetType)).toEqual(["CREATE", "CREATE"]);
  });

  it("refuses a template over CloudFormation's inline limit before calling AWS", async () => {
    const { fake, ensure } = setup();
    const template = previewTemplate({ label: LABEL, image: IMAGE });
    template.Metadata = { padding: "x".repeat(52_000) };
    const bytes = Buffer.byteLength(JSON.stringify(template));
    const error = await rejection(ensure(IMAGE, { template }));

    expect(error).toBeInstanceOf(StackError);
    expect(error.userMessage).toBe(
      `The preview's CloudFormation template for ${NAME} is ${bytes} bytes; CloudFormation accepts at most 51200 bytes inline and berth does not upload larger templates yet. Fewer services or shorter environments make it smaller.`,
    );
    expect(fake.calls).toEqual([]);
  });

  it("stops waiting when the signal aborts", async () => {
    const { fake, stacks } = setup({ stackPolls: 5 });
    const controller = new AbortController();
    const reason = new Error("superseded by def5678");
    // Aborted at the first look at the stack after the create started.
    fake.chaos(({ command }) => {
      if (command === "DescribeStacks" && fake.commands().includes("ExecuteChangeSet")) controller.abort(reason);
      return undefined;
    });
    const promise = stacks.ensure({
      name: NAME,
      template: previewTemplate({ label: LABEL, image: IMAGE }),
      tags: TAGS,
      signal: controller.signal,
    });

    await expect(promise).rejects.toBe(reason);
    expect(fake.state.cloudformation.stacks.get(NAME)?.status).toBe("CREATE_IN_PROGRESS");
  });
});

describe("CloudFormationStacks ownership", () => {
  const ownership = { prefix: "berth-", tagKey: "berth:managed" };

  it.each([
    ["ensure", "shop-pr-1", "berth refuses to update stack shop-pr-1: its name does not start with berth-, so it is not a berth preview."],
    ["delete", "shop-pr-1", "berth refuses to delete stack shop-pr-1: its name does not start with berth-, so it is not a berth preview."],
    ["ensure", "berth-base", "berth refuses to update stack berth-base: it exists but lacks the tag berth:managed=true, so berth did not create it."],
    ["delete", "berth-base", "berth refuses to delete stack berth-base: it exists but lacks the tag berth:managed=true, so berth did not create it."],
    ["delete", "berth-foreign", "berth refuses to delete stack berth-foreign: it exists but lacks the tag berth:managed=true, so berth did not create it."],
  ])("%s %s is refused without any mutating call", async (operation, name, message) => {
    const fake = createAwsFake();
    fake.state.cloudformation.seedStack({ name: "berth-foreign", outputs: {}, tags: { "berth:managed": "false" } });
    const stacks = new CloudFormationStacks({ client: fake.clients.cloudformation, ownership, pollDelayMs: 1 });
    const call = operation === "ensure"
      ? stacks.ensure({ name, template: previewTemplate({ label: LABEL, image: IMAGE }), tags: TAGS })
      : stacks.delete(name);
    const error = await rejection(call);

    expect(error).toBeInstanceOf(OwnershipError);
    expect(error.userMessage).toBe(message);
    expect(fake.mutations()).toEqual([]);
  });
});

describe("CloudFormationStacks.delete", () => {
  async function created(options: AwsFakeOptions = {}) {
    const env = setup(options);
    await env.ensure();
    return env;
  }

  it("deletes the stack and waits until it is gone", async () => {
    const { fake, stacks } = await created();
    await stacks.delete(NAME);

    expect(fake.calls.find((c) => c.command === "DeleteStack")?.input.ClientRequestToken).toMatch(/^berth-[0-9a-f-]{36}$/);

    expect(await stacks.find(NAME)).toBeUndefined();
    expect(fake.mutations().slice(2)).toEqual(["DeleteStack"]);
    expect(fake.state.ecs.services.size).toBe(0);
    expect(fake.state.elbv2.rules.size).toBe(0);
  });

  it("retries a DELETE_FAILED", async () => {
    const { fake, stacks } = await created();
    fake.failStack({ operation: "delete", resource: "TaskSecurityGroup", reason: "resource sg-0a has a dependent object" });
    await stacks.delete(NAME);

    expect(await stacks.find(NAME)).toBeUndefined();
    expect(fake.mutations().slice(2)).toEqual(["DeleteStack", "DeleteStack"]);
  });

  it("gives up after three DELETE_FAILED and names the resource", async () => {
    const { fake, stacks } = await created();
    fake.failStack({ operation: "delete", resource: "TaskSecurityGroup", reason: "resource sg-0a has a dependent object", times: 3 });
    const error = await rejection(stacks.delete(NAME));

    expect(error).toBeInstanceOf(StackError);
    expect(error.userMessage).toBe(
      `CloudFormation could not delete stack ${NAME} (DELETE_FAILED) after 3 attempts: TaskSecurityGroup (AWS::EC2::SecurityGroup): resource sg-0a has a dependent object`,
    );
    expect(fake.mutations().slice(2)).toEqual(["DeleteStack", "DeleteStack", "DeleteStack"]);
  });

  it("does nothing for a missing stack", async () => {
    const { fake, stacks } = setup();
    await stacks.delete("berth-gone");
    expect(fake.commands()).toEqual(["DescribeStacks"]);
  });
});

describe("CloudFormationStacks reads", () => {
  it("returns the base stack's outputs without an ownership check", async () => {
    const { stacks } = setup();
    expect(await stacks.getOutputs("berth-base")).toEqual(BASE_OUTPUTS);
  });

  it("says to deploy the base stack when it is missing", async () => {
    const { stacks } = setup({ baseStack: false });
    const error = await rejection(stacks.getOutputs("berth-base"));

    expect(error).toBeInstanceOf(StackError);
    expect(error.userMessage).toBe(
      "The base stack berth-base does not exist in this AWS account and region. Deploy deploy/base.yml as the stack berth-base first.",
    );
  });

  it("finds nothing for a missing stack", async () => {
    const { stacks } = setup();
    expect(await stacks.find("berth-nope")).toBeUndefined();
  });
});

describe("CloudFormationStacks.list", () => {
  const OWNED = { "berth:managed": "true", ...TAGS };
  const preview = (pr: number) => `berth-shop-pr-${pr}-acme-d21b2c`;

  it("pages through ListStacks without deleted stacks and describes only the names with the prefix", async () => {
    const { fake, stacks } = setup();
    const cfn = fake.state.cloudformation;
    cfn.listPageSize = 2;
    for (const pr of [1, 2, 3]) cfn.seedStack({ name: preview(pr), outputs: { Url: `https://pr-${pr}.preview.example.com` }, tags: { ...OWNED, "berth:pr": String(pr) } });
    cfn.seedStack({ name: "payments-prod", outputs: {}, tags: OWNED });

    const listed = await stacks.list();

    expect(listed.map((s) => s.name)).toEqual([preview(1), preview(2), preview(3)]);
    expect(listed[1]).toEqual({
      name: preview(2),
      status: "CREATE_COMPLETE",
      outputs: { Url: "https://pr-2.preview.example.com" },
      tags: { ...OWNED, "berth:pr": "2" },
      parameters: {},
      // CloudFormation's CreationTime: what the sticky comment's "so far" counts from.
      createdAt: expect.any(Date),
    });
    const lists = fake.calls.filter((c) => c.command === "ListStacks").map((c) => c.input);
    expect(lists.map((input) => input.NextToken)).toEqual([undefined, "2", "4"]);
    for (const input of lists) {
      expect(input.StackStatusFilter).toHaveLength(22);
      expect(input.StackStatusFilter).not.toContain("DELETE_COMPLETE");
    }
    // The base stack has the prefix too: read, then left out for want of the ownership tag.
    expect(fake.calls.filter((c) => c.command === "DescribeStacks").map((c) => c.input.StackName)).toEqual([
      "berth-base",
      preview(1),
      preview(2),
      preview(3),
    ]);
    expect(fake.mutations()).toEqual([]);
  });

  it.each([
    ["a preview stack", preview(1), OWNED, "UPDATE_COMPLETE", true],
    ["a preview stack that failed to delete", preview(1), OWNED, "DELETE_FAILED", true],
    ["a preview stack being updated", preview(1), OWNED, "UPDATE_IN_PROGRESS", true],
    ["a deleted preview stack", preview(1), OWNED, "DELETE_COMPLETE", false],
    ["a stack with the prefix but no tags", "berth-bot", {}, "CREATE_COMPLETE", false],
    ["a stack with the prefix and berth:managed=false", preview(1), { ...OWNED, "berth:managed": "false" }, "CREATE_COMPLETE", false],
    ["a tagged stack without the prefix", "shop-pr-1", OWNED, "CREATE_COMPLETE", false],
  ])("%s: listed %s", async (_case, name, tags, status, listed) => {
    const { fake, stacks } = setup({ baseStack: false });
    fake.state.cloudformation.seedStack({ name, outputs: {}, tags, status });

    expect((await stacks.list()).map((s) => s.name)).toEqual(listed ? [name] : []);
  });

  it("leaves out a stack once deleted through the adapter", async () => {
    const { stacks, ensure } = setup();
    await ensure();
    expect((await stacks.list()).map((s) => s.name)).toEqual([NAME]);

    await stacks.delete(NAME);

    expect(await stacks.list()).toEqual([]);
  });

  it("wraps a refused ListStacks with the operation", async () => {
    const { fake, stacks } = setup();
    fake.fail("ListStacks", { error: { name: "AccessDenied", message: "not authorized to perform: cloudformation:ListStacks" } });
    const error = await rejection(stacks.list());

    expect(error).toBeInstanceOf(AwsCallError);
    expect(error.userMessage).toBe("AWS ListStacks failed for stacks named berth-*: not authorized to perform: cloudformation:ListStacks");
  });
});

describe("CloudFormationStacks.findTemplate", () => {
  it("returns the template the stack runs, as berth sent it; after a rolled-back update, the one it rolled back to", async () => {
    const { fake, stacks, ensure } = await setup();
    await ensure(IMAGE);
    expect(await stacks.findTemplate(NAME)).toEqual(JSON.parse(JSON.stringify(previewTemplate({ label: LABEL, image: IMAGE }))));

    fake.failStack({ stack: NAME, resource: "WebService", reason: "Resource handler returned message: \"boom\"" });
    await rejection(ensure(`${IMAGE}-2`));
    expect(JSON.stringify(await stacks.findTemplate(NAME))).not.toContain(`${IMAGE}-2`);
  });

  it("is undefined for a stack that does not exist, and refuses a name without berth's prefix", async () => {
    const { stacks } = setup();
    expect(await stacks.findTemplate(`${NAME}-gone`)).toBeUndefined();
    await expect(stacks.findTemplate("shop-production")).rejects.toThrow(/lacks the prefix berth-/);
  });
});
