import { fullJitterDelay } from '@topic-bridge/shared-types';
import { BACKOFF_FLOOR_MS, BACKOFF_RESET_AFTER_MS } from '../defaults.js';

/**
 * The inputs' reconnect and restart delays: the shared full-jitter backoff (shared-types/src/backoff.ts, a
 * delay drawn from [0, min(max, min × 2^attempt))), so that gateways that lost the same broker do not all come
 * back in the same second, plus the two things an input needs on top of it:
 * - a floor (BACKOFF_FLOOR_MS): mqtt.js reads a `reconnectPeriod` of 0 as "never reconnect", and a stream
 *   command that exits at once must not be respawned in a tight loop when the draw is close to 0;
 * - a reset once a connection or process stayed up BACKOFF_RESET_AFTER_MS: a broker that was fine for an hour
 *   is retried quickly after it drops, while one that keeps flapping keeps backing off.
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

  /** The delay before the next attempt, in whole milliseconds, never below the floor. */
  next(): number {
    if (this.upSince !== undefined && this.clock() - this.upSince >= BACKOFF_RESET_AFTER_MS) this.attempt = 0;
    this.upSince = undefined;
    const delay = fullJitterDelay(this.attempt, this.minMs, this.maxMs, this.random);
    this.attempt += 1;
    return Math.max(Math.min(BACKOFF_FLOOR_MS, this.maxMs), delay, 1);
  }

  /** Marks the start of a success (a connection, a running process); staying up long enough resets the delay. */
  succeeded(): void {
    this.upSince = this.clock();
  }
}
