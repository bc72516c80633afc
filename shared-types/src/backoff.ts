/**
 * Full-jitter exponential backoff (AWS Architecture Blog, "Exponential Backoff and Jitter"): a wait drawn
 * uniformly from [0, min(cap, base × 2^attempt)). Used by the cloud's throttled posts, the device agent's
 * link and the browser client, so that many retrying parties never move in lockstep after an outage.
 */

// 2^30 × any sane base is far past every cap; bounding the exponent keeps the arithmetic finite.
const MAX_EXPONENT = 30;

/** The wait before retry `attempt` (0 for the first retry), in whole milliseconds. */
export function fullJitterDelay(
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(Math.max(0, attempt), MAX_EXPONENT));
  return Math.floor(random() * ceiling);
}
