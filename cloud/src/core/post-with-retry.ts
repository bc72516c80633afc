import type { FanOutSettings } from '../config.js';
import { PostError, type PostErrorCode } from '../errors.js';
import { fullJitterDelay, sleep as realSleep } from './backoff.js';
import type { ConnectionGateway } from './gateway.js';
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

// An attempt given less than this before the deadline would almost surely time out: not worth starting.
const MIN_ATTEMPT_MS = 50;

/**
 * Posts one frame, retrying every temporary failure (throttled, timeout, reset, server_error) with full-jitter
 * backoff, at most `settings.retries` times and never past `deadline` (epoch ms): each attempt's timeout is cut
 * to what remains. A retry after a `reset` goes out on a fresh socket. `gone` and `rejected` are final.
 * A retried post may have been delivered already (a timeout, a reset after the write): delivery is at least
 * once, and clients drop duplicates by frame `id`. Retries are paid from the retry quota, so that when most
 * posts fail they are not multiplied. Never rejects: the outcome says what happened.
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
      const delay = fullJitterDelay(attempt, settings.backoffBaseMs, settings.backoffCapMs, random);
      const inBudget = now() + delay + MIN_ATTEMPT_MS <= deadline;
      if (!retryable || attempt >= settings.retries || !inBudget) {
        return { outcome: 'failed', attempts: attempt + 1, retried, code, error, quotaSpent: false };
      }
      const cost = quota.tryAcquire(code);
      if (cost === undefined) {
        return { outcome: 'failed', attempts: attempt + 1, retried, code, error, quotaSpent: true };
      }
      paid += cost;
      retried.push(code);
      await sleep(delay);
    }
  }
}
