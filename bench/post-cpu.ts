/**
 * CPU per post to `@connections`, client side: the lean path (http1/ keep-alive sockets + sigv4.ts with its cached key),
 * the same request unsigned over http1/ alone (the transport's share), the lean path's signed headers computed
 * once and sent with every post (the transport with the real header bytes: lean minus it is the signing), the same path signed by `@smithy/signature-v4` (the SDK's signer) or by aws4fetch instead, the SDK client (`ApiGatewayManagementApiClient`,
 * maxAttempts 1) and a plain unsigned keep-alive `http.request`, in one run against the same local sink (a
 * separate process answering 204 at once, so its CPU is not counted). Rounds interleave the variants; the
 * median round is reported. Run: `npx tsx bench/post-cpu.ts [--full]`. Results: docs/BENCHMARKS.md.
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { AwsV4Signer } from 'aws4fetch';
import { createConnectionsGateway } from '../cloud/src/aws/connections-api.js';
import {
  createHttpConnectionsGateway,
  encodeConnectionId,
  type RequestSigner,
} from '../cloud/src/aws/connections-http.js';
import type { SigningCredentials } from '../cloud/src/aws/credentials.js';
import { createConnectionPool } from '../cloud/src/aws/http1/index.js';
import { createPostSigner } from '../cloud/src/aws/sigv4.js';
import type { ConnectionGateway } from '../cloud/src/core/gateway.js';
import { runBounded } from '../cloud/src/core/run-bounded.js';
import { smithySigner } from './support/smithy-signer.js';

const FULL = process.argv.includes('--full');
/** Posts per variant per round, after the warm-up. */
const POSTS = FULL ? 20_000 : 4_000;
const WARM_UP = FULL ? 5_000 : 2_000;
const ROUNDS = FULL ? 5 : 3;
/** Posts in flight, as in a fan-out. */
const IN_FLIGHT = 16;
/** A typical reading frame. */
const FRAME = JSON.stringify({ topic: 'plant/3/sensor/13', data: { t: 21.5, rh: 40.2, seq: 123456 } });
const CONNECTION_ID = 'Bq3zXcVzIAMCK3A=';
const REGION = 'eu-west-1';
const CREDENTIALS: SigningCredentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  // Lambda's session tokens are about 1,000 characters; their size is part of every post's cost.
  sessionToken: 'IQoJb3JpZ2luX2VjE'.padEnd(1_000, 'x'),
};
const credentials = async () => CREDENTIALS;

type Variant = { name: string; gateway: ConnectionGateway; close(): void };

/** aws4fetch's signer (WebCrypto, its own key cache) in the RequestSigner shape. */
function aws4fetchSigner(): RequestSigner {
  const cache = new Map<string, ArrayBuffer>();
  return async ({ url, path, headers, body }) => {
    const signer = new AwsV4Signer({
      method: 'POST',
      url: new URL(path, url).href,
      headers,
      body: body.toString('utf8'),
      ...CREDENTIALS,
      service: 'execute-api',
      region: REGION,
      cache,
    });
    const signed = await signer.sign();
    return Object.fromEntries(signed.headers.entries());
  };
}

/** A plain keep-alive request with the same body and path, no signature: the floor. */
function plainGateway(endpoint: string): Variant {
  const url = new URL(endpoint);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1_000 });
  const gateway: ConnectionGateway = {
    post: (connectionId, data) =>
      new Promise((resolve, reject) => {
        const body = Buffer.from(data, 'utf8');
        const req = http.request(
          {
            agent,
            host: url.hostname,
            port: url.port,
            method: 'POST',
            path: `/@connections/${encodeConnectionId(connectionId)}`,
            headers: { 'content-type': 'application/octet-stream', 'content-length': String(body.length) },
          },
          (res) => {
            res.resume();
            res.on('end', () =>
              res.statusCode === 204 ? resolve() : reject(new Error(`${res.statusCode}`)),
            );
          },
        );
        req.on('error', reject);
        req.end(body);
      }),
  };
  return { name: 'plain http.request (unsigned)', gateway, close: () => agent.destroy() };
}

/** The same unsigned request over the handlers' own HTTP/1.1 sockets (http1/): the transport alone. */
function plainHttp1Gateway(endpoint: string): Variant {
  const pool = createConnectionPool({ origin: new URL(endpoint), maxSockets: 1_000, idleTimeoutMs: 4_000 });
  const gateway: ConnectionGateway = {
    post: async (connectionId, data) => {
      const response = await pool.request({
        method: 'POST',
        path: `/@connections/${encodeConnectionId(connectionId)}`,
        headers: { 'content-type': 'application/octet-stream' },
        body: Buffer.from(data, 'utf8'),
        timeoutMs: 5_000,
      });
      if (response.status !== 204) throw new Error(`${response.status}`);
    },
  };
  return { name: 'plain over http1/ (unsigned)', gateway, close: () => pool.close() };
}

