import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

/**
 * A small scripted bridge on 127.0.0.1, port 0, for link tests: it records every frame and, by default, answers
 * pings with pongs and publishes with acks, as the real bridge does. Tests switch behaviours off to script faults.
 */
export interface ScriptServer {
  url: string;
  port: number;
  /** Every socket that connected, in order. */
  sockets: WebSocket[];
  /** Every frame received, parsed, with the index of the socket it came on. */
  received: { socket: number; frame: Record<string, unknown> }[];
  behaviour: {
    pong: boolean;
    ack: boolean;
    reply?: (frame: Record<string, unknown>) => object | undefined;
    /** Answers a handshake with this HTTP status instead of accepting it (undefined: accept). */
    refuse?: (handshake: Handshake) => number | undefined;
  };
  /** Every handshake received, accepted or not. */
  handshakes: Handshake[];
  close(): Promise<void>;
}

/** What a handshake offered. */
export interface Handshake {
  url: string;
  /** The offered `Sec-WebSocket-Protocol` values, in order. */
  protocols: string[];
}

/** Starts a scripted server on an OS-chosen port. */
export async function startScriptServer(): Promise<ScriptServer> {
  const handshakes: Handshake[] = [];
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    verifyClient: (info, done) => {
      const offered = info.req.headers['sec-websocket-protocol'];
      const handshake = {
        url: info.req.url ?? '/',
        protocols: offered === undefined ? [] : offered.split(',').map((p) => p.trim()),
      };
      handshakes.push(handshake);
      const status = server.behaviour.refuse?.(handshake);
      done(status === undefined, status);
    },
  });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const port = (wss.address() as AddressInfo).port;
  const server: ScriptServer = {
    url: `ws://127.0.0.1:${port}`,
    port,
    sockets: [],
    received: [],
    behaviour: { pong: true, ack: true },
    handshakes,
    close: () =>
      new Promise((resolve) => {
        for (const socket of wss.clients) socket.terminate();
        wss.close(() => resolve());
      }),
  };
  wss.on('connection', (socket) => {
    const index = server.sockets.push(socket) - 1;
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Record<string, unknown>;
      server.received.push({ socket: index, frame });
      const custom = server.behaviour.reply?.(frame);
      if (custom) socket.send(JSON.stringify(custom));
      else if (frame.action === 'ping' && server.behaviour.pong) socket.send('{"type":"pong"}');
      else if (typeof frame.id === 'string' && 'topic' in frame && server.behaviour.ack) {
        socket.send(JSON.stringify({ type: 'ack', id: frame.id, delivered: 1 }));
      }
    });
  });
  return server;
}

/** Waits for a condition that depends on real I/O, without using (possibly faked) timers. */
export async function until(condition: () => boolean, what = 'condition', maxTurns = 200_000): Promise<void> {
  for (let turn = 0; turn < maxTurns; turn++) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A logger that records every line, for assertions on what the agent logged. */
export function recordingLogger(): {
  lines: { level: string; fields: Record<string, unknown>; message: string }[];
  debug: (f: object, m: string) => void;
  info: (f: object, m: string) => void;
  warn: (f: object, m: string) => void;
  error: (f: object, m: string) => void;
} {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const at = (level: string) => (fields: object, message: string) =>
    void lines.push({ level, fields: fields as Record<string, unknown>, message });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Lets real I/O run for about `ms` milliseconds of wall time, without using (possibly faked) timers. */
export async function realPause(ms: number): Promise<void> {
  const end = performance.now() + ms;
  while (performance.now() < end) await new Promise((resolve) => setImmediate(resolve));
}
