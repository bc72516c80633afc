import { mkdirSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { LOCAL_HOST } from './free-port.js';

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
  /** Closes the server and its open connections, and releases the data folder. */
  close(): Promise<void>;
}

type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

/** Starts dynalite on 127.0.0.1 (port 0 = OS-chosen); `dataDir` keeps the tables on disk across restarts. */
export async function startDynamoServer(
  options: { port?: number; dataDir?: string } = {},
): Promise<DynamoServer> {
  if (options.dataDir !== undefined) mkdirSync(options.dataDir, { recursive: true });
  const server = dynalite({
    ...(options.dataDir === undefined ? {} : { path: options.dataDir }),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  let available = true;
  const counts: Record<string, number> = {};
  const handlers = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    // The SDK names the operation in this header: `DynamoDB_20120810.Query`.
    const operation =
      String(request.headers['x-amz-target'] ?? 'unknown')
        .split('.')
        .pop() ?? 'unknown';
    counts[operation] = (counts[operation] ?? 0) + 1;
    if (available) {
      for (const handle of handlers) handle(request, response);
      return;
    }
    response.writeHead(503, { 'content-type': 'application/x-amz-json-1.0' });
    response.end(JSON.stringify({ __type: 'com.amazon.coral.availability#ServiceUnavailableException' }));
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
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets of SDK clients would otherwise hold the close open until they time out.
        server.closeAllConnections();
      }),
  };
}
