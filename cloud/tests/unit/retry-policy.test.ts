import { describe, expect, it } from 'vitest';
import { DEFAULT_FAN_OUT, POST_THROTTLED_RETRIES } from '../../src/config.js';
import { fullJitterDelay } from '../../src/core/backoff.js';
import { decideRetry, type FailedAttempt, MIN_ATTEMPT_MS } from '../../src/core/retry-policy.js';
import { RETRY_COST, RetryQuota, TIMEOUT_RETRY_COST } from '../../src/core/retry-quota.js';

const SETTINGS = { retries: 6, backoffBaseMs: 100, backoffCapMs: 1_000 };
const RANDOM = () => 0.5;
const FAR = Number.MAX_SAFE_INTEGER;

function failed(overrides: Partial<FailedAttempt>): FailedAttempt {
  return {
    code: 'server_error',
    retryable: true,
    attempt: 0,
    throttledRetries: 0,
    otherRetries: 0,
    now: 0,
    deadline: FAR,
    ...overrides,
  };
}

describe('decideRetry: the one retry policy of a post (pure; the quota is a real one)', () => {
  it('never retries the final codes, and takes nothing from the quota for them', () => {
    const quota = new RetryQuota(100);
    for (const code of ['gone', 'rejected'] as const) {
      expect(decideRetry(failed({ code, retryable: false }), SETTINGS, quota, RANDOM)).toEqual({
        retry: false,
        quotaSpent: false,
      });
    }
    expect(quota.tokens).toBe(100);
  });

  it('retries other temporary failures `retries` times, each paid from the quota, with growing backoff', () => {
    const quota = new RetryQuota(100);
    for (const [code, cost] of [
      ['server_error', RETRY_COST],
      ['reset', RETRY_COST],
      ['timeout', TIMEOUT_RETRY_COST],
    ] as const) {
      expect(decideRetry(failed({ code, attempt: 3, otherRetries: 3 }), SETTINGS, quota, RANDOM)).toEqual({
        retry: true,
        delayMs: fullJitterDelay(3, 100, 1_000, RANDOM),
        cost,
      });
    }
    expect(quota.tokens).toBe(100 - 2 * RETRY_COST - TIMEOUT_RETRY_COST);
    expect(decideRetry(failed({ attempt: 6, otherRetries: 6 }), SETTINGS, quota, RANDOM)).toEqual({
      retry: false,
      quotaSpent: false,
    });
  });

  it('retries a 429 up to POST_THROTTLED_RETRIES times free of the quota, whatever `retries` says', () => {
    const quota = new RetryQuota(0);
    const throttled = (n: number) => failed({ code: 'throttled', attempt: n, throttledRetries: n });
    expect(decideRetry(throttled(0), { ...SETTINGS, retries: 0 }, quota, RANDOM)).toMatchObject({
      retry: true,
      cost: 0,
    });
    expect(decideRetry(throttled(POST_THROTTLED_RETRIES - 1), SETTINGS, quota, RANDOM)).toMatchObject({
      retry: true,
      delayMs: SETTINGS.backoffCapMs / 2,
    });
    expect(decideRetry(throttled(POST_THROTTLED_RETRIES), SETTINGS, quota, RANDOM)).toEqual({
      retry: false,
      quotaSpent: false,
    });
    // Throttles do not use up the count of other failures, nor the other way round.
    const mixed = failed({ code: 'reset', attempt: 10, throttledRetries: 10, otherRetries: 0 });
    expect(decideRetry(mixed, SETTINGS, new RetryQuota(), RANDOM)).toMatchObject({ retry: true });
  });

  it('starts no retry, of any cause, whose backoff and a short attempt would end past the deadline', () => {
    const delay = fullJitterDelay(2, 100, 1_000, RANDOM);
    for (const code of ['throttled', 'timeout'] as const) {
      const atEdge = failed({ code, attempt: 2, now: 1_000, deadline: 1_000 + delay + MIN_ATTEMPT_MS });
      expect(decideRetry(atEdge, SETTINGS, new RetryQuota(), RANDOM)).toMatchObject({ retry: true });
      const past = { ...atEdge, deadline: atEdge.deadline - 1 };
      expect(decideRetry(past, SETTINGS, new RetryQuota(), RANDOM)).toEqual({
        retry: false,
        quotaSpent: false,
      });
    }
  });

  it('says quotaSpent when a retry is due but the quota cannot pay for it', () => {
    const quota = new RetryQuota(TIMEOUT_RETRY_COST - 1);
    expect(decideRetry(failed({ code: 'timeout' }), SETTINGS, quota, RANDOM)).toEqual({
      retry: false,
      quotaSpent: true,
    });
    expect(quota.tokens).toBe(TIMEOUT_RETRY_COST - 1);
    expect(decideRetry(failed({ code: 'reset' }), SETTINGS, quota, RANDOM)).toMatchObject({ retry: true });
  });

  it('uses the default settings as config.ts documents them', () => {
    expect(DEFAULT_FAN_OUT.retries).toBe(6);
    expect(POST_THROTTLED_RETRIES).toBeGreaterThan(DEFAULT_FAN_OUT.retries);
  });
});
