/**
 * Shared state of the fake AWS account: clock, ids, the call log, injected faults and latencies.
 * Each service's fake (cloudformation.ts, ecs.ts, ...) keeps its resources here so that one
 * service sees what another created (a stack's ECS services, its target group, its exports).
 */
import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { CloudFormationServiceException } from "@aws-sdk/client-cloudformation";
import { CloudWatchServiceException } from "@aws-sdk/client-cloudwatch";
import { CloudWatchLogsServiceException } from "@aws-sdk/client-cloudwatch-logs";
import { EC2ServiceException } from "@aws-sdk/client-ec2";
import { ECRServiceException } from "@aws-sdk/client-ecr";
import { ECSServiceException } from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2ServiceException } from "@aws-sdk/client-elastic-load-balancing-v2";
import { IAMServiceException } from "@aws-sdk/client-iam";
import { STSServiceException } from "@aws-sdk/client-sts";
import { isServerError, isThrottlingError, isTransientError } from "@smithy/core/retry";
import type { RetryErrorType, SdkError } from "@smithy/types";
import { attemptsFor } from "../../../src/aws/aws-retry-strategy.js";
import type { AwsStub } from "aws-sdk-client-mock";

/** A mocked client of any service; aws-sdk-client-mock types its stubs per client. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStub = AwsStub<any, any, any>;

export type FakeService = "cloudformation" | "ecs" | "ecr" | "logs" | "cloudwatch" | "elbv2" | "ec2" | "iam" | "sts";

/** One SDK call the fake received, in order. */
export interface FakeCall {
  service: FakeService;
  /** Operation name without `Command`, e.g. `RunTask`. */
  command: string;
  input: Record<string, unknown>;
}

/** A fault injected into the next call(s) of one operation. */
export interface Fault {
  /**
   * Throw this SDK error: its `name` is the AWS error code (or the SDK's, e.g. `TimeoutError`);
   * `status` the HTTP status AWS answered (default 400; 5xx are server faults); `code` a Node
   * network error code (e.g. `ECONNRESET`) when the connection broke and no answer came.
   */
  error?: { name: string; message: string; status?: number; code?: string };
  /** The connection breaks (`ECONNRESET`, `EPIPE`, `ETIMEDOUT`) instead of any answer, as the SDK's Node handler reports it. */
  connectionError?: "ECONNRESET" | "EPIPE" | "ETIMEDOUT";
  /** AWS applied the request before the error or the broken connection: the effect happened, the answer was lost. */
  applied?: true;
  /** RunTask only: return these failures and no task. */
  failures?: Array<{ arn?: string; reason: string; detail?: string }>;
  /** How many calls the fault affects; default 1. */
  times?: number;
  /** Never answer: the caller waits for ever, as a process that died in the middle of the call would. */
  hang?: true;
}

const EXCEPTIONS = {
  cloudformation: CloudFormationServiceException,
  ecs: ECSServiceException,
  ecr: ECRServiceException,
  logs: CloudWatchLogsServiceException,
  cloudwatch: CloudWatchServiceException,
  elbv2: ElasticLoadBalancingV2ServiceException,
  ec2: EC2ServiceException,
  iam: IAMServiceException,
  sts: STSServiceException,
} as const;

/** An error shaped like the SDK's for an AWS error code (HTTP 400 unless `status` says otherwise). */
export function awsError(service: FakeService, name: string, message: string, status = 400): Error {
  const Exception = EXCEPTIONS[service];
  return new Exception({ name, message, $fault: status >= 500 ? "server" : "client", $metadata: { httpStatusCode: status } });
}

/** A broken connection as @smithy/node-http-handler rejects with it: Node's error, renamed `TimeoutError`. */
function connectionError(code: string): Error {
  return Object.assign(new Error(`read ${code}`), { code, name: "TimeoutError" });
}

/** The error a fault's `error` makes: an AWS answer, or a broken connection as Node reports it. */
function faultError(service: FakeService, error: NonNullable<Fault["error"]>): Error {
  if (error.code !== undefined) return Object.assign(new Error(error.message), { name: error.name, code: error.code, $metadata: {} });
  if (error.name === "TimeoutError") return Object.assign(new Error(error.message), { name: "TimeoutError", $metadata: {} });
  return awsError(service, error.name, error.message, error.status);
}

/**
 * How the SDK classifies an error for its retry strategy, as its retry middleware does: only
 * throttling and transient errors (time-outs, resets, 500/502/503/504) are ever sent again.
 */
function retryErrorType(error: unknown): RetryErrorType {
  const e = error as SdkError;
  if (isThrottlingError(e)) return "THROTTLING";
  if (isTransientError(e)) return "TRANSIENT";
  return isServerError(e) ? "SERVER_ERROR" : "CLIENT_ERROR";
}

/** Decides, for each request AWS receives (the SDK's own retries included), whether it fails and how. */
export type ChaosHook = (request: { service: FakeService; command: string; input: Record<string, unknown> }) => Fault | undefined;

