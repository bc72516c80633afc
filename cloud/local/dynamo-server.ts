import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { LOCAL_HOST } from './free-port.js';
import { type CachedAnswer, REPLAYABLE_OPERATIONS, ReadCache, readKey } from './read-cache.js';

/** dynalite's options that we use; it ships no type declarations. */
interface DynaliteOptions {
  /** LevelDB folder; absent keeps everything in memory. */
  path?: string;
  /** How long a new table stays CREATING; 0 makes ensureTable return at once. */
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}

const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options: DynaliteOptions) => Server;

/** A running dynalite: DynamoDB's API on 127.0.0.1, in memory or in a folder. */
export interface DynamoServer {
  /** `http://127.0.0.1:PORT`, for DYNAMODB_ENDPOINT. */
  endpoint: string;
  port: number;
  /**
   * Fault injection for tests: while unavailable, every request is answered with HTTP 503 (as DynamoDB does
   * when it cannot serve), so that callers exhaust their retries and report `store_unavailable`.
   */
  setAvailable(available: boolean): void;
  /** How many calls of each DynamoDB operation (`Scan`, `Query`, …) the server has received. */
  operationCounts(): Record<string, number>;
  /** Reads answered from the read cache (read-cache.ts) and reads dynalite computed; zeros when it is off. */
  readCacheStats(): { hits: number; misses: number };
  /** Closes the server and its open connections, and releases the data folder. */
  close(): Promise<void>;
}

type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

/** How the local DynamoDB is started. */
export interface DynamoServerOptions {
  /** Port on 127.0.0.1; 0 or absent = OS-chosen. */
  port?: number;
  /** Keep the tables in this folder across restarts; absent keeps them in memory. */
  dataDir?: string;
  /**
   * Replay the answers of reads repeated while nothing was written (read-cache.ts): the same bytes, a fraction
   * of dynalite's CPU. Default true; false gives dynalite as is (bench/dynalite-cpu.ts compares the two).
   */
  replayReads?: boolean;
}

/** Starts dynalite on 127.0.0.1 (port 0 = OS-chosen); `dataDir` keeps the tables on disk across restarts. */
export async function startDynamoServer(options: DynamoServerOptions = {}): Promise<DynamoServer> {
  if (options.dataDir !== undefined) mkdirSync(options.dataDir, { recursive: true });
  const server = dynalite({
    ...(options.dataDir === undefined ? {} : { path: options.dataDir }),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  let available = true;
  const counts: Record<string, number> = {};
  const cache = options.replayReads === false ? undefined : new ReadCache();
  const handlers = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    // The SDK names the operation in this header: `DynamoDB_20120810.Query`.
    const operation =
      String(request.headers['x-amz-target'] ?? 'unknown')
        .split('.')
        .pop() ?? 'unknown';
    counts[operation] = (counts[operation] ?? 0) + 1;
    if (!available) {
      response.writeHead(503, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify({ __type: 'com.amazon.coral.availability#ServiceUnavailableException' }));
      return;
    }
    if (cache === undefined) {
      for (const handle of handlers) handle(request, response);
      return;
    }
    if (!REPLAYABLE_OPERATIONS.has(operation)) {
      const ended = cache.beginOther();
      response.once('finish', ended);
      response.once('close', ended);
      for (const handle of handlers) handle(request, response);
      return;
    }
    answerRead(cache, operation, request, response, handlers);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, LOCAL_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://${LOCAL_HOST}:${port}`,
    port,
    setAvailable(value) {
      available = value;
    },
    operationCounts: () => ({ ...counts }),
    readCacheStats: () => ({ hits: cache?.hits ?? 0, misses: cache?.misses ?? 0 }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets of SDK clients would otherwise hold the close open until they time out.
        server.closeAllConnections();
      }),
  };
}

/**
 * A read: the body is read first (it is the cache key), then answered from the cache, or handed to dynalite as a
 * replayed request (dynalite reads only `headers`, `method`, `url` and the data and end events) and its answer
 * kept when read-cache.ts's rule allows.
 */
function answerRead(
  cache: ReadCache,
  operation: string,
  request: IncomingMessage,
  response: ServerResponse,
  handlers: readonly RequestListener[],
): void {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('error', () => response.destroy());
  request.on('end', () => {
    const body = Buffer.concat(chunks);
    const key = readKey({
      operation,
      body: body.toString('utf8'),
      contentType: String(request.headers['content-type'] ?? ''),
      authorization: String(request.headers.authorization ?? ''),
      hasDate: request.headers['x-amz-date'] !== undefined || request.headers.date !== undefined,
    });
    const cached = key === undefined ? undefined : cache.lookup(key);
    if (cached !== undefined) {
      response.statusCode = 200;
      response.setHeader('x-amzn-RequestId', requestId());
      response.setHeader('x-amz-crc32', cached.crc32);
      response.setHeader('Content-Type', cached.contentType);
      response.setHeader('Content-Length', Buffer.byteLength(cached.body, 'utf8'));
      response.end(cached.body);
      return;
    }
    if (key !== undefined) keepAnswer(response, cache.beginRead(key));
    const replayed = Object.assign(new EventEmitter(), {
      headers: request.headers,
      method: request.method,
      url: request.url,
    }) as unknown as IncomingMessage;
    for (const handle of handlers) handle(replayed, response);
    if (body.length > 0) replayed.emit('data', body);
    replayed.emit('end');
  });
}

/** Passes dynalite's 200 answer (one `end` with the whole body, as its sendData writes it) to `keep`. */
function keepAnswer(response: ServerResponse, keep: (answer: CachedAnswer) => void): void {
  const end = response.end.bind(response) as (...args: unknown[]) => ServerResponse;
  response.end = ((...args: unknown[]) => {
    const [chunk] = args;
    if (response.statusCode === 200 && typeof chunk === 'string') {
      keep({
        body: chunk,
        contentType: String(response.getHeader('Content-Type') ?? 'application/x-amz-json-1.0'),
        crc32: String(response.getHeader('x-amz-crc32') ?? ''),
      });
    }
    return end(...args);
  }) as ServerResponse['end'];
}

/** A request id shaped as dynalite's (52 characters). */
function requestId(): string {
  return randomBytes(39).toString('base64').toUpperCase().replace(/\+|\//g, '0');
}
