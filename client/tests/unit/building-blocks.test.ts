import { describe, expect, it } from 'vitest';
import { Emitter } from '../../src/emitter.js';
import { fullJitterDelay, RecentIds } from '../../src/index.js';
import { ManualTimers } from '../support/manual-timers.js';

describe('fullJitterDelay', () => {
  it('draws from [0, ceiling] where the ceiling doubles from the minimum up to the maximum', () => {
    const top = () => 0.999_999;
    expect([1, 2, 3, 4, 5, 6, 7].map((attempt) => fullJitterDelay(attempt, 500, 30_000, top))).toEqual([
      499, 999, 1999, 3999, 7999, 15_999, 29_999,
    ]);
    expect(fullJitterDelay(40, 500, 30_000, top)).toBe(29_999);
    expect(fullJitterDelay(3, 500, 30_000, () => 0)).toBe(0);
    expect(fullJitterDelay(3, 500, 30_000, () => 0.5)).toBe(1000);
  });
});

describe('RecentIds', () => {
  it('reports a duplicate among the last ids and forgets the oldest past its capacity', () => {
    const ids = new RecentIds(3);
    expect(['a', 'b', 'c', 'a'].map((id) => ids.add(id))).toEqual([true, true, true, false]);
    expect(ids.add('d')).toBe(true); // evicts a
    expect(ids.size).toBe(3);
    expect(ids.add('a')).toBe(true); // forgotten, so new again; evicts b
    expect(['c', 'd', 'a'].map((id) => ids.add(id))).toEqual([false, false, false]);
    expect(ids.add('b')).toBe(true);
  });
});

describe('ManualTimers (test support)', () => {
  it('runs due timers in time order, including timers they set, and moves the clock', () => {
    const timers = new ManualTimers();
    const start = timers.now();
    const log: string[] = [];
    timers.setTimeout(() => log.push(`b@${timers.now() - start}`), 20);
    const cancelled = timers.setTimeout(() => log.push('never'), 5);
    timers.setTimeout(() => {
      log.push(`a@${timers.now() - start}`);
      timers.setTimeout(() => log.push(`c@${timers.now() - start}`), 15);
    }, 10);
    timers.clearTimeout(cancelled);
    timers.advance(24);
    expect(log).toEqual(['a@10', 'b@20']);
    timers.advance(1);
    expect(log).toEqual(['a@10', 'b@20', 'c@25']);
    expect(timers.now() - start).toBe(25);
  });
});

describe('Emitter', () => {
  it('reports a throwing listener on error, or re-throws it in a microtask (mocked queueMicrotask) when nobody listens', () => {
    const emitter = new Emitter();
    const bug = new Error('listener bug');
    const seen: number[] = [];
    emitter.on('state', () => {
      throw bug;
    });
    emitter.on('state', (change) => seen.push(change.attempt));
    const queued: (() => void)[] = [];
    const original = globalThis.queueMicrotask;
    globalThis.queueMicrotask = (callback) => queued.push(callback);
    try {
      emitter.emit('state', { state: 'open', previous: 'connecting', attempt: 0 });
    } finally {
      globalThis.queueMicrotask = original;
    }
    expect(seen).toEqual([0]);
    expect(queued).toHaveLength(1);
    expect(() => queued[0]?.()).toThrow(bug);

    const errors: string[] = [];
    emitter.on('error', (error) => errors.push(`${error.code}: ${error.message}`));
    emitter.emit('state', { state: 'open', previous: 'connecting', attempt: 1 });
    expect(seen).toEqual([0, 1]);
    expect(errors).toEqual(['listener_failed: a "state" listener threw: Error: listener bug']);
  });
});
