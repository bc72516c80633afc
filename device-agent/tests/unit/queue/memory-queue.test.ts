import { MemoryQueue } from '../../../src/queue/memory-queue.js';
import { describeQueueBehaviour } from './queue-behaviour.js';

describeQueueBehaviour('MemoryQueue', async ({ maxBytes, onDrop }) => {
  const queue = new MemoryQueue(onDrop ? { maxBytes, onDrop } : { maxBytes });
  return { queue, cleanup: () => queue.close() };
});
