import type { AddressInfo } from 'node:net';
import { TOPIC_QUERY_PARAMETER, topicMatches } from '@topic-bridge/shared-types';
import { type WebSocket, WebSocketServer } from 'ws';

/** One connection the scripted bridge accepted, with everything it received. */
export interface ScriptedConnection {
  url: URL;
  filters: Set<string>;
  /** Every text frame received, parsed. */
  received: Record<string, unknown>[];
  socket: WebSocket;
  send(frame: unknown): void;
  readonly closed: boolean;
}

/** Behaviour switches for a scripted bridge. */
export interface ScriptedBridgeOptions {
  /** Answer `ping` with `pong` (default true). */
  answerPings?: boolean;
  /** Fan publishes out and ack them (default true). */
  relay?: boolean;
  /** Complete WebSocket handshakes (default true); false answers them with HTTP `refuseStatus`. */
  accept?: boolean;
  /** The HTTP status of a refused handshake (default 503). */
  refuseStatus?: number;
}

/** What a handshake offered, accepted or not. */
export interface Handshake {
  url: URL;
  /** The offered `Sec-WebSocket-Protocol` values, in order. */
  protocols: string[];
}

/** A running scripted bridge. */
export interface ScriptedBridge {
  url: string;
  connections: ScriptedConnection[];
  /** Connections still open. */
  open(): ScriptedConnection[];
  options: Required<ScriptedBridgeOptions>;
  /** Every handshake received, in order, including refused ones. */
  handshakes: Handshake[];
  stop(): Promise<void>;
}

/**
 * A small real WebSocket server on 127.0.0.1:0 that speaks the protocol's happy path (connect filters,
 * subscribe, unsubscribe, ping, publish with ack) and records every frame, so unit tests can script what
 * the bridge does and see what the client sent. Integration tests use the real local stack instead.
 */
export async function startScriptedBridge(options: ScriptedBridgeOptions = {}): Promise<ScriptedBridge> {
  const settings = { answerPings: true, relay: true, accept: true, refuseStatus: 503, ...options };
  const handshakes: Handshake[] = [];
  const server = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    verifyClient: (info, done) => {
      const offered = info.req.headers['sec-websocket-protocol'];
      handshakes.push({
        url: new URL(info.req.url ?? '/', 'ws://127.0.0.1'),
        protocols: offered === undefined ? [] : offered.split(',').map((p) => p.trim()),
      });
      done(settings.accept, settings.refuseStatus);
    },
  });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const connections: ScriptedConnection[] = [];
  server.on('connection', (socket, request) => {
    const url = new URL(request.url ?? '/', 'ws://127.0.0.1');
    const connection: ScriptedConnection = {
      url,
      filters: new Set(url.searchParams.getAll(TOPIC_QUERY_PARAMETER)),
      received: [],
      socket,
      send: (frame) => socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
      get closed() {
        return socket.readyState !== socket.OPEN;
      },
    };
    connections.push(connection);
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Record<string, unknown>;
      connection.received.push(frame);
      respond(connection, frame, connections, settings);
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/bridge`,
    connections,
    open: () => connections.filter((c) => !c.closed),
    options: settings,
    handshakes,
    stop: async () => {
      for (const client of server.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function respond(
  connection: ScriptedConnection,
  frame: Record<string, unknown>,
  all: ScriptedConnection[],
  settings: Required<ScriptedBridgeOptions>,
): void {
  const id = frame.id === undefined ? {} : { id: frame.id };
  const topic = String(frame.topic);
  switch (frame.action) {
    case 'ping':
      if (settings.answerPings) connection.send({ type: 'pong', ...id });
      return;
    case 'subscribe':
      connection.filters.add(topic);
      connection.send({ type: 'subscribed', topic, ...id });
      return;
    case 'unsubscribe':
      connection.filters.delete(topic);
      connection.send({ type: 'unsubscribed', topic, ...id });
      return;
  }
  if (!settings.relay) return;
  const targets = all.filter((c) => !c.closed && [...c.filters].some((f) => topicMatches(f, topic)));
  for (const target of targets) target.send(frame);
  if (frame.id !== undefined) connection.send({ type: 'ack', id: frame.id, delivered: targets.length });
}
