import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { QueueIoError } from '../../../src/errors.js';
import { DiskQueue } from '../../../src/queue/disk-queue.js';
import { mountTmpfs } from '../../support/tmpfs.js';
import { indexOf, record } from './queue-behaviour.js';

describe('DiskQueue on a disk that fills up (a real 256 KiB tmpfs)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('refuses appends while nothing can be dropped, keeps every record it accepted intact, and recovers', async () => {
    const disk = await mountTmpfs(256 * 1024);
    cleanups.push(disk.unmount);
    const dir = path.join(disk.dir, 'queue');
    await mkdir(dir);
    // One segment for everything: on ENOSPC there is no older segment to drop.
    const queue = await DiskQueue.open({ dir, maxBytes: 8 << 20, segmentBytes: 4 << 20, fsyncIntervalMs: 0 });
    cleanups.push(() => queue.close());
    const filler = await disk.fill(20 * 1024);
    const accepted: number[] = [];
    let failure: unknown;
    for (let i = 0; i < 200 && failure === undefined; i++) {
      // 1,000-byte records: the one that meets the full disk is written in part, then refused.
      await queue.append(record(i, 1000)).then(
        () => accepted.push(i),
        (error: unknown) => {
          failure = error;
        },
      );
    }
    expect(failure).toBeInstanceOf(QueueIoError);
    expect(((failure as QueueIoError).cause as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(queue.stats()).toMatchObject({ diskFull: true, dropped: 0 });
    expect(queue.stats().writeFailures).toBeGreaterThan(0);
    expect(accepted.length).toBeGreaterThan(5);

    await rm(filler);
    const next = accepted.length + 1;
    await queue.append(record(next, 1000));
    expect(queue.stats().diskFull).toBe(false);
    const stored = await queue.read(0, 1000);
    // Every accepted record, then the one after the recovery, at dense positions: the partial write left nothing.
    expect(stored.map((r) => indexOf(r.data))).toEqual([...accepted, next]);
    expect(stored.map((r) => r.position)).toEqual(Array.from({ length: accepted.length + 1 }, (_, i) => i));
    await queue.close();
    const reopened = await DiskQueue.open({
      dir,
      maxBytes: 8 << 20,
      segmentBytes: 4 << 20,
      fsyncIntervalMs: 0,
    });
    cleanups.push(() => reopened.close());
    expect(reopened.stats()).toMatchObject({ corruptBytesSkipped: 0, depth: accepted.length + 1 });
  });
});
