import { topicMatches, validatePublishTopic, validateTopicFilter } from '@topic-bridge/shared-types';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { indexKeyOf, indexKeysFor, subscriptionRow } from '../../src/aws/subscription-rows.js';

const level = fc.constantFrom('a', 'b', '', 'x y', 'é', '*');
const filter = fc
  .tuple(fc.array(fc.oneof(level, fc.constant('+')), { minLength: 1, maxLength: 5 }), fc.boolean())
  .map(([levels, hash]) => (hash ? [...levels, '#'] : levels).join('/'))
  .filter((candidate) => validateTopicFilter(candidate).ok);

describe('index keys', () => {
  it('stores exact filters under themselves and wildcard filters under a reserved key', () => {
    expect(indexKeyOf('a/b')).toBe('a/b');
    expect(indexKeyOf('a/+/c')).toBe('$wildcard/a');
    expect(indexKeyOf('a/#')).toBe('$wildcard/a');
    expect(indexKeyOf('+/b')).toBe('$wildcard/+');
    expect(indexKeyOf('#')).toBe('$wildcard/+');
    expect(indexKeysFor('a/b/c')).toEqual(['a/b/c', '$wildcard/a', '$wildcard/+']);
  });

  it('looks under the key of every filter that matches a topic (property)', () => {
    // A topic built to match the filter: each `+` replaced by a level, `#` by zero or more levels.
    const matchingPair = filter.chain((candidate) =>
      fc
        .tuple(fc.array(level, { minLength: 16, maxLength: 16 }), fc.array(level, { maxLength: 3 }))
        .map(([fills, tail]) => {
          const levels = candidate.split('/');
          const ending = levels.at(-1) === '#' ? tail : [];
          const head = (ending === tail ? levels.slice(0, -1) : levels).map((part, i) =>
            part === '+' ? (fills[i] ?? 'a') : part,
          );
          return [candidate, [...head, ...ending].join('/')] as const;
        }),
    );
    fc.assert(
      fc.property(matchingPair, ([candidate, published]) => {
        fc.pre(validatePublishTopic(published).ok);
        expect(topicMatches(candidate, published)).toBe(true);
        expect(indexKeysFor(published)).toContain(indexKeyOf(candidate));
      }),
      { numRuns: 1000 },
    );
  });

  it('never stores a wildcard filter under a key a publish topic could be', () => {
    fc.assert(
      fc.property(filter, (candidate) => {
        const key = indexKeyOf(candidate);
        expect(key === candidate || !validatePublishTopic(key).ok).toBe(true);
      }),
    );
  });

  it('expires a row the TTL after its connection opened, in epoch seconds', () => {
    expect(subscriptionRow('c', 'a/#', 1_000_999, 60)).toEqual({
      connectionId: 'c',
      topicFilter: 'a/#',
      topicName: '$wildcard/a',
      expiresAt: 1060,
      connectedAt: 1_000_999,
    });
  });
});
