import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countUtf8Bytes, utf8Bytes } from '../src/index.js';

// Any UTF-16 code unit, lone surrogates included: what a JavaScript string can hold, valid Unicode or not.
const anyUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));
// Biased towards the boundaries where the byte count changes, and towards surrogates.
const edgeUnit = fc.constantFrom(
  'a',
  '\u007f',
  '\u0080',
  'é',
  '\u07ff',
  '\u0800',
  '€',
  '\ud7ff',
  '\ud800',
  '\udbff',
  '\udc00',
  '\udfff',
  '\ue000',
  '\uffff',
  '😀',
);

describe('countUtf8Bytes: UTF-8 length without encoding (what browsers use)', () => {
  it.each([
    ['', 0],
    ['topic/a', 7],
    ['é', 2], // U+00E9: two bytes
    ['\u07ff', 2], // the last two-byte character
    ['\u0800', 3], // the first three-byte character
    ['€', 3], // U+20AC
    ['日本', 6],
    ['\uffff', 3],
    ['😀', 4], // U+1F600: a surrogate pair, one four-byte character
    ['a😀b', 6],
    ['\ud800', 3], // a lone high surrogate is sent as U+FFFD: three bytes
    ['\udc00', 3], // a lone low surrogate, likewise
    ['x\ud83d', 4], // a high surrogate at the end of the text
    ['\ude00\ud83d', 6], // a low surrogate before a high one: two lone halves, not a pair
    ['\ud83d\ud83d\ude00', 7], // a lone high surrogate, then a pair
  ])('counts %j as %i bytes, as Buffer.byteLength does', (text, bytes) => {
    expect(countUtf8Bytes(text)).toBe(bytes);
    expect(Buffer.byteLength(text, 'utf8')).toBe(bytes);
    expect(utf8Bytes(text)).toBe(bytes);
  });

  it('agrees with Buffer.byteLength and TextEncoder on any string of UTF-16 units', () => {
    const encoder = new TextEncoder();
    fc.assert(
      fc.property(fc.string({ unit: fc.oneof(anyUnit, edgeUnit), maxLength: 64 }), (text) => {
        const expected = Buffer.byteLength(text, 'utf8');
        expect(countUtf8Bytes(text)).toBe(expected);
        expect(utf8Bytes(text)).toBe(expected);
        expect(encoder.encode(text).byteLength).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});
