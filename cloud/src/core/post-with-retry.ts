import type { FanOutSettings } from '../config.js';
import { PostError, type PostErrorCode } from '../errors.js';
import { sleep as realSleep } from './backoff.js';
import type { ConnectionGateway } from './gateway.js';
import { decideRetry } from './retry-policy.js';
import { RetryQuota } from './retry-quota.js';

/** What a post needs: the gateway, the fan-out knobs, and (for tests) the clock, its sleep and randomness. */
export interface PostDeps {
  gateway: ConnectionGateway;
  settings: FanOutSettings;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
  /** Shared by every post of the instance (runtime.ts); absent, each post gets a full one of its own. */
  retryQuota?: RetryQuota;
}

/** How one post ended, with the cause of every failed attempt before the last (`retried`). */
export type PostOutcome =
  | { outcome: 'delivered'; attempts: number; retried: PostErrorCode[] }
  | { outcome: 'gone'; attempts: number; retried: PostErrorCode[] }
  | {
      outcome: 'failed';
      attempts: number;
      retried: PostErrorCode[];
      code: PostErrorCode;
      error: unknown;
      /** True when a retry was due but the retry quota was spent (many posts failing at once). */
      quotaSpent: boolean;
    };

/**
 * Posts one frame, retrying as retry-policy.ts's decideRetry says (temporary failures with full-jitter backoff,
 * never past `deadline` (epoch ms): each attempt's timeout is cut to what remains; a 429 up to
 * POST_THROTTLED_RETRIES times, other failures up to `settings.retries` times paid from the retry quota). A retry
 * after a `reset` goes out on a fresh socket. `gone` and `rejected` are final. A retried post may have been
 * delivered already (a timeout, a reset after the write): delivery is at least once, and clients drop
 * duplicates by frame `id`. Never rejects: the outcome says what happened.
 */
export async function postWithRetry(
  connectionId: string,
  data: string,
  deps: PostDeps,
  deadline: number,
): Promise<PostOutcome> {
  const { gateway, settings } = deps;
  const sleep = deps.sleep ?? realSleep;
  const random = deps.random ?? Math.random;
  const now = deps.now ?? Date.now;
  const quota = deps.retryQuota ?? new RetryQuota();
  const retried: PostErrorCode[] = [];
  let paid = 0;
  let throttledRetries = 0;
  for (let attempt = 0; ; attempt++) {
    const timeoutMs = Math.max(1, Math.min(settings.postTimeoutMs, deadline - now()));
    try {
      const freshSocket = retried.at(-1) === 'reset';
      await gateway.post(connectionId, data, timeoutMs, freshSocket ? { freshSocket } : undefined);
      quota.release(paid);
      return { outcome: 'delivered', attempts: attempt + 1, retried };
    } catch (error) {
      const code: PostErrorCode = error instanceof PostError ? error.code : 'reset';
      if (code === 'gone') return { outcome: 'gone', attempts: attempt + 1, retried };
      const retryable = error instanceof PostError ? error.retryable : true;
      const otherRetries = retried.length - throttledRetries;
      const failed = { code, retryable, attempt, throttledRetries, otherRetries, now: now(), deadline };
      const decision = decideRetry(failed, settings, quota, random);
      if (!decision.retry) {
        const { quotaSpent } = decision;
        return { outcome: 'failed', attempts: attempt + 1, retried, code, error, quotaSpent };
      }
      paid += decision.cost;
      retried.push(code);
      if (code === 'throttled') throttledRetries++;
      await sleep(decision.delayMs);
    }
  }
}
