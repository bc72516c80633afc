import { EventEmitter } from 'node:events';
import { isReplyFrame, parseServerFrame } from '@topic-bridge/shared-types';
import type { ClientOptions, WebSocket } from 'ws';
import type { InputLogger } from '../inputs/input.js';
import { type BackoffPolicy, backoffDelay } from './backoff.js';
import { sendInFrames } from './fragment.js';
import type { Link, LinkEvents, LinkState } from './link.js';

/** The `ws` WebSocket class, or anything constructed like it (injected, so tests can wrap it). */
export type WebSocketConstructor = new (url: string, options?: ClientOptions) => WebSocket;

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
  random?: () => number;
}

/** One WebSocket and what the link tracks for it. */
interface Connection {
  socket: WebSocket;
  /** Ids sent on this connection and not yet acknowledged or rejected. */
  pending: Set<string>;
  timers: NodeJS.Timeout[];
  pongTimer?: NodeJS.Timeout;
  opened: boolean;
  retiring: boolean;
  /** The last socket error, reported with the close that follows it. */
  lastError?: string;
}

const PING_FRAME = JSON.stringify({ action: 'ping' });
const CLOSE_NORMAL = 1000;
const STOP_GRACE_MS = 2000;

/**
 * The WebSocket link to the bridge: one live connection, reconnected with full-jitter backoff, kept alive with
 * application pings, and renewed before API Gateway's 2-hour limit without losing a frame.
 */
export class WsLink extends EventEmitter<LinkEvents> implements Link {
  private current?: Connection;
  private candidate?: Connection;
  private readonly retiring = new Set<Connection>();
  private attempt = 0;
  private reconnectTimer?: NodeJS.Timeout;
  private stopped = true;
  private linkState: LinkState = 'disconnected';

  constructor(private readonly options: WsLinkOptions) {
    super();
  }

  get state(): LinkState {
    return this.linkState;
  }

  /** Starts connecting in the background. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.setState('connecting', `connecting to ${this.options.url}`);
    this.current = this.open(false);
  }

  /** Sends a frame on the live connection; false when there is none. */
  send(id: string, text: string): boolean {
    const connection = this.current;
    if (!connection?.opened || connection.socket.readyState !== connection.socket.OPEN) return false;
    connection.pending.add(id);
    sendInFrames(connection.socket, text);
    return true;
  }

  /** Closes every connection (waiting briefly for their close handshakes) and stops reconnecting. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    const all = [this.current, this.candidate, ...this.retiring].filter(
      (c): c is Connection => c !== undefined,
    );
    await Promise.all(all.map((connection) => this.closeAndWait(connection)));
    this.current = undefined;
    this.candidate = undefined;
    this.setState('stopped', 'stopped');
  }

  private open(isRenewal: boolean): Connection {
    const socket = new this.options.WebSocket(this.options.url, {
      handshakeTimeout: this.options.connectTimeoutMs,
    });
    const connection: Connection = { socket, pending: new Set(), timers: [], opened: false, retiring: false };
    socket.on('open', () => this.onOpen(connection, isRenewal));
    socket.on('message', (data) => this.onMessage(connection, String(data)));
    socket.on('error', (error) => {
      connection.lastError = error.message;
    });
    socket.on('close', (code, reason) => this.onClose(connection, code, String(reason)));
    return connection;
  }

  private onOpen(connection: Connection, isRenewal: boolean): void {
    connection.opened = true;
    const { pingIntervalMs, renewAfterMs, backoff } = this.options;
    connection.timers.push(
      setInterval(() => this.ping(connection), pingIntervalMs),
      setTimeout(() => {
        this.attempt = 0;
      }, backoff.stableAfterMs),
      setTimeout(() => this.renew(), renewAfterMs),
    );
    if (isRenewal) {
      const old = this.current;
      this.candidate = undefined;
      this.current = connection;
      if (old) this.retire(old);
      this.options.logger.info({ url: this.options.url }, 'bridge connection renewed');
      this.setState('connected', 'renewed');
      return;
    }
    this.setState('connected', `connected to ${this.options.url}`);
  }

  private onMessage(connection: Connection, text: string): void {
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
      clearTimeout(connection.pongTimer);
      connection.pongTimer = undefined;
      return;
    }
    if (frame.type === 'ack') {
      connection.pending.delete(frame.id);
      this.emit('ack', frame.id, frame.delivered);
    } else if (frame.type === 'error' && frame.id !== undefined) {
      connection.pending.delete(frame.id);
      this.emit('reject', frame.id, frame.code, frame.reason);
    } else {
      this.emit('frame', frame);
    }
    if (connection.retiring && connection.pending.size === 0)
      connection.socket.close(CLOSE_NORMAL, 'renewed');
  }

  private ping(connection: Connection): void {
    if (connection.pongTimer || connection.retiring) return;
    connection.socket.send(PING_FRAME);
    connection.pongTimer = setTimeout(() => {
      this.options.logger.warn(
        { pongTimeoutMs: this.options.pongTimeoutMs },
        'no pong from the bridge: reconnecting',
      );
      connection.socket.terminate();
    }, this.options.pongTimeoutMs);
  }

  /** Opens the replacement connection; the old one keeps working until the new one is open. */
  private renew(): void {
    if (this.stopped || this.candidate) return;
    this.options.logger.info({ renewAfterMs: this.options.renewAfterMs }, 'renewing the bridge connection');
    this.candidate = this.open(true);
  }

