import {
  BEARER_SUBPROTOCOL_PREFIX,
  buildConnectUrl,
  PROTOCOL_SUBPROTOCOL,
  TOKEN_QUERY_PARAMETER,
} from '@topic-bridge/shared-types';
import { ConnectionKeeper, type KeeperEvents, type KeeperOptions } from './keeper.js';
import { Link } from './link.js';
import type { TokenSource } from './token.js';
import type { TokenTransport, WebSocketConstructor, WebSocketLike } from './types.js';

/** What a WebSocket connection to the bridge needs; the browser client and the device agent both fill it. */
export interface BridgeKeeperOptions
  extends Pick<
    KeeperOptions<Link>,
    | 'timers'
    | 'now'
    | 'random'
    | 'minReconnectDelayMs'
    | 'maxReconnectDelayMs'
    | 'stableAfterMs'
    | 'connectTimeoutMs'
  > {
  /** The bridge's WebSocket URL, without filters or token. */
  url: string;
  WebSocket: WebSocketConstructor;
  token?: TokenSource | undefined;
  tokenTransport: TokenTransport;
  /** The filters the next connection should carry in its URL. */
  filters(): ReadonlySet<string>;
  /** Puts a text message on the socket; `socket.send(text)` when absent. */
  sendText?: (socket: WebSocketLike, text: string) => void;
  pingIntervalMs: number;
  pongTimeoutMs: number;
  renewAfterMs: number;
  renewDrainMs: number;
  renewRetryMs: number;
  unauthorizedRetryMs?: number | undefined;
}

/** The keeper's events, plus what a WebSocket link receives. */
export interface BridgeKeeperEvents extends KeeperEvents<Link> {
  text(link: Link, raw: string): void;
  binary(link: Link): void;
}

const PING_FRAME = JSON.stringify({ action: 'ping' });

/** The characters a `Sec-WebSocket-Protocol` value may hold (RFC 7230 tchar); a JWT only uses these. */
const SUBPROTOCOL_VALUE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Why `transport` cannot carry `token`, if it cannot. */
export function tokenTransportProblem(token: string, transport: TokenTransport): string | undefined {
  if (transport === 'query' || SUBPROTOCOL_VALUE.test(token)) return undefined;
  return 'the token has characters a Sec-WebSocket-Protocol value cannot carry (a JWT never does); use tokenTransport "query" for such a token';
}

/** Where and how to dial: the URL with its filters (and the token, for `query`), and the subprotocols. */
export function connectTarget(
  baseUrl: string,
  filters: readonly string[],
  token: string | undefined,
  transport: TokenTransport,
): { url: string; protocols: string[] } {
  if (token === undefined) return { url: buildConnectUrl(baseUrl, filters), protocols: [] };
  if (transport === 'query') {
    return { url: buildConnectUrl(baseUrl, filters, { [TOKEN_QUERY_PARAMETER]: token }), protocols: [] };
  }
  return {
    url: buildConnectUrl(baseUrl, filters),
    protocols: [PROTOCOL_SUBPROTOCOL, `${BEARER_SUBPROTOCOL_PREFIX}${token}`],
  };
}

/**
 * A keeper of WebSocket links to the bridge: each dial carries the current filters and a fresh token,
 * pings are `{"action":"ping"}`, and links are renewed before API Gateway's 2-hour limit. Call `start()`.
 */
export function keepBridgeConnection(
  options: BridgeKeeperOptions,
  events: BridgeKeeperEvents,
): ConnectionKeeper<Link> {
  return new ConnectionKeeper<Link>(
    {
      ...options,
      tokenProblem: (token) => tokenTransportProblem(token, options.tokenTransport),
      dial: (token, reports) => {
        const filters = options.filters();
        const target = connectTarget(options.url, [...filters], token, options.tokenTransport);
        const link: Link = new Link(
          {
            WebSocket: options.WebSocket,
            ...target,
            filters,
            ...(options.sendText ? { sendText: options.sendText } : {}),
            report: (cause) => events.report(cause),
          },
          {
            open: () => reports.open(),
            text: (raw) => events.text(link, raw),
            binary: () => events.binary(link),
            closed: (end) => reports.closed(end),
          },
        );
        return link;
      },
      ping: {
        intervalMs: options.pingIntervalMs,
        timeoutMs: options.pongTimeoutMs,
        send: (link) => link.send(PING_FRAME),
      },
      renew: { afterMs: options.renewAfterMs, drainMs: options.renewDrainMs, retryMs: options.renewRetryMs },
    },
    events,
  );
}
