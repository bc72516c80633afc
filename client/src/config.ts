import { API_GATEWAY_IDLE_TIMEOUT_MS, API_GATEWAY_MAX_CONNECTION_MS } from '@topic-bridge/shared-types';
import { ClientConfigError } from './errors.js';
import type { TokenSource } from './token.js';
import type { ConnectOptions, Timers, TokenTransport } from './types.js';

/** First reconnect delay ceiling; full jitter picks a delay between 0 and the ceiling, doubling per attempt. */
export const DEFAULT_MIN_RECONNECT_DELAY_MS = 500;

/** Largest reconnect delay ceiling, so that a client comes back within 30 s of the bridge returning. */
export const DEFAULT_MAX_RECONNECT_DELAY_MS = 30_000;

/** Ping interval: well inside API Gateway's 10-minute idle timeout, rare enough to cost nothing. */
export const DEFAULT_PING_INTERVAL_MS = 4 * 60 * 1000;

/** A ping not answered within this time means a dead connection (a half-open TCP link): reconnect. */
export const DEFAULT_PONG_TIMEOUT_MS = 15_000;

/** Renew the connection 10 minutes before API Gateway's 2-hour limit closes it. */
export const DEFAULT_RENEW_AFTER_MS = API_GATEWAY_MAX_CONNECTION_MS - 10 * 60 * 1000;

/** After a renewal, keep the old connection this long to collect acks of publishes sent on it. */
export const DEFAULT_RENEW_DRAIN_MS = 2_000;

/** When a renewal's new connection fails to open, try again after this long (the old one still works). */
export const DEFAULT_RENEW_RETRY_MS = 30_000;

/** A connection that is not open after this long is abandoned and retried. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;

/** A connection that stayed open this long resets the reconnect backoff to its first step. */
export const DEFAULT_STABLE_AFTER_MS = 30_000;

/**
 * The token travels in `Sec-WebSocket-Protocol` by default: browsers and `ws` can both set it, and unlike a
 * query string it does not end up in access logs, proxies' logs or the browser's history.
 */
export const DEFAULT_TOKEN_TRANSPORT: TokenTransport = 'protocol';

/** A publish not acknowledged this long after `publish()` was called is rejected with `publish_timeout`. */
export const DEFAULT_PUBLISH_TIMEOUT_MS = 60_000;

/** Most publishes awaiting their ack at once; past it `publish()` rejects with `too_many_pending`. */
export const DEFAULT_MAX_PENDING_PUBLISHES = 1_000;

/** How many recent frame ids are remembered to drop duplicates (a ring: memory stays bounded). */
export const DEFAULT_DEDUP_CAPACITY = 2_048;

/** Retained last values of the connect-time filters are asked for after every open unless `retained: false`. */
export const DEFAULT_RETAINED = true;

/** After a reconnect or renewal, missed frames are fetched from history unless `catchUp: false`. */
export const DEFAULT_CATCH_UP = true;

/** A history request with no summary within this time is given up: held live frames flow, `gap` fires. */
export const DEFAULT_HISTORY_TIMEOUT_MS = 10_000;

/**
 * Most history pages (`more: true` answers followed) per filter and catch-up: at the bridge's 100 frames a
 * page, 1,000 frames. Past it the rest is reported as a `gap` (`incomplete`), so an outage of hours cannot
 * keep live frames waiting for minutes.
 */
export const DEFAULT_MAX_CATCH_UP_PAGES = 10;

/**
 * Most live (and retained) frames held back while catch-up runs; one more gives the catch-up up (`gap`,
 * `timeout`) and delivers them, so memory stays bounded when the bridge is slow to answer.
 */
export const MAX_HELD_FRAMES = 1_000;

/** The largest `history.initial`: ten of the bridge's history pages. */
export const MAX_INITIAL_HISTORY = 1_000;

/** `history.initial`: how many stored frames a filter gets when first held; 0 fetches none. */
export const DEFAULT_INITIAL_HISTORY = 0;

/**
 * The token's query parameter (`tokenTransport: 'query'`) and subprotocols (`protocol`): the one definition
 * in shared-types, which the bridge's authorizer reads too.
 */
export {
  BEARER_SUBPROTOCOL_PREFIX,
  PROTOCOL_SUBPROTOCOL,
  TOKEN_QUERY_PARAMETER,
} from '@topic-bridge/shared-types';

/** The options after defaults are applied and every value checked. */
export type ResolvedOptions = Required<
  Omit<ConnectOptions, 'token' | 'topics' | 'unauthorizedRetryMs' | 'history'>
> & {
  token: TokenSource | undefined;
  topics: readonly string[];
  unauthorizedRetryMs: number | undefined;
  history: { initial: number; initialWindowMs: number | undefined };
};

const defaultTimers: Timers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};

const DURATIONS = [
  'minReconnectDelayMs',
  'maxReconnectDelayMs',
  'pingIntervalMs',
  'pongTimeoutMs',
  'renewAfterMs',
  'renewDrainMs',
  'renewRetryMs',
  'connectTimeoutMs',
  'stableAfterMs',
  'publishTimeoutMs',
  'historyTimeoutMs',
] as const;

