import { constants } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskQueue, type DiskQueueOptions } from '../../../src/queue/disk-queue.js';
import { listSegmentFiles } from '../../../src/queue/segment.js';
import type { Timers } from '../../../src/timers.js';
import { settle } from '../../support/fake-clock.js';
import { tempDir } from '../../support/temp-dir.js';

/**
 * What a steady trickle costs is mostly wake-ups of the event loop (docs/BENCHMARKS.md, "CPU per frame at a
 * steady rate"): these check the two the queue no longer makes per batch.
 */

/** Node's timers, counting how each batch was started. */
function countingTimers() {
  const calls = { timeouts: [] as number[], immediates: 0 };
  const timers: Timers = {
    setTimeout: (callback, ms) => {
      calls.timeouts.push(ms);
      return setTimeout(callback, ms);
    },
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
    setImmediate: (callback) => {
      calls.immediates += 1;
      return setImmediate(callback);
    },
    clearImmediate: (handle) => clearImmediate(handle as NodeJS.Immediate),
  };
  return { calls, timers };
}

/** The open flags of this process's descriptors for `file` (from /proc/self/fdinfo; octal there). */
async function openFlagsOf(file: string): Promise<number[]> {
  const flags: number[] = [];
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    if (target !== file) continue;
    const info = await readFile(`/proc/self/fdinfo/${fd}`, 'utf8').catch(() => '');
    const octal = /^flags:\s+([0-7]+)$/m.exec(info)?.[1];
    if (octal !== undefined) flags.push(Number.parseInt(octal, 8));
  }
  return flags;
}

describe('DiskQueue wake-ups per batch', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  let dir = '';
  async function open(extra: Partial<DiskQueueOptions>): Promise<DiskQueue> {
    const temp = await tempDir('wakeups');
    dir = temp.dir;
    const queue = await DiskQueue.open({
      dir,
      maxBytes: 1 << 20,
      segmentBytes: 1 << 16,
      fsyncIntervalMs: 20,
      ...extra,
    });
    cleanups.push(temp.remove, () => queue.close());
    return queue;
  }

  it('starts the batch of a reading after a quiet spell in the same wake-up: one setImmediate, no timeout', async () => {
    const { calls, timers } = countingTimers();
    const queue = await open({ timers });
    // Three appends in one turn share one batch.
    await Promise.all([queue.append('a', 'id-a'), queue.append('b', 'id-b'), queue.append('c', 'id-c')]);
    expect(calls).toEqual({ timeouts: [], immediates: 1 });
    expect((await queue.read(0, 10)).map((r) => r.id)).toEqual(['id-a', 'id-b', 'id-c']);
  });

  it('a reading within fsyncIntervalMs of the last batch waits on a timeout (a burst keeps its batch sizes)', async () => {
    const { calls, timers } = countingTimers();
    let now = 1_000;
    const queue = await open({ timers, clock: () => now, fsyncIntervalMs: 20 });
    await queue.append('a', 'id-a');
    await settle(); // the batch's tail (head commit) has run: it ended at 1,000
    // 25 ms later: a quiet spell, so the next batch starts in this wake-up.
    now += 25;
    await queue.append('b', 'id-b');
    await settle();
    // 10 ms after that batch ended: due 20 ms after it started, so on a 10 ms timeout.
    now += 10;
    const third = queue.append('c', 'id-c');
    expect(calls).toEqual({ timeouts: [10], immediates: 2 });
    await third;
  });

  it('a batch due as the previous one ends waits on a 0 ms timeout, as before', async () => {
    const { calls, timers } = countingTimers();
    let now = 1_000;
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let syncs = 0;
    const queue = await open({
      timers,
      clock: () => now,
      fsyncIntervalMs: 20,
      // Holds the first batch for 25 ms of the clock, so that the second append arrives while it commits.
      sync: async () => {
        syncs += 1;
        if (syncs === 1) await held;
      },
    });
    const first = queue.append('a', 'id-a');
    await settle();
    const second = queue.append('b', 'id-b');
    now += 25;
    release();
    await Promise.all([first, second]);
    // The first batch: an immediate (a quiet spell); the second, due as the first ended: a 0 ms timeout.
    expect(calls).toEqual({ timeouts: [0], immediates: 1 });
    expect(syncs).toBe(2);
  });

  it('falls back to a 0 ms timeout with timers that have no setImmediate (fake clocks)', async () => {
    const timeouts: number[] = [];
    const timers: Timers = {
      setTimeout: (callback, ms) => {
        timeouts.push(ms);
        return setTimeout(callback, ms);
      },
      clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
    };
    const queue = await open({ timers });
    await queue.append('a', 'id-a');
    expect(timeouts).toEqual([0]);
  });

  it.runIf(process.platform === 'linux')(
    'writes segments with O_DSYNC, so a write is durable when it returns (no separate fsync per batch)',
    async () => {
      const queue = await open({});
      await queue.append('a', 'id-a');
      const [segment] = await listSegmentFiles(dir);
      expect(segment).toBeDefined();
      const flags = await openFlagsOf(segment?.file as string);
      expect(flags).toHaveLength(1);
      expect((flags[0] as number) & constants.O_DSYNC).toBe(constants.O_DSYNC);
      expect((flags[0] as number) & constants.O_APPEND).toBe(constants.O_APPEND);
    },
  );
});
