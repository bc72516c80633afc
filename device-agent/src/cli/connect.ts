import type WebSocket from 'ws';
import { ConnectError } from '../errors.js';
import type { WebSocketConstructor } from '../link/ws-link.js';

/** Default connect timeout of the one-shot commands. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Opens one WebSocket for a one-shot command, failing with a ConnectError that says what to check when the
 * bridge cannot be reached in `timeoutMs` (refused, DNS, TLS, an HTTP status at the handshake).
 */
export function connectOnce(
  WebSocketClass: WebSocketConstructor,
  url: string,
  timeoutMs: number,
): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocketClass(url, undefined, { handshakeTimeout: timeoutMs });
    const fail = (why: string) => {
      socket.removeAllListeners('open');
      reject(
        new ConnectError(`cannot connect to ${url}: ${why}. Check the URL and that the bridge is running.`),
      );
    };
    socket.once('open', () => {
      socket.removeAllListeners('error');
      socket.on('error', () => {});
      resolve(socket);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      const inner = (error as Partial<AggregateError>).errors?.[0] as NodeJS.ErrnoException | undefined;
      const why = error.code ?? inner?.code ?? (error.message || 'connection failed');
      fail(why === 'Opening handshake has timed out' ? `no answer within ${timeoutMs} ms` : why);
    });
  });
}
