import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isErrorCode, MAX_FRAME_BYTES, MAX_ID_LENGTH, parseClientFrame, utf8Bytes } from '../src/index.js';
import { validFilter, validTopic } from './arbitraries.js';

/** A publish frame of exactly `bytes` UTF-8 bytes, padded inside its message with a multi-byte character. */
function publishFrameOfSize(bytes: number): string {
  const empty = '{"topic":"t","message":""}';
  const room = bytes - utf8Bytes(empty);
  const message = 'é'.repeat(Math.floor(room / 2)) + 'x'.repeat(room % 2);
  const frame = `{"topic":"t","message":"${message}"}`;
  expect(utf8Bytes(frame)).toBe(bytes);
  return frame;
}

const frameLike = fc.record(
  {
    topic: fc.oneof(validTopic, validFilter, fc.string(), fc.integer()),
    message: fc.jsonValue(),
    action: fc.oneof(fc.constantFrom('subscribe', 'unsubscribe', 'ping', 'publish'), fc.string()),
    id: fc.oneof(fc.string({ maxLength: 70 }), fc.integer()),
  },
  { requiredKeys: [] },
);

describe('parseClientFrame (properties)', () => {
  it('never throws, and every rejection carries a known code and a reason', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary' }),
          fc.json(),
          frameLike.map((frame) => JSON.stringify(frame)),
        ),
        (raw) => {
          const result = parseClientFrame(raw);
          if (!result.ok) {
            expect(isErrorCode(result.error.code)).toBe(true);
            expect(result.error.reason.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('accepts every well-formed publish frame as it is, extra fields included', () => {
    fc.assert(
      fc.property(
        validTopic,
        fc.jsonValue(),
        fc.string({ minLength: 1, maxLength: MAX_ID_LENGTH }),
        (topic, message, id) => {
          const frame = { topic, message, id, device: 'd1' };
          expect(parseClientFrame(JSON.stringify(frame))).toEqual({
            ok: true,
            value: JSON.parse(JSON.stringify(frame)),
          });
        },
      ),
    );
  });

  it('accepts every well-formed subscribe and unsubscribe frame', () => {
    fc.assert(
      fc.property(fc.constantFrom('subscribe', 'unsubscribe'), validFilter, (action, topic) => {
        expect(parseClientFrame(JSON.stringify({ action, topic }))).toEqual({
          ok: true,
          value: { action, topic },
        });
      }),
    );
  });

  it('returns the id of a rejected frame whenever the id itself is valid', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: MAX_ID_LENGTH }), (id) => {
        const result = parseClientFrame(JSON.stringify({ topic: 'a/#', message: 1, id }));
        expect(result).toMatchObject({ ok: false, error: { code: 'wildcard_in_publish_topic', id } });
      }),
    );
  });
});

describe('the frame size limit', () => {
  it(`accepts a frame of exactly MAX_FRAME_BYTES (${MAX_FRAME_BYTES}) bytes`, () => {
    expect(parseClientFrame(publishFrameOfSize(MAX_FRAME_BYTES)).ok).toBe(true);
  });

  it('refuses a frame one byte over, with message_too_large and the frame id', () => {
    const frame = publishFrameOfSize(MAX_FRAME_BYTES + 1);
    expect(parseClientFrame(frame)).toEqual({
      ok: false,
      error: {
        code: 'message_too_large',
        reason: `the frame is ${MAX_FRAME_BYTES + 1} bytes; the limit is ${MAX_FRAME_BYTES} bytes`,
      },
    });
    const withId = `{"id":"big",${frame.slice(1)}`;
    expect(parseClientFrame(withId)).toMatchObject({
      ok: false,
      error: { code: 'message_too_large', id: 'big' },
    });
  });

  it('refuses a huge frame as too large without parsing it', () => {
    const huge = `[${'1,'.repeat(3 * MAX_FRAME_BYTES)}1`;
    expect(parseClientFrame(huge)).toMatchObject({ ok: false, error: { code: 'message_too_large' } });
  });
});
