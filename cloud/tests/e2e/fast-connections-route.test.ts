import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { tableAccess } from './support/table.js';
import { openClient, type TestClient } from './support/test-client.js';

// The local stack's fast path in front of serverless-offline's `POST /@connections/{connectionId}` route
// (cloud/local/fast-connections-route.mjs) must answer every request exactly as serverless-offline's hapi route
// does, and deliver exactly the same frames. Two stacks, one with it and one without, get the same raw requests.

const SWITCH_ENV = 'TOPIC_BRIDGE_LOCAL_FAST_CONNECTIONS';
const FAST_PATH_ON_LINE = 'topic-bridge: POST /@connections/{connectionId} takes the local fast path';
const TOPIC = 'fast-path/probe';
/** One byte over hapi's default payload limit (1 MiB): hapi answers 413. */
const OVERSIZE_BODY = 'x'.repeat(1024 * 1024 + 1);

interface Probe {
  name: string;
  request(connectionPath: string): string;
}

const post = (path: string, body: string, headers = '') =>
  `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${headers}\r\n${body}`;

const PROBES: Probe[] = [
  { name: 'a post to a held connection', request: (p) => post(p, '{"reading":1}') },
  { name: 'a post with a multi-byte body', request: (p) => post(p, '{"unit":"°C","v":"✓"}') },
  { name: 'a post with an empty body', request: (p) => post(p, '') },
  { name: 'a post to an unknown connection', request: () => post('/@connections/not-a-connection', 'x') },
  { name: 'a post whose id does not decode', request: () => post('/@connections/%E0%A4%A', 'x') },
  { name: 'a post with a trailing slash', request: (p) => post(`${p}/`, '{"reading":2}') },
  { name: 'a post with a query string', request: (p) => post(`${p}?a=1`, '{"reading":3}') },
  { name: 'a post under a stage folder', request: (p) => post(`/local${p}`, '{"reading":4}') },
  {
    name: 'a chunked post',
    request: (p) =>
      `POST ${p} HTTP/1.1\r\nhost: 127.0.0.1\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
  },
  { name: 'a post over the payload limit', request: (p) => post(p, OVERSIZE_BODY) },
  { name: 'a GET', request: (p) => `GET ${p} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n` },
  {
    name: 'a DELETE of an unknown connection',
    request: () =>
      'DELETE /@connections/not-a-connection HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: 0\r\n\r\n',
  },
];

interface Outcome {
  name: string;
  /** The status line and headers (the Date header's value blanked), then the body. */
  response: string;
  /** Frames the subscriber received because of this request. */
  frames: string[];
}

/** Sends one raw request on its own socket and returns the whole answer (the server keeps the socket open). */
function exchange(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk.toString('utf8');
      const headEnd = answer.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const length = /content-length: (\d+)/i.exec(answer.slice(0, headEnd))?.[1];
      if (Buffer.byteLength(answer.slice(headEnd + 4)) >= Number(length ?? 0)) {
        socket.destroy();
        resolve(answer.replace(/^Date: .*$/im, 'Date: -'));
      }
    });
    socket.on('error', reject);
    socket.write(request);
  });
}

/** Runs every probe; after each, a marker post, so that the frames before the marker are the probe's own. */
async function runProbes(
  stack: LocalStack,
  subscriber: TestClient,
  connectionId: string,
): Promise<Outcome[]> {
  const connectionPath = `/@connections/${encodeURIComponent(connectionId)}`;
  const outcomes: Outcome[] = [];
  let seen = subscriber.frames.length;
  for (const [index, probe] of PROBES.entries()) {
    const response = await exchange(stack.wsPort, probe.request(connectionPath));
    const marker = `{"marker":${index}}`;
    await exchange(stack.wsPort, post(connectionPath, marker));
    const frames: string[] = [];
    for (;;) {
      const frame = (await subscriber.waitForFrames(seen + 1))[seen++];
      if (frame === marker) break;
      frames.push(frame ?? '');
    }
    outcomes.push({ name: probe.name, response, frames });
  }
  return outcomes;
}

interface Side {
  stack: LocalStack;
  lines: string[];
  subscriber: TestClient;
  connectionId: string;
}

async function startSide(fastPath: 'on' | 'off'): Promise<Side> {
  const lines: string[] = [];
  const stack = await startLocalStack({
    log: (line) => lines.push(line),
    handlerEnv: { [SWITCH_ENV]: fastPath },
  });
  const subscriber = await openClient(`${stack.wsUrl}?topicName=${TOPIC}`);
  const table = tableAccess(stack);
  try {
    return { stack, lines, subscriber, connectionId: await table.connectionIdHolding(TOPIC) };
  } finally {
    table.close();
  }
}

describe('the local fast path for POST /@connections', () => {
  let fast: Side;
  let hapi: Side;
  beforeAll(async () => {
    [fast, hapi] = await Promise.all([startSide('on'), startSide('off')]);
  });
  afterAll(async () => {
    for (const side of [fast, hapi]) {
      await side?.subscriber.close();
      await side?.stack.stop();
    }
  });

  it('survives a client that goes away in the middle of a body, and answers the next post', async () => {
    for (const side of [fast, hapi]) {
      const path = `/@connections/${encodeURIComponent(side.connectionId)}`;
      await new Promise<void>((resolve, reject) => {
        const socket = connect(side.stack.wsPort, '127.0.0.1', () => {
          socket.write(`POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: 100\r\n\r\n{"cut":`);
          setTimeout(() => {
            socket.destroy();
            resolve();
          }, 50);
        });
        socket.on('error', reject);
      });
      const before = side.subscriber.frames.length;
      const answer = await exchange(side.stack.wsPort, post(path, '{"after":1}'));
      expect(answer).toMatch(/^HTTP\/1\.1 204 No Content\r\n/);
      expect((await side.subscriber.waitForFrames(before + 1)).slice(before)).toEqual(['{"after":1}']);
    }
  });

  it('is in place only when not switched off', () => {
    expect(fast.lines.filter((line) => line.includes(FAST_PATH_ON_LINE))).toHaveLength(1);
    expect(hapi.lines.filter((line) => line.includes(FAST_PATH_ON_LINE))).toHaveLength(0);
  });

  it("answers every request exactly as serverless-offline's route, and delivers the same frames", async () => {
    const withFastPath = await runProbes(fast.stack, fast.subscriber, fast.connectionId);
    const withHapi = await runProbes(hapi.stack, hapi.subscriber, hapi.connectionId);
    expect(withFastPath).toEqual(withHapi);
    // And what both answer is what the handlers rely on.
    const byName = new Map(withFastPath.map((outcome) => [outcome.name, outcome]));
    expect(byName.get('a post to a held connection')).toMatchObject({ frames: ['{"reading":1}'] });
    expect(byName.get('a post to a held connection')?.response).toMatch(/^HTTP\/1\.1 204 No Content\r\n/);
    expect(byName.get('a post with a multi-byte body')?.frames).toEqual(['{"unit":"°C","v":"✓"}']);
    expect(byName.get('a post to an unknown connection')?.response).toMatch(/^HTTP\/1\.1 410 Gone\r\n/);
    expect(byName.get('a post to an unknown connection')?.frames).toEqual([]);
    expect(byName.get('a post whose id does not decode')?.response).toMatch(/^HTTP\/1\.1 400 /);
    expect(byName.get('a post over the payload limit')?.response).toMatch(/^HTTP\/1\.1 413 /);
    expect(byName.get('a post over the payload limit')?.frames).toEqual([]);
  });
});
