import type { StackEvent } from "@aws-sdk/client-cloudformation";
import { describe, expect, it } from "vitest";
import { findFirstFailure, formatStackEvent } from "../../src/aws/stack-events.js";

const ev = (LogicalResourceId: string, ResourceStatus: string, ResourceStatusReason?: string, ResourceType = "AWS::ECS::Service"): StackEvent =>
  ({ LogicalResourceId, ResourceStatus, ResourceStatusReason, ResourceType }) as StackEvent;
const stack = (status: string, reason?: string) => ev("berth-shop", status, reason, "AWS::CloudFormation::Stack");

describe("findFirstFailure", () => {
  it.each([
    {
      name: "the first failed resource, oldest first",
      events: [ev("Db", "CREATE_COMPLETE"), ev("Web", "CREATE_FAILED", "image not found"), ev("Rule", "CREATE_FAILED", "later failure")],
      expected: { resource: "Web", type: "AWS::ECS::Service", reason: "image not found" },
    },
    {
      name: "cancellations before the cause are noise",
      events: [ev("Db", "CREATE_FAILED", "Resource creation cancelled"), ev("Sg", "UPDATE_FAILED", "Resource update cancelled"), ev("Web", "UPDATE_FAILED", "quota")],
      expected: { resource: "Web", type: "AWS::ECS::Service", reason: "quota" },
    },
    {
      name: "a resource failure wins over the stack's own",
      events: [stack("UPDATE_ROLLBACK_FAILED", "stack broke"), ev("Web", "UPDATE_FAILED", "quota")],
      expected: { resource: "Web", type: "AWS::ECS::Service", reason: "quota" },
    },
    {
      name: "the stack's own failure when no resource failed",
      events: [stack("UPDATE_ROLLBACK_IN_PROGRESS", "x"), stack("UPDATE_ROLLBACK_FAILED", "stack broke")],
      expected: { resource: "berth-shop", type: "AWS::CloudFormation::Stack", reason: "stack broke" },
    },
    { name: "nothing when nothing failed", events: [ev("Web", "UPDATE_COMPLETE"), stack("UPDATE_COMPLETE")], expected: undefined },
    { name: "nothing when only cancellations", events: [ev("Web", "CREATE_FAILED", "Resource creation cancelled")], expected: undefined },
  ])("$name", ({ events, expected }) => {
    expect(findFirstFailure(events)).toEqual(expected);
  });
});

describe("formatStackEvent", () => {
  it.each([
    [ev("WebService", "UPDATE_IN_PROGRESS", "Resource update Initiated"), "UPDATE_IN_PROGRESS WebService"],
    [ev("WebService", "UPDATE_FAILED", "quota exceeded"), "UPDATE_FAILED WebService: quota exceeded"],
    [stack("UPDATE_COMPLETE"), "UPDATE_COMPLETE berth-shop"],
  ])("%#", (event, line) => {
    expect(formatStackEvent(event)).toBe(line);
  });
});
