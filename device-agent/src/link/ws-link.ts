import { EventEmitter } from 'node:events';
import {
  type Link as BridgeLink,
  type ConnectionKeeper,
  DEFAULT_RENEW_RETRY_MS,
  DEFAULT_TOKEN_TRANSPORT,
  keepBridgeConnection,
  type Timers,
  type TokenSource,
  type TokenTransport,
} from '@topic-bridge/client';
import { isReplyFrame, parseServerFrame } from '@topic-bridge/shared-types';
import type { ClientOptions, WebSocket } from 'ws';
import type { InputLogger } from '../inputs/input.js';
import { systemTimers } from '../timers.js';
import type { BackoffPolicy } from './backoff.js';
import { corkSocketUntilNextTick } from './cork.js';
import { sendInFrames } from './fragment.js';
import type { Link, LinkEvents, LinkState } from './link.js';

/** The `ws` WebSocket class, or anything constructed like it (injected, so tests can wrap it). */
export type WebSocketConstructor = new (
  url: string,
  protocols?: string | string[],
  options?: ClientOptions,
) => WebSocket;

export interface WsLinkTiming {
  /** A connection attempt that has not opened after this long is abandoned (then backoff). */
  connectTimeoutMs: number;
  /** An application ping (`{"action":"ping"}`) is sent this often; well inside API Gateway's 10-minute idle timeout. */
  pingIntervalMs: number;
  /** No pong this long after a ping: the connection is dead; it is dropped and re-established. */
  pongTimeoutMs: number;
  /** A connection this old is replaced (new one first, then the old one closes), before API Gateway's 2-hour cap. */
  renewAfterMs: number;
  /** After a renewal, the old connection stays open this long at most for its outstanding acks. */
  renewDrainMs: number;
  backoff: BackoffPolicy & {
    /** A connection that stayed up this long resets the backoff to its initial delay. */
    stableAfterMs: number;
  };
}

export interface WsLinkOptions extends WsLinkTiming {
  url: string;
  WebSocket: WebSocketConstructor;
  logger: InputLogger;
  /** The bearer token, or a function asked before every connect and renewal (the token file is re-read). */
  token?: TokenSource | undefined;
  tokenTransport?: TokenTransport;
  /** After the bridge refused the token: try again this often (readings stay queued meanwhile). */
  unauthorizedRetryMs?: number;
  random?: () => number;
  timers?: Timers;
  now?: () => number;
}

/**
 * After the bridge refused the token (401/403) or the token expired: try again this often, reading the
 * token again each time, so a fixed clock or a new token file lets the agent resume by itself without
 * hammering the bridge (and its authorizer) in the meantime.
 */
export const UNAUTHORIZED_RETRY_MS = 60_000;

/** How long `stop()` waits for the close handshakes before giving up on them. */
const STOP_GRACE_MS = 2000;

/**
 * The WebSocket link to the bridge, on the client library's connection keeper (reconnect with full-jitter
 * backoff, pings, renewal before API Gateway's 2-hour limit, tokens, final refusals). What the agent adds:
 * messages over 32 KB go out as continuation frames, and acks are tracked per connection, so frames sent
 * on a connection that closed before their ack are reported `unacked` and sent again.
 */
export class WsLink extends EventEmitter<LinkEvents> implements Link {
  private keeper?: ConnectionKeeper<BridgeLink>;
  /** Ids sent on each connection and not yet acknowledged or rejected. */
  private readonly pending = new Map<BridgeLink, Set<string>>();
  private linkState: LinkState = 'disconnected';
  private dialed = false;
  private lastDialOpened = false;
  private refusalLogged = false;

  constructor(private readonly options: WsLinkOptions) {
    super();
  }

  get state(): LinkState {
    return this.linkState;
  }

  /** Starts connecting in the background. */
  start(): void {
    if (this.keeper !== undefined) return;
    const { options } = this;
    const timers = options.timers ?? systemTimers;
    this.keeper = keepBridgeConnection(
      {
        url: options.url,
        WebSocket: options.WebSocket,
        token: options.token,
        tokenTransport: options.tokenTransport ?? DEFAULT_TOKEN_TRANSPORT,
        filters: () => new Set(),
        sendText: (socket, text) => {
          corkSocketUntilNextTick(socket as WebSocket);
          sendInFrames(socket as WebSocket, text);
        },
        timers,
        now: options.now ?? Date.now,
        random: options.random ?? Math.random,
        minReconnectDelayMs: options.backoff.initialMs,
        maxReconnectDelayMs: options.backoff.maxMs,
        stableAfterMs: options.backoff.stableAfterMs,
        connectTimeoutMs: options.connectTimeoutMs,
        pingIntervalMs: options.pingIntervalMs,
        pongTimeoutMs: options.pongTimeoutMs,
        renewAfterMs: options.renewAfterMs,
        renewDrainMs: options.renewDrainMs,
        renewRetryMs: DEFAULT_RENEW_RETRY_MS,
        unauthorizedRetryMs: options.unauthorizedRetryMs ?? UNAUTHORIZED_RETRY_MS,
      },
      {
        dialing: (_attempt, renewal) => this.onDialing(renewal),
        opened: (link, renewed) => this.onOpened(link, renewed),
        text: (link, raw) => this.onText(link, raw),
        binary: () => this.options.logger.debug({}, 'unexpected binary frame from the bridge'),
        ended: (link) => this.onEnded(link),
        reconnecting: (reason, _attempt, delayMs) => this.onReconnecting(reason, delayMs),
        unauthorized: (reason, status, retryInMs) => this.onUnauthorized(reason, status, retryInMs),
        report: (cause) => this.options.logger.warn({ err: String(cause) }, 'unexpected link failure'),
      },
    );
    this.keeper.start();
  }

