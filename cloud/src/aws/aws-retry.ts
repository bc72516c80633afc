import { fullJitterDelay, sleep as realSleep } from '../core/backoff.js';
import { AwsRequestError } from '../errors.js';

/**
 * The retry policy of the AWS SDK clients the handlers were built with (standard retry mode with default
 * settings, @smithy/core's 2026 retry figures; `maxAttempts` 4 for DynamoDB, 3 for Lambda and SSM), kept so
 * that replacing the clients by signed POSTs changed no behaviour under throttling or failures:
 * throttling errors (ProvisionedThroughputExceededException, ThrottlingException, RequestLimitExceeded, 429…)
 * and transient ones (500/502/503/504, InternalServerError, no response, our timeout) are retried with full
 * jitter; other errors (ConditionalCheckFailedException, ValidationException…) fail at once.
 */
export const DYNAMODB_MAX_ATTEMPTS = 4;
/** The SDK's default for other clients (Lambda Invoke, SSM GetParameter). */
export const DEFAULT_MAX_ATTEMPTS = 3;
/** Full-jitter base before retry n of a transient failure: a wait in [0, base × 2^n). */
export const TRANSIENT_RETRY_BASE_MS = 50;
/** The same after throttling: longer, since DynamoDB asks us to slow down. */
export const THROTTLING_RETRY_BASE_MS = 1_000;
/** Longest single wait. */
export const MAX_RETRY_DELAY_MS = 20_000;
/**
 * The client-wide retry quota (a token bucket, as the SDK's): retries stop when most calls fail, so that a
 * struggling table is not hit 4 times harder. A transient retry costs 14 tokens, a throttled one 5; a call
 * that succeeds gives back what its retries cost, or 1 when it needed none.
 */
export const RETRY_QUOTA_TOKENS = 500;
export const TRANSIENT_RETRY_COST = 14;
export const THROTTLING_RETRY_COST = 5;
export const NO_RETRY_REFUND = 1;

/** Timing collaborators, replaceable in tests. */
export interface RetryTiming {
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** Runs calls with the policy above; one per client, so the quota is shared by all its calls. */
export interface Retrier {
  run<T>(attempt: () => Promise<T>): Promise<T>;
  /** Tokens left in the quota. */
  readonly tokens: number;
}

/** Creates a Retrier with a full quota. */
export function createRetrier(timing: RetryTiming = {}, maxAttempts = DEFAULT_MAX_ATTEMPTS): Retrier {
  const sleep = timing.sleep ?? realSleep;
  const random = timing.random ?? Math.random;
  let tokens = RETRY_QUOTA_TOKENS;
  return {
    get tokens() {
      return tokens;
    },
    async run(attempt) {
      let paid = 0;
      for (let retries = 0; ; retries++) {
        try {
          const result = await attempt();
          tokens = Math.min(RETRY_QUOTA_TOKENS, tokens + (paid > 0 ? paid : NO_RETRY_REFUND));
          return result;
        } catch (error) {
          if (!(error instanceof AwsRequestError) || !error.retryable || retries + 1 >= maxAttempts)
            throw error;
          const throttled = error.kind === 'throttling';
          const cost = throttled ? THROTTLING_RETRY_COST : TRANSIENT_RETRY_COST;
          if (tokens < cost) throw error;
          tokens -= cost;
          paid = cost;
          const base = throttled ? THROTTLING_RETRY_BASE_MS : TRANSIENT_RETRY_BASE_MS;
          await sleep(fullJitterDelay(retries, base, MAX_RETRY_DELAY_MS, random));
        }
      }
    },
  };
}
