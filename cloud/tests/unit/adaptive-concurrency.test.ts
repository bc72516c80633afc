import { describe, expect, it } from 'vitest';
import { DEFAULT_FAN_OUT, DEFAULT_FAN_OUT_CONCURRENCY, type FanOutSettings } from '../../src/config.js';
import { type AimdSettings, createAimdLimit, createPostPacer } from '../../src/core/adaptive-concurrency.js';
import { fanOut } from '../../src/core/fan-out.js';
import type { ConnectionGateway } from '../../src/core/gateway.js';
import { RetryQuota } from '../../src/core/retry-quota.js';
import { runBounded } from '../../src/core/run-bounded.js';
import { PostTimeoutError, ThrottledError } from '../../src/errors.js';
import type { Logger } from '../../src/log.js';

/** Fan-out knobs of the fan-out tests: three retries, the default start of 256 in flight. */
const settings: FanOutSettings = { ...DEFAULT_FAN_OUT, retries: 3 };

const SETTINGS: AimdSettings = { initial: 100, min: 4, max: 400, decreaseFactor: 0.5, increasePerRound: 10 };

describe('createAimdLimit (times given by a fake clock)', () => {
  it('starts at the initial limit, clamped to min and max', () => {
    expect(createAimdLimit(SETTINGS).current).toBe(100);
    expect(createAimdLimit({ ...SETTINGS, initial: 1 }).current).toBe(4);
    expect(createAimdLimit({ ...SETTINGS, initial: 5_000 }).current).toBe(400);
  });

  it('halves on a 429, and once only for the 429s of posts that were already in flight', () => {
    let now = 1_000;
    const limit = createAimdLimit(SETTINGS);
    limit.onThrottled(990, now);
    expect(limit.current).toBe(50);
    now = 1_010;
    limit.onThrottled(995, now); // started before the cut at 1,000: same overload
    expect(limit.current).toBe(50);
    limit.onThrottled(1_000, now); // started at the cut, so after it: a new overload
    expect(limit.current).toBe(25);
  });

  it('grows by increasePerRound per round of accepted posts, up to max', () => {
    const limit = createAimdLimit(SETTINGS);
    for (let i = 0; i < 100; i++) limit.onAccepted();
    expect(limit.current).toBe(109); // +10 over a round of ~100 successes (the limit grows during the round)
    const near = createAimdLimit({ ...SETTINGS, initial: 399 });
    for (let i = 0; i < 10_000; i++) near.onAccepted();
    expect(near.current).toBe(400);
  });

  it('never goes below min, however many 429s come', () => {
    let now = 0;
    const limit = createAimdLimit(SETTINGS);
    for (let i = 0; i < 50; i++) {
      now += 10;
      limit.onThrottled(now, now);
    }
    expect(limit.current).toBe(4);
  });
});

