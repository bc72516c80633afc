import type { Writable } from 'node:stream';

const corked = new WeakSet<Writable>();

/**
 * Holds a stream corked until the current turn of the event loop ends, so that what is written in one turn (a
 * burst of WebSocket frames after a batch of acks, the PUBACKs of readings one fsync made durable) leaves in one
 * `writev` system call instead of one call per write. Corks nest: a stream corked again meanwhile (as `ws` does
 * around each frame) stays corked until every cork is undone.
 */
export function corkUntilNextTick(stream: Writable): void {
  if (corked.has(stream) || stream.destroyed) return;
  corked.add(stream);
  stream.cork();
  process.nextTick(() => {
    corked.delete(stream);
    stream.uncork();
  });
}
