import { BACKOFF_RESET_AFTER_MS } from '../defaults.js';

/**
 * Full-jitter exponential backoff (a random delay between the minimum and min × 2^attempt, capped), so
 * that gateways that lost the same broker do not all come back in the same second.
 */
export class Backoff {
  private attempt = 0;
  private upSince: number | undefined;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
    private readonly random: () => number,
    private readonly clock: () => number,
  ) {}

  /** The delay before the next attempt. */
  next(): number {
    if (this.upSince !== undefined && this.clock() - this.upSince >= BACKOFF_RESET_AFTER_MS) this.attempt = 0;
    this.upSince = undefined;
    const ceiling = Math.min(this.maxMs, this.minMs * 2 ** Math.min(this.attempt, 30));
    this.attempt += 1;
    return Math.round(this.minMs + this.random() * (ceiling - this.minMs));
  }

  /** Marks the start of a success (a connection, a running process); staying up long enough resets the delay. */
  succeeded(): void {
    this.upSince = this.clock();
  }
}
