import { CreateChangeSetCommand, DescribeChangeSetCommand, DescribeStacksCommand, ValidateTemplateCommand } from "@aws-sdk/client-cloudformation";
import { DescribeTasksCommand, RegisterTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import { describe, expect, it } from "vitest";
import { BASE_OUTPUTS, createAwsFake } from "./aws-fake.js";

describe("createAwsFake", () => {
  it("seeds the base stack with every output exported as berth-base-<Name>", async () => {
    const fake = createAwsFake();
    const out = await fake.clients.cloudformation.send(new DescribeStacksCommand({ StackName: "berth-base" }));

    expect(Object.fromEntries((out.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, [o.OutputValue, o.ExportName]]))).toEqual(
      Object.fromEntries(Object.entries(BASE_OUTPUTS).map(([k, v]) => [k, [v, `berth-base-${k}`]])),
    );
  });

  it("throws injected SDK errors, once, and logs every call", async () => {
    const fake = createAwsFake();
    fake.fail("DescribeStacks", { error: { name: "Throttling", message: "Rate exceeded" } });
    const send = () => fake.clients.cloudformation.send(new DescribeStacksCommand({ StackName: "berth-base" }));

    await expect(send()).rejects.toMatchObject({ name: "Throttling", message: "Rate exceeded", $fault: "client" });
    await expect(send()).resolves.toMatchObject({ Stacks: [{ StackStatus: "CREATE_COMPLETE" }] });
    expect(fake.calls).toEqual([
      { service: "cloudformation", command: "DescribeStacks", input: { StackName: "berth-base" } },
      { service: "cloudformation", command: "DescribeStacks", input: { StackName: "berth-base" } },
    ]);
  });

  describe("the SDK's retry of a request AWS applied but answered with an error", () => {
    const TEMPLATE = JSON.stringify({ Resources: { Group: { Type: "AWS::EC2::SecurityGroup", Properties: { GroupDescription: "x", VpcId: "vpc-1" } } } });
    const create = (ClientToken?: string) =>
      new CreateChangeSetCommand({ StackName: "berth-x", ChangeSetName: "berth-1", ChangeSetType: "CREATE", TemplateBody: TEMPLATE, ...(ClientToken ? { ClientToken } : {}) });

    it("gets the first answer for a CreateChangeSet repeated with its ClientToken, and one change set", async () => {
      const fake = createAwsFake({ sdkRetries: 3 });
      fake.fail("CreateChangeSet", { error: { name: "InternalFailure", message: "We encountered an internal error. Please try again.", status: 500 }, applied: true });

      const out = await fake.clients.cloudformation.send(create("berth-token-1"));

      const sent = fake.calls.filter((c) => c.command === "CreateChangeSet");
      expect(sent.map((c) => c.input.ClientToken)).toEqual(["berth-token-1", "berth-token-1"]);
      const described = await fake.clients.cloudformation.send(new DescribeChangeSetCommand({ StackName: "berth-x", ChangeSetName: "berth-1" }));
      expect(described.ChangeSetId).toBe(out.Id);
    });

    it("fails the SDK's retry of an applied CreateChangeSet without a ClientToken: the name is taken", async () => {
      const fake = createAwsFake({ sdkRetries: 3 });
      fake.fail("CreateChangeSet", { connectionError: "ECONNRESET", applied: true });

      await expect(fake.clients.cloudformation.send(create())).rejects.toMatchObject({ name: "AlreadyExistsException", message: "ChangeSet [berth-1] already exists" });
      expect(fake.commands("cloudformation")).toEqual(["CreateChangeSet", "CreateChangeSet"]);
    });

    it("surfaces the error when the SDK makes one attempt, as aws-sdk-client-mock's stubbed send alone would", async () => {
      const fake = createAwsFake();
      fake.fail("CreateChangeSet", { error: { name: "ServiceUnavailable", message: "Service Unavailable", status: 503 }, applied: true });

      await expect(fake.clients.cloudformation.send(create("berth-token-1"))).rejects.toMatchObject({ name: "ServiceUnavailable", $fault: "server", $metadata: { httpStatusCode: 503 } });
    });
  });

  it.each([
    { error: { name: "Throttling", message: "Rate exceeded" }, failures: 9, attempts: 10, ok: true },
    { error: { name: "Throttling", message: "Rate exceeded" }, failures: 10, attempts: 10, ok: false },
    { error: { name: "ServiceUnavailable", message: "Service Unavailable", status: 503 }, failures: 6, attempts: 6, ok: false },
    { error: { name: "ValidationError", message: "Stack with id berth-x does not exist" }, failures: 1, attempts: 1, ok: false },
  ])("replays berth's SDK retries: $failures answers $error.name -> $attempts requests", async ({ error, failures, attempts, ok }) => {
    const fake = createAwsFake({ sdkRetries: "berth" });
    fake.fail("DescribeStacks", { error, times: failures });

    const outcome = fake.clients.cloudformation.send(new DescribeStacksCommand({ StackName: "berth-base" }));

    if (ok) await expect(outcome).resolves.toMatchObject({ Stacks: [{ StackName: "berth-base" }] });
    else await expect(outcome).rejects.toMatchObject({ name: error.name });
    expect(fake.requests()).toBe(attempts);
  });

  it("refuses operations it does not implement, by name", async () => {
    const fake = createAwsFake();
    await expect(fake.clients.cloudformation.send(new ValidateTemplateCommand({ TemplateBody: "{}" }))).rejects.toThrow(
      "aws fake: cloudformation operation not implemented (add it to test/fakes/aws/)",
    );
  });

  it("refuses, as ECS does, a task definition whose container waits for SUCCESS of an essential one", async () => {
    const fake = createAwsFake();
    const register = (essential: boolean) =>
      fake.clients.ecs.send(
        new RegisterTaskDefinitionCommand({
          family: "berth-x-release",
          containerDefinitions: [
            { name: "migrate", image: "shop:1", essential },
            { name: "seed", image: "shop:1", essential: true, dependsOn: [{ containerName: "migrate", condition: "SUCCESS" }] },
          ],
        }),
      );
    await expect(register(true)).rejects.toMatchObject({ name: "ClientException", message: "A dependency container with SUCCESS or COMPLETE condition cannot be an essential container" });
    await expect(register(false)).resolves.toMatchObject({ taskDefinition: { family: "berth-x-release", revision: 1, status: "ACTIVE" } });
  });

  it("reports unknown tasks as MISSING, like ECS", async () => {
    const fake = createAwsFake();
    const out = await fake.clients.ecs.send(new DescribeTasksCommand({ cluster: "berth-previews", tasks: ["nope"] }));
    expect(out).toEqual({ tasks: [], failures: [{ arn: "nope", reason: "MISSING" }] });
  });

  it("adds latency per operation", async () => {
    const fake = createAwsFake({ latencyMs: { DescribeStacks: 30 } });
    const started = performance.now();
    await fake.clients.cloudformation.send(new DescribeStacksCommand({ StackName: "berth-base" }));
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });

  it("restores the clients' real send", () => {
    const fake = createAwsFake();
    const mocked = fake.clients.ecs.send;
    fake.restore();
    expect(fake.clients.ecs.send).not.toBe(mocked);
  });
});
