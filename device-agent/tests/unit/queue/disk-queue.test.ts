import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskQueue, type DiskQueueOptions } from '../../../src/queue/disk-queue.js';
import { readHead } from '../../../src/queue/head-file.js';
import { listSegmentFiles } from '../../../src/queue/segment.js';
import { FakeClock, settle } from '../../support/fake-clock.js';
import { tempDir } from '../../support/temp-dir.js';
import { describeQueueBehaviour, indexOf, record } from './queue-behaviour.js';

describeQueueBehaviour('DiskQueue', async ({ maxBytes, onDrop }) => {
  const { dir, remove } = await tempDir('queue');
  const queue = await DiskQueue.open({
    dir,
    maxBytes,
    segmentBytes: Math.floor(maxBytes / 8),
    // Batches are written on the next turn: the suite checks behaviour, not the interval.
    fsyncIntervalMs: 0,
    ...(onDrop ? { onDrop } : {}),
  });
  return {
    queue,
    cleanup: async () => {
      await queue.close();
      await remove();
    },
  };
});

describe('DiskQueue on disk', () => {
  const removers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const remove of removers.splice(0)) await remove();
  });
  async function openIn(dir: string, extra: Partial<DiskQueueOptions> = {}): Promise<DiskQueue> {
    return DiskQueue.open({ dir, maxBytes: 64 * 1024, segmentBytes: 1024, fsyncIntervalMs: 1, ...extra });
  }
  async function freshDir(): Promise<string> {
    const { dir, remove } = await tempDir('queue');
    removers.push(remove);
    return dir;
  }
  async function positionsAndIndexes(queue: DiskQueue): Promise<[number, number][]> {
    return (await queue.read(0, 10_000)).map((r) => [r.position, indexOf(r.data)]);
  }

  it('keeps unacknowledged records across a restart, and forgets acknowledged ones', async () => {
    const dir = await freshDir();
    const first = await openIn(dir);
    for (let i = 0; i < 200; i++) await first.append(record(i, 40));
    for (let i = 0; i < 150; i++) first.ack(i);
    first.ack(170);
    await first.close();
    const files = await listSegmentFiles(dir);
    expect(files.length).toBeGreaterThan(0);
    const second = await openIn(dir);
    const expected = [];
    for (let i = 150; i < 200; i++) if (i !== 170) expected.push([i, i]);
    // 170 was acknowledged above the head: the head commit cannot record it, so it comes back (same bytes).
    expected.splice(20, 0, [170, 170]);
    expect(await positionsAndIndexes(second)).toEqual(expected);
    expect(second.stats()).toMatchObject({ head: 150, tail: 200, depth: 50, corruptBytesSkipped: 0 });
    await second.append(record(200, 40));
    expect((await second.read(200, 1)).map((r) => indexOf(r.data))).toEqual([200]);
    await second.close();
  });

  it('deletes whole segment files once every record in them is acknowledged', async () => {
    const dir = await freshDir();
    const queue = await openIn(dir);
    for (let i = 0; i < 100; i++) await queue.append(record(i, 92));
    expect((await listSegmentFiles(dir)).length).toBe(10);
    for (let i = 0; i < 100; i++) queue.ack(i);
    await queue.flush();
    expect((await listSegmentFiles(dir)).map((f) => f.base)).toEqual([90]);
    expect(queue.stats()).toMatchObject({ depth: 0, head: 100, bytes: 1000 });
    await queue.close();
  });

  it('skips and reports a torn tail once, and keeps every complete record', async () => {
    const dir = await freshDir();
    const first = await openIn(dir);
    for (let i = 0; i < 5; i++) await first.append(record(i, 40));
    await first.close();
    const [segment] = await listSegmentFiles(dir);
    const torn = Buffer.from([44, 0, 0, 0, 1, 2, 3, 4, 114, 53]);
    await appendFile(segment?.file as string, torn);
    const reports: [number, string][] = [];
    const second = await openIn(dir, {
      onCorrupt: (_file, bytes, problem) => reports.push([bytes, problem]),
    });
    expect(reports).toEqual([[torn.byteLength, 'torn record at the end of the file']]);
    expect((await positionsAndIndexes(second)).map(([, index]) => index)).toEqual([0, 1, 2, 3, 4]);
    expect(second.stats().corruptBytesSkipped).toBe(torn.byteLength);
    await second.append(record(5, 40));
    await second.close();
    const third = await openIn(dir, { onCorrupt: () => reports.push([-1, 'again']) });
    expect((await positionsAndIndexes(third)).map(([, index]) => index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(reports).toHaveLength(1);
    await third.close();
  });

  it('skips a corrupt record and everything after it in that segment, and a zero-filled tail', async () => {
    const dir = await freshDir();
    const first = await openIn(dir);
    for (let i = 0; i < 5; i++) await first.append(record(i, 40));
    await first.close();
    const file = (await listSegmentFiles(dir))[0]?.file as string;
    const bytes = await readFile(file);
    bytes.writeUInt8((bytes.readUInt8(3 * 48 + 20) ^ 0xff) & 0xff, 3 * 48 + 20);
    await writeFile(file, Buffer.concat([bytes, Buffer.alloc(4096)]));
    const reports: [number, string][] = [];
    const second = await openIn(dir, {
      onCorrupt: (_file, skipped, problem) => reports.push([skipped, problem]),
    });
    expect(reports).toEqual([[2 * 48 + 4096, 'CRC-32 mismatch']]);
    expect((await positionsAndIndexes(second)).map(([, index]) => index)).toEqual([0, 1, 2]);
    await second.close();
  });

  it('commits the read pointer at most every headCommitIntervalMs (no fsync per ack), and on flush', async () => {
    const dir = await freshDir();
    const clock = new FakeClock(1_000_000);
    const queue = await openIn(dir, { headCommitIntervalMs: 60_000, clock: clock.now, timers: clock });
    const appended = Array.from({ length: 10 }, (_, i) => queue.append(record(i)));
    await clock.advance(1);
    await Promise.all(appended);
    for (let i = 0; i < 10; i++) queue.ack(i);
    const eleventh = queue.append(record(10));
    await clock.advance(1);
    await eleventh;
    await clock.advance(59_990);
    expect(await readHead(dir)).toBe(0);
    await queue.flush();
    expect(await readHead(dir)).toBe(10);
    queue.ack(10);
    await clock.advance(59_999);
    expect(await readHead(dir)).toBe(10);
    await clock.advance(1);
    await eventually(async () => (await readHead(dir)) === 11, 'the timed head commit');
    await queue.close();
  });

  it('opens an empty directory, and one it creates', async () => {
    const dir = await freshDir();
    const queue = await openIn(`${dir}/nested/queue`);
    expect(queue.stats()).toEqual({
      depth: 0,
      bytes: 0,
      head: 0,
      tail: 0,
      dropped: 0,
      corruptBytesSkipped: 0,
      diskFull: false,
      writeFailures: 0,
    });
    await queue.close();
  });

  it('refuses a segment size over half the cap', async () => {
    const dir = await freshDir();
    await expect(openIn(dir, { maxBytes: 1000, segmentBytes: 600 })).rejects.toThrow(/at most half/);
  });
});

/** Waits for a condition on real file I/O (no timers involved). */
async function eventually(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let turn = 0; turn < 10_000; turn++) {
    if (await condition()) return;
    await settle(1);
  }
  throw new Error(`timed out waiting for ${what}`);
}
