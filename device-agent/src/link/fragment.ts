import { API_GATEWAY_FRAME_BYTES } from '@topic-bridge/shared-types';
import type { WebSocket } from 'ws';

/**
 * Sends a text message as WebSocket frames of at most `maxFrameBytes` each. API Gateway accepts messages up
 * to 128 KB but closes the connection (1009) on any single frame over 32 KB, and `ws` sends a message as one
 * frame; so a large reading is split into continuation frames, which the receiver reassembles.
 */
export function sendInFrames(
  socket: Pick<WebSocket, 'send'>,
  text: string,
  maxFrameBytes: number = API_GATEWAY_FRAME_BYTES,
): void {
  // A UTF-8 character takes at most 3 bytes per UTF-16 unit: most frames need no byte count at all.
  if (text.length * 3 <= maxFrameBytes || Buffer.byteLength(text, 'utf8') <= maxFrameBytes) {
    socket.send(text);
    return;
  }
  const bytes = Buffer.from(text, 'utf8');
  // UTF-8 is validated on the whole message, so a frame may end inside a multi-byte character.
  for (let offset = 0; offset < bytes.byteLength; offset += maxFrameBytes) {
    const chunk = bytes.subarray(offset, offset + maxFrameBytes);
    socket.send(chunk, { binary: false, fin: offset + maxFrameBytes >= bytes.byteLength });
  }
}
