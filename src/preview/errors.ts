/**
 * Errors the AWS adapters throw and the deploy engine understands. Each carries a `userMessage`
 * a developer on the pull request can act on; the `message` adds context for the logs, and the
 * SDK error, when there is one, is kept as `cause`.
 */
import { BerthError, type TransientSource } from "../errors.js";

interface ErrorOptions {
  cause?: unknown;
  /** Defaults to the message. */
  userMessage?: string;
  /** Set when the same call may succeed later (see BerthError.transient). */
  transient?: TransientSource;
}

/** The first resource that failed in a stack operation, from the stack's events. */
export interface StackFailure {
  /** Logical id in the template, e.g. `WebService`. */
  resource: string;
  /** Resource type, e.g. `AWS::ECS::Service`. */
  type: string;
  /** CloudFormation's ResourceStatusReason for the failure. */
  reason: string;
}

/** A CloudFormation stack could not be created, updated, deleted or read as berth needs. */
export class StackError extends BerthError {
  readonly stackName: string;
  /** The stack's status when berth gave up, e.g. `UPDATE_ROLLBACK_COMPLETE`; undefined before any change. */
  readonly status: string | undefined;
  readonly firstFailure: StackFailure | undefined;
  constructor(
    message: string,
    options: ErrorOptions & { stackName: string; status?: string; firstFailure?: StackFailure },
  ) {
    super(message, options);
    this.stackName = options.stackName;
    this.status = options.status;
    this.firstFailure = options.firstFailure;
  }
}

/** A one-off ECS task could not be started (RunTask `failures[]`, e.g. no Fargate capacity) or did not stop in time. */
export class TaskError extends BerthError {
  /** The container the task was started for (e.g. `release`). */
  readonly container: string | undefined;
  /** The task, when one was started. */
  readonly taskArn: string | undefined;
  constructor(message: string, options: ErrorOptions & { container?: string; taskArn?: string } = {}) {
    super(message, options);
    this.container = options.container;
    this.taskArn = options.taskArn;
  }
}

/** An ECS service's rollout failed (circuit breaker), was rolled back, or did not finish in time. */
export class RolloutError extends BerthError {
  readonly service: string;
  /** ECS's `rolloutStateReason` of the failed deployment, when known. */
  readonly reason: string | undefined;
  /** The service's latest events, newest first. */
  readonly events: string[];
  constructor(message: string, options: ErrorOptions & { service: string; reason?: string; events?: string[] }) {
    super(message, options);
    this.service = options.service;
    this.reason = options.reason;
    this.events = options.events ?? [];
  }
}

/** No target of the preview's target group became healthy in time. */
export class HealthError extends BerthError {
  readonly targetGroupArn: string;
  /** The load balancer's reason code and description for the last target seen, e.g. `Target.ResponseCodeMismatch: ...`. */
  readonly reason: string | undefined;
  constructor(message: string, options: ErrorOptions & { targetGroupArn: string; reason?: string }) {
    super(message, options);
    this.targetGroupArn = options.targetGroupArn;
    this.reason = options.reason;
  }
}

/** The image CI should push to ECR did not appear in time. */
export class ImageTimeoutError extends BerthError {
  readonly imageRef: string;
  readonly waitedMs: number;
  constructor(message: string, options: ErrorOptions & { imageRef: string; waitedMs: number }) {
    super(message, options);
    this.imageRef = options.imageRef;
    this.waitedMs = options.waitedMs;
  }
}

/** An image reference berth cannot look up (not in ECR, or in another region). */
export class ImageReferenceError extends BerthError {
  readonly imageRef: string;
  constructor(message: string, options: ErrorOptions & { imageRef: string }) {
    super(message, options);
    this.imageRef = options.imageRef;
  }
}

/** berth refused to change a stack that is not its own (name without berth's prefix, or no ownership tag). */
export class OwnershipError extends BerthError {
  readonly stackName: string;
  constructor(message: string, options: ErrorOptions & { stackName: string }) {
    super(message, options);
    this.stackName = options.stackName;
  }
}

/** An AWS API call failed in a way the adapter does not handle itself (permissions, throttling, validation). */
export class AwsCallError extends BerthError {
  /** The API operation, e.g. `DescribeStacks`. */
  readonly operation: string;
  /** The SDK error name, e.g. `AccessDeniedException`. */
  readonly code: string | undefined;
  constructor(message: string, options: ErrorOptions & { operation: string; code?: string }) {
    super(message, options);
    this.operation = options.operation;
    this.code = options.code;
  }
}

/** An AWS limit a new preview would exceed, found before asking AWS (which would roll the stack back). */
export class LimitError extends BerthError {
  /** What is full, e.g. `listener rules`. */
  readonly limit: string;
  constructor(message: string, options: ErrorOptions & { limit: string }) {
    super(message, options);
    this.limit = options.limit;
  }
}
