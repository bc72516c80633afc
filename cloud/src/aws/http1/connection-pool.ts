import net from 'node:net';
import tls from 'node:tls';
import { HttpTransportError } from '../../errors.js';
import { type HttpResponse, ResponseParser } from './response-parser.js';

/**
 * Keep-alive HTTP/1.1 sockets to one origin, one request at a time per socket (no pipelining: a request is
 * written only to a socket whose previous answer has been read, as Node's own agent does).
 *
 * Why not `http.request`: a post to `@connections` is the hottest call of the bridge (one per subscriber per
 * frame), and Node's client spends ~105-140 µs of CPU on each (ClientRequest, IncomingMessage, their streams,
 * the agent's bookkeeping) where writing the request and parsing the short answer by hand costs ~25-30 µs
 * (docs/BENCHMARKS.md, "CPU per post"). The requests the handlers send are all of one shape: a POST with a
 * small body and a handful of headers, to one origin, answered with a short body.
 */

/** How one pool connects and keeps its sockets. */
export interface ConnectionPoolOptions {
  /** `http://host:port` or `https://host` (the path, if any, is the caller's). */
  origin: URL;
  /** Sockets open at once; requests beyond them wait for a free one, in order. */
  maxSockets: number;
  /** An idle socket is closed after this long (kept below the server's keep-alive timeout). */
  idleTimeoutMs: number;
}

/** One request. `host` is added unless given; `content-length` and `connection` are always the pool's. */
export interface HttpRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  /**
   * Never changed in place once given: the pool keeps the text of the last body it saw and reuses it for the
   * same Buffer (as sigv4.ts keeps its hash), so a fan-out's one frame is converted once.
   */
  body: Buffer;
  /** From the call to the answer's last byte, waiting for a socket included. */
  timeoutMs: number;
  /** Send on a socket of its own, closed after the answer (the retry of a post that got no response). */
  freshSocket?: boolean;
}

/** A pool of sockets; `close()` ends them and fails whatever is still waiting. */
export interface ConnectionPool {
  request(request: HttpRequest): Promise<HttpResponse>;
  close(): void;
}

/** A request in the pool, until it settles. */
interface Exchange {
  request: HttpRequest;
  /**
   * The serialised request line and headers, built before it waits for a socket (a bad header fails at once),
   * followed by the body as latin1 text when the body is small (SINGLE_WRITE_MAX_BODY_BYTES): then one write.
   */
  head: string;
  /** True when `head` holds the body too. */
  withBody: boolean;
  resolve(response: HttpResponse): void;
  reject(error: HttpTransportError): void;
  timer: NodeJS.Timeout;
  settled: boolean;
  socket: PooledSocket | undefined;
}

// Characters that would let a value end its header line (request splitting); our values never hold them.
const UNSAFE_IN_HEADER = /[\r\n\0]/;

/**
 * Bodies up to this size go out in the same write as the head, as latin1 text (which maps each byte to one
 * character and back, so the bytes are unchanged): one `write` instead of cork, two writes and a `writev`,
 * ~5-7 µs less CPU per post inside a fan-out (docs/BENCHMARKS.md, "CPU per post"). Larger bodies (DynamoDB
 * batches) are written as they are, not copied into a string. A fan-out posts one Buffer to every connection:
 * its text is made once per pool (the last body seen is kept).
 */
export const SINGLE_WRITE_MAX_BODY_BYTES = 16 * 1024;

