import { Readable } from "node:stream";
import { DescribeTasksCommand, ECSClient } from "@aws-sdk/client-ecs";
import { HttpResponse } from "@smithy/core/protocols";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AWS_ATTEMPTS, AwsRetryStrategy } from "../../src/aws/aws-retry-strategy.js";

/**
 * A real ECS client with berth's retry strategy over an HTTP handler that answers the first
 * `failures` requests as ECS does when it fails (ECS speaks JSON 1.1: the error's code in
 * `__type`), then succeeds. The SDK's own middleware classifies each answer and waits its back-off.
 */
function ecsAnswering(failure: { status: number; type: string; message: string }, failures: number) {
  let requests = 0;
  const requestHandler = {
    handle: async () => {
      requests += 1;
      const failing = requests <= failures;
      const body = failing ? { __type: failure.type, message: failure.message } : { tasks: [], failures: [] };
      return {
        response: new HttpResponse({
          statusCode: failing ? failure.status : 200,
          headers: { "content-type": "application/x-amz-json-1.1" },
          body: Readable.from([Buffer.from(JSON.stringify(body))]),
        }),
      };
    },
  };
  const client = new ECSClient({
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
    retryStrategy: new AwsRetryStrategy(),
    maxAttempts: AWS_ATTEMPTS.throttling,
    requestHandler,
  });
  return { client, requests: () => requests };
}

/** Sends the request and lets the fake clock run through the SDK's back-offs until it settles. */
async function send(client: ECSClient): Promise<{ ok: boolean; error?: unknown }> {
  let outcome: { ok: boolean; error?: unknown } | undefined;
  void client.send(new DescribeTasksCommand({ cluster: "berth-previews", tasks: ["abc"] })).then(
    () => (outcome = { ok: true }),
    (error: unknown) => (outcome = { ok: false, error }),
  );
  for (let i = 0; i < 200 && outcome === undefined; i++) await vi.advanceTimersByTimeAsync(5_000);
  return outcome ?? { ok: false, error: new Error("still retrying after 1000 s") };
}

const THROTTLED = { status: 400, type: "ThrottlingException", message: "Rate exceeded" };
const UNAVAILABLE = { status: 503, type: "ServerException", message: "Service Unavailable" };

describe("AwsRetryStrategy", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("waits out a burst of throttling that outlasts the SDK's default 3 attempts: 9 throttled answers, then the read succeeds", async () => {
    const ecs = ecsAnswering(THROTTLED, 9);

    expect(await send(ecs.client)).toEqual({ ok: true });
    expect(ecs.requests()).toBe(10);
  });

  it("gives up on throttling after 10 attempts, with AWS's own error", async () => {
    const ecs = ecsAnswering(THROTTLED, 11);

    const outcome = await send(ecs.client);

    expect(outcome.error).toMatchObject({ name: "ThrottlingException", message: "Rate exceeded", $metadata: { attempts: 10 } });
    expect(ecs.requests()).toBe(10);
  });

  it("makes 6 attempts at a request that fails on a 503", async () => {
    const ecs = ecsAnswering(UNAVAILABLE, 6);

    const outcome = await send(ecs.client);

    expect(outcome.error).toMatchObject({ name: "ServerException", $metadata: { httpStatusCode: 503, attempts: 6 } });
    expect(ecs.requests()).toBe(6);
  });

  it("never sends a request again that AWS refused as invalid", async () => {
    const ecs = ecsAnswering({ status: 400, type: "InvalidParameterException", message: "Invalid cluster" }, 1);

    const outcome = await send(ecs.client);

    expect(outcome.error).toMatchObject({ name: "InvalidParameterException", $metadata: { attempts: 1 } });
    expect(ecs.requests()).toBe(1);
  });
});