export interface WorldOptions {
  region: string;
  account: string;
  /** Added before every call; a number for all operations or per operation name. */
  latencyMs?: number | Partial<Record<string, number>>;
  /**
   * How the SDK retries a request: `"berth"` as berth's clients do (AwsRetryStrategy: more
   * attempts for throttling than for other transient errors), or a number of attempts for any
   * error the SDK retries; default 1, or `"berth"` once a chaos hook is set. aws-sdk-client-mock
   * stubs `send`, which skips the SDK's retry middleware: a request that failed with an error the
   * strategy retries is sent again with the same input, as the middleware does (without its delays).
   */
  sdkRetries?: number | "berth";
}

export class World {
  readonly region: string;
  readonly account: string;
  readonly calls: FakeCall[] = [];
  /** Requests AWS received, the SDK's own retries included. */
  requests = 0;
  /** See `chaos()`. */
  chaosHook: ChaosHook | undefined;
  private readonly faults = new Map<string, Fault[]>();
  private readonly latencyMs: WorldOptions["latencyMs"];
  private readonly sdkRetries: number | "berth" | undefined;
  private clock = Date.parse("2025-01-01T00:00:00Z");
  private counter = 0;

  constructor(options: WorldOptions) {
    this.region = options.region;
    this.account = options.account;
    this.latencyMs = options.latencyMs;
    this.sdkRetries = options.sdkRetries;
  }

  /** The fake clock: every reading is one second later, so events and deployments are ordered. */
  now(): Date {
    this.clock += 1000;
    return new Date(this.clock);
  }

  /** The fake clock as it reads now, without moving it. */
  peek(): Date {
    return new Date(this.clock);
  }

  /** Moves the fake clock on: time passing between two looks (e.g. stopped tasks ageing out). */
  advance(ms: number): void {
    this.clock += ms;
  }

  /** A deterministic hex id of `length` characters. */
  hex(length: number): string {
    let out = "";
    while (out.length < length) out += createHash("sha256").update(`berth-fake:${++this.counter}`).digest("hex");
    return out.slice(0, length);
  }

  /** A deterministic UUID-shaped id. */
  uuid(): string {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  arn(service: string, resource: string): string {
    return `arn:aws:${service}:${this.region}:${this.account}:${resource}`;
  }

  /** The attempts the SDK makes at a request that fails with an error of this type. */
  private attempts(type: RetryErrorType): number {
    const retries = this.sdkRetries ?? (this.chaosHook === undefined ? 1 : "berth");
    if (retries === "berth") return attemptsFor(type);
    return type === "THROTTLING" || type === "TRANSIENT" ? retries : 1;
  }

  addFault(command: string, fault: Fault): void {
    const list = this.faults.get(command) ?? [];
    list.push({ times: 1, ...fault });
    this.faults.set(command, list);
  }

  private takeFault(command: string): Fault | undefined {
    const list = this.faults.get(command);
    const fault = list?.[0];
    if (!list || !fault) return undefined;
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) list.shift();
    return fault;
  }

  /**
   * Routes one SDK command of a mocked client to a handler, logging the call, adding latency and
   * applying injected faults first.
   */
  on<I extends object>(
    service: FakeService,
    mock: AnyStub,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    command: new (input: I) => any,
    handler: (input: I, fault: Fault | undefined) => unknown,
  ): void {
    const name = command.name.replace(/Command$/, "");
    const answer = async (input: I): Promise<unknown> => {
      this.calls.push({ service, command: name, input: structuredClone(input) as Record<string, unknown> });
      const latency = typeof this.latencyMs === "number" ? this.latencyMs : this.latencyMs?.[name];
      if (latency) await sleep(latency);
      this.requests += 1;
      const fault = this.takeFault(name) ?? this.chaosHook?.({ service, command: name, input: input as Record<string, unknown> });
      if (fault?.hang) return new Promise(() => {});
      if (fault?.applied) await applyQuietly(() => handler(input, undefined));
      if (fault?.error) throw faultError(service, fault.error);
      if (fault?.connectionError) throw connectionError(fault.connectionError);
      return handler(input, fault);
    };
    // aws-sdk-client-mock replaces `send` above the SDK's retry middleware, so the SDK's retry is
    // replayed here: a throttled, timed-out, reset or 5xx request is sent again with the same input
    // (and so the same client tokens), and only the last failure reaches the caller.
    mock.on(command).callsFake(async (input: I) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await answer(input);
        } catch (error) {
          if (attempt >= this.attempts(retryErrorType(error))) throw error;
        }
      }
    });
  }
}

/** Does what a request asked for whose answer is lost anyway: its own error never reaches the caller. */
async function applyQuietly(apply: () => unknown): Promise<void> {
  try {
    await apply();
  } catch {
    // The connection broke: the caller sees the fault's error, not this one.
  }
}
