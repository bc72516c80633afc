import { describe, expect, it } from 'vitest';
import {
  ERROR_CODES,
  type ErrorCode,
  errorFrame,
  isErrorCode,
  isRetryableError,
  MAX_FILTERS_PER_CONNECTION,
  MAX_FRAME_BYTES,
  MAX_ID_LENGTH,
  MAX_JSON_DEPTH,
  parseClientFrame,
  parseServerFrame,
  validateConnectFilters,
} from '../src/index.js';

/** One example per code that a client frame can earn, with the exact rejection. */
const FRAME_EXAMPLES: Array<[ErrorCode, string, Record<string, string>]> = [
  ['malformed_json', '{"topic":"a",', { reason: 'the frame is not valid JSON' }],
  [
    'not_an_object',
    '"just a string"',
    { reason: 'the frame must be a JSON object such as {"topic":"t","message":1}' },
  ],
  [
    'invalid_topic',
    '{"message":1,"id":"i1"}',
    { reason: 'the frame has no "topic" (and no "action")', id: 'i1' },
  ],
  ['invalid_topic', '{"topic":"a\\u0007b","message":1}', { reason: 'topic contains control characters' }],
  ['invalid_topic', '{"topic":"$SYS/x","message":1}', { reason: 'topic must not start with "$" (reserved)' }],
  [
    'wildcard_in_publish_topic',
    '{"topic":"a/+","message":1}',
    { reason: 'topic "a/+" contains a wildcard ("+" or "#"); wildcards are only for subscriptions' },
  ],
  [
    'missing_message',
    '{"topic":"a","id":"i2"}',
    { reason: 'a publish frame needs a "message" field', id: 'i2' },
  ],
  [
    'invalid_id',
    `{"topic":"a","message":1,"id":"${'x'.repeat(MAX_ID_LENGTH + 1)}"}`,
    { reason: `"id" must be a string of 1 to ${MAX_ID_LENGTH} characters` },
  ],
  [
    'invalid_id',
    '{"topic":"a","message":1,"id":""}',
    { reason: `"id" must be a string of 1 to ${MAX_ID_LENGTH} characters` },
  ],
  [
    'unknown_action',
    '{"action":"publish","id":"i3"}',
    {
      reason: 'unknown action "publish"; known actions: subscribe, unsubscribe, ping, retained, history',
      id: 'i3',
    },
  ],
  [
    'invalid_field',
    '{"topic":"a","message":1,"retain":"yes","id":"r1"}',
    { reason: '"retain" must be true or false', id: 'r1' },
  ],
  [
    'invalid_field',
    '{"topic":"a","message":1,"replay":"retained"}',
    {
      reason: '"replay" is set by the bridge on frames it delivers from storage; remove it from the publish',
    },
  ],
  [
    'invalid_field',
    '{"action":"history","topic":"a/#","since":-1,"id":"h1"}',
    {
      reason: `"since" must be a frame id (a string of 1 to ${MAX_ID_LENGTH} characters) or a time in epoch milliseconds (a whole number ≥ 0)`,
      id: 'h1',
    },
  ],
  [
    'invalid_field',
    '{"action":"history","topic":"a","limit":101}',
    { reason: '"limit" must be a whole number from 1 to 100' },
  ],
  [
    'unknown_action',
    '{"action":7}',
    { reason: 'unknown action number; known actions: subscribe, unsubscribe, ping, retained, history' },
  ],
  [
    'invalid_topic',
    '{"action":"subscribe","topic":"a/b#"}',
    {
      reason:
        'topic filter "a/b#" has a misplaced wildcard: "#" must be the whole last level, as in "sensors/#"',
    },
  ],
  ['invalid_topic', '{"action":"unsubscribe"}', { reason: 'topic filter must be a string' }],
  [
    'nesting_too_deep',
    `{"topic":"a","message":${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}}`,
    { reason: `the frame nests objects or arrays deeper than ${MAX_JSON_DEPTH} levels` },
  ],
];

describe('each error code, by example', () => {
  it.each(FRAME_EXAMPLES)('%s for %s', (code, raw, rest) => {
    expect(parseClientFrame(raw)).toEqual({ ok: false, error: { code, ...rest } });
  });

  it('message_too_large for a frame over MAX_FRAME_BYTES', () => {
    const raw = JSON.stringify({ topic: 'a', message: 'x'.repeat(MAX_FRAME_BYTES) });
    expect(parseClientFrame(raw)).toMatchObject({ ok: false, error: { code: 'message_too_large' } });
  });

  it('too_many_subscriptions for more connect-time filters than allowed (duplicates count once)', () => {
    const filters = Array.from({ length: MAX_FILTERS_PER_CONNECTION }, (_, i) => `t/${i}`);
    expect(validateConnectFilters([...filters, 't/0'])).toEqual({ ok: true, value: filters });
    expect(validateConnectFilters([...filters, 'one/more'])).toEqual({
      ok: false,
      error: {
        code: 'too_many_subscriptions',
        reason: `at most ${MAX_FILTERS_PER_CONNECTION} topic filters per connection`,
      },
    });
  });

  it('forbidden: a runtime subscribe or publish outside the token grants (the cloud sends it, not the parser)', () => {
    const frame = errorFrame('forbidden', 'your token does not allow publishing to "plant/2/temp"', 'p7');
    expect(JSON.stringify(frame)).toBe(
      '{"type":"error","code":"forbidden","reason":"your token does not allow publishing to \\"plant/2/temp\\"","id":"p7"}',
    );
    expect(isRetryableError('forbidden')).toBe(false);
  });

  it('store_unavailable and internal are retryable; every client mistake is not', () => {
    const retryable = (Object.keys(ERROR_CODES) as ErrorCode[]).filter(isRetryableError);
    expect(retryable.sort()).toEqual(['internal', 'store_unavailable']);
  });

  it('builds error frames that clients parse back, with and without an id', () => {
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      const frame = errorFrame(code, 'why', code.length % 2 ? 'id' : undefined);
      expect(parseServerFrame(JSON.stringify(frame))).toEqual({ ok: true, value: frame });
    }
  });

  it('accepts an error frame whose code this version does not know, keeping the raw code', () => {
    const frame = { type: 'error', code: 'code_from_a_newer_bridge', reason: 'why', id: 'p-1' };
    const parsed = parseServerFrame(JSON.stringify(frame));
    expect(parsed).toEqual({ ok: true, value: frame });
    expect(parsed.ok && parsed.value.type === 'error' && isErrorCode(parsed.value.code)).toBe(false);
  });

  it('still refuses an error frame without a string code or reason', () => {
    for (const frame of [
      { type: 'error', reason: 'why' },
      { type: 'error', code: '', reason: 'why' },
      { type: 'error', code: 7, reason: 'why' },
      { type: 'error', code: 'internal' },
    ]) {
      expect(parseServerFrame(JSON.stringify(frame))).toEqual({
        ok: false,
        error: { reason: 'an "error" frame needs a string "code" and a string "reason"' },
      });
    }
  });
});
