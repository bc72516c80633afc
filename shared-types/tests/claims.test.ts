import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeClaimsContext,
  encodeClaimsContext,
  MAX_AUTHORIZER_CONTEXT_BYTES,
  MAX_GRANTS_PER_CLAIM,
  MAX_SUBJECT_LENGTH,
  type TokenClaims,
  validateClaims,
} from '../src/index.js';
import { validFilter } from './arbitraries.js';

const claims: TokenClaims = {
  sub: 'device-1',
  exp: 1_800_000_000,
  publish: ['sensors/a/#'],
  subscribe: ['#'],
};

describe('validateClaims', () => {
  it('accepts sub, exp and the two grant arrays, dropping duplicate grants', () => {
    expect(validateClaims({ ...claims, publish: ['a', 'a', 'b/+'], iat: 1, aud: 'x' })).toEqual({
      ok: true,
      value: { ...claims, publish: ['a', 'b/+'] },
    });
  });

  it('treats absent grants as none', () => {
    expect(validateClaims({ sub: 's', exp: 1 })).toEqual({
      ok: true,
      value: { sub: 's', exp: 1, publish: [], subscribe: [] },
    });
  });

  it.each([
    [null, 'the token payload is not a JSON object'],
    [[], 'the token payload is not a JSON object'],
    [{ exp: 1 }, `"sub" must be a string of 1 to ${MAX_SUBJECT_LENGTH} characters`],
    [{ sub: '', exp: 1 }, `"sub" must be a string of 1 to ${MAX_SUBJECT_LENGTH} characters`],
    [
      { sub: 'x'.repeat(MAX_SUBJECT_LENGTH + 1), exp: 1 },
      `"sub" must be a string of 1 to ${MAX_SUBJECT_LENGTH} characters`,
    ],
    [{ sub: 's' }, '"exp" must be a whole number of seconds since the epoch'],
    [{ sub: 's', exp: '1' }, '"exp" must be a whole number of seconds since the epoch'],
    [{ sub: 's', exp: 1.5 }, '"exp" must be a whole number of seconds since the epoch'],
    [{ sub: 's', exp: 1, publish: 'a' }, '"publish" must be an array of topic filters'],
    [
      { sub: 's', exp: 1, subscribe: ['a/#/b'] },
      '"subscribe": topic filter "a/#/b" has a misplaced wildcard: "#" must be the whole last level, as in "sensors/#"',
    ],
    [
      { sub: 's', exp: 1, subscribe: ['$SYS/#'] },
      '"subscribe": topic filter must not start with "$" (reserved)',
    ],
    [{ sub: 's', exp: 1, publish: [7] }, '"publish": topic filter must be a string'],
    [
      { sub: 's', exp: 1, publish: Array.from({ length: MAX_GRANTS_PER_CLAIM + 1 }, (_, i) => `t/${i}`) },
      `"publish" holds ${MAX_GRANTS_PER_CLAIM + 1} filters; at most ${MAX_GRANTS_PER_CLAIM}`,
    ],
  ])('refuses %j: %s', (payload, reason) => {
    expect(validateClaims(payload)).toEqual({ ok: false, error: { reason } });
  });
});

describe('the authorizer context', () => {
  it('holds flat strings, with the grants JSON-encoded', () => {
    expect(encodeClaimsContext(claims)).toEqual({
      ok: true,
      value: { sub: 'device-1', exp: '1800000000', publish: '["sensors/a/#"]', subscribe: '["#"]' },
    });
  });

  it('decodes what it encodes, next to API Gateway own fields', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(validFilter, { maxLength: 8 }),
        fc.uniqueArray(validFilter, { maxLength: 8 }),
        fc.string({ minLength: 1, maxLength: 40 }),
        (publish, subscribe, sub) => {
          const original = { sub, exp: 1_700_000_000, publish, subscribe };
          const encoded = encodeClaimsContext(original);
          if (!encoded.ok) throw new Error(encoded.error.reason);
          const onRoute = { ...encoded.value, principalId: sub, integrationLatency: 3 };
          expect(decodeClaimsContext(onRoute)).toEqual({ ok: true, value: original });
        },
      ),
    );
  });

  it(`refuses grants whose context would pass ${MAX_AUTHORIZER_CONTEXT_BYTES} bytes`, () => {
    const long = (i: number) => `${'x'.repeat(240)}/${i}`;
    const big = { ...claims, publish: Array.from({ length: 32 }, (_, i) => long(i)) };
    expect(encodeClaimsContext(big)).toMatchObject({ ok: false });
    expect(
      encodeClaimsContext(big).ok
        ? ''
        : (encodeClaimsContext(big) as { error: { reason: string } }).error.reason,
    ).toMatch(/^the token's grants take \d+ bytes in the authorizer context; at most 7168/);
  });

  it.each([
    [undefined, 'no authorizer context'],
    [{ principalId: 'x' }, 'the authorizer context has no JSON-encoded "publish" and "subscribe" arrays'],
    [
      { sub: 's', exp: '1', publish: '{', subscribe: '[]' },
      'the authorizer context has no JSON-encoded "publish" and "subscribe" arrays',
    ],
    [
      { sub: 's', exp: '1', publish: '{}', subscribe: '[]' },
      'the authorizer context has no JSON-encoded "publish" and "subscribe" arrays',
    ],
    [
      { sub: 's', exp: 'soon', publish: '[]', subscribe: '[]' },
      '"exp" must be a whole number of seconds since the epoch',
    ],
    [
      { sub: 's', exp: '1', publish: '["a/#/b"]', subscribe: '[]' },
      '"publish": topic filter "a/#/b" has a misplaced wildcard: "#" must be the whole last level, as in "sensors/#"',
    ],
  ])('refuses %j (the handlers then deny)', (context, reason) => {
    expect(decodeClaimsContext(context)).toEqual({ ok: false, error: { reason } });
  });
});
