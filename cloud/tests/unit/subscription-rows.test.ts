import { topicMatches, validatePublishTopic, validateTopicFilter } from '@topic-bridge/shared-types';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  indexKeyOf,
  indexKeysFor,
  legacyIndexKeysFor,
  shardOf,
  subscriptionRow,
  WILDCARD_INDEX_SHARDS,
} from '../../src/aws/subscription-rows.js';

const level = fc.constantFrom('a', 'b', '', 'x y', 'é', '*');
const filter = fc
  .tuple(fc.array(fc.oneof(level, fc.constant('+')), { minLength: 1, maxLength: 5 }), fc.boolean())
  .map(([levels, hash]) => (hash ? [...levels, '#'] : levels).join('/'))
  .filter((candidate) => validateTopicFilter(candidate).ok);

describe('index keys', () => {
  it('stores exact filters under themselves and wildcard filters under a reserved key sharded by connection', () => {
    const id = 'L0SM9cOFvHcCIhw=';
    const shard = shardOf(id);
    expect(indexKeyOf('a/b', id)).toBe('a/b');
    expect(indexKeyOf('a/+/c', id)).toBe(`$wildcard/a#${shard}`);
    expect(indexKeyOf('a/#', id)).toBe(`$wildcard/a#${shard}`);
    expect(indexKeyOf('+/b', id)).toBe(`$wildcard/+#${shard}`);
    expect(indexKeyOf('#', id)).toBe(`$wildcard/+#${shard}`);
    expect(indexKeysFor('a/b/c')).toHaveLength(1 + 2 * WILDCARD_INDEX_SHARDS);
    expect(legacyIndexKeysFor('a/b/c')).toEqual(['a/b/c', '$wildcard/a', '$wildcard/+']);
  });

  it('picks a stable shard from the connection id, spread evenly over random ids', () => {
    // FNV-1a of known inputs, so that a change of hash (which would strand rows) fails here.
    expect([shardOf(''), shardOf('a'), shardOf('L0SM9cOFvHcCIhw=')]).toEqual([
      0x811c9dc5 % 4,
      0xe40c292c % 4,
      shardOf('L0SM9cOFvHcCIhw='),
    ]);
    const counts = new Array<number>(WILDCARD_INDEX_SHARDS).fill(0);
    const ids = fc.sample(fc.string({ minLength: 16, maxLength: 16 }), { numRuns: 4000, seed: 3 });
    for (const id of ids) counts[shardOf(id)] = (counts[shardOf(id)] ?? 0) + 1;
    for (const count of counts) expect(count).toBeGreaterThan(800);
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
      fc.property(matchingPair, fc.string({ maxLength: 20 }), ([candidate, published], connectionId) => {
        fc.pre(validatePublishTopic(published).ok);
        expect(topicMatches(candidate, published)).toBe(true);
        expect(indexKeysFor(published)).toContain(indexKeyOf(candidate, connectionId));
      }),
      { numRuns: 1000 },
    );
  });

  it('never stores a wildcard filter under a key a publish topic could be', () => {
    fc.assert(
      fc.property(filter, fc.string({ maxLength: 20 }), (candidate, connectionId) => {
        const key = indexKeyOf(candidate, connectionId);
        expect(key === candidate || !validatePublishTopic(key).ok).toBe(true);
      }),
    );
  });

  it('puts an exact filter in the exact index (exactUntil, no topicName), a wildcard one in the topic index', () => {
    expect(subscriptionRow('c', 'a/b', 1_000_999, 60)).toEqual({
      connectionId: 'c',
      topicFilter: 'a/b',
      exactUntil: 1060,
      expiresAt: 1060,
      connectedAt: 1_000_999,
    });
    expect(subscriptionRow('c', 'a/+', 1_000_999, 60)).not.toHaveProperty('exactUntil');
  });

  it('expires a row the TTL after its connection opened, in epoch seconds', () => {
    expect(subscriptionRow('c', 'a/#', 1_000_999, 60)).toEqual({
      connectionId: 'c',
      topicFilter: 'a/#',
      topicName: `$wildcard/a#${shardOf('c')}`,
      expiresAt: 1060,
      connectedAt: 1_000_999,
    });
  });
});
