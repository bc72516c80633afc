import { describe, expect, it } from 'vitest';
import { fullJitterDelay } from '../../src/core/backoff.js';
import { runBounded } from '../../src/core/run-bounded.js';

describe('fullJitterDelay', () => {
  it('waits between 0 and min(cap, base * 2^attempt)', () => {
    expect(fullJitterDelay(0, 50, 1000, () => 0.999)).toBe(49);
    expect(fullJitterDelay(3, 50, 1000, () => 0.5)).toBe(200);
    expect(fullJitterDelay(10, 50, 1000, () => 0.999)).toBe(999);
    expect(fullJitterDelay(10, 50, 1000, () => 0)).toBe(0);
  });
});

describe('runBounded', () => {
  it('runs every item once with never more than the limit in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    const items = Array.from({ length: 20 }, (_, i) => i);
    await runBounded(items, 3, async (item) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      seen.push(item);
      inFlight--;
    });
    expect(peak).toBe(3);
    expect(seen.sort((a, b) => a - b)).toEqual(items);
  });

  it('resolves at once for no items', async () => {
    let calls = 0;
    await runBounded([], 4, async () => {
      calls++;
    });
    expect(calls).toBe(0);
  });
});