describe('createPostPacer', () => {
  it('admits attempts up to the limit, queues the rest in order, and admits them as others finish', async () => {
    const pacer = createPostPacer({ ...SETTINGS, initial: 4, min: 1 });
    const order: number[] = [];
    const admitted = Array.from({ length: 6 }, (_, i) => pacer.admit().then(() => order.push(i)));
    await Promise.resolve();
    await Promise.resolve();
    expect(order).toEqual([0, 1, 2, 3]);
    pacer.limit.onThrottled(0, 0); // limit 4 → 2: releasing two admits nobody yet
    pacer.release();
    pacer.release();
    await Promise.resolve();
    expect(order).toEqual([0, 1, 2, 3]);
    pacer.release(); // 1 in flight now, under the limit of 2
    await Promise.all(admitted.slice(0, 5));
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it('is shared by the fan-outs through one gateway: a lowered limit carries over to the next publish', async () => {
    const { gateway, clock, stats } = throttlingGateway(40);
    const deps = {
      gateway,
      settings,
      store: { removeConnection: async () => 0 },
      logger: quiet,
      now: () => clock.now,
      sleep: async (ms: number) => {
        clock.now += ms;
        await new Promise((resolve) => setImmediate(resolve));
      },
      random: seededRandom(3),
    };
    const ids = (prefix: string) => Array.from({ length: 1_000 }, (_, i) => `${prefix}${i}`);
    await fanOut(ids('a'), 'first', deps);
    const throttledByFirst = stats.throttled;
    await fanOut(ids('b'), 'second', deps);
    const throttledBySecond = stats.throttled - throttledByFirst;
    expect(throttledByFirst).toBeGreaterThan(200); // it started at 256 against a capacity of 40
    expect(throttledBySecond).toBeLessThan(throttledByFirst / 4);
    expect(stats.delivered.size).toBe(2_000);
  });
});

describe('runBounded with a limit that changes', () => {
  it('starts no new task while the count is over a lowered limit, and more once it is raised', async () => {
    let allowed = 8;
    let inFlight = 0;
    const peaks: number[] = [];
    const items = Array.from({ length: 60 }, (_, i) => i);
    const done: number[] = [];
    await runBounded(
      items,
      () => allowed,
      async (item) => {
        inFlight++;
        peaks[item] = inFlight;
        await new Promise((resolve) => setImmediate(resolve));
        if (item === 10) allowed = 2;
        if (item === 40) allowed = 5;
        inFlight--;
        done.push(item);
      },
    );
    expect(done.sort((a, b) => a - b)).toEqual(items);
    expect(Math.max(...peaks.slice(0, 8))).toBe(8);
    expect(Math.max(...peaks.slice(20, 40))).toBe(2);
    expect(Math.max(...peaks.slice(45))).toBe(5);
  });
});

/**
 * A stand-in for API Gateway that can carry `capacity` posts at once and throttles (at no cost to the others)
 * any post that comes while it is full. Each post takes one macrotask and one fake millisecond; the fake clock is the only clock.
 */
function throttlingGateway(capacity: number, overload: 'throttled' | 'timeout' = 'throttled') {
  const clock = { now: 0 };
  const stats = { inFlight: 0, peak: 0, attempts: 0, throttled: 0, delivered: new Map<string, number>() };
  const gateway: ConnectionGateway = {
    async post(connectionId) {
      stats.attempts++;
      const over = stats.inFlight >= capacity;
      if (!over) stats.inFlight++;
      stats.peak = Math.max(stats.peak, stats.inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      clock.now += 1;
      if (over) {
        stats.throttled++;
        if (overload === 'timeout') throw new PostTimeoutError(connectionId, 1_000);
        throw new ThrottledError(connectionId, 429);
      }
      stats.inFlight--;
      stats.delivered.set(connectionId, (stats.delivered.get(connectionId) ?? 0) + 1);
    },
  };
  return { gateway, clock, stats };
}

/** A small deterministic PRNG (mulberry32), so the backoff's jitter is the same in every run. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

describe('fanOut with adaptive concurrency against a throttling stand-in (fake clock, no real waits)', () => {
  it('delivers every post exactly once though it starts far above what the endpoint carries', async () => {
    const capacity = 40;
    const { gateway, clock, stats } = throttlingGateway(capacity);
    const ids = Array.from({ length: 3_000 }, (_, i) => `c${i}`);
    const result = await fanOut(ids, 'frame', {
      gateway,
      settings,
      store: { removeConnection: async () => 0 },
      logger: quiet,
      now: () => clock.now,
      // A backoff wait passes on the fake clock only.
      sleep: async (ms) => {
        clock.now += ms;
        await new Promise((resolve) => setImmediate(resolve));
      },
      random: seededRandom(7),
    });
    expect(DEFAULT_FAN_OUT_CONCURRENCY).toBeGreaterThan(capacity * 4);
    expect(result).toMatchObject({ delivered: 3_000, gone: 0, failed: 0, failures: {} });
    expect([...stats.delivered.values()].every((count) => count === 1)).toBe(true);
    expect(stats.delivered.size).toBe(3_000);
    // The first wave is throttled; after the cuts the fan-out stays near what the endpoint carries.
    expect(stats.throttled).toBeLessThan(3_000 * 0.2);
  });

  it('backs off on timeouts too (an overloaded endpoint), so their retries do not pile up', async () => {
    const { gateway, clock, stats } = throttlingGateway(40, 'timeout');
    const ids = Array.from({ length: 3_000 }, (_, i) => `c${i}`);
    const result = await fanOut(ids, 'frame', {
      gateway,
      settings,
      store: { removeConnection: async () => 0 },
      logger: quiet,
      now: () => clock.now,
      sleep: async (ms) => {
        clock.now += ms;
        await new Promise((resolve) => setImmediate(resolve));
      },
      random: seededRandom(7),
      // A quota deep enough that only the pacing decides (the default one bounds retries on its own).
      retryQuota: new RetryQuota(1_000_000),
    });
    expect(result).toMatchObject({ delivered: 3_000, failed: 0 });
    expect(stats.throttled).toBeLessThan(3_000 * 0.2);
  });

  it('with the limit fixed at the start value instead, the same fan-out loses posts (what AIMD prevents)', async () => {
    const { gateway, clock } = throttlingGateway(40);
    const ids = Array.from({ length: 3_000 }, (_, i) => `c${i}`);
    let failed = 0;
    await runBounded(ids, DEFAULT_FAN_OUT_CONCURRENCY, async (id) => {
      for (let attempt = 0; attempt <= settings.retries; attempt++) {
        try {
          await gateway.post(id, 'frame', 1_000);
          return;
        } catch {
          clock.now += 1;
        }
      }
      failed++;
    });
    expect(failed).toBeGreaterThan(0);
  });
});
