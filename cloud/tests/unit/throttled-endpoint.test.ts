import { type ChildProcess, fork } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ThrottledEndpointStats } from '../../../bench/support/throttled-endpoint-stats.js';
import { createHttpConnectionsGateway, type HttpConnectionsGateway } from '../../src/aws/connections-http.js';
import { PostError } from '../../src/errors.js';

/**
 * The benchmarks' stand-in `@connections` endpoint (bench/support/throttled-endpoint.mjs, raw mode): its
 * counts are what bench/fan-out-limit.ts reports as lost and duplicated, so its parser must accept every
 * signed post our client sends, refuse what is not one, and throttle as AWS does. A real process on port 0.
 */

const ENDPOINT = fileURLToPath(new URL('../../../bench/support/throttled-endpoint.mjs', import.meta.url));
/** No latency; a burst of 3 and a rate so low that no token comes back during the test. */
const ARGS = ['0', '0.001', '3', 'raw'];
const TIMEOUT_MS = 10_000;

let endpoint: ChildProcess;
let port = 0;
let gateway: HttpConnectionsGateway;

function ask<T>(message: string): Promise<T> {
  return new Promise((resolve) => {
    endpoint.once('message', (answer) => resolve(answer as T));
    endpoint.send(message);
  });
}

/**
 * A raw client socket. `send` writes bytes and resolves with the text that came back: once it holds `answers`
 * complete heads (our 204s have no body), or once the server closed the socket (pass Infinity to wait for that).
 */
function rawClient() {
  const socket = net.connect(port, '127.0.0.1');
  let text = '';
  let closed = false;
  let check: (() => void) | undefined;
  socket.on('data', (chunk) => {
    text += chunk.toString('latin1');
    check?.();
  });
  socket.on('close', () => {
    closed = true;
    check?.();
  });
  socket.on('error', () => {});
  return {
    send(request: string, answers: number): Promise<string> {
      const from = text.length;
      socket.write(request, 'latin1');
      return new Promise((resolve) => {
        check = () => {
          const got = text.slice(from);
          if (closed || got.split('\r\n\r\n').length - 1 >= answers) {
            check = undefined;
            resolve(got);
          }
        };
        check();
      });
    },
    get closed() {
      return closed;
    },
    destroy: () => socket.destroy(),
  };
}

const SIGNED_HEADERS =
  'host: 127.0.0.1\r\nx-amz-date: 20261201T160000Z\r\n' +
  'authorization: AWS4-HMAC-SHA256 Credential=AKID/20261201/eu-west-1/execute-api/aws4_request, ' +
  `SignedHeaders=content-type;host;x-amz-date, Signature=${'a'.repeat(64)}\r\n`;

const post = (path: string, extra = '', body = '{}') =>
  `POST ${path} HTTP/1.1\r\n${SIGNED_HEADERS}${extra}content-length: ${body.length}\r\n\r\n${body}`;

beforeAll(async () => {
  endpoint = fork(ENDPOINT, ARGS, { execArgv: [] });
  port = await new Promise<number>((resolve) =>
    endpoint.once('message', (m) => resolve((m as { port: number }).port)),
  );
  gateway = createHttpConnectionsGateway({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'eu-west-1',
    credentials: async () => ({
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'secret',
      sessionToken: 'token',
    }),
  });
});

afterAll(() => {
  gateway.close();
  endpoint.kill();
});

beforeEach(async () => {
  await ask('reset');
});

describe('the stand-in @connections endpoint (raw mode)', () => {
  it('accepts the lean path’s signed posts until the burst is spent, then answers 429 LimitExceededException', async () => {
    const outcomes: string[] = [];
    for (const id of ['a', 'b=', 'a', 'c']) {
      try {
        await gateway.post(id, '{"topic":"t","data":1}', TIMEOUT_MS);
        outcomes.push('ok');
      } catch (error) {
        outcomes.push(error instanceof PostError ? `${error.code} ${error.status}` : String(error));
      }
    }
    expect(outcomes).toEqual(['ok', 'ok', 'ok', 'throttled 429']);
    expect(await ask<ThrottledEndpointStats>('stats')).toMatchObject({
      accepted: 3,
      distinct: 2,
      duplicates: 1,
      throttled: 1,
      malformed: 0,
      requests: 4,
    });
  });

  it('answers pipelined posts in order on one kept-alive socket, with or without a stage in the path', async () => {
    const client = rawClient();
    const both = await client.send(
      post('/@connections/one') + post('/prod/@connections/two', '', '{"a":"b"}'),
      2,
    );
    expect(both).toBe('HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n');
    // Still open: a third post on the same socket is answered too.
    expect(await client.send(post('/@connections/three'), 1)).toBe('HTTP/1.1 204 No Content\r\n\r\n');
    expect(client.closed).toBe(false);
    client.destroy();
    expect(await ask<ThrottledEndpointStats>('stats')).toMatchObject({
      accepted: 3,
      distinct: 3,
      malformed: 0,
    });
  });

  it('closes the socket after the answer when the request says connection: close', async () => {
    const client = rawClient();
    expect(
      await client.send(post('/@connections/one', 'connection: close\r\n'), Number.POSITIVE_INFINITY),
    ).toBe('HTTP/1.1 204 No Content\r\n\r\n');
    expect(client.closed).toBe(true);
  });

  const refused: Array<[string, string, string]> = [
    [
      'an unsigned post',
      'POST /@connections/x HTTP/1.1\r\nhost: h\r\ncontent-length: 0\r\n\r\n',
      'not signed',
    ],
    ['a GET', 'GET /@connections/x HTTP/1.1\r\nhost: h\r\n\r\n', 'not a POST'],
    ['another path', post('/prod/other/x'), 'not a POST'],
    ['a chunked body', post('/@connections/x', 'transfer-encoding: chunked\r\n'), 'a transfer-encoding'],
    ['no content-length', `POST /@connections/x HTTP/1.1\r\n${SIGNED_HEADERS}\r\n`, 'no content-length'],
    ['a malformed header line', post('/@connections/x', 'no colon here\r\n'), 'a malformed header line'],
  ];

  it.each(refused)(
    'refuses %s with 400, closes the socket and counts it malformed',
    async (_, request, reason) => {
      const client = rawClient();
      const text = await client.send(request, Number.POSITIVE_INFINITY);
      expect(text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(text).toContain(`malformed request: ${reason}`);
      expect(client.closed).toBe(true);
      expect(await ask<ThrottledEndpointStats>('stats')).toMatchObject({
        accepted: 0,
        malformed: 1,
        requests: 0,
      });
    },
  );
});
