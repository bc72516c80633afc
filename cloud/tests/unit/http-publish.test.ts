import {
  FULL_ACCESS,
  MAX_FRAME_BYTES,
  MAX_HTTP_PUBLISH_BODY_BYTES,
  MAX_HTTP_PUBLISH_FRAMES,
  MAX_JSON_DEPTH,
} from '@topic-bridge/shared-types';
import { describe, expect, it } from 'vitest';
import { BEARER_CHALLENGE, type BearerOutcome, bearerTokenOf } from '../../src/auth/bearer.js';
import {
  checkFrame,
  type HttpPublishDeps,
  handleHttpPublish,
  MAX_HTTP_PUBLISH_BODY_DEPTH,
  MIN_FRAME_BUDGET_MS,
  parsePublishBody,
} from '../../src/core/http-publish.js';

describe('parsePublishBody', () => {
  it('reads one frame, or a batch, each as the exact text its subscribers receive', () => {
    expect(parsePublishBody('{ "topic": "a", "message": [1, 2.50], "id": "x", "ts": 5 }')).toEqual({
      ok: true,
      value: [
        {
          ok: true,
          frame: { topic: 'a', message: [1, 2.5], id: 'x', ts: 5 },
          text: '{"topic":"a","message":[1,2.5],"id":"x","ts":5}',
        },
      ],
    });
    const batch = parsePublishBody(
      '{"frames":[{"topic":"a","message":1},{"topic":"b","message":null,"id":"2"}]}',
    );
    expect(batch.ok && batch.value.map((check) => check.ok && check.text)).toEqual([
      '{"topic":"a","message":1}',
      '{"topic":"b","message":null,"id":"2"}',
    ]);
  });

  it('checks each frame of a batch on its own, with the WebSocket codes and the id when valid', () => {
    const parsed = parsePublishBody(
      JSON.stringify({
        frames: [
          { topic: 'ok', message: 1 },
          { topic: 'a/+', message: 1, id: 'w' },
          { topic: 'x', id: 'm' },
          { topic: 'x', message: 1, id: '' },
          { action: 'ping', id: 'p' },
          { action: 'nope' },
          7,
          { topic: 'x', message: 'y'.repeat(MAX_FRAME_BYTES) },
        ],
      }),
    );
    expect(parsed.ok && parsed.value.map((check) => (check.ok ? 'ok' : check.result))).toEqual([
      'ok',
      { id: 'w', error: { code: 'wildcard_in_publish_topic', reason: expect.any(String) } },
      { id: 'm', error: { code: 'missing_message', reason: expect.any(String) } },
      { error: { code: 'invalid_id', reason: expect.any(String) } },
      {
        id: 'p',
        error: { code: 'unknown_action', reason: expect.stringContaining('"ping" needs a WebSocket') },
      },
      { error: { code: 'unknown_action', reason: expect.any(String) } },
      { error: { code: 'not_an_object', reason: expect.any(String) } },
      { error: { code: 'message_too_large', reason: expect.any(String) } },
    ]);
  });

  it.each([
    ['not json', 400, 'malformed_json'],
    ['', 400, 'malformed_json'],
    ['[]', 400, 'not_an_object'],
    ['"text"', 400, 'not_an_object'],
    ['null', 400, 'not_an_object'],
    ['{"frames":{}}', 400, 'invalid_batch'],
    ['{"frames":[]}', 400, 'invalid_batch'],
    ['{"frames":[{"topic":"a","message":1}],"retain":true}', 400, 'invalid_batch'],
    [
      JSON.stringify({ frames: Array(MAX_HTTP_PUBLISH_FRAMES + 1).fill({ topic: 'a', message: 1 }) }),
      400,
      'too_many_frames',
    ],
    [
      `${'['.repeat(MAX_HTTP_PUBLISH_BODY_DEPTH + 1)}${']'.repeat(MAX_HTTP_PUBLISH_BODY_DEPTH + 1)}`,
      400,
      'nesting_too_deep',
    ],
  ])('refuses the body %j whole with %i %s', (body, status, code) => {
    expect(parsePublishBody(body)).toEqual({
      ok: false,
      error: { status, error: { code, reason: expect.any(String) } },
    });
  });

  it('takes exactly MAX_HTTP_PUBLISH_FRAMES frames and a body of exactly MAX_HTTP_PUBLISH_BODY_BYTES, not one more', () => {
    const full = parsePublishBody(
      JSON.stringify({ frames: Array(MAX_HTTP_PUBLISH_FRAMES).fill({ topic: 'a', message: 1 }) }),
    );
    expect(full.ok && full.value).toHaveLength(MAX_HTTP_PUBLISH_FRAMES);
    const frame = (bytes: number) => {
      const empty = '{"topic":"a","message":""}';
      return `{"topic":"a","message":"${'é'.repeat((bytes - empty.length) / 2)}"}`;
    };
    expect(Buffer.byteLength(frame(MAX_HTTP_PUBLISH_BODY_BYTES))).toBe(MAX_HTTP_PUBLISH_BODY_BYTES);
    expect(parsePublishBody(frame(MAX_HTTP_PUBLISH_BODY_BYTES)).ok).toBe(true);
    expect(parsePublishBody(`${frame(MAX_HTTP_PUBLISH_BODY_BYTES)} `)).toEqual({
      ok: false,
      error: {
        status: 413,
        error: { code: 'body_too_large', reason: expect.stringContaining(`${MAX_HTTP_PUBLISH_BODY_BYTES}`) },
      },
    });
  });

  it('keeps a nested frame at the WebSocket depth limit: one frame too deep is refused alone', () => {
    const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
    const body = `{"frames":[{"topic":"a","message":${deep(MAX_JSON_DEPTH - 1)}},{"topic":"b","message":${deep(MAX_JSON_DEPTH)}}]}`;
    const parsed = parsePublishBody(body);
    expect(parsed.ok && parsed.value.map((check) => (check.ok ? 'ok' : check.result.error.code))).toEqual([
      'ok',
      'nesting_too_deep',
    ]);
  });

  it('re-serialises a frame with the one publish-frame encoder: standard fields first, then the others in order', () => {
    expect(checkFrame({ seq: 1, message: '\u00e9', retain: false, topic: 't', id: 'i', ts: 2 })).toEqual({
      ok: true,
      frame: { seq: 1, message: 'é', retain: false, topic: 't', id: 'i', ts: 2 },
      text: '{"topic":"t","message":"é","id":"i","retain":false,"seq":1,"ts":2}',
    });
  });

  it('refuses retain that is not a boolean, and a reserved replay field, as a WebSocket publish is', () => {
    const parsed = parsePublishBody(
      JSON.stringify({
        frames: [
          { topic: 't', message: 1, retain: 'yes', id: 'r' },
          { topic: 't', message: 1, replay: 'history' },
        ],
      }),
    );
    expect(parsed.ok && parsed.value.map((check) => !check.ok && check.result)).toEqual([
      { id: 'r', error: { code: 'invalid_field', reason: '"retain" must be true or false' } },
      { error: { code: 'invalid_field', reason: expect.stringContaining('"replay"') } },
    ]);
  });
});