  private retire(connection: Connection): void {
    connection.retiring = true;
    this.retiring.add(connection);
    clearTimeout(connection.pongTimer);
    for (const timer of connection.timers) clearTimeout(timer);
    if (connection.pending.size === 0) {
      connection.socket.close(CLOSE_NORMAL, 'renewed');
      return;
    }
    connection.timers = [
      setTimeout(() => connection.socket.close(CLOSE_NORMAL, 'renewed'), this.options.renewDrainMs),
    ];
  }

  private onClose(connection: Connection, code: number, reason: string): void {
    for (const timer of connection.timers) clearTimeout(timer);
    clearTimeout(connection.pongTimer);
    this.retiring.delete(connection);
    if (connection.pending.size > 0) this.emit('unacked', [...connection.pending]);
    connection.pending.clear();
    if (this.stopped) return;
    if (connection === this.candidate) {
      this.candidate = undefined;
      const delay = backoffDelay(this.attempt++, this.options.backoff, this.options.random);
      this.options.logger.warn({ code, reason, retryInMs: delay }, 'the renewal connection failed; retrying');
      this.current?.timers.push(setTimeout(() => this.renew(), delay));
      return;
    }
    if (connection !== this.current) return;
    this.current = undefined;
    const delay = backoffDelay(this.attempt++, this.options.backoff, this.options.random);
    const detail = connection.opened ? `connection closed (code ${code})` : 'could not connect';
    const fields = { url: this.options.url, code, reason, err: connection.lastError, retryInMs: delay };
    this.options.logger.warn(fields, `bridge ${detail}`);
    this.setState('disconnected', detail);
    this.reconnectTimer = setTimeout(() => {
      this.setState('connecting', `reconnecting to ${this.options.url}`);
      this.current = this.open(false);
    }, delay);
  }

  private closeAndWait(connection: Connection): Promise<void> {
    const { socket } = connection;
    if (socket.readyState === socket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const force = setTimeout(() => socket.terminate(), STOP_GRACE_MS);
      socket.once('close', () => {
        clearTimeout(force);
        resolve();
      });
      if (socket.readyState === socket.CONNECTING) socket.terminate();
      else socket.close(CLOSE_NORMAL, 'agent stopping');
    });
  }

  private setState(state: LinkState, detail: string): void {
    if (state === this.linkState && state !== 'connected') return;
    this.linkState = state;
    this.emit('state', state, detail);
  }
}