/**
 * The lean path's request with its signed headers computed once, not per post: the transport with the real
 * header bytes (the session token's 1,000 characters included), so lean minus this is what signing costs.
 */
function presignedHttp1Gateway(endpoint: string): Variant {
  const url = new URL(endpoint);
  const pool = createConnectionPool({ origin: url, maxSockets: 1_000, idleTimeoutMs: 4_000 });
  const body = Buffer.from(FRAME, 'utf8');
  const path = `/@connections/${encodeConnectionId(CONNECTION_ID)}`;
  const signed = createPostSigner(REGION, 'execute-api').sign(url.host, path, body, CREDENTIALS);
  const gateway: ConnectionGateway = {
    post: async () => {
      const response = await pool.request({
        method: 'POST',
        path,
        headers: { ...signed, host: url.host },
        body,
        timeoutMs: 5_000,
      });
      if (response.status !== 204) throw new Error(`${response.status}`);
    },
  };
  return { name: 'signed once, sent over http1/', gateway, close: () => pool.close() };
}

function variants(endpoint: string): Variant[] {
  const lean = createHttpConnectionsGateway({ endpoint, region: REGION, credentials });
  const aws4 = createHttpConnectionsGateway({
    endpoint,
    region: REGION,
    credentials,
    signer: aws4fetchSigner(),
  });
  const smithy = createHttpConnectionsGateway({
    endpoint,
    region: REGION,
    credentials,
    signer: smithySigner(REGION, credentials),
  });
  const sdkClient = new ApiGatewayManagementApiClient({
    endpoint,
    region: REGION,
    credentials: CREDENTIALS,
    maxAttempts: 1,
  });
  return [
    plainGateway(endpoint),
    plainHttp1Gateway(endpoint),
    presignedHttp1Gateway(endpoint),
    { name: 'lean (sigv4.ts)', gateway: lean, close: () => lean.close() },
    { name: 'lean signed by @smithy/signature-v4', gateway: smithy, close: () => smithy.close() },
    { name: 'lean signed by aws4fetch', gateway: aws4, close: () => aws4.close() },
    {
      name: 'SDK client',
      gateway: createConnectionsGateway({ pooled: sdkClient, fresh: sdkClient }),
      close: () => sdkClient.destroy(),
    },
  ];
}

async function posts(gateway: ConnectionGateway, count: number): Promise<void> {
  let failed = 0;
  await runBounded(
    Array.from({ length: count }, (_, i) => i),
    IN_FLIGHT,
    async () => {
      await gateway.post(CONNECTION_ID, FRAME, 5_000).catch(() => failed++);
    },
  );
  if (failed > 0) throw new Error(`${failed} of ${count} posts failed: is the sink running?`);
}

/** CPU microseconds of this process per post over `count` posts. */
async function cpuPerPost(gateway: ConnectionGateway, count: number): Promise<number> {
  const before = process.cpuUsage();
  await posts(gateway, count);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / count;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** One result row: client CPU µs per post (median of the rounds) and its ratio to the plain request. */
export interface PostCpuRow {
  variant: string;
  cpuMicrosPerPost: number;
  ratioToPlain: number;
}

/** Runs the benchmark against a fresh sink process and returns its rows. */
export async function measurePostCpu(): Promise<PostCpuRow[]> {
  const sink = fork(fileURLToPath(new URL('./support/http-sink.mjs', import.meta.url)));
  try {
    const port = await new Promise<number>((resolve) =>
      sink.once('message', (m: { port: number }) => resolve(m.port)),
    );
    const all = variants(`http://127.0.0.1:${port}`);
    for (const variant of all) await posts(variant.gateway, WARM_UP);
    const samples = new Map<string, number[]>(all.map((v) => [v.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const variant of all) samples.get(variant.name)?.push(await cpuPerPost(variant.gateway, POSTS));
    }
    for (const variant of all) variant.close();
    const plain = median(samples.get(all[0]?.name ?? '') ?? []);
    return all.map((v) => {
      const cpu = median(samples.get(v.name) ?? []);
      return {
        variant: v.name,
        cpuMicrosPerPost: Math.round(cpu),
        ratioToPlain: Number((cpu / plain).toFixed(2)),
      };
    });
  } finally {
    sink.kill();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const loadBefore = Number(loadavg()[0]?.toFixed(1));
  const rows = await measurePostCpu();
  // The 1-minute load average before and after (2 cores, shared): client CPU per post grows with it.
  const load = `${loadBefore} -> ${loadavg()[0]?.toFixed(1)}`;
  console.log(
    `CPU per post, client side (${POSTS} posts x ${ROUNDS} rounds, ${IN_FLIGHT} in flight, median round; load ${load})`,
  );
  console.table(rows);
  console.log(
    JSON.stringify({ bench: 'post-cpu', posts: POSTS, rounds: ROUNDS, inFlight: IN_FLIGHT, load, rows }),
  );
}
