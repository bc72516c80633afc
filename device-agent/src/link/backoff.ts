import { fullJitterDelay } from '@topic-bridge/shared-types';

/**
 * Full-jitter exponential backoff: the n-th retry waits a uniformly random time in [0, min(max, initial * 2^n)).
 * The randomness spreads reconnects of a fleet of gateways after a bridge outage (no reconnect storm).
 */

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

/** The delay before retry number `attempt` (0 for the first retry). */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  return fullJitterDelay(attempt, policy.initialMs, policy.maxMs, random);
}
