import { WebSocket } from 'ws';
import type { WebSocketConstructor } from '../../src/index.js';

/** A `ws` WebSocket class that remembers every socket it made and every text frame they received. */
export function tappedWebSocket(): {
  WebSocket: WebSocketConstructor;
  sockets: WebSocket[];
  frames: string[];
} {
  const sockets: WebSocket[] = [];
  const frames: string[] = [];
  class TappedWebSocket extends WebSocket {
    constructor(url: string, protocols?: string[]) {
      super(url, protocols);
      sockets.push(this);
      this.on('message', (data, isBinary) => {
        if (!isBinary) frames.push(String(data));
      });
    }
  }
  return { WebSocket: TappedWebSocket, sockets, frames };
}
