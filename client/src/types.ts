import type { JsonValue, PublishFrame, ReplayKind } from '@topic-bridge/shared-types';
import type { TopicBridgeClientError } from './errors.js';
import type { TokenSource } from './token.js';

// Gives handler properties bivariant parameters, so that both the DOM's WebSocket (handlers taking a
// MessageEvent) and the `ws` package's WebSocket satisfy WebSocketLike.
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

/** The part of a WebSocket the client uses: satisfied by the browser's WebSocket and by `ws`. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onclose: Handler<{ code: number; reason: string }> | null;
  onerror: Handler<unknown> | null;
}

/** A WebSocket constructor: `globalThis.WebSocket` in browsers, `WebSocket` from `ws` in Node. */
export type WebSocketConstructor = new (url: string, protocols?: string[]) => WebSocketLike;

/**
 * How the token reaches the bridge: `protocol` offers the subprotocols `topic-bridge.v1` and `bearer.<JWT>`
 * (`Sec-WebSocket-Protocol`, which access logs do not record); `query` adds `?token=<JWT>` to the URL.
 */
export type TokenTransport = 'protocol' | 'query';

/** Timer functions, injectable so that tests can drive hours of pings and renewals instantly. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** What `connect()` accepts. Only `url` and `WebSocket` are required; every default is in config.ts. */
export interface ConnectOptions {
  /** The bridge's WebSocket URL, such as `wss://abc.execute-api.eu-west-1.amazonaws.com/bridge`. */
  url: string;
  /** Subscription filters (wildcards allowed); sent as `topicName` parameters on every (re)connect. */
  topics?: readonly string[];
  /**
   * The bearer token (a JWT): a value, or `getToken()` (sync or async) called before every connect and every
   * renewal, so a short-lived token is refreshed without a restart.
   */
  token?: TokenSource;
  /** How the token travels; `protocol` (the `Sec-WebSocket-Protocol` header) by default. */
  tokenTransport?: TokenTransport;
  /** The WebSocket constructor to use; the client never reaches for a global one. */
  WebSocket: WebSocketConstructor;
  minReconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
  pingIntervalMs?: number;
  pongTimeoutMs?: number;
  renewAfterMs?: number;
  renewDrainMs?: number;
  renewRetryMs?: number;
  connectTimeoutMs?: number;
  stableAfterMs?: number;
  /** After a final refusal, connect again this often (asking for the token again); none by default. */
  unauthorizedRetryMs?: number;
  publishTimeoutMs?: number;
  maxPendingPublishes?: number;
  dedupCapacity?: number;
  /**
   * Ask for the retained last values of the connect-time filters right after every open (true by default).
   * Runtime `subscribe()` calls get theirs from the bridge anyway. Such frames arrive with `replay: 'retained'`.
   */
  retained?: boolean;
  /**
   * After a reconnect or a renewal, fetch from the bridge's history what each filter missed, and deliver it
   * in order before the live frames that arrived meanwhile, each once (true by default). A filter the
   * bridge keeps no history for is asked once and then never again.
   */
  catchUp?: boolean;
  /** History on first subscription (to fill a chart on open); see HistoryOptions. Off by default. */
  history?: HistoryOptions;
  /** A history request with no summary within this time gives up: live frames flow again, `gap` fires. */
  historyTimeoutMs?: number;
  timers?: Timers;
  /** Milliseconds since the epoch; `Date.now` by default. */
  now?: () => number;
  /** A number in [0, 1); `Math.random` by default. Used for backoff jitter and frame ids. */
  random?: () => number;
}

/** Where a delivered frame came from: the bridge's storage (`retained`, `history`) rather than a live publish. */
export type { ReplayKind };

/** History fetched when a filter is first held (no last position yet), such as a dashboard filling its chart. */
export interface HistoryOptions {
  /**
   * Deliver up to this many of the newest stored frames per filter (oldest first, `replay: 'history'`) when
   * the filter is first held: given at connect, or added with `subscribe()`. 0 (the default) fetches none.
   */
  initial?: number;
  /** With `initial`: only frames published in the last this-many ms (by the client's clock). */
  initialWindowMs?: number;
}

/**
 * `connecting` until the first open; `reconnecting` between a lost connection and the next open;
 * `unauthorized` after a final refusal (401/403, an expired token), until `reconnect()` or the
 * `unauthorizedRetryMs` retry gets a connection open again.
 */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'unauthorized' | 'closed';

/** Payload of the `state` event. */
export interface StateChange {
  state: ConnectionState;
  previous: ConnectionState;
  /** Reconnect attempts since the last open (0 once open). */
  attempt: number;
  /** While reconnecting: how long the client waits before the next attempt. */
  delayMs?: number;
  /** Why the state changed, for people. */
  reason?: string;
}

/** Payload of the `message` event: one published frame, after validation and deduplication. */
export interface ReceivedMessage {
  topic: string;
  message: JsonValue;
  id?: string;
  /** The whole frame as received, with any extra fields the publisher added (`ts`, `device`, `seq`, …). */
  frame: PublishFrame;
  /** When the client received it (from the injected clock). */
  receivedAt: number;
  /**
   * Set when the frame came from the bridge's storage, not a live publish: `retained` (a topic's last value,
   * on open or subscribe) or `history` (catch-up after a reconnect, or `history.initial`). Absent when live.
   */
  replay?: ReplayKind;
}

