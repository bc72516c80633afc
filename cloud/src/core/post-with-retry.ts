import type { FanOutSettings } from '../config.js';
import { PostError, StaleConnectionError, ThrottledError } from '../errors.js';
import { fullJitterDelay, sleep as realSleep } from './backoff.js';
import type { ConnectionGateway } from './gateway.js';

/** What a post needs: the gateway, the fan-out knobs, and (for tests) the clock's sleep and randomness. */
export interface PostDeps {
  gateway: ConnectionGateway;
  settings: FanOutSettings;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** How one post ended: `gone` means HTTP 410, the connection no longer exists. */
export type PostOutcome =
  | { outcome: 'delivered'; attempts: number }
  | { outcome: 'gone'; attempts: number }
  | { outcome: 'failed'; attempts: number; code: string; error: unknown };

/**
 * Posts one frame, retrying only throttled attempts (with full-jitter backoff); every attempt has its own
 * timeout. Never rejects: the outcome says what happened.
 */
export async function postWithRetry(
  connectionId: string,
  data: string,
  deps: PostDeps,
): Promise<PostOutcome> {
  const { gateway, settings } = deps;
  const sleep = deps.sleep ?? realSleep;
  const random = deps.random ?? Math.random;
  for (let attempt = 0; ; attempt++) {
    try {
      await gateway.post(connectionId, data, settings.postTimeoutMs);
      return { outcome: 'delivered', attempts: attempt + 1 };
    } catch (error) {
      if (error instanceof StaleConnectionError) return { outcome: 'gone', attempts: attempt + 1 };
      if (error instanceof ThrottledError && attempt < settings.retries) {
        await sleep(fullJitterDelay(attempt, settings.backoffBaseMs, settings.backoffCapMs, random));
        continue;
      }
      const code = error instanceof PostError ? error.code : 'post_failed';
      return { outcome: 'failed', attempts: attempt + 1, code, error };
    }
  }
}
