import { randomUUID } from 'node:crypto';
import {
  buildConnectUrl,
  MAX_HTTP_PUBLISH_BODY_BYTES,
  MAX_HTTP_PUBLISH_FRAMES,
  TOKEN_QUERY_PARAMETER,
} from '@topic-bridge/shared-types';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { MAX_HTTP_PUBLISH_BODY_DEPTH } from '../../src/core/http-publish.js';
import { signToken, TEST_SECRET, unsignedToken } from '../auth/tokens.js';
import { STACK_START_TIMEOUT_MS } from './support/bridge-context.js';
import { openClient, settle, type TestClient } from './support/test-client.js';

/**
 * HTTP publish (`POST /publish`) through the real local stack: serverless-offline serving our serverless.yml's
 * HTTP API, the httpPublish handler posting to real WebSocket subscribers. Auth on (tokens required), then
 * off (none needed).
 */

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

function useStack(
  auth: boolean,
  handlerEnv: Record<string, string> = {},
  history?: { topics: string[]; maxFrames?: number },
) {
  let stack: LocalStack | undefined;
  const clients: TestClient[] = [];
  const lines: string[] = [];
  beforeAll(async () => {
    stack = await startLocalStack({
      logLevel: 'warn',
      log: (line) => lines.push(line),
      handlerEnv,
      ...(history === undefined ? {} : { history }),
      ...(auth ? { auth: { secret: TEST_SECRET } } : {}),
    });
  }, STACK_START_TIMEOUT_MS);
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });
  afterAll(async () => {
    await stack?.stop();
    if (lines.some((line) => line.includes('"level":"error"'))) console.warn(lines.join('\n'));
  });
  const running = () => {
    if (stack === undefined) throw new Error('the local stack did not start');
    return stack;
  };
  return {
    /** A subscriber to `filter` (with a full-access token when auth is on); closed after the test. */
    async subscribe(filter: string): Promise<TestClient> {
      const base = buildConnectUrl(running().wsUrl, [filter]);
      const url = auth ? `${base}&${TOKEN_QUERY_PARAMETER}=${await signToken()}` : base;
      const client = await openClient(url);
      clients.push(client);
      return client;
    },
    /** POSTs `body` (a string as is, anything else as JSON) to /publish. */
    async post(body: unknown, headers: Record<string, string> = {}, method = 'POST'): Promise<Answer> {
      const response = await fetch(running().publishUrl, {
        method,
        headers: { 'Content-Type': 'application/json', ...headers },
        ...(method === 'GET' ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: JSON.parse(text) };
    },
  };
}

/** A topic level no other test uses. */
const unique = () => `http-${randomUUID().slice(0, 8)}`;

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('HTTP publish with auth on', () => {
  const bridge = useStack(true);

  it('publishes a batch in order: one result per frame, the good frames delivered exactly, the bad ones refused alone', async () => {
    const u = unique();
    const subscriber = await bridge.subscribe(`${u}/#`);
    const good1 = { topic: `${u}/a`, message: 1, id: 'h1' };
    const good2 = { topic: `${u}/b`, message: { v: 3, unit: '°C' } };
    const good3 = { topic: `${u}/c`, message: null, id: 'h6', ts: 1_700_000_000_000 };
    const answer = await bridge.post(
      {
        frames: [
          good1,
          { topic: `${u}/#`, message: 2, id: 'h2' },
          good2,
          { action: 'subscribe', topic: `${u}/x`, id: 'h4' },
          { topic: `${u}/d`, message: 'x', id: 5 },
          good3,
          { topic: `${u}/e`, id: 'h7' },
          'not a frame',
        ],
      },
      bearer(await signToken()),
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      results: [
        { id: 'h1', delivered: 1, subscribers: 1, queued: 0 },
        { id: 'h2', error: { code: 'wildcard_in_publish_topic', reason: expect.any(String) } },
        { delivered: 1, subscribers: 1, queued: 0 },
        { id: 'h4', error: { code: 'unknown_action', reason: expect.stringContaining('WebSocket') } },
        { error: { code: 'invalid_id', reason: expect.any(String) } },
        { id: 'h6', delivered: 1, subscribers: 1, queued: 0 },
        { id: 'h7', error: { code: 'missing_message', reason: expect.any(String) } },
        { error: { code: 'not_an_object', reason: expect.any(String) } },
      ],
    });
    await subscriber.waitForFrames(3);
    await settle();
    // Each frame re-serialised (JSON.stringify of the frame object), in the batch's order, nothing else.
    expect(subscriber.frames).toEqual([JSON.stringify(good1), JSON.stringify(good2), JSON.stringify(good3)]);
  });

  it('delivers a single-frame body as its JSON re-serialisation, and echoes its id', async () => {
    const u = unique();
    const subscriber = await bridge.subscribe(u);
    const body = `{ "topic" : "${u}", "message" : { "value" : 21.50, "note" : "caf\\u00e9" }, "id" : "s1", "seq" : 7 }`;
    const answer = await bridge.post(body, bearer(await signToken()));
    expect(answer).toMatchObject({
      status: 200,
      body: { results: [{ id: 's1', delivered: 1, subscribers: 1, queued: 0 }] },
    });
    await subscriber.waitForFrames(1);
    await settle();
    expect(subscriber.frames).toEqual([
      `{"topic":"${u}","message":{"value":21.5,"note":"café"},"id":"s1","seq":7}`,
    ]);
    // Without an id: counts, no id, and no subscribers is 0 delivered.
    expect((await bridge.post({ topic: `${u}/nobody`, message: 1 }, bearer(await signToken()))).body).toEqual(
      {
        results: [{ delivered: 0, subscribers: 0, queued: 0 }],
      },
    );
  });

  it('refuses a request without a token, with a bad one, an expired one, or alg none: 401 with WWW-Authenticate, nothing delivered', async () => {
    const u = unique();
    const subscriber = await bridge.subscribe(u);
    const frame = { topic: u, message: 'should not arrive', id: 'x' };
    const missing = await bridge.post(frame);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="topic-bridge"');
    expect(missing.body).toEqual({
      error: { code: 'unauthorized', reason: expect.stringContaining('Authorization: Bearer') },
    });
    for (const headers of [
      bearer(await signToken({}, { secret: 'another-secret-another-secret-an' })),
      bearer(await signToken({}, { expiresIn: Math.floor(Date.now() / 1000) - 3600 })),
      bearer(unsignedToken()),
      bearer('not-a-jwt'),
      { Authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
    ]) {
      const refused = await bridge.post(frame, headers);
      expect({
        status: refused.status,
        code: (refused.body as { error: { code: string } }).error.code,
      }).toEqual({
        status: 401,
        code: 'unauthorized',
      });
      expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer realm="topic-bridge"/);
    }
    await settle();
    expect(subscriber.frames).toEqual([]);
  });

  it('answers forbidden per frame for a topic outside the publish grants, and 403 to a token with no publish grant', async () => {
    const u = unique();
    const subscriber = await bridge.subscribe(`${u}/#`);
    const token = await signToken({ publish: [`${u}/allowed/#`], subscribe: [] });
    const allowed = { topic: `${u}/allowed/1`, message: 1, id: 'f1' };
    const answer = await bridge.post(
      { frames: [allowed, { topic: `${u}/other`, message: 2, id: 'f2' }] },
      bearer(token),
    );
    expect(answer).toEqual({
      status: 200,
      headers: expect.anything(),
      body: {
        results: [
          { id: 'f1', delivered: 1, subscribers: 1, queued: 0 },
          {
            id: 'f2',
            error: { code: 'forbidden', reason: `your token does not allow publishing to "${u}/other"` },
          },
        ],
      },
    });
    const none = await bridge.post(allowed, bearer(await signToken({ publish: [] })));
    expect({ status: none.status, body: none.body }).toEqual({
      status: 403,
      body: { error: { code: 'forbidden', reason: expect.stringContaining('no publish') } },
    });
    await subscriber.waitForFrames(1);
    await settle();
    expect(subscriber.frames).toEqual([JSON.stringify(allowed)]);
  });

  it('refuses a body that is not frames (400) or too large (413), whole: nothing delivered', async () => {
    const u = unique();
    const subscriber = await bridge.subscribe(u);
    const token = bearer(await signToken());
    const frame = { topic: u, message: 1 };
    const cases: [unknown, number, string][] = [
      ['{"topic":', 400, 'malformed_json'],
      ['', 400, 'malformed_json'],
      [[frame], 400, 'not_an_object'],
      [{ frames: frame }, 400, 'invalid_batch'],
      [{ frames: [] }, 400, 'invalid_batch'],
      [{ frames: [frame], topic: u }, 400, 'invalid_batch'],
      [{ frames: Array.from({ length: MAX_HTTP_PUBLISH_FRAMES + 1 }, () => frame) }, 400, 'too_many_frames'],
      [{ topic: u, message: 'x'.repeat(MAX_HTTP_PUBLISH_BODY_BYTES) }, 413, 'body_too_large'],
      [
        `${'['.repeat(MAX_HTTP_PUBLISH_BODY_DEPTH + 1)}${']'.repeat(MAX_HTTP_PUBLISH_BODY_DEPTH + 1)}`,
        400,
        'nesting_too_deep',
      ],
    ];
    for (const [body, status, code] of cases) {
      const answer = await bridge.post(body, token);
      expect({ body: String(body).slice(0, 40), status: answer.status, answer: answer.body }).toEqual({
        body: String(body).slice(0, 40),
        status,
        answer: { error: { code, reason: expect.any(String) } },
      });
    }
    // A batch of exactly the limit is fine.
    const full = await bridge.post(
      { frames: Array.from({ length: MAX_HTTP_PUBLISH_FRAMES }, (_, i) => ({ ...frame, id: `n${i}` })) },
      token,
    );
    expect((full.body as { results: unknown[] }).results).toHaveLength(MAX_HTTP_PUBLISH_FRAMES);
    await subscriber.waitForFrames(MAX_HTTP_PUBLISH_FRAMES);
    await settle();
    expect(subscriber.frames).toEqual(
      Array.from({ length: MAX_HTTP_PUBLISH_FRAMES }, (_, i) => JSON.stringify({ ...frame, id: `n${i}` })),
    );
  });

  it('answers another method with 405 and Allow: POST', async () => {
    const answer = await bridge.post(undefined, bearer(await signToken()), 'GET');
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe('POST');
    expect(answer.body).toEqual({
      error: { code: 'method_not_allowed', reason: 'GET is not served here: publish with POST' },
    });
  });
});

