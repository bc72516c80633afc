import { describe, expect, it } from 'vitest';
import { BACKOFF_RESET_AFTER_MS } from '../../src/inputs/index.js';
import { Backoff } from '../../src/inputs/shared/backoff.js';

describe('Backoff (full jitter)', () => {
  it('doubles the ceiling per attempt up to the cap; random picks within [min, ceiling]', () => {
    const now = 0;
    const highest = new Backoff(
      100,
      1000,
      () => 1,
      () => now,
    );
    expect([1, 2, 3, 4, 5, 6].map(() => highest.next())).toEqual([100, 200, 400, 800, 1000, 1000]);
    const lowest = new Backoff(
      100,
      1000,
      () => 0,
      () => now,
    );
    expect([1, 2, 3].map(() => lowest.next())).toEqual([100, 100, 100]);
    const middle = new Backoff(
      100,
      1000,
      () => 0.5,
      () => now,
    );
    expect([1, 2, 3].map(() => middle.next())).toEqual([100, 150, 250]);
  });

  it('starts over after a success that lasted BACKOFF_RESET_AFTER_MS, not after a short one', () => {
    let now = 0;
    const backoff = new Backoff(
      100,
      10_000,
      () => 1,
      () => now,
    );
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([100, 200, 400]);
    backoff.succeeded();
    now += BACKOFF_RESET_AFTER_MS - 1;
    expect(backoff.next()).toBe(800); // a flapping connection keeps backing off
    backoff.succeeded();
    now += BACKOFF_RESET_AFTER_MS;
    expect(backoff.next()).toBe(100);
  });
});
