import { BerthError } from "../errors.js";
import { AwsCallError } from "../preview/errors.js";

/** The SDK error's name (its AWS error code), e.g. `ValidationError`; undefined for non-errors. */
export function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/** AWS error codes that mean "slow down", never "this failed". */
const THROTTLING = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
  "PriorRequestNotComplete",
]);

/**
 * Whether an error (or the SDK error it wraps as `cause`) is AWS throttling the caller: its code
 * is one of the throttling codes, or its message is ECS's and ELB's `Rate exceeded`.
 */
export function isThrottling(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (THROTTLING.has(e.name) || /^Rate exceeded\b/i.test(e.message) || /: Rate exceeded\b/i.test(e.message)) return true;
  }
  return false;
}

/** Error names of requests that timed out or lost their connection: the request may be sent again. */
const TIMEOUTS = new Set(["TimeoutError", "RequestTimeout", "RequestTimeoutException", "ETIMEDOUT", "ECONNRESET", "ECONNREFUSED", "EPIPE"]);

/**
 * Whether AWS may answer the same request differently later: throttling, a server-side fault
 * (5xx, `$fault: "server"`) or a timeout. Anything else (access denied, validation) repeats.
 */
export function isTransientAwsError(error: unknown): boolean {
  if (isThrottling(error)) return true;
  for (let e = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const meta = e as { $fault?: unknown; $metadata?: { httpStatusCode?: unknown }; code?: unknown };
    const status = meta.$metadata?.httpStatusCode;
    if (meta.$fault === "server" || (typeof status === "number" && status >= 500)) return true;
    if (TIMEOUTS.has(e.name) || (typeof meta.code === "string" && TIMEOUTS.has(meta.code))) return true;
  }
  return false;
}

/** The error's message, or its string form. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs one SDK call and wraps any failure the caller did not expect in an AwsCallError that
 * names the operation and what it was about.
 */
export async function awsCall<T>(operation: string, subject: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw wrapAwsError(operation, subject, error);
  }
}

/** Wraps an SDK error with its operation and subject (keeps it as `cause`); BerthErrors and aborts pass through. */
export function wrapAwsError(operation: string, subject: string, error: unknown): Error {
  if (error instanceof BerthError || errorName(error) === "AbortError") return error as Error;
  const code = errorName(error);
  const message = errorMessage(error);
  return new AwsCallError(`${operation} ${subject}: ${code ?? "Error"}: ${message}`, {
    cause: error,
    operation,
    code,
    userMessage: `AWS ${operation} failed for ${subject}: ${message}`,
    ...(isTransientAwsError(error) ? { transient: "AWS" as const } : {}),
  });
}
