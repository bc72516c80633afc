import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { DataSignal } from '../../../src/queue/data-signal.js';

/** Which of the given promises have settled by now (after the microtasks queued so far have run). */
async function settled(promises: Promise<void>[]): Promise<boolean[]> {
  const state = promises.map(() => false);
  promises.forEach((promise, index) => {
    void promise.then(() => {
      state[index] = true;
    });
  });
  await new Promise((resolve) => setImmediate(resolve));
  return state;
}

describe('DataSignal', () => {
  it('wakes every waiter on notify, and only the waiters that were waiting then', async () => {
    const signal = new DataSignal();
    const controller = new AbortController();
    const before = [signal.wait(controller.signal), signal.wait(controller.signal)];
    expect(await settled(before)).toEqual([false, false]);
    signal.notify();
    const after = signal.wait(controller.signal);
    expect(await settled([...before, after])).toEqual([true, true, false]);
  });

  it('wakes the waiters when a signal aborts, and returns at once for an aborted signal', async () => {
    const signal = new DataSignal();
    const controller = new AbortController();
    const waiting = [signal.wait(controller.signal), signal.wait(controller.signal)];
    controller.abort();
    expect(await settled([...waiting, signal.wait(controller.signal)])).toEqual([true, true, true]);
  });

  it('adds one abort listener per signal, however many times it is waited on', async () => {
    const signal = new DataSignal();
    const controller = new AbortController();
    const waits: Promise<void>[] = [];
    for (let i = 0; i < 1000; i++) {
      waits.push(signal.wait(controller.signal));
      if (i % 10 === 0) signal.notify();
    }
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    signal.notify();
    expect((await settled(waits)).every(Boolean)).toBe(true);
  });
});
