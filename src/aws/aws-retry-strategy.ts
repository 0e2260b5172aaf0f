import { AdaptiveRetryStrategy } from "@smithy/core/retry";
import type { RetryErrorInfo, RetryErrorType, RetryStrategyV2, RetryToken, StandardRetryToken } from "@smithy/types";

/**
 * Attempts at one AWS request by the SDK's classification of its error. Throttling means AWS is
 * fine and asks berth to slow down: an API action's token bucket, emptied by a burst (berth's own
 * polls of many previews, or another tool in the account), refills within seconds to a minute, so
 * berth waits it out. With the SDK's back-off for throttling (full jitter, 1 s doubling, at most
 * 20 s) ten attempts wait up to 111 s, 55 s on average. Transient errors (5xx, time-outs, resets)
 * keep the six attempts berth had: they back off from 50 ms, and a longer outage is reported.
 */
export const AWS_ATTEMPTS = { throttling: 10, transient: 6 } as const;

/** The attempts the SDK may make at a request that failed this way; 1 for an error it does not retry. */
export function attemptsFor(errorType: RetryErrorType): number {
  if (errorType === "THROTTLING") return AWS_ATTEMPTS.throttling;
  return errorType === "TRANSIENT" ? AWS_ATTEMPTS.transient : 1;
}

/**
 * The SDK's adaptive retry strategy (standard retries, their retry quota, and a client-side rate
 * limiter that slows every request of the client once AWS throttles one) with more attempts for
 * throttling than for other transient errors. Writes stay idempotent under any number of attempts:
 * the SDK sends the same request again, and berth gives every write that could repeat an
 * idempotency key (ClientRequestToken, clientToken) or makes it safe to repeat.
 */
export class AwsRetryStrategy implements RetryStrategyV2 {
  readonly mode = "adaptive";
  private readonly adaptive = new AdaptiveRetryStrategy(AWS_ATTEMPTS.throttling);

  acquireInitialRetryToken(retryTokenScope: string): Promise<RetryToken> {
    return this.adaptive.acquireInitialRetryToken(retryTokenScope);
  }

  async refreshRetryTokenForRetry(token: StandardRetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
    // The SDK's own refusal, so the caller sees the request's error as with any exhausted retry.
    if (token.getRetryCount() + 1 >= attemptsFor(errorInfo.errorType)) throw new Error("No retry token available");
    return this.adaptive.refreshRetryTokenForRetry(token, errorInfo);
  }

  recordSuccess(token: StandardRetryToken): void {
    this.adaptive.recordSuccess(token);
  }

  /** The most attempts at any request, for the SDK's `amz-sdk-request` header. */
  maxAttempts(): Promise<number> {
    return Promise.resolve(AWS_ATTEMPTS.throttling);
  }
}
