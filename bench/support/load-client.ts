/** What the load run's publisher and subscriber processes (bench/support/load-*.ts) both do with their sockets. */
import WebSocket from 'ws';

/** Error frames kept verbatim for the report; the rest are only counted. */
export const ERROR_FRAMES_KEPT = 3;

/** Opens one WebSocket; rejects on a refused handshake or a socket error before it opens. */
export function openSocket(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Counts the bridge's error frames and keeps the first ERROR_FRAMES_KEPT of them as sent. */
export class ErrorFrameSample {
  count = 0;
  readonly first: string[] = [];

  record(text: string): void {
    this.count++;
    if (this.first.length < ERROR_FRAMES_KEPT) this.first.push(text);
  }
}
