import { afterEach, describe, expect, it } from 'vitest';
import { QueueClosedError } from '../../../src/errors.js';
import type { FrameQueue } from '../../../src/queue/queue.js';

/** Builds a queue for one test; `cleanup` removes anything it left behind. */
export type QueueFactory = (options: {
  maxBytes: number;
  onDrop?: (count: number) => void;
}) => Promise<{ queue: FrameQueue; cleanup: () => Promise<void> }>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A record whose content names its index, padded to `size` bytes. */
export function record(index: number, size = 16): Uint8Array {
  return encoder.encode(`r${index}:`.padEnd(size, '.'));
}

/** The index a record was made with. */
export function indexOf(data: Uint8Array): number {
  return Number(/^r(\d+):/.exec(decoder.decode(data))?.[1]);
}

/** The behaviour every FrameQueue implementation must have (STYLE habit 10): run against memory and disk. */
export function describeQueueBehaviour(name: string, factory: QueueFactory): void {
  describe(`${name}: shared queue behaviour`, () => {
    let cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups) await cleanup();
      cleanups = [];
    });
    async function make(maxBytes = 1024 * 1024, onDrop?: (count: number) => void): Promise<FrameQueue> {
      const made = await factory(onDrop ? { maxBytes, onDrop } : { maxBytes });
      cleanups.push(made.cleanup);
      return made.queue;
    }

    it('returns appended records in order, with positions from 0 and exact bytes', async () => {
      const queue = await make();
      for (let i = 0; i < 5; i++) await queue.append(record(i));
      const records = await queue.read(0, 100);
      expect(records.map((r) => r.position)).toEqual([0, 1, 2, 3, 4]);
      expect(records.map((r) => decoder.decode(r.data))).toEqual(
        [0, 1, 2, 3, 4].map((i) => decoder.decode(record(i))),
      );
      expect(queue.stats()).toMatchObject({ depth: 5, head: 0, tail: 5, dropped: 0 });
    });

    it('keeps the id stored with each record, and none for a record appended without one', async () => {
      const queue = await make();
      await queue.append(record(0), 'gw-0');
      await queue.append(record(1));
      await queue.append(record(2), 'gw-2');
      expect((await queue.read(0, 10)).map((r) => [r.position, r.id])).toEqual([
        [0, 'gw-0'],
        [1, undefined],
        [2, 'gw-2'],
      ]);
    });

    it('reads from a position and at most maxRecords', async () => {
      const queue = await make();
      for (let i = 0; i < 10; i++) await queue.append(record(i));
      expect((await queue.read(3, 4)).map((r) => r.position)).toEqual([3, 4, 5, 6]);
      expect(await queue.read(10, 4)).toEqual([]);
    });

    it('takes acks in any order, skips acknowledged records and advances the head over them', async () => {
      const queue = await make();
      for (let i = 0; i < 4; i++) await queue.append(record(i));
      queue.ack(1);
      queue.ack(2);
      expect(queue.stats()).toMatchObject({ depth: 2, head: 0 });
      expect((await queue.read(0, 10)).map((r) => r.position)).toEqual([0, 3]);
      queue.ack(0);
      expect(queue.stats()).toMatchObject({ depth: 1, head: 3 });
      queue.ack(3);
      expect(queue.stats()).toMatchObject({ depth: 0, head: 4, tail: 4 });
      expect(await queue.read(0, 10)).toEqual([]);
    });

    it('ignores acks of unknown, repeated and future positions', async () => {
      const queue = await make();
      for (let i = 0; i < 3; i++) await queue.append(record(i));
      queue.ack(0);
      queue.ack(0);
      queue.ack(-1);
      queue.ack(99);
      expect(queue.stats()).toMatchObject({ depth: 2, head: 1, tail: 3 });
    });

    it('wakes a waiting reader on append, and on abort', async () => {
      const queue = await make();
      const controller = new AbortController();
      const waiting = queue.waitForData(0, controller.signal);
      await queue.append(record(0));
      await waiting;
      const aborted = new AbortController();
      const second = queue.waitForData(1, aborted.signal);
      aborted.abort();
      await second;
      expect(queue.stats().tail).toBe(1);
    });

    it('when full, drops the oldest records and reports exactly how many', async () => {
      const drops: number[] = [];
      const queue = await make(4096, (count) => drops.push(count));
      const total = 400;
      for (let i = 0; i < total; i++) await queue.append(record(i, 100));
      const stats = queue.stats();
      const remaining = await queue.read(0, total);
      expect(stats.dropped).toBeGreaterThan(0);
      expect(stats.dropped + stats.depth).toBe(total);
      expect(drops.reduce((a, b) => a + b, 0)).toBe(stats.dropped);
      expect(stats.bytes).toBeLessThanOrEqual(4096);
      expect(remaining.map((r) => indexOf(r.data))).toEqual(
        Array.from({ length: stats.depth }, (_, k) => total - stats.depth + k),
      );
    });

    it('does not count acknowledged records as dropped', async () => {
      const queue = await make(4096);
      for (let i = 0; i < 400; i++) {
        await queue.append(record(i, 100));
        queue.ack(i);
      }
      expect(queue.stats()).toMatchObject({ dropped: 0, depth: 0 });
    });

    it('refuses appends after close', async () => {
      const queue = await make();
      await queue.close();
      await expect(queue.append(record(0))).rejects.toBeInstanceOf(QueueClosedError);
    });
  });
}
