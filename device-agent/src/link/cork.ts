import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { corkUntilNextTick } from '../cork.js';

/**
 * Holds the WebSocket's TCP socket corked until the current turn of the event loop ends, so that a burst of
 * frames (the dispatcher refilling its window after a batch of acks) leaves in one write instead of one
 * `writev` system call per frame; the profile showed those calls as ~10% of the agent's CPU at full rate.
 * `ws` keeps its socket in `_socket` (stable across its major versions; undefined before it opens), and corks
 * around each frame itself: corks nest, so its frames queue behind ours.
 */
export function corkSocketUntilNextTick(socket: WebSocket): void {
  const raw = (socket as unknown as { _socket?: Duplex | null })._socket;
  if (raw) corkUntilNextTick(raw);
}
