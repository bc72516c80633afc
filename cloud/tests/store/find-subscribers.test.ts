import { topicMatches } from '@topic-bridge/shared-types';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LookupStrategy } from '../../src/aws/find-subscribers.js';
import { freshTable, storeFor } from './support/fixture.js';
import { useLocalStore } from './support/use-local-store.js';

const local = useLocalStore();

const SUBSCRIPTIONS: Record<string, string[]> = {
  exact: ['sensors/room1/temp'],
  plusSecond: ['sensors/+/temp'],
  hashSecond: ['sensors/#'],
  hashOnly: ['#'],
  plusFirst: ['+/room1/+'],
  twoExact: ['other/topic', 'sensors/room1/temp'],
  threeMatching: ['sensors/room1/temp', 'sensors/+/temp', 'sensors/#'],
  levelOne: ['sensors'],
  twoLevels: ['sensors/room1'],
  plusOnly: ['+'],
  publishOnly: [],
};

const EXPECTED: Record<string, string[]> = {
  'sensors/room1/temp': [
    'exact',
    'plusSecond',
    'hashSecond',
    'hashOnly',
    'plusFirst',
    'twoExact',
    'threeMatching',
  ],
  'sensors/room2/temp': ['plusSecond', 'hashSecond', 'hashOnly', 'threeMatching'],
  sensors: ['hashSecond', 'hashOnly', 'threeMatching', 'levelOne', 'plusOnly'],
  'other/topic': ['hashOnly', 'twoExact'],
  'x/room1/y': ['hashOnly', 'plusFirst'],
  'nobody/here': ['hashOnly'],
};

const sorted = (ids: readonly string[]) => [...ids].sort();

describe.each<LookupStrategy>(['scan', 'query'])('findSubscribers with %s', (lookup) => {
  it('finds exactly the matching connections, each once, for exact and wildcard filters', async () => {
    const store = storeFor(local.clients, await freshTable(local.clients), lookup);
    for (const [id, filters] of Object.entries(SUBSCRIPTIONS))
      await store.addConnection(id, filters, Date.now());
    for (const [topic, expected] of Object.entries(EXPECTED)) {
      const found = await store.findSubscribers(topic);
      expect({ topic, ids: sorted(found.connectionIds) }).toEqual({ topic, ids: sorted(expected) });
    }
  });

  it('reads every page when the results span many pages', async () => {
    const tableName = await freshTable(local.clients);
    const store = storeFor(local.clients, tableName, lookup, { pageSize: 2 });
    const expected: string[] = [];
    for (let i = 0; i < 15; i++) {
      await store.addConnection(`exact-${i}`, ['a/b'], Date.now());
      await store.addConnection(`wild-${i}`, ['a/+'], Date.now());
      await store.addConnection(`other-${i}`, ['c/d'], Date.now());
      expected.push(`exact-${i}`, `wild-${i}`);
    }
    const found = await store.findSubscribers('a/b');
    expect(sorted(found.connectionIds)).toEqual(sorted(expected));
  });

  it('ignores rows past expiresAt, which dynalite does not delete', async () => {
    const store = storeFor(local.clients, await freshTable(local.clients), lookup);
    const threeHoursAgo = Date.now() - 3 * 60 * 60 * 1000;
    await store.addConnection('expired', ['a/b', 'a/#'], threeHoursAgo);
    await store.addConnection('live', ['a/b'], Date.now());
    expect((await store.findSubscribers('a/b')).connectionIds).toEqual(['live']);
  });

  it('agrees with topicMatches over random filters and topics', async () => {
    const store = storeFor(local.clients, await freshTable(local.clients), lookup);
    const level = fc.constantFrom('a', 'b', 'c', '');
    const filterLevel = fc.constantFrom('a', 'b', '+');
    const filter = fc
      .tuple(fc.array(filterLevel, { minLength: 1, maxLength: 3 }), fc.boolean())
      .map(([levels, hash]) => (hash ? [...levels, '#'] : levels).join('/'));
    const connections = fc.sample(fc.uniqueArray(filter, { minLength: 1, maxLength: 3 }), {
      numRuns: 40,
      seed: 7,
    });
    const topics = fc.sample(
      fc.array(level, { minLength: 1, maxLength: 4 }).map((levels) => levels.join('/')),
      { numRuns: 25, seed: 11 },
    );
    for (const [index, filters] of connections.entries())
      await store.addConnection(`c${index}`, filters, Date.now());
    for (const topic of topics) {
      const expected = connections.flatMap((filters, index) =>
        filters.some((candidate) => topicMatches(candidate, topic)) ? [`c${index}`] : [],
      );
      const found = await store.findSubscribers(topic);
      expect({ topic, ids: sorted(found.connectionIds) }).toEqual({ topic, ids: sorted(expected) });
    }
  });
});
