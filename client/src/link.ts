import type { Timers, WebSocketConstructor, WebSocketLike } from './types.js';

/** What a link reports to the client. Called at most once each for `open` and `closed`. */
export interface LinkEvents {
  open(): void;
  text(raw: string): void;
  binary(): void;
  /** The link ended without the client asking: the socket closed, failed, or did not open in time. */
  closed(reason: string): void;
}

/** How to dial one link. */
export interface DialParams {
  WebSocket: WebSocketConstructor;
  url: string;
  /** The filters carried by `url`: what the bridge will hold for this link once it opens. */
  filters: ReadonlySet<string>;
  timers: Timers;
  connectTimeoutMs: number;
  /** Receives anything a handler threw, so that nothing escapes into the socket's event loop. */
  report(cause: unknown): void;
}

/** The code sent when the client closes a socket on purpose (API Gateway accepts 1000 and 3000-4999). */
const NORMAL_CLOSURE = 1000;

const ignore = (): void => {};

/**
 * One WebSocket connection to the bridge. It reports its end exactly once, never throws out of a socket
 * handler, and says nothing more once the client closes it.
 */
export class Link {
  readonly filters: ReadonlySet<string>;
  #socket: WebSocketLike | undefined;
  #open = false;
  #ended = false;
  #connectTimer: unknown;
  readonly #params: DialParams;
  readonly #events: LinkEvents;

  constructor(params: DialParams, events: LinkEvents) {
    this.filters = params.filters;
    this.#params = params;
    this.#events = events;
    try {
      this.#socket = new params.WebSocket(params.url);
    } catch (cause) {
      params.timers.setTimeout(
        () => this.#end(`could not open a WebSocket to ${params.url}: ${String(cause)}`),
        0,
      );
      return;
    }
    this.#attach(this.#socket);
    this.#connectTimer = params.timers.setTimeout(() => {
      if (this.#open) return;
      this.#closeSocket('connect timeout');
      this.#end(`the connection did not open within ${params.connectTimeoutMs} ms`);
    }, params.connectTimeoutMs);
  }

  /** True from the socket's open until its end. */
  get isOpen(): boolean {
    return this.#open && !this.#ended;
  }

  /** Sends a text frame; returns false (and sends nothing) when the link is not open. */
  send(text: string): boolean {
    if (!this.isOpen || this.#socket === undefined) return false;
    try {
      this.#socket.send(text);
      return true;
    } catch (cause) {
      this.#params.report(cause);
      return false;
    }
  }

  /** Closes the link on purpose; no `closed` event follows. */
  close(reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#params.timers.clearTimeout(this.#connectTimer);
    this.#closeSocket(reason);
  }

  #attach(socket: WebSocketLike): void {
    socket.onopen = () =>
      this.#guard(() => {
        this.#params.timers.clearTimeout(this.#connectTimer);
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
        const why = event.reason ? `: ${event.reason}` : '';
        this.#end(`the connection closed (code ${event.code}${why})`);
      });
    // An error is always followed by a close, which is where the link ends. (ws throws on an error
    // event without a listener, so this stays a function, never null.)
    socket.onerror = ignore;
  }

  #guard(handler: () => void): void {
    if (this.#ended) return;
    try {
      handler();
    } catch (cause) {
      this.#params.report(cause);
    }
  }

  #end(reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#params.timers.clearTimeout(this.#connectTimer);
    this.#detach();
    this.#events.closed(reason);
  }

  #closeSocket(reason: string): void {
    const socket = this.#socket;
    if (socket === undefined) return;
    this.#detach();
    try {
      socket.close(NORMAL_CLOSURE, reason);
    } catch (cause) {
      this.#params.report(cause);
    }
  }

  #detach(): void {
    const socket = this.#socket;
    if (socket === undefined) return;
    socket.onopen = ignore;
    socket.onmessage = ignore;
    socket.onclose = ignore;
  }
}
