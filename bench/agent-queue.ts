/**
 * Bench: disk-queue appends per second with batched fsync (the agent's default, one fsync per 200 ms batch)
 * against one fsync per append, in one run so the ratio compares like with like.
 * Run: npx tsx bench/agent-queue.ts [appends] [payloadBytes]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_FSYNC_INTERVAL_MS } from '../device-agent/src/config-settings.js';
import { DiskQueue } from '../device-agent/src/queue/disk-queue.js';

const appends = Number(process.argv[2] ?? 20_000);
const payloadBytes = Number(process.argv[3] ?? 200);

/** Appends `count` records from `concurrency` concurrent producers; returns appends per second. */
async function measure(
  fsyncIntervalMs: number,
  maxBatchBytes: number | undefined,
  count: number,
  concurrency: number,
): Promise<number> {
  const dir = await mkdtemp(path.join(tmpdir(), 'agent-queue-bench-'));
  const queue = await DiskQueue.open({
    dir,
    maxBytes: 256 * 1024 * 1024,
    segmentBytes: 4 * 1024 * 1024,
    fsyncIntervalMs,
    ...(maxBatchBytes ? { maxBatchBytes } : {}),
  });
  const payload = Buffer.alloc(payloadBytes, 'x');
  const started = performance.now();
  let next = 0;
  const producer = async () => {
    while (next < count) {
      next += 1;
      await queue.append(payload);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, producer));
  const seconds = (performance.now() - started) / 1000;
  await queue.close();
  await rm(dir, { recursive: true, force: true });
  return count / seconds;
}

// Batched: a burst with every reading in flight at once (an MQTT flood); batches close at the interval or at 1 MB.
const batched = await measure(DEFAULT_FSYNC_INTERVAL_MS, undefined, appends, appends);
// Batched, 100 producers each waiting for durability before the next reading (the bound is 100 per interval).
const batched100 = await measure(DEFAULT_FSYNC_INTERVAL_MS, undefined, Math.min(appends, 2000), 100);
// Per-append fsync: the batch limit of one record forces a write and an fsync for every append.
const perAppend = await measure(1, 1, Math.min(appends, 2000), 1);
console.log(
  JSON.stringify({
    bench: 'agent-queue',
    payloadBytes,
    batchedFsyncIntervalMs: DEFAULT_FSYNC_INTERVAL_MS,
    batchedAppendsPerSecond: Math.round(batched),
    batched100ProducersAppendsPerSecond: Math.round(batched100),
    fsyncPerAppendAppendsPerSecond: Math.round(perAppend),
    ratio: Number((batched / perAppend).toFixed(1)),
  }),
);
