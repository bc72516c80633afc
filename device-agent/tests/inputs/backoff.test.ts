import { fullJitterDelay } from '@topic-bridge/shared-types';
import { describe, expect, it } from 'vitest';
import { BACKOFF_FLOOR_MS, BACKOFF_RESET_AFTER_MS } from '../../src/inputs/defaults.js';
import { Backoff } from '../../src/inputs/shared/backoff.js';

const at0 = () => 0;

describe("inputs' Backoff (the shared full jitter, a floor, a reset after a stable run)", () => {
  it('draws from [0, min × 2^attempt) capped at max, exactly as shared-types does', () => {
    for (const r of [0.999_999, 0.5, 0.25]) {
      const backoff = new Backoff(1000, 30_000, () => r, at0);
      const drawn = Array.from({ length: 8 }, () => backoff.next());
      const shared = Array.from({ length: 8 }, (_, attempt) =>
        Math.max(
          BACKOFF_FLOOR_MS,
          fullJitterDelay(attempt, 1000, 30_000, () => r),
        ),
      );
      expect(drawn).toEqual(shared);
    }
    const highest = new Backoff(1000, 30_000, () => 0.999_999, at0);
    expect(Array.from({ length: 7 }, () => highest.next())).toEqual([
      999, 1999, 3999, 7999, 15_999, 29_999, 29_999,
    ]);
    const middle = new Backoff(1000, 30_000, () => 0.5, at0);
    // The old class drew from [min, ceiling]: 1000, 1500, 2500. Full jitter halves each ceiling.
    expect([middle.next(), middle.next(), middle.next()]).toEqual([500, 1000, 2000]);
  });

  it('never goes under the floor, which mqtt.js would read as "never reconnect" at 0', () => {
    const lowest = new Backoff(1000, 30_000, () => 0, at0);
    expect([lowest.next(), lowest.next(), lowest.next()]).toEqual([
      BACKOFF_FLOOR_MS,
      BACKOFF_FLOOR_MS,
      BACKOFF_FLOOR_MS,
    ]);
    const tinyCap = new Backoff(10, 20, () => 0, at0);
    expect(tinyCap.next()).toBe(20);
  });

  it('starts over after a success that lasted BACKOFF_RESET_AFTER_MS, not after a short one', () => {
    let now = 0;
    const backoff = new Backoff(
      100,
      10_000,
      () => 0.999_999,
      () => now,
    );
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([100, 199, 399]);
    backoff.succeeded();
    now += BACKOFF_RESET_AFTER_MS - 1;
    expect(backoff.next()).toBe(799); // a flapping connection keeps backing off
    backoff.succeeded();
    now += BACKOFF_RESET_AFTER_MS;
    expect(backoff.next()).toBe(100);
  });
});
