import { describe, expect, it } from 'vitest';
import {
  encodePublishFrame,
  MAX_FRAME_BYTES,
  MAX_JSON_DEPTH,
  markReplay,
  parseClientFrame,
  parseServerFrame,
} from '../src/index.js';

describe('encodePublishFrame: the one frame encoder', () => {
  it('writes topic, message, id, retain, then the extra fields in order, leaving undefined ones out', () => {
    const encoded = encodePublishFrame({
      topic: 'sensors/t1',
      message: { c: 21.5 },
      id: 'gw-7',
      retain: true,
      extra: { ts: 1_700_000_000_000, device: 'gw', clock: undefined, seq: 7 },
    });
    const text =
      '{"topic":"sensors/t1","message":{"c":21.5},"id":"gw-7","retain":true,"ts":1700000000000,"device":"gw","seq":7}';
    expect(encoded).toEqual({ ok: true, value: { text, bytes: text.length } });
  });

  it('builds a frame the bridge parses back to the same fields', () => {
    const encoded = encodePublishFrame({ topic: 'a/b', message: null, retain: true });
    expect(encoded.ok && parseClientFrame(encoded.value.text)).toEqual({
      ok: true,
      value: { topic: 'a/b', message: null, retain: true },
    });
  });

  it.each([
    [{ topic: 'a/+', message: 1 }, 'wildcard_in_publish_topic'],
    [{ topic: '', message: 1 }, 'invalid_topic'],
    [{ topic: 'a', message: undefined as never }, 'missing_message'],
    [{ topic: 'a', message: 1, extra: { topic: 'b' } }, 'invalid_field'],
    [{ topic: 'a', message: 1, extra: { replay: 'history' } }, 'invalid_field'],
  ])('refuses %j with %s, as the bridge would', (fields, code) => {
    const encoded = encodePublishFrame(fields);
    expect(encoded.ok ? undefined : encoded.error.code).toBe(code);
  });

  it('refuses a message nested deeper than the bridge parses', () => {
    let message: unknown = 1;
    for (let level = 0; level < MAX_JSON_DEPTH; level++) message = [message];
    const encoded = encodePublishFrame({ topic: 'a', message: message as never });
    expect(encoded.ok ? undefined : encoded.error.code).toBe('nesting_too_deep');
  });

  it('refuses a frame over MAX_FRAME_BYTES and says how large it would be', () => {
    const encoded = encodePublishFrame({ topic: 't', message: 'x'.repeat(MAX_FRAME_BYTES) });
    const bytes = MAX_FRAME_BYTES + '{"topic":"t","message":""}'.length;
    expect(encoded).toEqual({
      ok: false,
      error: {
        code: 'message_too_large',
        bytes,
        reason: `the frame would be ${bytes} bytes; the bridge accepts at most ${MAX_FRAME_BYTES} bytes (topic t)`,
      },
    });
  });

  it('refuses a message JSON cannot encode, without throwing', () => {
    const encoded = encodePublishFrame({ topic: 't', message: 10n as never });
    expect(encoded.ok ? undefined : encoded.error.code).toBe('invalid_message');
  });
});

describe('markReplay', () => {
  it('adds the replay field as the last field and leaves the rest byte for byte', () => {
    const stored = '{"topic":"a","message":{"v":[1, 2]} ,"id":"x"}\n';
    expect(markReplay(stored, 'retained')).toBe(
      '{"topic":"a","message":{"v":[1, 2]} ,"id":"x","replay":"retained"}\n',
    );
    expect(JSON.parse(markReplay(stored, 'history'))).toEqual({
      topic: 'a',
      message: { v: [1, 2] },
      id: 'x',
      replay: 'history',
    });
  });
});

describe('the late-joiner actions and replies', () => {
  it('parses retained and history requests', () => {
    expect(parseClientFrame('{"action":"retained","topic":"sensors/#","id":"r"}')).toEqual({
      ok: true,
      value: { action: 'retained', topic: 'sensors/#', id: 'r' },
    });
    expect(parseClientFrame('{"action":"history","topic":"a/+","since":"gw-9","limit":5,"extra":1}')).toEqual(
      {
        ok: true,
        value: { action: 'history', topic: 'a/+', since: 'gw-9', limit: 5 },
      },
    );
    expect(parseClientFrame('{"action":"history","topic":"a","since":0}')).toEqual({
      ok: true,
      value: { action: 'history', topic: 'a', since: 0 },
    });
  });

  it.each([
    '{"action":"history","topic":"a","since":""}',
    '{"action":"history","topic":"a","since":1.5}',
    '{"action":"history","topic":"a","since":true}',
    '{"action":"history","topic":"a","limit":0}',
    '{"action":"history","topic":"a","limit":"5"}',
  ])('refuses %s with invalid_field', (raw) => {
    const parsed = parseClientFrame(raw);
    expect(parsed.ok ? undefined : parsed.error.code).toBe('invalid_field');
  });

  it('a client parses the retained and history replies, and a subscribed frame with retained counts', () => {
    for (const frame of [
      { type: 'retained', topic: 'a/#', id: 'r', count: 3, truncated: true },
      { type: 'history', topic: 'a', count: 0, more: false, sinceFound: false },
      { type: 'subscribed', topic: 'a', retained: 2 },
      { topic: 'a', message: 1, replay: 'retained' },
    ]) {
      expect(parseServerFrame(JSON.stringify(frame))).toEqual({ ok: true, value: frame });
    }
    for (const frame of [
      { type: 'retained', topic: 'a' },
      { type: 'history', topic: 'a', count: 1 },
      { type: 'subscribed', topic: 'a', retained: 'two' },
    ]) {
      expect(parseServerFrame(JSON.stringify(frame)).ok).toBe(false);
    }
  });
});