  /** Sends a frame on the live connection; false when there is none. */
  send(id: string, text: string): boolean {
    const link = this.keeper?.active;
    if (link === undefined || !link.send(text)) return false;
    this.pendingOn(link).add(id);
    return true;
  }

  /** Closes every connection (waiting briefly for their close handshakes) and stops reconnecting. */
  async stop(): Promise<void> {
    const keeper = this.keeper;
    if (keeper === undefined || this.linkState === 'stopped') return;
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([
      keeper.stop('agent stopping'),
      new Promise<void>((resolve) => {
        grace = setTimeout(resolve, STOP_GRACE_MS);
      }),
    ]);
    clearTimeout(grace);
    for (const link of [...this.pending.keys()]) this.onEnded(link);
    this.setState('stopped', 'stopped');
  }

  private onDialing(renewal: boolean): void {
    if (renewal) {
      this.options.logger.info({ renewAfterMs: this.options.renewAfterMs }, 'renewing the bridge connection');
      return;
    }
    this.lastDialOpened = false;
    this.setState('connecting', `${this.dialed ? 'reconnecting' : 'connecting'} to ${this.options.url}`);
    this.dialed = true;
  }

  private onOpened(link: BridgeLink, renewed: boolean): void {
    this.lastDialOpened = true;
    this.refusalLogged = false;
    if (!renewed) {
      this.setState('connected', `connected to ${this.options.url}`);
      return;
    }
    // The old connection closes at once when nothing sent on it awaits an ack.
    for (const old of this.keeper?.live() ?? []) if (old !== link) this.drainIfIdle(old);
    this.options.logger.info({ url: this.options.url }, 'bridge connection renewed');
    this.setState('connected', 'renewed');
  }

  private onText(link: BridgeLink, text: string): void {
    const parsed = parseServerFrame(text);
    if (!parsed.ok) {
      this.options.logger.debug(
        { reason: parsed.error.reason, frame: text.slice(0, 200) },
        'unexpected frame',
      );
      return;
    }
    const frame = parsed.value;
    if (!isReplyFrame(frame)) {
      this.emit('frame', frame);
      return;
    }
    if (frame.type === 'pong') {
      this.keeper?.pong(link);
      return;
    }
    if (frame.type === 'ack') {
      this.pending.get(link)?.delete(frame.id);
      this.emit('ack', frame.id, frame.delivered, frame.failed ?? 0);
    } else if (frame.type === 'error' && frame.id !== undefined) {
      this.pending.get(link)?.delete(frame.id);
      this.emit('reject', frame.id, frame.code, frame.reason);
    } else {
      this.emit('frame', frame);
    }
    if (link !== this.keeper?.active) this.drainIfIdle(link);
  }

  private onEnded(link: BridgeLink): void {
    const ids = this.pending.get(link);
    this.pending.delete(link);
    if (ids !== undefined && ids.size > 0) this.emit('unacked', [...ids]);
  }

  private onReconnecting(reason: string, delayMs: number | undefined): void {
    // Without a delay, a renewal's new connection is already taking over.
    if (delayMs === undefined) return;
    const detail = this.lastDialOpened ? 'connection closed' : 'could not connect';
    this.lastDialOpened = false;
    this.options.logger.warn({ url: this.options.url, reason, retryInMs: delayMs }, `bridge ${detail}`);
    this.setState('disconnected', detail);
  }

  private onUnauthorized(reason: string, status: number | undefined, retryInMs: number | undefined): void {
    const fields = { url: this.options.url, status, retryInMs };
    const message = `not authorized by the bridge: ${reason}. Readings stay queued; fix bridge.token or bridge.tokenFile (or the clock) and the agent resumes by itself (next try in ${Math.round((retryInMs ?? 0) / 1000)} s)`;
    // One clear line per outage; the slow retries that follow are logged at debug level.
    if (this.refusalLogged) this.options.logger.debug(fields, message);
    else this.options.logger.error(fields, message);
    this.refusalLogged = true;
    if (this.keeper?.active === undefined) this.setState('disconnected', `unauthorized: ${reason}`);
  }

  private drainIfIdle(link: BridgeLink): void {
    if ((this.pending.get(link)?.size ?? 0) === 0) this.keeper?.drained(link);
  }

  private pendingOn(link: BridgeLink): Set<string> {
    let ids = this.pending.get(link);
    if (ids === undefined) {
      ids = new Set();
      this.pending.set(link, ids);
    }
    return ids;
  }

  private setState(state: LinkState, detail: string): void {
    if (state === this.linkState && state !== 'connected') return;
    this.linkState = state;
    this.emit('state', state, detail);
  }
}
