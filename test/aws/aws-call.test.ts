import { describe, expect, it } from "vitest";
import { wrapAwsError } from "../../src/aws/aws-call.js";
import type { AwsCallError } from "../../src/preview/errors.js";

/** An SDK-shaped error: a name (the AWS code), a fault side and an HTTP status. */
function sdkError(name: string, message: string, fault: "client" | "server", status: number): Error {
  return Object.assign(new Error(message), { name, $fault: fault, $metadata: { httpStatusCode: status } });
}

describe("wrapAwsError", () => {
  it.each([
    ["throttling", sdkError("ThrottlingException", "Rate exceeded", "client", 400), "AWS"],
    ["ECS's Rate exceeded", sdkError("ClientException", "Rate exceeded", "client", 400), "AWS"],
    ["a server error", sdkError("InternalFailure", "We encountered an internal error", "server", 500), "AWS"],
    ["a 503 without a fault side", Object.assign(new Error("Service Unavailable"), { name: "ServiceUnavailable", $metadata: { httpStatusCode: 503 } }), "AWS"],
    ["a timed-out request", Object.assign(new Error("socket hang up"), { name: "TimeoutError" }), "AWS"],
    ["a reset connection", Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }), "AWS"],
    ["access denied", sdkError("AccessDeniedException", "not authorized", "client", 400), undefined],
    ["a validation error", sdkError("ValidationError", "Template format error", "client", 400), undefined],
  ])("%s: transient is %s", (_case, error, transient) => {
    const wrapped = wrapAwsError("DescribeStacks", "stack berth-x", error) as AwsCallError;
    expect(wrapped.transient).toBe(transient);
  });
});
