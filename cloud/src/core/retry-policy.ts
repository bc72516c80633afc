import { type FanOutSettings, POST_THROTTLED_RETRIES } from '../config.js';
import type { PostErrorCode } from '../errors.js';
import { fullJitterDelay } from './backoff.js';
import type { RetryQuota } from './retry-quota.js';

/** An attempt given less than this before the deadline would almost surely time out: not worth starting. */
export const MIN_ATTEMPT_MS = 50;

/** What is known of a post when one of its attempts has failed. */
export interface FailedAttempt {
  code: PostErrorCode;
  /** False for the final codes (`gone`, `rejected`). */
  retryable: boolean;
  /** The failed attempt's number, from 0: the backoff grows with it. */
  attempt: number;
  /** Retries this post already made after a 429. */
  throttledRetries: number;
  /** Retries this post already made after any other temporary failure (timeout, reset, server_error). */
  otherRetries: number;
  /** The clock's time now and the publish's deadline (epoch ms). */
  now: number;
  deadline: number;
}

/** Whether to try again, after how long, and what the retry cost the quota (to give back on success). */
export type RetryDecision =
  | { retry: true; delayMs: number; cost: number }
  | { retry: false; quotaSpent: boolean };

/**
 * The one retry policy of a post, in the order it is applied:
 * 1. `gone` and `rejected` are final.
 * 2. One budget for every retry: the publish's deadline. No retry starts whose backoff (full jitter, growing
 *    with the attempt, capped at `settings.backoffCapMs`) and a short attempt would not end before it.
 * 3. A 429 is retried up to POST_THROTTLED_RETRIES times, free of the quota: the adaptive limit has cut on it and
 *    gates every retry, so retrying throttles cannot multiply the load; it only waits for the rate.
 * 4. Any other temporary failure (timeout, reset, server_error) is retried up to `settings.retries` times, each
 *    retry paid from the instance's retry quota, so that when most posts fail (an overloaded endpoint that
 *    times out posts it has delivered) retries stop instead of doubling the work.
 * Takes the retry's cost from `quota` when it says to retry.
 */
export function decideRetry(
  failed: FailedAttempt,
  settings: Pick<FanOutSettings, 'retries' | 'backoffBaseMs' | 'backoffCapMs'>,
  quota: RetryQuota,
  random: () => number,
): RetryDecision {
  if (!failed.retryable) return { retry: false, quotaSpent: false };
  const throttled = failed.code === 'throttled';
  const withinCount = throttled
    ? failed.throttledRetries < POST_THROTTLED_RETRIES
    : failed.otherRetries < settings.retries;
  if (!withinCount) return { retry: false, quotaSpent: false };
  const delayMs = fullJitterDelay(failed.attempt, settings.backoffBaseMs, settings.backoffCapMs, random);
  if (failed.now + delayMs + MIN_ATTEMPT_MS > failed.deadline) return { retry: false, quotaSpent: false };
  if (throttled) return { retry: true, delayMs, cost: 0 };
  const cost = quota.tryAcquire(failed.code);
  if (cost === undefined) return { retry: false, quotaSpent: true };
  return { retry: true, delayMs, cost };
}
