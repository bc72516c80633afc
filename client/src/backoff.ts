import { fullJitterDelay as sharedFullJitterDelay } from '@topic-bridge/shared-types';

/**
 * The client's reconnect delay: the shared full-jitter backoff, counting attempts from 1 (the first reconnect
 * waits up to `minDelayMs`, each later one up to twice as long, capped at `maxDelayMs`).
 */
export function fullJitterDelay(
  attempt: number,
  minDelayMs: number,
  maxDelayMs: number,
  random: () => number,
): number {
  return sharedFullJitterDelay(attempt - 1, minDelayMs, maxDelayMs, random);
}
