import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnectionsGateway } from '../../src/aws/connections-api.js';
import { createHttpConnectionsGateway, type HttpConnectionsGateway } from '../../src/aws/connections-http.js';
import type { SigningCredentials } from '../../src/aws/credentials.js';
import type { ConnectionGateway } from '../../src/core/gateway.js';
import { PostError } from '../../src/errors.js';
import { NodeSha256 } from '../support/node-sha256.js';

/** A recorded request, as the server saw it. */
interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  socket: number;
}

/** A real `@connections` stand-in on port 0; the connection id says how to answer. */
class ConnectionsServer {
  readonly seen: Seen[] = [];
  private server: Server | undefined;
  private sockets = 0;
  endpoint = '';

  async start(): Promise<void> {
    const socketIds = new WeakMap<object, number>();
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        let socket = socketIds.get(req.socket);
        if (socket === undefined) {
          socket = ++this.sockets;
          socketIds.set(req.socket, socket);
        }
        const path = req.url ?? '';
        this.seen.push({
          method: req.method ?? '',
          path,
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
          socket,
        });
        const id = decodeURIComponent(path.split('/').pop() ?? '');
        if (id.startsWith('ok200')) return res.writeHead(200).end('{}');
        if (id.startsWith('gone'))
          return res.writeHead(410, { 'x-amzn-ErrorType': 'GoneException' }).end('{"message":null}');
        if (id.startsWith('throttled'))
          return res
            .writeHead(429, { 'x-amzn-ErrorType': 'LimitExceededException' })
            .end('{"message":"Too Many Requests"}');
        if (id.startsWith('boom')) return res.writeHead(500).end('{"message":"Internal server error"}');
        if (id.startsWith('forbidden'))
          return res.writeHead(403, { 'x-amzn-ErrorType': 'ForbiddenException' }).end('{}');
        if (id.startsWith('reset')) return req.socket.destroy();
        if (id.startsWith('hang')) return; // never answers
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

const CREDENTIALS: SigningCredentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'FwoGZXIvYXdzEXAMPLETOKEN',
};
const REGION = 'eu-west-1';
/** Generous, so a slow machine never times out a post meant to succeed; the hang cases use HANG_TIMEOUT_MS. */
const TIMEOUT_MS = 5_000;
const HANG_TIMEOUT_MS = 150;

const server = new ConnectionsServer();
let lean: HttpConnectionsGateway;
let sdk: ConnectionGateway;
let sdkClient: ApiGatewayManagementApiClient;

beforeAll(async () => {
  await server.start();
  lean = createHttpConnectionsGateway({
    endpoint: server.endpoint,
    region: REGION,
    credentials: async () => CREDENTIALS,
  });
  sdkClient = new ApiGatewayManagementApiClient({
    endpoint: server.endpoint,
    region: REGION,
    credentials: CREDENTIALS,
    maxAttempts: 1,
  });
  sdk = createConnectionsGateway({ pooled: sdkClient, fresh: sdkClient });
});

afterAll(async () => {
  lean.close();
  sdkClient.destroy();
  await server.stop();
});

/** How a post ended: 'ok', or the PostError's code and status. */
async function outcome(gateway: ConnectionGateway, id: string): Promise<string> {
  try {
    await gateway.post(id, '{"topic":"t","data":1}', id.startsWith('hang') ? HANG_TIMEOUT_MS : TIMEOUT_MS);
    return 'ok';
  } catch (error) {
    if (!(error instanceof PostError)) return `not a PostError: ${String(error)}`;
    return `${error.code} ${error.status ?? '-'}`;
  }
}

describe('the lean post path against a real HTTP server', () => {
  const cases: [string, string][] = [
    ['ok204-a', 'ok'],
    ['ok200-a', 'ok'],
    ['gone-a', 'gone 410'],
    ['throttled-a', 'throttled 429'],
    ['boom-a', 'server_error 500'],
    ['forbidden-a', 'rejected 403'],
    ['reset-a', 'reset -'],
    ['hang-a', 'timeout -'],
  ];

  it.each(cases)('%s ends as %s, the same as through the SDK client', async (id, expected) => {
    expect(await outcome(lean, id)).toBe(expected);
    expect(await outcome(sdk, id)).toBe(expected);
  });

  it('posts the frame byte for byte to /@connections/{id}, the id escaped as the SDK escapes it', async () => {
    const before = server.seen.length;
    await lean.post('ok204-Bq3z=', '{"topic":"t","data":"é"}', TIMEOUT_MS);
    await sdk.post('ok204-Bq3z=', '{"topic":"t","data":"é"}', TIMEOUT_MS);
    const [ours, theirs] = server.seen.slice(before);
    expect(ours?.path).toBe('/@connections/ok204-Bq3z%3D');
    expect(ours?.path).toBe(theirs?.path);
    expect(ours?.method).toBe('POST');
    expect(ours?.body).toBe('{"topic":"t","data":"é"}');
    expect(ours?.headers['content-length']).toBe(String(Buffer.byteLength('{"topic":"t","data":"é"}')));
  });

  it('reuses one kept-alive socket for posts made one after another', async () => {
    const before = server.seen.length;
    for (let i = 0; i < 5; i++) await lean.post(`ok204-keep-${i}`, 'x', TIMEOUT_MS);
    const sockets = new Set(server.seen.slice(before).map((s) => s.socket));
    expect(sockets.size).toBe(1);
  });

  it('sends a freshSocket post (the retry of a reset) on a socket of its own, never a pooled one', async () => {
    const before = server.seen.length;
    await lean.post('ok204-pooled-1', 'x', TIMEOUT_MS);
    await lean.post('ok204-fresh-1', 'x', TIMEOUT_MS, { freshSocket: true });
    await lean.post('ok204-fresh-2', 'x', TIMEOUT_MS, { freshSocket: true });
    await lean.post('ok204-pooled-2', 'x', TIMEOUT_MS);
    const [pooled1, fresh1, fresh2, pooled2] = server.seen.slice(before).map((s) => s.socket);
    expect(pooled2).toBe(pooled1);
    expect(new Set([pooled1, fresh1, fresh2]).size).toBe(3);
  });

  it('still posts after a reset socket and a timed-out post (each failure costs only its own socket)', async () => {
    expect(await outcome(lean, 'reset-b')).toBe('reset -');
    expect(await outcome(lean, 'hang-b')).toBe('timeout -');
    expect(await outcome(lean, 'ok204-after')).toBe('ok');
  });

  it('keeps a stage path of the endpoint (AWS: https://{api}.execute-api.{region}.amazonaws.com/{stage})', async () => {
    const staged = createHttpConnectionsGateway({
      endpoint: `${server.endpoint}/prod/`,
      region: REGION,
      credentials: async () => CREDENTIALS,
    });
    const before = server.seen.length;
    await staged.post('ok204-staged', 'x', TIMEOUT_MS);
    staged.close();
    expect(server.seen[before]?.path).toBe('/prod/@connections/ok204-staged');
  });
});

describe('the signature the server receives', () => {
  /** The Authorization header the SDK's own signer computes for the request the server saw. */
  async function expectedAuthorization(seen: Seen, credentials: SigningCredentials): Promise<string> {
    const signer = new SignatureV4({
      service: 'execute-api',
      region: REGION,
      credentials,
      sha256: NodeSha256,
      // x-amz-content-sha256 is S3's; execute-api does not ask for it, and the lean path omits it.
      applyChecksum: false,
    });
    const amzDate = String(seen.headers['x-amz-date']);
    const signingDate = new Date(
      `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
    );
    const headers: Record<string, string> = {
      host: String(seen.headers.host),
      'content-type': String(seen.headers['content-type']),
    };
    const signed = await signer.sign(
      {
        method: 'POST',
        protocol: 'http:',
        hostname: '127.0.0.1',
        path: seen.path,
        query: {},
        headers,
        body: seen.body,
      },
      { signingDate },
    );
    return String(signed.headers.authorization);
  }

  it('is the one @smithy/signature-v4 computes for the same request, with a session token', async () => {
    const before = server.seen.length;
    await lean.post('ok204-signed=', '{"topic":"plant/1","data":42}', TIMEOUT_MS);
    const seen = server.seen[before] as Seen;
    expect(seen.headers['x-amz-security-token']).toBe(CREDENTIALS.sessionToken);
    expect(seen.headers.authorization).toBe(await expectedAuthorization(seen, CREDENTIALS));
    expect(seen.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/,
    );
  });

  it('is the SDK signer’s without a session token too, and changes with the body', async () => {
    const plain = { accessKeyId: 'AKIDPLAIN', secretAccessKey: 'secret-without-token' };
    const gateway = createHttpConnectionsGateway({
      endpoint: server.endpoint,
      region: REGION,
      credentials: async () => plain,
    });
    const before = server.seen.length;
    await gateway.post('ok204-a', 'first', TIMEOUT_MS);
    await gateway.post('ok204-a', 'second', TIMEOUT_MS);
    gateway.close();
    const [first, second] = server.seen.slice(before) as [Seen, Seen];
    expect(first.headers['x-amz-security-token']).toBeUndefined();
    expect(first.headers.authorization).toBe(await expectedAuthorization(first, plain));
    expect(second.headers.authorization).toBe(await expectedAuthorization(second, plain));
    expect(second.headers.authorization).not.toBe(first.headers.authorization);
  });
});