/** Applies the defaults and checks every option; a bad one is named in the thrown ClientConfigError. */
export function resolveOptions(options: ConnectOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    minReconnectDelayMs: DEFAULT_MIN_RECONNECT_DELAY_MS,
    maxReconnectDelayMs: DEFAULT_MAX_RECONNECT_DELAY_MS,
    pingIntervalMs: DEFAULT_PING_INTERVAL_MS,
    pongTimeoutMs: DEFAULT_PONG_TIMEOUT_MS,
    renewAfterMs: DEFAULT_RENEW_AFTER_MS,
    renewDrainMs: DEFAULT_RENEW_DRAIN_MS,
    renewRetryMs: DEFAULT_RENEW_RETRY_MS,
    connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
    stableAfterMs: DEFAULT_STABLE_AFTER_MS,
    tokenTransport: DEFAULT_TOKEN_TRANSPORT,
    publishTimeoutMs: DEFAULT_PUBLISH_TIMEOUT_MS,
    maxPendingPublishes: DEFAULT_MAX_PENDING_PUBLISHES,
    dedupCapacity: DEFAULT_DEDUP_CAPACITY,
    retained: DEFAULT_RETAINED,
    catchUp: DEFAULT_CATCH_UP,
    historyTimeoutMs: DEFAULT_HISTORY_TIMEOUT_MS,
    timers: defaultTimers,
    now: () => Date.now(),
    random: Math.random,
    ...withoutUndefined(options),
    url: options.url,
    WebSocket: options.WebSocket,
    token: options.token,
    topics: options.topics ?? [],
    unauthorizedRetryMs: options.unauthorizedRetryMs,
    history: {
      initial: options.history?.initial ?? DEFAULT_INITIAL_HISTORY,
      initialWindowMs: options.history?.initialWindowMs,
    },
  };
  if (typeof resolved.WebSocket !== 'function') {
    throw new ClientConfigError(
      'WebSocket',
      'pass a WebSocket constructor: the global WebSocket in browsers, `WebSocket` from the "ws" package in Node',
    );
  }
  checkUrl(resolved.url);
  for (const name of DURATIONS) checkPositive(name, resolved[name]);
  if (resolved.unauthorizedRetryMs !== undefined)
    checkPositive('unauthorizedRetryMs', resolved.unauthorizedRetryMs);
  if (
    resolved.token !== undefined &&
    typeof resolved.token !== 'string' &&
    typeof resolved.token !== 'function'
  ) {
    throw new ClientConfigError('token', 'must be a string or a function returning one (getToken)');
  }
  if (resolved.tokenTransport !== 'protocol' && resolved.tokenTransport !== 'query') {
    throw new ClientConfigError(
      'tokenTransport',
      `must be "protocol" or "query", got "${resolved.tokenTransport}"`,
    );
  }
  for (const name of ['retained', 'catchUp'] as const) {
    if (typeof resolved[name] !== 'boolean')
      throw new ClientConfigError(name, `must be true or false, got ${String(resolved[name])}`);
  }
  checkHistory(resolved.history);
  checkPositive('maxPendingPublishes', resolved.maxPendingPublishes);
  checkPositive('dedupCapacity', resolved.dedupCapacity);
  if (resolved.maxReconnectDelayMs < resolved.minReconnectDelayMs) {
    throw new ClientConfigError('maxReconnectDelayMs', 'must not be smaller than minReconnectDelayMs');
  }
  if (resolved.pingIntervalMs >= API_GATEWAY_IDLE_TIMEOUT_MS) {
    throw new ClientConfigError(
      'pingIntervalMs',
      `must be below API Gateway's idle timeout (${API_GATEWAY_IDLE_TIMEOUT_MS} ms)`,
    );
  }
  return resolved;
}

function withoutUndefined(options: ConnectOptions): Partial<ConnectOptions> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}

function checkUrl(url: unknown): void {
  let protocol = '';
  try {
    protocol = new URL(String(url)).protocol;
  } catch {
    // Reported below with the same message as a wrong scheme.
  }
  if (protocol !== 'ws:' && protocol !== 'wss:') {
    throw new ClientConfigError(
      'url',
      `expected a ws:// or wss:// URL such as wss://HOST/bridge, got "${url}"`,
    );
  }
}

function checkHistory(history: ResolvedOptions['history']): void {
  const { initial, initialWindowMs } = history;
  if (!Number.isInteger(initial) || initial < 0 || initial > MAX_INITIAL_HISTORY) {
    throw new ClientConfigError(
      'history.initial',
      `must be an integer from 0 to ${MAX_INITIAL_HISTORY}, got ${String(initial)}`,
    );
  }
  if (initialWindowMs !== undefined) checkPositive('history.initialWindowMs', initialWindowMs);
}

function checkPositive(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ClientConfigError(name, `must be a positive number, got ${String(value)}`);
  }
}