/** Creates a pool for one origin. */
export function createConnectionPool(options: ConnectionPoolOptions): ConnectionPool {
  const secure = options.origin.protocol === 'https:';
  const host = options.origin.hostname;
  const port = Number(options.origin.port || (secure ? 443 : 80));
  const hostHeader = options.origin.host;
  const idle: PooledSocket[] = [];
  const waiting: Exchange[] = [];
  let open = 0;
  let closed = false;
  // TLS sessions are resumed across the pool's sockets: a resumed handshake costs a fraction of a full one.
  let tlsSession: Buffer | undefined;
  let lastBody: Buffer | undefined;
  let lastBodyText = '';
  const bodyText = (body: Buffer): string => {
    if (body !== lastBody) {
      lastBody = body;
      lastBodyText = body.toString('latin1');
    }
    return lastBodyText;
  };

  const connect = (): PooledSocket => {
    open++;
    let socket: net.Socket;
    if (secure) {
      const tlsSocket = tls.connect({
        host,
        port,
        servername: host,
        session: tlsSession,
        ALPNProtocols: ['http/1.1'],
      });
      tlsSocket.on('session', (session: Buffer) => {
        tlsSession = session;
      });
      socket = tlsSocket;
    } else {
      socket = net.connect({ host, port });
    }
    const pooled = new PooledSocket(socket, options.idleTimeoutMs, {
      onIdle: (self) => {
        if (closed) {
          self.destroy();
          return;
        }
        const next = waiting.shift();
        if (next === undefined) idle.push(self);
        else self.send(next);
      },
      onClose: (self) => {
        open--;
        const at = idle.indexOf(self);
        if (at >= 0) idle.splice(at, 1);
        // A socket freed a place: open another for whoever waits.
        const next = waiting.shift();
        if (next !== undefined) dispatch(next);
      },
    });
    return pooled;
  };

  const dispatch = (exchange: Exchange) => {
    if (exchange.settled) return;
    if (exchange.request.freshSocket) {
      const socket = connect();
      socket.closeAfterAnswer = true;
      socket.send(exchange);
      return;
    }
    // A socket the server closed is dropped from `idle` on its 'close' event, a tick after its 'end': skip it.
    let reused = idle.pop();
    while (reused?.destroyed) reused = idle.pop();
    if (reused !== undefined) reused.send(exchange);
    else if (open < options.maxSockets) connect().send(exchange);
    else waiting.push(exchange);
  };

  return {
    request(request) {
      if (closed) return Promise.reject(new HttpTransportError('the connection pool is closed', false));
      const head = requestHead(request, hostHeader);
      if (typeof head !== 'string') return Promise.reject(head);
      const withBody = request.body.length <= SINGLE_WRITE_MAX_BODY_BYTES;
      return new Promise((resolve, reject) => {
        const exchange: Exchange = {
          request,
          head: withBody ? head + bodyText(request.body) : head,
          withBody,
          resolve,
          reject,
          settled: false,
          socket: undefined,
          timer: setTimeout(() => {
            const error = new HttpTransportError(`no answer within ${request.timeoutMs} ms`, true);
            if (exchange.socket === undefined) {
              const at = waiting.indexOf(exchange);
              if (at >= 0) waiting.splice(at, 1);
              settle(exchange, error);
            } else {
              // The answer may still come, in order, on this socket: it cannot carry another request.
              exchange.socket.fail(error);
            }
          }, request.timeoutMs),
        };
        dispatch(exchange);
      });
    },
    close() {
      closed = true;
      for (const socket of idle.splice(0)) socket.destroy();
      for (const exchange of waiting.splice(0))
        settle(exchange, new HttpTransportError('the connection pool was closed', false));
    },
  };
}

function settle(exchange: Exchange, outcome: HttpResponse | HttpTransportError): void {
  if (exchange.settled) return;
  exchange.settled = true;
  clearTimeout(exchange.timer);
  if (outcome instanceof HttpTransportError) exchange.reject(outcome);
  else exchange.resolve(outcome);
}

/** The request line and headers, or an error when a value could split the request. */
function requestHead(request: HttpRequest, hostHeader: string): string | HttpTransportError {
  let head = `${request.method} ${request.path} HTTP/1.1\r\n`;
  let hasHost = false;
  for (const name in request.headers) {
    const value = request.headers[name] as string;
    if (UNSAFE_IN_HEADER.test(value) || UNSAFE_IN_HEADER.test(name))
      return new HttpTransportError(`header ${JSON.stringify(name)} holds a line break or NUL`, false);
    const lower = name.toLowerCase();
    if (lower === 'host') hasHost = true;
    if (lower === 'content-length' || lower === 'connection') continue;
    head += `${name}: ${value}\r\n`;
  }
  if (UNSAFE_IN_HEADER.test(request.path) || request.path.includes(' '))
    return new HttpTransportError('the request path holds a space, line break or NUL', false);
  if (!hasHost) head += `host: ${hostHeader}\r\n`;
  // Said out loud, as Node's agent does: a fresh socket's server closes it after the answer too.
  head += request.freshSocket ? 'connection: close\r\n' : 'connection: keep-alive\r\n';
  return `${head}content-length: ${request.body.length}\r\n\r\n`;
}

