/**
 * Child process for the crash test: appends records to a disk queue as fast as it can (many appends in
 * flight, so batches form) and prints each record's index once its append has resolved, i.e. once the
 * queue has told its caller that the record is durable. The test kills it with SIGKILL mid-stream.
 */
import { DiskQueue } from '../../src/queue/disk-queue.js';

const dir = process.argv[2] as string;
const queue = await DiskQueue.open({
  dir,
  maxBytes: 64 * 1024 * 1024,
  segmentBytes: 64 * 1024,
  fsyncIntervalMs: 5,
});
const encoder = new TextEncoder();
let inFlight = 0;
for (let i = 0; ; i++) {
  while (inFlight >= 64) await new Promise((resolve) => setTimeout(resolve, 1));
  inFlight += 1;
  void queue.append(encoder.encode(`r${i}:${'x'.repeat(60)}`)).then(() => {
    inFlight -= 1;
    process.stdout.write(`${i}\n`);
  });
}
