import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonNestingDepth, MAX_JSON_DEPTH, parseClientFrame } from '../src/index.js';

describe('JSON nesting depth, before any parsing', () => {
  it('counts brackets outside strings only', () => {
    expect(jsonNestingDepth('{"a":[1,{"b":2}]}')).toBe(3);
    expect(jsonNestingDepth('{"a":"[[[[{{{{\\"[[["}')).toBe(1);
    expect(jsonNestingDepth('"just text"')).toBe(0);
  });

  it('agrees with the parsed value for any JSON value', () => {
    const depthOf = (value: unknown): number =>
      typeof value === 'object' && value !== null ? 1 + Math.max(0, ...Object.values(value).map(depthOf)) : 0;
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        expect(jsonNestingDepth(JSON.stringify(value))).toBe(depthOf(value));
      }),
      { numRuns: 2000 },
    );
  });

  it(`accepts ${MAX_JSON_DEPTH} levels and refuses one more, and a 100,000-deep frame without a stack overflow`, () => {
    const nested = (depth: number) =>
      `{"topic":"a","message":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;
    expect(parseClientFrame(nested(MAX_JSON_DEPTH)).ok).toBe(true);
    expect(parseClientFrame(nested(MAX_JSON_DEPTH + 1))).toMatchObject({
      ok: false,
      error: { code: 'nesting_too_deep' },
    });
    expect(parseClientFrame('['.repeat(100_000))).toMatchObject({
      ok: false,
      error: { code: 'nesting_too_deep' },
    });
  });
});

describe('__proto__ and constructor keys', () => {
  it('change no prototype, at the top level or inside the message', () => {
    const raw =
      '{"__proto__":{"polluted":1,"action":"subscribe"},"constructor":{"prototype":{"polluted":2}},' +
      '"topic":"a","message":{"__proto__":{"polluted":3}}}';
    const parsed = parseClientFrame(raw);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(Object.getPrototypeOf(parsed.value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
    // The hostile key is the frame's own data, not its prototype: it cannot turn a publish into an action.
    expect('action' in parsed.value).toBe(false);
    const copy = { ...parsed.value };
    expect(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value).toEqual({
      polluted: 1,
      action: 'subscribe',
    });
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('stay unharmful in subscribe frames too', () => {
    const parsed = parseClientFrame('{"action":"subscribe","topic":"a","__proto__":{"topic":"#"}}');
    expect(parsed).toEqual({ ok: true, value: { action: 'subscribe', topic: 'a' } });
  });
});

describe('jsonNestingDepth on any text, JSON or not', () => {
  // The character-by-character scan it replaced (strings skipped by jumping to their closing quote now): the
  // same depth for every text, malformed ones included, since the bridge runs it on whatever a client sends.
  function referenceDepth(raw: string): number {
    let depth = 0;
    let deepest = 0;
    let inString = false;
    for (let i = 0; i < raw.length; i++) {
      const c = raw[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '{' || c === '[') deepest = Math.max(deepest, ++depth);
      else if (c === '}' || c === ']') depth--;
    }
    return deepest;
  }

  it.each([
    ['{"a":"\\\\"}', 1], // an escaped backslash, then the closing quote
    ['{"a":"\\\\\\"[["}', 1], // an escaped backslash and an escaped quote: the brackets are in the string
    ['["\\', 1], // a backslash at the very end, in an unterminated string
    ['["', 1],
    ['"[["[', 1],
  ])('counts %j as %i', (raw, depth) => {
    expect(jsonNestingDepth(raw)).toBe(depth);
    expect(referenceDepth(raw)).toBe(depth);
  });

  it('agrees with a plain scan on random text of quotes, backslashes and brackets', () => {
    const unit = fc.constantFrom('"', '\\', '{', '}', '[', ']', 'a', ':', ',');
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 40 }), (raw) => {
        expect(jsonNestingDepth(raw)).toBe(referenceDepth(raw));
      }),
      { numRuns: 5000 },
    );
  });
});