interface SocketEvents {
  onIdle(socket: PooledSocket): void;
  onClose(socket: PooledSocket): void;
}

/** One socket of the pool: carries one exchange at a time, then reports itself idle. */
class PooledSocket {
  closeAfterAnswer = false;
  #socket: net.Socket;
  #parser = new ResponseParser();
  #current: Exchange | undefined;
  #idleTimeoutMs: number;
  #events: SocketEvents;
  #destroyed = false;

  constructor(socket: net.Socket, idleTimeoutMs: number, events: SocketEvents) {
    this.#socket = socket;
    this.#idleTimeoutMs = idleTimeoutMs;
    this.#events = events;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('end', () => this.#onEnd());
    socket.on('error', (cause) =>
      this.fail(new HttpTransportError(`socket error: ${cause.message}`, false, cause)),
    );
    socket.on('close', () => {
      this.#destroyed = true;
      this.fail(new HttpTransportError('the server closed the connection without an answer', false));
      this.#events.onClose(this);
    });
    // An idle socket the server has not closed yet is closed by us first (see the pool's idleTimeoutMs).
    socket.on('timeout', () => {
      if (this.#current === undefined) this.destroy();
    });
  }

  send(exchange: Exchange): void {
    this.#current = exchange;
    exchange.socket = this;
    this.#socket.setTimeout(0);
    this.#socket.ref();
    const socket = this.#socket;
    if (exchange.withBody) {
      socket.write(exchange.head, 'latin1');
      return;
    }
    socket.cork();
    socket.write(exchange.head, 'latin1');
    socket.write(exchange.request.body);
    socket.uncork();
  }

  /** Fails the exchange in progress (if any) and closes the socket: its stream can no longer be trusted. */
  fail(error: HttpTransportError): void {
    const exchange = this.#current;
    this.#current = undefined;
    if (exchange !== undefined) settle(exchange, error);
    this.destroy();
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    const result = this.#parser.push(chunk);
    if (!result.ok) {
      this.fail(new HttpTransportError(`unreadable answer: ${result.reason}`, false));
      return;
    }
    for (const response of result.responses) this.#answer(response);
  }

  #onEnd(): void {
    const result = this.#parser.end();
    if (result.ok) for (const response of result.responses) this.#answer(response);
    this.fail(new HttpTransportError('the server closed the connection without an answer', false));
  }

  #answer(response: HttpResponse): void {
    const exchange = this.#current;
    // An answer nobody asked for: the stream is out of step, so nothing more on it can be trusted.
    if (exchange === undefined) {
      this.fail(new HttpTransportError('an unexpected answer', false));
      return;
    }
    this.#current = undefined;
    settle(exchange, response);
    if (response.closeAfter || this.closeAfterAnswer) {
      this.destroy();
      return;
    }
    this.#socket.setTimeout(keepAliveMs(response, this.#idleTimeoutMs));
    // An idle socket does not keep the process alive (as with Node's own agent): a tool may exit at once.
    this.#socket.unref();
    this.#events.onIdle(this);
  }
}

/** Our idle timeout, shortened when the server announces a shorter one (`keep-alive: timeout=5`). */
function keepAliveMs(response: HttpResponse, idleTimeoutMs: number): number {
  const hint = response.headers['keep-alive'];
  if (hint === undefined) return idleTimeoutMs;
  if (hint !== lastHint.text) {
    const seconds = /timeout=(\d+)/.exec(hint)?.[1];
    lastHint.text = hint;
    lastHint.ms = seconds === undefined ? Number.POSITIVE_INFINITY : Number(seconds) * 1000;
  }
  // A second under the server's, so that we close first and never write into a socket it has just closed.
  return Math.max(1, Math.min(idleTimeoutMs, lastHint.ms - 1000));
}

// Every answer of one server carries the same hint: it is parsed once.
const lastHint = { text: '', ms: Number.POSITIVE_INFINITY };
