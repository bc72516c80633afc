import type { PingFrame, PongFrame } from '@topic-bridge/shared-types';

/** Answers a ping with a pong, so that browsers keep a connection through API Gateway's idle timeout. */
export function ping(frame: PingFrame): PongFrame {
  return frame.id === undefined ? { type: 'pong' } : { type: 'pong', id: frame.id };
}
