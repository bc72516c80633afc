import type { WebSocketConstructor, WebSocketLike } from './types.js';

/** How a link ended without being asked to. */
export interface LinkEnding {
  /** For people: what happened. */
  reason: string;
  /** The HTTP status that refused the handshake, when the environment tells it (Node's `ws` does). */
  status?: number;
}

/** What a link reports to its owner. Called at most once each for `open` and `closed`. */
export interface LinkEvents {
  open(): void;
  text(raw: string): void;
  binary(): void;
  /** The link ended without its owner asking: the socket closed or failed. */
  closed(ending: LinkEnding): void;
}

/** How to dial one link. */
export interface DialParams {
  WebSocket: WebSocketConstructor;
  url: string;
  /** Offered as `Sec-WebSocket-Protocol`; empty offers none. */
  protocols: readonly string[];
  /** The filters carried by `url`: what the bridge will hold for this link once it opens. */
  filters: ReadonlySet<string>;
  /** Puts a text message on the socket (the device agent splits large ones into continuation frames). */
  sendText?: (socket: WebSocketLike, text: string) => void;
  /** Receives anything a handler threw, so that nothing escapes into the socket's event loop. */
  report(cause: unknown): void;
}

/** The code sent when a socket is closed on purpose (API Gateway accepts 1000 and 3000-4999). */
const NORMAL_CLOSURE = 1000;

/** `ws`'s message when a handshake got another HTTP answer than 101 and nobody took `unexpected-response`. */
const UNEXPECTED_RESPONSE = /Unexpected server response: (\d{3})/;

const ignore = (): void => {};

/**
 * One WebSocket connection to the bridge. It reports its end exactly once, never throws out of a socket
 * handler, and says nothing more once its owner closes it.
 */
export class Link {
  readonly filters: ReadonlySet<string>;
  #socket: WebSocketLike | undefined;
  #open = false;
  #ended = false;
  #status: number | undefined;
  /** What the last socket error said (Node's `ws` says why, e.g. ECONNREFUSED; browsers say nothing). */
  #error: string | undefined;
  #closing: Promise<void> | undefined;
  readonly #params: DialParams;
  readonly #events: LinkEvents;

  constructor(params: DialParams, events: LinkEvents) {
    this.filters = params.filters;
    this.#params = params;
    this.#events = events;
    try {
      this.#socket =
        params.protocols.length === 0
          ? new params.WebSocket(params.url)
          : new params.WebSocket(params.url, [...params.protocols]);
    } catch (cause) {
      queueMicrotask(() => this.#end({ reason: `could not open a WebSocket: ${String(cause)}` }));
      return;
    }
    this.#attach(this.#socket);
  }

  /** True from the socket's open until its end. */
  get isOpen(): boolean {
    return this.#open && !this.#ended;
  }

  /** Sends a text message; returns false (and sends nothing) when the link is not open. */
  send(text: string): boolean {
    if (!this.isOpen || this.#socket === undefined) return false;
    try {
      if (this.#params.sendText) this.#params.sendText(this.#socket, text);
      else this.#socket.send(text);
      return true;
    } catch (cause) {
      this.#params.report(cause);
      return false;
    }
  }

  /** Closes the link on purpose; no `closed` event follows. Resolves once the socket has closed. */
  close(reason: string): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#ended = true;
    const socket = this.#socket;
    if (socket === undefined || socket.readyState === CLOSED) {
      this.#closing = Promise.resolve();
      return this.#closing;
    }
    this.#closing = new Promise((resolve) => {
      socket.onopen = ignore;
      socket.onmessage = ignore;
      socket.onclose = () => resolve();
      try {
        socket.close(NORMAL_CLOSURE, reason);
      } catch (cause) {
        this.#params.report(cause);
        resolve();
      }
    });
    return this.#closing;
  }

  #attach(socket: WebSocketLike): void {
    socket.onopen = () =>
      this.#guard(() => {
        this.#open = true;
        this.#events.open();
      });
    socket.onmessage = (event) =>
      this.#guard(() => {
        if (typeof event.data === 'string') this.#events.text(event.data);
        else this.#events.binary();
      });
    socket.onclose = (event) =>
      this.#guard(() => {
        if (this.#status !== undefined) {
          this.#end({
            reason: `the bridge refused the connection (HTTP ${this.#status})`,
            status: this.#status,
          });
          return;
        }
        if (!this.#open) {
          this.#end({ reason: `the connection failed${this.#error ? ` (${this.#error})` : ''}` });
          return;
        }
        const why = event.reason ? `: ${event.reason}` : '';
        this.#end({ reason: `the connection closed (code ${event.code}${why})` });
      });
    // An error is always followed by a close, which is where the link ends. (ws throws on an error
    // event without a listener, so this stays a function, never null.)
    socket.onerror = (event) => {
      const message = (event as { message?: unknown } | undefined)?.message;
      const status = typeof message === 'string' ? UNEXPECTED_RESPONSE.exec(message)?.[1] : undefined;
      if (status !== undefined) this.#status ??= Number(status);
      this.#error = errorDetail(event) ?? this.#error;
    };
    // Node's `ws` tells the handshake's HTTP status here; browsers never do (they only see a close 1006).
    const emitter = socket as unknown as {
      on?: (event: string, listener: (...args: never[]) => void) => void;
    };
    if (typeof emitter.on === 'function') {
      emitter.on('unexpected-response', (_request: unknown, response: { statusCode?: number }) => {
        this.#status = response.statusCode;
        // With a listener, ws leaves the aborting to us; close() in CONNECTING aborts and emits close.
        socket.close();
      });
    }
  }

  #guard(handler: () => void): void {
    if (this.#ended) return;
    try {
      handler();
    } catch (cause) {
      this.#params.report(cause);
    }
  }

  #end(ending: LinkEnding): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#closing = Promise.resolve();
    const socket = this.#socket;
    if (socket !== undefined) {
      socket.onopen = ignore;
      socket.onmessage = ignore;
      socket.onclose = ignore;
    }
    this.#events.closed(ending);
  }
}

/** A socket error event's most telling part: the system error code (ECONNREFUSED, ENOTFOUND) or the message. */
function errorDetail(event: unknown): string | undefined {
  const error = (event as { error?: unknown } | undefined)?.error as
    | { code?: unknown; message?: unknown; errors?: { code?: unknown }[] }
    | undefined;
  const code = error?.code ?? error?.errors?.[0]?.code;
  if (typeof code === 'string') return code;
  const message = error?.message ?? (event as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' && message !== '' ? message : undefined;
}

/** WebSocket.CLOSED, the same in browsers and `ws`. */
const CLOSED = 3;
