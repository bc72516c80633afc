/**
 * Full-jitter exponential backoff (the AWS Architecture Blog's "Exponential Backoff And Jitter"): a delay
 * drawn uniformly from [0, ceiling], where the ceiling doubles each attempt from `minDelayMs` up to
 * `maxDelayMs`. Jitter spreads the reconnects of many clients after an outage, so they do not arrive together.
 */
export function fullJitterDelay(
  attempt: number,
  minDelayMs: number,
  maxDelayMs: number,
  random: () => number,
): number {
  const ceiling = Math.min(maxDelayMs, minDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}
