import { getEventListeners, setMaxListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { sleep } from '../../../src/timers.js';
import { FakeClock } from '../../support/fake-clock.js';

describe('sleep on injected timers', () => {
  it('leaves no abort listener on the signal once the timer fired (one sleep per frame must not pile up)', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    setMaxListeners(100, controller.signal); // 50 sleeps at once are meant here: no warning
    const sleeps = Array.from({ length: 50 }, () => sleep(clock, 10, controller.signal));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(50);
    await clock.advance(10);
    await Promise.all(sleeps);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(clock.pending).toBe(0);
  });

  it('wakes at once on abort and cancels its timer', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    let woke = false;
    const sleeping = sleep(clock, 60_000, controller.signal).then(() => {
      woke = true;
    });
    await clock.advance(1);
    expect(woke).toBe(false);
    controller.abort();
    await sleeping;
    expect(woke).toBe(true);
    expect(clock.pending).toBe(0);
    await sleep(clock, 60_000, controller.signal); // an aborted signal never waits
  });
});
