import { describe, expect, it } from "vitest";
import { CloudFormationStacks } from "../../src/aws/cloudformation-stacks.js";
import { StackError } from "../../src/preview/errors.js";
import { createAwsFake } from "../fakes/aws-fake.js";
import { previewTemplate } from "../fakes/aws/preview-template.js";

/** The AWS fake's wait conditions, as CloudFormation documents them, seen through berth's adapter. */

const LABEL = "shop-pr-7-acme-1a2b3c";
const NAME = `berth-${LABEL}`;
const IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:abc1234";

function gated(template: Record<string, unknown>, gate: { count: number; timeout: number }): Record<string, unknown> {
  const resources = template.Resources as Record<string, Record<string, unknown>>;
  return {
    ...template,
    Resources: {
      ...resources,
      GateHandle: { Type: "AWS::CloudFormation::WaitConditionHandle", Properties: {} },
      Gate: { Type: "AWS::CloudFormation::WaitCondition", Properties: { Handle: { Ref: "GateHandle" }, Timeout: String(gate.timeout), Count: gate.count } },
    },
  };
}

async function setup() {
  const fake = createAwsFake();
  const stacks = new CloudFormationStacks({ client: fake.clients.cloudformation, ownership: { prefix: "berth-", tagKey: "berth:managed" }, pollDelayMs: 1 });
  const input = { name: NAME, tags: { "berth:pr": "7" }, parameters: { ListenerRulePriority: "4242" } };
  await stacks.ensure({ ...input, template: previewTemplate({ label: LABEL, image: IMAGE }) });
  const update = (gate: { count: number; timeout: number }) => {
    let url: string | undefined;
    const done = stacks.ensure({
      ...input,
      template: gated(previewTemplate({ label: LABEL, image: `${IMAGE}2` }), gate),
      watch: { logicalId: "GateHandle", onCreated: (created) => (url = created) },
    });
    return { done, url: () => url };
  };
  const put = (url: string, status: string, uniqueId: string) =>
    fake.fetch(url, { method: "PUT", headers: { "Content-Type": "" }, body: JSON.stringify({ Status: status, Reason: `${status} ${uniqueId}`, UniqueId: uniqueId, Data: "" }) });
  return { fake, update, put };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 2000 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 1));
};

describe("a wait condition in the AWS fake", () => {
  it("completes on Count SUCCESS signals with distinct UniqueIds; a repeated id counts once", async () => {
    const { fake, update, put } = await setup();
    const { done, url } = update({ count: 2, timeout: 600 });
    await until(() => url() !== undefined);
    expect(url()).toMatch(/^https:\/\/cloudformation-waitcondition-us-east-1\.s3\.amazonaws\.com\/.+GateHandle\?X-Amz-Algorithm=AWS4-HMAC-SHA256&.*X-Amz-Signature=[0-9a-f]{64}$/);
    expect((await put(url()!, "SUCCESS", "a")).status).toBe(200);
    expect((await put(url()!, "SUCCESS", "a")).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fake.state.cloudformation.stacks.get(NAME)?.status).toBe("UPDATE_IN_PROGRESS");
    await put(url()!, "SUCCESS", "b");
    expect((await done).status).toBe("UPDATE_COMPLETE");
  });

  it("fails on the timeout and rolls the update back, saying how many signals came", async () => {
    const { fake, update } = await setup();
    const { done } = update({ count: 1, timeout: 1 });
    const error = await done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StackError);
    expect((error as StackError).userMessage).toContain("Gate (AWS::CloudFormation::WaitCondition): WaitCondition timed out. Received 0 conditions when expecting 1");
    expect(fake.state.cloudformation.stacks.get(NAME)?.status).toBe("UPDATE_ROLLBACK_COMPLETE");
  });

  it("refuses a URL no handle had, and takes a late signal to a finished handle to no effect", async () => {
    const { update, put } = await setup();
    const { done, url } = update({ count: 1, timeout: 600 });
    await until(() => url() !== undefined);
    expect((await put(`${url()!.split("?")[0]}?X-Amz-Signature=forged`, "SUCCESS", "a")).status).toBe(403);
    await put(url()!, "FAILURE", "a");
    expect((await done.catch((e: unknown) => e)) instanceof StackError).toBe(true);
    expect((await put(url()!, "SUCCESS", "b")).status).toBe(200);
  });
});
