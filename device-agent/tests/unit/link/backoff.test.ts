import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../../src/link/backoff.js';

const policy = { initialMs: 500, maxMs: 30_000 };

describe('full-jitter backoff', () => {
  it('doubles the ceiling from 0.5 s and caps it at 30 s', () => {
    const almostOne = () => 0.999_999;
    expect([0, 1, 2, 3, 4, 5, 6, 7, 20, 100].map((n) => backoffDelay(n, policy, almostOne))).toEqual([
      499, 999, 1999, 3999, 7999, 15_999, 29_999, 29_999, 29_999, 29_999,
    ]);
  });

  it('draws uniformly below the ceiling: 0 with a random of 0, half with 0.5', () => {
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(2000);
  });
});
