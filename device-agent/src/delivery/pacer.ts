/**
 * A token bucket that paces sends to `ratePerSecond` frames per second with bursts of up to `burst`, so that a
 * backlog replayed after an outage does not flood the bridge (or the API Gateway account's limits).
 * A rate of 0 means unlimited.
 */
export class Pacer {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Milliseconds to wait before the next frame may go (0 when one may go now). */
  delayMs(): number {
    if (this.ratePerSecond <= 0) return 0;
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.ratePerSecond);
  }

  /** Spends one token (call after `delayMs()` returned 0). */
  take(): void {
    if (this.ratePerSecond <= 0) return;
    this.refill();
    this.tokens -= 1;
  }

  private refill(): void {
    const now = this.now();
    // A wall clock stepped back (NTP, a person) must not take tokens away: an hour back at 100 frames/s would
    // otherwise stall sending for an hour. Time that went backwards simply adds nothing.
    const elapsed = Math.max(0, now - this.last);
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.ratePerSecond) / 1000);
    this.last = now;
  }
}