describe('HTTP publish with auth off', () => {
  // A share of 1 and pages of 2, so that a publish to three subscribers already goes through the fan-out worker.
  // History kept for `hist/#`.
  const bridge = useStack(
    false,
    { FAN_OUT_INVOCATION_SHARE: '1', FAN_OUT_WORKER_PAGE_SIZE: '2' },
    { topics: ['hist/#'] },
  );

  it('accepts a request without a token, as the WebSocket does', async () => {
    const u = unique();
    const subscriber = await bridge.subscribe(u);
    const frame = { topic: u, message: 'open bridge', id: 'o1' };
    expect(await bridge.post(frame)).toMatchObject({
      status: 200,
      body: { results: [{ id: 'o1', delivered: 1, subscribers: 1, queued: 0 }] },
    });
    await subscriber.waitForFrames(1);
    await settle();
    expect(subscriber.frames).toEqual([JSON.stringify(frame)]);
  });

  it("hands the subscribers past one invocation's share to the fan-out worker, as $default does", async () => {
    const u = unique();
    const subscribers = await Promise.all([1, 2, 3].map(() => bridge.subscribe(u)));
    const frame = { topic: u, message: 'to many', id: 'w1' };
    expect(await bridge.post(frame)).toMatchObject({
      status: 200,
      body: { results: [{ id: 'w1', delivered: 1, subscribers: 3, queued: 2 }] },
    });
    await Promise.all(subscribers.map((subscriber) => subscriber.waitForFrames(1)));
    await settle();
    for (const subscriber of subscribers) expect(subscriber.frames).toEqual([JSON.stringify(frame)]);
  });

  it('retains a frame published over HTTP: the last of a batch wins, replayed to a later retained request', async () => {
    const u = unique();
    const first = { topic: u, message: 1, retain: true, id: 'k1' };
    const last = { topic: u, message: 2, retain: true, id: 'k2' };
    expect((await bridge.post({ frames: [first, last] })).body).toEqual({
      results: [
        { id: 'k1', delivered: 0, subscribers: 0, queued: 0 },
        { id: 'k2', delivered: 0, subscribers: 0, queued: 0 },
      ],
    });
    const late = await bridge.subscribe(`${u}/nothing`);
    late.send({ action: 'retained', topic: u, id: 'q' });
    await late.waitForFrames(2);
    await settle();
    expect(late.frames).toEqual([
      JSON.stringify({ type: 'retained', topic: u, id: 'q', count: 1 }),
      // The encoder's order (topic, message, id, retain), then the replay mark.
      `{"topic":"${u}","message":2,"id":"k2","retain":true,"replay":"retained"}`,
    ]);
  });

  it('keeps the frames of a batch in the topic history, in the batch order', async () => {
    const topic = `hist/${unique()}`;
    const frames = ['1', '2', '3'].map((n) => ({ topic, message: { n }, id: `hh${n}` }));
    expect((await bridge.post({ frames })).status).toBe(200);
    const reader = await bridge.subscribe(`${topic}/nothing`);
    reader.send({ action: 'history', topic, id: 'q' });
    await reader.waitForFrames(4);
    await settle();
    expect(reader.frames).toEqual([
      ...frames.map((frame) => `${JSON.stringify(frame).slice(0, -1)},"replay":"history"}`),
      JSON.stringify({ type: 'history', topic, id: 'q', count: 3, more: false }),
    ]);
  });
});