describe('bearerTokenOf', () => {
  it.each([
    ['Bearer a.b.c', 'a.b.c'],
    ['bearer a.b.c', 'a.b.c'],
    ['  BEARER \t a.b.c  ', 'a.b.c'],
    ['Bearer', undefined],
    ['Bearer a b', undefined],
    ['Basic YTpi', undefined],
    [undefined, undefined],
  ])('reads %j as %j', (header, token) => {
    expect(bearerTokenOf(header)).toBe(token);
  });
});

describe('handleHttpPublish', () => {
  const allowed: BearerOutcome = { ok: true, sub: 's', grants: FULL_ACCESS };
  const deps = (overrides: Partial<HttpPublishDeps> = {}): HttpPublishDeps & { published: string[] } => {
    const published: string[] = [];
    return {
      published,
      authenticate: async () => allowed,
      publishOne: async (frame, text) => {
        published.push(text);
        return frame.id === undefined
          ? { delivered: 1, subscribers: 1, queued: 0 }
          : { id: frame.id, delivered: 1, subscribers: 1, queued: 0 };
      },
      budgetMs: 25_000,
      ...overrides,
    };
  };
  const request = (body: string, method = 'POST') => ({
    method,
    authorization: 'Bearer t',
    body,
    receivedAtMs: 1_700_000_000_000,
  });

  it('answers 405 with Allow: POST to another method, before checking anything', async () => {
    const d = deps({
      authenticate: async () => ({ ok: false, status: 401, challenge: BEARER_CHALLENGE, reason: 'r' }),
    });
    expect(await handleHttpPublish(request('', 'PUT'), d)).toEqual({
      status: 405,
      headers: { Allow: 'POST' },
      body: { error: { code: 'method_not_allowed', reason: 'PUT is not served here: publish with POST' } },
    });
  });

  it('answers 401 with the challenge, 503 when the token could not be checked, 403 without any publish grant', async () => {
    const body = '{"topic":"a","message":1}';
    expect(
      await handleHttpPublish(
        request(body),
        deps({
          authenticate: async () => ({
            ok: false,
            status: 401,
            challenge: BEARER_CHALLENGE,
            reason: 'no token',
          }),
        }),
      ),
    ).toEqual({
      status: 401,
      headers: { 'WWW-Authenticate': BEARER_CHALLENGE },
      body: { error: { code: 'unauthorized', reason: 'no token' } },
    });
    expect(
      await handleHttpPublish(
        request(body),
        deps({ authenticate: async () => ({ ok: false, status: 503, reason: 'later' }) }),
      ),
    ).toEqual({ status: 503, headers: {}, body: { error: { code: 'internal', reason: 'later' } } });
    const noPublish = deps({
      authenticate: async () => ({ ok: true, grants: { publish: [], subscribe: ['#'] } }),
    });
    expect((await handleHttpPublish(request(body), noPublish)).status).toBe(403);
    expect(noPublish.published).toEqual([]);
  });

  it('publishes the good frames one after another, in order, with refused ones answered in their place', async () => {
    const d = deps();
    const answer = await handleHttpPublish(
      request(
        '{"frames":[{"topic":"a","message":1,"id":"1"},{"topic":"#","message":2,"id":"2"},{"topic":"b","message":3}]}',
      ),
      d,
    );
    expect(answer).toEqual({
      status: 200,
      headers: {},
      body: {
        results: [
          { id: '1', delivered: 1, subscribers: 1, queued: 0 },
          { id: '2', error: { code: 'wildcard_in_publish_topic', reason: expect.any(String) } },
          { delivered: 1, subscribers: 1, queued: 0 },
        ],
      },
    });
    expect(d.published).toEqual(['{"topic":"a","message":1,"id":"1"}', '{"topic":"b","message":3}']);
  });

  it("times each frame of a batch 1 ms after the one before, from the request's time (later retained frames win)", async () => {
    const times: number[] = [];
    const d = deps({
      publishOne: async (_frame, _text, _caller, { receivedAtMs }) => {
        times.push(receivedAtMs);
        return { delivered: 0, subscribers: 0, queued: 0 };
      },
    });
    const frames = [1, 2, 3].map((message) => ({ topic: 'a', message, retain: true }));
    await handleHttpPublish(request(JSON.stringify({ frames })), d);
    expect(times).toEqual([1_700_000_000_000, 1_700_000_000_001, 1_700_000_000_002]);
  });

  it('gives each frame what is left of the request budget, and answers not_attempted once too little is left', async () => {
    let clock = 0;
    const budgets: number[] = [];
    const d = deps({
      now: () => clock,
      budgetMs: 10_000,
      publishOne: async (frame, _text, _caller, { budgetMs }) => {
        budgets.push(budgetMs);
        clock += 4_800; // a slow, throttled fan-out
        return { id: frame.id ?? '', delivered: 1, subscribers: 1, queued: 0 };
      },
    });
    const frames = ['1', '2', '3'].map((id) => ({ topic: 'a', message: 1, id }));
    const answer = await handleHttpPublish(request(JSON.stringify({ frames })), d);
    expect(budgets).toEqual([10_000, 5_200]);
    expect(10_000 - 2 * 4_800).toBeLessThan(MIN_FRAME_BUDGET_MS);
    expect((answer.body as { results: unknown[] }).results[2]).toEqual({
      id: '3',
      error: { code: 'not_attempted', reason: expect.stringContaining('send it again') },
    });
  });
});
