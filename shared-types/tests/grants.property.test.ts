import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { grantCovers, publishAllowed, subscribeAllowed, topicMatches } from '../src/index.js';
import { plainLevel, referenceMatches, validFilter, validTopic } from './arbitraries.js';

/** Topics that a filter matches: `+` replaced by a generated level, `#` by zero or more levels. */
function topicsMatching(filter: string): fc.Arbitrary<string> {
  const parts = filter.split('/').map((level) => {
    if (level === '+') return plainLevel.map((l) => [l]);
    if (level === '#') return fc.array(plainLevel, { maxLength: 3 });
    return fc.constant([level]);
  });
  return fc
    .tuple(...parts)
    .map((chosen) => chosen.flat().join('/'))
    .filter((topic) => topic.length > 0 && !topic.startsWith('$') && referenceMatches(filter, topic));
}

/** A filter and one topic it matches. */
const filterAndTopic = validFilter.chain((filter) =>
  topicsMatching(filter).map((topic) => ({ filter, topic })),
);

describe('grantCovers: filter inside filter', () => {
  it.each([
    ['sensors/+/temp', 'sensors/a/temp', true],
    ['sensors/+/temp', 'sensors/+/temp', true],
    ['sensors/+/temp', 'sensors/#', false],
    ['sensors/+/temp', 'sensors/a/b/temp', false],
    ['sensors/+/temp', 'sensors/+/+', false],
    ['sensors/+/temp', 'sensors/a/temp/#', false],
    ['sensors/a/temp', 'sensors/+/temp', false],
    ['#', 'sensors/#', true],
    ['#', '+', true],
    ['#', '#', true],
    ['+', '#', false],
    ['+/#', '#', true],
    ['+/+/#', '+/#', false],
    // Topics are never empty, so every topic of `/#` has two levels or more; one of `#` may have just one.
    ['+/+/#', '/#', true],
    ['+/+/#', '#', false],
    ['+/+/+/#', '/#', false],
    ['+', 'a', true],
    ['+', 'a/b', false],
    ['sensors/#', 'sensors', true],
    ['sensors/#', 'sensors/#', true],
    ['sensors/#', 'sensors/+/temp', true],
    ['sensors/#', '#', false],
    ['sensors/#', 'sensor/#', false],
    ['sensors/+/#', 'sensors/#', false],
    ['sensors/+/#', 'sensors/a', true],
    ['sensors/+/#', 'sensors', false],
    ['a//b', 'a/+/b', false],
    ['a/+/b', 'a//b', true],
  ])('grant %s covers %s: %s', (grant, filter, expected) => {
    expect(grantCovers(grant, filter)).toBe(expected);
  });

  it('every topic a covered filter matches is matched by the grant', () => {
    fc.assert(
      fc.property(validFilter, filterAndTopic, (grant, { filter, topic }) => {
        if (grantCovers(grant, filter)) expect(topicMatches(grant, topic)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('a grant covers itself and every topic it matches, and # covers every filter', () => {
    fc.assert(
      fc.property(filterAndTopic, ({ filter, topic }) => {
        expect(grantCovers(filter, filter)).toBe(true);
        expect(grantCovers(filter, topic)).toBe(true);
        expect(grantCovers('#', filter)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('on plain topics, covering is matching', () => {
    fc.assert(
      fc.property(validFilter, validTopic, (grant, topic) => {
        expect(grantCovers(grant, topic)).toBe(referenceMatches(grant, topic));
      }),
      { numRuns: 5000 },
    );
  });

  it('is transitive: a grant covering a filter covers what that filter covers', () => {
    fc.assert(
      fc.property(validFilter, validFilter, validFilter, (a, b, c) => {
        if (grantCovers(a, b) && grantCovers(b, c)) expect(grantCovers(a, c)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('a filter the grant does not cover matches some topic the grant does not (when a witness is found)', () => {
    // Completeness in the other direction: refusing is justified by a topic the grant would not allow.
    fc.assert(
      fc.property(validFilter, validFilter, (grant, filter) => {
        if (grantCovers(grant, filter)) return;
        const witness = witnessOutside(grant, filter);
        expect(witness === undefined || !topicMatches(grant, witness)).toBe(true);
        expect(witness).toBeDefined();
      }),
      { numRuns: 3000 },
    );
  });
});

/** A topic the filter matches and the grant does not, built level by level (undefined if none found). */
function witnessOutside(grant: string, filter: string): string | undefined {
  const fresh = 'zz-not-in-grant';
  const levels = filter.split('/');
  const candidates: string[][] = [];
  const base = levels.flatMap((l) => (l === '#' ? [] : [l === '+' ? fresh : l]));
  candidates.push(base);
  if (levels.at(-1) === '#') {
    candidates.push([...base, fresh], [...base, fresh, fresh], [...base, ...Array(20).fill(fresh)]);
  }
  for (const candidate of candidates) {
    const topic = candidate.join('/');
    if (topic.length > 0 && referenceMatches(filter, topic) && !topicMatches(grant, topic)) return topic;
  }
  return undefined;
}

describe('publishAllowed and subscribeAllowed', () => {
  it('allows a publish when one grant matches the topic, and nothing without grants', () => {
    expect(publishAllowed(['sensors/+/temp', 'alerts'], 'sensors/a/temp')).toBe(true);
    expect(publishAllowed(['sensors/+/temp', 'alerts'], 'alerts')).toBe(true);
    expect(publishAllowed(['sensors/+/temp', 'alerts'], 'alerts/x')).toBe(false);
    expect(publishAllowed([], 'a')).toBe(false);
    expect(publishAllowed(['#'], 'any/thing')).toBe(true);
  });

  it('allows a subscribe filter covered by one grant, not one that spans two grants', () => {
    expect(subscribeAllowed(['sensors/a/#', 'sensors/b/#'], 'sensors/a/temp')).toBe(true);
    // sensors/+ matches sensors/c, which neither grant covers.
    expect(subscribeAllowed(['sensors/a/#', 'sensors/b/#'], 'sensors/+')).toBe(false);
    expect(subscribeAllowed([], 'a')).toBe(false);
  });
});
