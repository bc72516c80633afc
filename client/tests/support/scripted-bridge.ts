import type { AddressInfo } from 'node:net';
import { markReplay, TOPIC_QUERY_PARAMETER, topicMatches } from '@topic-bridge/shared-types';
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
  /**
   * Answer `retained` and `history` (default true); false answers both with `unknown_action`, as a bridge
   * from before retained values and history does.
   */
  replays?: boolean;
  /** The filters whose topics keep a history (default none: `history_not_enabled`). */
  historyTopics?: string[];
  /** Most frames a history answer carries before `more: true` (default 100). */
  historyPageSize?: number;
  /** Most frames the history keeps (default 1,000); older ones age out. */
  historyKeep?: number;
  /** Answer history requests at once (default true); false keeps them in `pendingHistory` for `answerHistory()`. */
  answerHistory?: boolean;
}

/** A history request kept unanswered (`answerHistory: false`). */
export interface PendingHistory {
  connection: ScriptedConnection;
  request: Record<string, unknown>;
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
  /** History requests kept unanswered, in order (`answerHistory: false`). */
  pendingHistory: PendingHistory[];
  /** Answers a kept history request now, from the history as it is now. */
  answerHistory(pending: PendingHistory): void;
  /** Publishes as a client would (retained and history recorded, fanned out); returns the deliveries. */
  publish(frame: Record<string, unknown>): number;
  stop(): Promise<void>;
}

/** What the fake bridge stores: each topic's retained frame, and the history of the topics that keep one. */
interface Storage {
  retained: Map<string, string>;
  history: { topic: string; id: unknown; at: number; text: string }[];
}

/**
 * A fake bridge: a small real WebSocket server on 127.0.0.1:0 that speaks the protocol's happy path (connect
 * filters, subscribe, unsubscribe, ping, publish with ack, retained values, history with paging) and records
 * every frame, so unit tests can script what the bridge does and see what the client sent. Integration tests
 * use the real local stack instead.
 */
export async function startScriptedBridge(options: ScriptedBridgeOptions = {}): Promise<ScriptedBridge> {
  const settings: Required<ScriptedBridgeOptions> = {
    answerPings: true,
    relay: true,
    accept: true,
    refuseStatus: 503,
    replays: true,
    historyTopics: [],
    historyPageSize: 100,
    historyKeep: 1_000,
    answerHistory: true,
    ...options,
  };
  const storage: Storage = { retained: new Map(), history: [] };
  const pendingHistory: PendingHistory[] = [];
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
      if (frame.action === 'history' && settings.replays && !settings.answerHistory) {
        pendingHistory.push({ connection, request: frame });
        return;
      }
      respond(connection, frame, connections, settings, storage);
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/bridge`,
    connections,
    open: () => connections.filter((c) => !c.closed),
    options: settings,
    handshakes,
    pendingHistory,
    answerHistory: ({ connection, request }) => answerHistory(connection, request, settings, storage),
    publish: (frame) => fanOut(frame, connections, settings, storage),
    stop: async () => {
      for (const client of server.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type Settings = Required<ScriptedBridgeOptions>;

function respond(
  connection: ScriptedConnection,
  frame: Record<string, unknown>,
  all: ScriptedConnection[],
  settings: Settings,
  storage: Storage,
): void {
  const id = frame.id === undefined ? {} : { id: frame.id };
  const topic = String(frame.topic);
  const retainedOf = (filter: string) =>
    [...storage.retained]
      .filter(([t]) => topicMatches(filter, t))
      .map(([, text]) => markReplay(text, 'retained'));
  switch (frame.action) {
    case 'ping':
      if (settings.answerPings) connection.send({ type: 'pong', ...id });
      return;
    case 'subscribe': {
      connection.filters.add(topic);
      const retained = settings.replays ? retainedOf(topic) : [];
      connection.send({
        type: 'subscribed',
        topic,
        ...id,
        ...(settings.replays ? { retained: retained.length } : {}),
      });
      for (const text of retained) connection.send(text);
      return;
    }
    case 'unsubscribe':
      connection.filters.delete(topic);
      connection.send({ type: 'unsubscribed', topic, ...id });
      return;
    case 'retained':
    case 'history':
      if (!settings.replays) {
        connection.send({ type: 'error', code: 'unknown_action', reason: 'unknown action', ...id });
      } else if (frame.action === 'retained') {
        const retained = retainedOf(topic);
        connection.send({ type: 'retained', topic, ...id, count: retained.length });
        for (const text of retained) connection.send(text);
      } else {
        answerHistory(connection, frame, settings, storage);
      }
      return;
  }
  if (!settings.relay) return;
  const delivered = fanOut(frame, all, settings, storage);
  if (frame.id !== undefined) connection.send({ type: 'ack', id: frame.id, delivered });
}

/** Records a publish (retained value, history) and delivers it to every matching open connection. */
function fanOut(
  frame: Record<string, unknown>,
  all: ScriptedConnection[],
  settings: Settings,
  storage: Storage,
): number {
  const topic = String(frame.topic);
  const { retain, ...stored } = frame;
  const text = JSON.stringify(stored);
  if (retain === true && frame.message === null) storage.retained.delete(topic);
  else if (retain === true) storage.retained.set(topic, text);
  if (settings.historyTopics.some((f) => topicMatches(f, topic))) {
    storage.history.push({ topic, id: frame.id, at: Date.now(), text });
    if (storage.history.length > settings.historyKeep) storage.history.shift();
  }
  const targets = all.filter((c) => !c.closed && [...c.filters].some((f) => topicMatches(f, topic)));
  for (const target of targets) target.send(text);
  return targets.length;
}

/** Answers a history request as docs/PROTOCOL.md says: the frames after `since`, oldest first, then the summary. */
function answerHistory(
  connection: ScriptedConnection,
  request: Record<string, unknown>,
  settings: Settings,
  storage: Storage,
): void {
  const topic = String(request.topic);
  const id = request.id === undefined ? {} : { id: request.id };
  if (!settings.historyTopics.some((f) => f === topic)) {
    connection.send({ type: 'error', code: 'history_not_enabled', reason: `no history for ${topic}`, ...id });
    return;
  }
  const matching = storage.history.filter((entry) => topicMatches(topic, entry.topic));
  const { since } = request;
  let start = 0;
  let sinceFound: boolean | undefined;
  if (typeof since === 'string') {
    const index = matching.findIndex((entry) => entry.id === since);
    sinceFound = index >= 0;
    start = index + 1;
  } else if (typeof since === 'number') {
    start = matching.findIndex((entry) => entry.at > since);
    if (start < 0) start = matching.length;
  }
  const page = matching.slice(start, start + settings.historyPageSize);
  for (const entry of page) connection.send(markReplay(entry.text, 'history'));
  const more = start + page.length < matching.length;
  connection.send({
    type: 'history',
    topic,
    ...id,
    count: page.length,
    more,
    ...(sinceFound === undefined ? {} : { sinceFound }),
  });
}
