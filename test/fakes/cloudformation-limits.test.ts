import { describe, expect, it } from "vitest";
import { CloudFormationStacks } from "../../src/aws/cloudformation-stacks.js";
import { createAwsFake, type AwsFakeOptions } from "./aws-fake.js";
import { previewTemplate } from "./aws/preview-template.js";

const LABEL = "shop-pr-7-acme-1a2b3c";
const IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:abc1234";

/** Creates a preview stack in the fake through berth's adapter; returns the error it fails with, if any. */
async function ensure(input: { options?: AwsFakeOptions; tags?: Record<string, string>; edit?: (template: { Resources: Record<string, { Properties: Record<string, unknown> }> }) => void }) {
  const fake = createAwsFake(input.options);
  const stacks = new CloudFormationStacks({ client: fake.clients.cloudformation, ownership: { prefix: "berth-", tagKey: "berth:managed" }, pollDelayMs: 1 });
  const template = previewTemplate({ label: LABEL, image: IMAGE }) as unknown as { Resources: Record<string, { Properties: Record<string, unknown> }> };
  input.edit?.(template);
  try {
    await stacks.ensure({ name: `berth-${LABEL}`, template, tags: { "berth:pr": "7", ...input.tags }, parameters: { ListenerRulePriority: "4242" }, onProgress: () => {} });
    return undefined;
  } catch (error) {
    const e = error as Error & { userMessage?: string };
    return `${e.message} ${e.userMessage ?? ""}`;
  } finally {
    fake.restore();
  }
}

const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`berth:t${i}`, "x"]));

describe("the fake CloudFormation refuses what AWS refuses", () => {
  it("accepts a stack within every limit", async () => {
    expect(await ensure({ tags: many(40) })).toBeUndefined();
  });

  it.each([
    ["more than 50 stack tags", { tags: many(51) }, "Stack tags: 53 tags, more than the 50 a resource takes"],
    ["a stack tag value over 256 characters", { tags: { "berth:branch": "b".repeat(257) } }, "the value of tag berth:branch has 257 characters, more than 256"],
    ["a stack tag key over 128 characters", { tags: { [`berth:${"k".repeat(130)}`]: "v" } }, "a key has 1 to 128"],
    ["a tag key in the aws: namespace", { tags: { "aws:owner": "me" } }, "the aws: prefix is reserved for AWS"],
    [
      "a resource's own tag over the limit",
      { edit: (t: { Resources: Record<string, { Properties: Record<string, unknown> }> }) => (t.Resources.PublicTargetGroup!.Properties.Tags = [{ Key: "berth:branch", Value: "b".repeat(300) }]) },
      "Properties validation failed for resource PublicTargetGroup with message: #/Tags: the value of tag berth:branch has 300 characters, more than 256",
    ],
    [
      "a resource's tags that, with the stack's, are more than 50",
      { tags: many(30), edit: (t: { Resources: Record<string, { Properties: Record<string, unknown> }> }) => (t.Resources.PublicTargetGroup!.Properties.Tags = Object.entries(many(60)).slice(30).map(([Key, Value]) => ({ Key, Value }))) },
      "#/Tags: 62 tags, more than the 50 a resource takes",
    ],
    [
      "a host-header value over 128 characters",
      { options: { baseStack: { outputs: { Domain: `${"previews".repeat(13)}.example.com` } } } },
      "Properties validation failed for resource PublicListenerRule with message: #/Conditions/0/HostHeaderConfig/Values/0: expected maxLength: 128, actual: 138",
    ],
  ])("refuses %s", async (_name, input, message) => {
    expect(await ensure(input)).toContain(message);
  });
});