/**
 * Payload of the `gap` event: a filter may have missed frames while the client was away, and catch-up
 * could not fill all of it. The app can say "data may be missing since …".
 */
export interface CatchUpGap {
  filter: string;
  /** The position catch-up asked from: the last frame id seen, or epoch ms (client clock) when none had an id. */
  since: string | number | undefined;
  /**
   * `aged_out`: the last frame seen is no longer in the bridge's history (older frames were dropped);
   * `incomplete`: more was missed than catch-up fetches (DEFAULT_MAX_CATCH_UP_PAGES pages);
   * `timeout`: no answer within `historyTimeoutMs`, or too many live frames waited (MAX_HELD_FRAMES);
   * `failed`: the bridge answered the history request with an error (`detail` says which).
   */
  reason: 'aged_out' | 'incomplete' | 'timeout' | 'failed';
  /** For people: what happened. */
  detail: string;
}

/** Payload of the `caught-up` event: one filter's history request has finished (with or without a gap). */
export interface CaughtUp {
  filter: string;
  /** `reconnect` after a reconnect or renewal; `initial` for `history.initial`. */
  kind: 'reconnect' | 'initial';
  /** History frames delivered (new ones; duplicates of frames already delivered are not counted). */
  delivered: number;
}

/**
 * Payload of the `notice` event: something worth a debug line, not an error. Each code fires at most once
 * per filter (once per client for `*_unsupported`).
 */
export interface Notice {
  /**
   * `retained_unsupported` / `history_unsupported`: an older bridge answered `unknown_action`, so the
   * client stops asking; `history_not_enabled`: the bridge keeps no history for `filter`, so catch-up is off
   * for it; `retained_truncated`: more retained values matched `filter` than the bridge sends at once;
   * `retained_failed`: the bridge answered a `retained` request with an error (`reason` says which).
   */
  code:
    | 'retained_unsupported'
    | 'history_unsupported'
    | 'history_not_enabled'
    | 'retained_truncated'
    | 'retained_failed';
  filter?: string;
  reason: string;
}

/** Payload of the `invalid-frame` event: something the bridge sent that is not a protocol frame. */
export interface InvalidFrame {
  /** The frame's text, cut to 1,000 characters. */
  raw: string;
  reason: string;
}

/** What a publish resolves to, once the bridge has acknowledged it. */
export interface PublishResult {
  id: string;
  /** How many connections the bridge delivered the frame to. */
  delivered: number;
  /**
   * Present when the bridge could not post the frame to some subscribers past its own retries: publish the
   * same frame again (same `id`) to reach them; those who have it drop the copy by id.
   */
  failed?: number;
}

/** Options for one publish. */
export interface PublishOptions {
  /** The frame id (for acks and deduplication); a unique one is generated when absent. */
  id?: string;
  /**
   * Also keep the frame as the topic's last value, sent to later subscribers at once; `retain: true` with a
   * `null` message clears it (docs/PROTOCOL.md, retained values).
   */
  retain?: boolean;
}

/** Payload of the `unauthorized` event: a final refusal, which reconnecting with the same token cannot fix. */
export interface Unauthorized {
  /** For people: what was refused and what to do. */
  reason: string;
  /** The handshake's HTTP status (401 or 403) where the environment tells it: Node yes, browsers never. */
  status?: number;
  /** When `unauthorizedRetryMs` is set: the wait before the next try. */
  retryInMs?: number;
}

/** The events a client emits and their payloads. */
export interface ClientEvents {
  message: ReceivedMessage;
  state: StateChange;
  error: TopicBridgeClientError;
  'invalid-frame': InvalidFrame;
  unauthorized: Unauthorized;
  gap: CatchUpGap;
  'caught-up': CaughtUp;
  notice: Notice;
}

/** A connected topic-bridge client. */
export interface TopicBridgeClient {
  readonly state: ConnectionState;
  /** The filters the client holds now (given at connect and added at runtime). */
  readonly filters: readonly string[];
  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof ClientEvents>(event: K, listener: (payload: ClientEvents[K]) => void): () => void;
  /** Removes a listener added with `on`. */
  off<K extends keyof ClientEvents>(event: K, listener: (payload: ClientEvents[K]) => void): void;
  /** Adds a filter; resolves when the bridge holds it (confirmed, or carried by the next connect URL). */
  subscribe(filter: string): Promise<void>;
  /** Removes a filter; resolves when the bridge no longer holds it. */
  unsubscribe(filter: string): Promise<void>;
  /** Publishes; resolves on the bridge's ack, rejects with the error frame's `code`. */
  publish(topic: string, message: JsonValue, options?: PublishOptions): Promise<PublishResult>;
  /** After a final refusal: connect again now, asking `getToken()` for the token again. */
  reconnect(): void;
  /** Closes the connection for good and rejects whatever is still pending with `client_closed`. */
  close(): void;
}
