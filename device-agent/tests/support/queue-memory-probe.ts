/**
 * Child process for the memory test (run with --expose-gc): fills a disk queue with a large backlog and
 * prints the heap growth in bytes, so the test can check that payloads are not kept in memory.
 */
import { DiskQueue } from '../../src/queue/disk-queue.js';

const [dir, countText, sizeText] = process.argv.slice(2) as [string, string, string];
const gc = (globalThis as { gc?: () => void }).gc as () => void;
const queue = await DiskQueue.open({
  dir,
  maxBytes: 256 * 1024 * 1024,
  segmentBytes: 4 * 1024 * 1024,
  fsyncIntervalMs: 50,
});
gc();
const before = process.memoryUsage().heapUsed;
const payload = 'x'.repeat(Number(sizeText));
const appends: Promise<void>[] = [];
for (let i = 0; i < Number(countText); i++) {
  appends.push(queue.append(new TextEncoder().encode(`r${i}:${payload}`)));
  if (appends.length === 1000) await Promise.all(appends.splice(0));
}
await Promise.all(appends);
const first = await queue.read(0, 1);
gc();
const after = process.memoryUsage().heapUsed;
process.stdout.write(
  `${JSON.stringify({ heapGrowth: after - before, depth: queue.stats().depth, firstPosition: first[0]?.position })}\n`,
);
await queue.close();
