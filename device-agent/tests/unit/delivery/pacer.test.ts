import { describe, expect, it } from 'vitest';
import { Pacer } from '../../../src/delivery/pacer.js';

describe('Pacer', () => {
  it('lets a burst go, then one frame per 1/rate s', () => {
    let now = 0;
    const pacer = new Pacer(100, 2, () => now);
    for (let i = 0; i < 2; i++) {
      expect(pacer.delayMs()).toBe(0);
      pacer.take();
    }
    expect(pacer.delayMs()).toBe(10);
    now += 10;
    expect(pacer.delayMs()).toBe(0);
  });

  it('keeps its pace when the wall clock is stepped back an hour (it used to stall for the hour)', () => {
    let now = 10 * 3_600_000;
    const pacer = new Pacer(100, 2, () => now);
    pacer.take();
    pacer.take();
    now -= 3_600_000;
    expect(pacer.delayMs()).toBe(10);
    now += 10;
    expect(pacer.delayMs()).toBe(0);
  });
});
