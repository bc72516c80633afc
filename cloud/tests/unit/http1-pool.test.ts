import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConnectionPool,
  createConnectionPool,
  type HttpRequest,
  SINGLE_WRITE_MAX_BODY_BYTES,
} from '../../src/aws/http1/index.js';
import { HttpTransportError } from '../../src/errors.js';

/**
 * A real HTTP server on port 0 that answers each request with `<socket number> <path> <body>`; the path says
 * how: `/close` adds `connection: close`, `/hang` never answers, `/reset` destroys the socket.
 */
let server: Server;
let origin: URL;
let socketsSeen = 0;
const socketNumbers = new WeakMap<Socket, number>();
const openSockets = new Set<Socket>();
const pathsSeen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      pathsSeen.push(req.url ?? '');
      if (req.url === '/hang') return;
      if (req.url === '/echo') return res.writeHead(200).end(Buffer.concat(chunks));
      if (req.url === '/reset') return req.socket.destroy();
      const headers: Record<string, string> = req.url === '/close' ? { connection: 'close' } : {};
      res.writeHead(200, headers).end(`${socketNumbers.get(req.socket)} ${req.url} ${Buffer.concat(chunks)}`);
    });
  });
  server.on('connection', (socket: Socket) => {
    socketNumbers.set(socket, ++socketsSeen);
    openSockets.add(socket);
    socket.on('close', () => openSockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const pools: ConnectionPool[] = [];
afterEach(() => {
  for (const pool of pools.splice(0)) pool.close();
});

function poolOf(maxSockets: number, idleTimeoutMs = 4_000): ConnectionPool {
  const pool = createConnectionPool({ origin, maxSockets, idleTimeoutMs });
  pools.push(pool);
  return pool;
}

function post(path: string, body = '', extra: Partial<HttpRequest> = {}): HttpRequest {
  return { method: 'POST', path, headers: {}, body: Buffer.from(body), timeoutMs: 5_000, ...extra };
}

/** The answer's body: `<socket> <path> <body>`, with the socket number made relative to `base`. */
async function answer(pool: ConnectionPool, request: HttpRequest, base: number): Promise<string> {
  const response = await pool.request(request);
  const [socket, ...rest] = response.body.toString().split(' ');
  return `${response.status} s${Number(socket) - base} ${rest.join(' ')}`;
}

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'answered';
  } catch (error) {
    if (!(error instanceof HttpTransportError)) return `not an HttpTransportError: ${String(error)}`;
    return `${error.timedOut ? 'timed out' : 'no answer'}: ${error.message}`;
  }
}

describe('the connection pool against a real HTTP server', () => {
  it('carries requests made one after another on one kept-alive socket, each with its own answer', async () => {
    const pool = poolOf(4);
    const base = socketsSeen;
    const answers: string[] = [];
    for (const n of [1, 2, 3]) answers.push(await answer(pool, post(`/p${n}`, `body ${n}`), base));
    expect(answers).toEqual(['200 s1 /p1 body 1', '200 s1 /p2 body 2', '200 s1 /p3 body 3']);
  });

  it('sends every byte value of a body unchanged, small (one write with the head) or large (a write of its own)', async () => {
    const pool = poolOf(1);
    const everyByte = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const bodies = [
      everyByte,
      Buffer.alloc(0),
      Buffer.concat([everyByte, everyByte]).subarray(0, 300),
      Buffer.alloc(SINGLE_WRITE_MAX_BODY_BYTES, everyByte),
      Buffer.alloc(SINGLE_WRITE_MAX_BODY_BYTES + 1, everyByte),
      everyByte, // the same Buffer again after others: not a stale copy of the last one
    ];
    for (const body of bodies) {
      const response = await pool.request(post('/echo', '', { body }));
      expect(response.status).toBe(200);
      expect(response.body.equals(body)).toBe(true);
    }
  });

  it('opens at most maxSockets sockets; the requests beyond wait and are answered in order', async () => {
    const pool = poolOf(3);
    const base = socketsSeen;
    const answers = await Promise.all(
      Array.from({ length: 9 }, (_, n) => answer(pool, post(`/q${n}`, String(n)), base)),
    );
    expect(answers.map((a) => a.split(' ').slice(2).join(' '))).toEqual(
      Array.from({ length: 9 }, (_, n) => `/q${n} ${n}`),
    );
    expect(new Set(answers.map((a) => a.split(' ')[1]))).toEqual(new Set(['s1', 's2', 's3']));
    expect(socketsSeen - base).toBe(3);
  });

  it('opens a new socket after an answer with connection: close', async () => {
    const pool = poolOf(1);
    const base = socketsSeen;
    expect(await answer(pool, post('/close'), base)).toBe('200 s1 /close ');
    expect(await answer(pool, post('/after'), base)).toBe('200 s2 /after ');
  });

  it('notices a socket the server closed while idle and sends the next request on a new one', async () => {
    server.keepAliveTimeout = 100;
    try {
      const pool = poolOf(1);
      const base = socketsSeen;
      expect(await answer(pool, post('/first'), base)).toBe('200 s1 /first ');
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(await answer(pool, post('/later'), base)).toBe('200 s2 /later ');
    } finally {
      server.keepAliveTimeout = 5_000;
    }
  });

  it('closes an idle socket itself after idleTimeoutMs', async () => {
    const pool = poolOf(1, 50);
    const base = socketsSeen;
    expect(await answer(pool, post('/first'), base)).toBe('200 s1 /first ');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(openSockets.size).toBe(0);
    expect(await answer(pool, post('/later'), base)).toBe('200 s2 /later ');
  });

  it('times out a request that gets no answer, closing its socket; the next request is answered', async () => {
    const pool = poolOf(1);
    const base = socketsSeen;
    expect(await failure(pool.request(post('/hang', '', { timeoutMs: 100 })))).toBe(
      'timed out: no answer within 100 ms',
    );
    expect(await answer(pool, post('/next'), base)).toBe('200 s2 /next ');
  });

  it('times out a request still waiting for a socket, and never sends it', async () => {
    const pool = poolOf(1);
    const hung = pool.request(post('/hang', '', { timeoutMs: 300 }));
    const queued = pool.request(post('/queued', '', { timeoutMs: 100 }));
    expect(await failure(queued)).toBe('timed out: no answer within 100 ms');
    expect(await failure(hung)).toBe('timed out: no answer within 300 ms');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(pathsSeen).not.toContain('/queued');
  });

  it('fails a request whose socket the server destroys, as no answer', async () => {
    const pool = poolOf(1);
    expect(await failure(pool.request(post('/reset')))).toBe(
      'no answer: the server closed the connection without an answer',
    );
  });

  it('fails a request to a port nobody listens on, as no answer', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const pool = createConnectionPool({
      origin: new URL(`http://127.0.0.1:${port}`),
      maxSockets: 1,
      idleTimeoutMs: 100,
    });
    pools.push(pool);
    expect(await failure(pool.request(post('/x')))).toMatch(/^no answer: socket error: connect ECONNREFUSED/);
  });

  it('sends a freshSocket request on a socket of its own and closes it after the answer', async () => {
    const pool = poolOf(2);
    const base = socketsSeen;
    expect(await answer(pool, post('/pooled'), base)).toBe('200 s1 /pooled ');
    expect(await answer(pool, post('/fresh', '', { freshSocket: true }), base)).toBe('200 s2 /fresh ');
    expect(await answer(pool, post('/pooled-again'), base)).toBe('200 s1 /pooled-again ');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(openSockets.size).toBe(1);
  });

  it('refuses a header or path that could split the request, before sending anything', async () => {
    const pool = poolOf(1);
    const before = socketsSeen;
    const injected = post('/x', '', { headers: { 'x-evil': 'a\r\nx-injected: 1' } });
    expect(await failure(pool.request(injected))).toBe(
      'no answer: header "x-evil" holds a line break or NUL',
    );
    expect(await failure(pool.request(post('/a b')))).toBe(
      'no answer: the request path holds a space, line break or NUL',
    );
    expect(socketsSeen).toBe(before);
  });

  it('after close(), fails the requests still waiting and refuses new ones', async () => {
    const pool = poolOf(1);
    const hung = pool.request(post('/hang', '', { timeoutMs: 2_000 }));
    const waiting = pool.request(post('/waiting'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    pool.close();
    expect(await failure(waiting)).toBe('no answer: the connection pool was closed');
    expect(await failure(pool.request(post('/late')))).toBe('no answer: the connection pool is closed');
    expect(await failure(hung)).toBe('timed out: no answer within 2000 ms');
  });
});

describe('a process using the pool', () => {
  it('exits as soon as its work is done, its idle kept-alive socket notwithstanding', async () => {
    const { spawn } = await import('node:child_process');
    const script = `
      import { createConnectionPool } from ${JSON.stringify(new URL('../../src/aws/http1/index.ts', import.meta.url).pathname)};
      const pool = createConnectionPool({ origin: new URL(${JSON.stringify(origin.href)}), maxSockets: 1, idleTimeoutMs: 60000 });
      const response = await pool.request({ method: 'POST', path: '/exit', headers: {}, body: Buffer.from('x'), timeoutMs: 5000 });
      console.log(response.status);
    `;
    // The server would keep the socket open for minutes: only the pool's unref lets the child exit early.
    server.keepAliveTimeout = 120_000;
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve)).finally(() => {
      server.keepAliveTimeout = 5_000;
    });
    expect({ code, out: out.trim() }).toEqual({ code: 0, out: '200' });
    // Far below the pool's 60 s idle timeout and the server's 120 s: the idle socket did not hold the process.
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
