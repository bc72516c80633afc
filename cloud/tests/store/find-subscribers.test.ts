import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { topicMatches } from '@topic-bridge/shared-types';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DynamoClients } from '../../src/aws/clients.js';
import { LEGACY_KEY_GRACE_MS, type LookupStrategy } from '../../src/aws/find-subscribers.js';
import { indexKeysFor, WILDCARD_INDEX_SHARDS } from '../../src/aws/subscription-rows.js';
import { collectSubscribers, type SubscriberPage } from '../../src/core/subscriptions.js';
import { dynamoClients, freshTable, storeFor } from './support/fixture.js';
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
      const found = await collectSubscribers(store.findSubscribers(topic));
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
    const found = await collectSubscribers(store.findSubscribers('a/b'));
    expect(sorted(found.connectionIds)).toEqual(sorted(expected));
  });

  it('ignores rows past expiresAt, which dynalite does not delete', async () => {
    const store = storeFor(local.clients, await freshTable(local.clients), lookup);
    const threeHoursAgo = Date.now() - 3 * 60 * 60 * 1000;
    await store.addConnection('expired', ['a/b', 'a/#'], threeHoursAgo);
    await store.addConnection('live', ['a/b'], Date.now());
    expect((await collectSubscribers(store.findSubscribers('a/b'))).connectionIds).toEqual(['live']);
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
      const found = await collectSubscribers(store.findSubscribers(topic));
      expect({ topic, ids: sorted(found.connectionIds) }).toEqual({ topic, ids: sorted(expected) });
    }
  });
});

/** Items per page in the paging tests: small, so a few dozen rows span many pages. */
const TEST_PAGE_LIMIT = 3;

/** Counts the Scan and Query requests a client sends, by operation. */
function countRequests(target: DynamoClients): Record<string, number> {
  const counts: Record<string, number> = {};
  target.doc.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName ?? '').replace(/Command$/, '');
      counts[name] = (counts[name] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  return counts;
}

describe.each<LookupStrategy>(['scan', 'query'])('findSubscribers with %s, page by page', (lookup) => {
  it('yields the first page before the last one is read, and every connection in exactly one page', async () => {
    const counting = dynamoClients(local.dynalite.endpoint);
    const counts = countRequests(counting);
    try {
      const tableName = await freshTable(counting);
      const store = storeFor(counting, tableName, lookup, { pageSize: TEST_PAGE_LIMIT });
      const expected: string[] = [];
      for (let i = 0; i < 12; i++) {
        // Four matching filters per connection, under the exact key and both wildcard keys.
        await store.addConnection(`multi-${i}`, ['a/b', 'a/+', 'a/#', '#'], Date.now());
        await store.addConnection(`other-${i}`, ['c/d'], Date.now());
        expected.push(`multi-${i}`);
      }
      const requestsBefore = (counts.Scan ?? 0) + (counts.Query ?? 0);
      const pages: SubscriberPage[] = [];
      let requestsAtFirstPage = 0;
      for await (const page of store.findSubscribers('a/b')) {
        if (pages.length === 0)
          requestsAtFirstPage = (counts.Scan ?? 0) + (counts.Query ?? 0) - requestsBefore;
        pages.push(page);
      }
      const requestsTotal = (counts.Scan ?? 0) + (counts.Query ?? 0) - requestsBefore;
      const ids = pages.flatMap((page) => page.connectionIds);
      expect(sorted(ids)).toEqual(sorted(expected));
      expect(new Set(ids).size).toBe(ids.length);
      expect(pages.filter((page) => page.connectionIds.length > 0).length).toBeGreaterThan(1);
      expect(requestsAtFirstPage).toBeLessThan(requestsTotal);
      expect(requestsTotal).toBe(pages.length);
    } finally {
      counting.dynamo.destroy();
    }
  });

  it('stops reading when the consumer stops', async () => {
    const counting = dynamoClients(local.dynalite.endpoint);
    const counts = countRequests(counting);
    try {
      const tableName = await freshTable(counting);
      const store = storeFor(counting, tableName, lookup, { pageSize: 1 });
      for (let i = 0; i < 20; i++) await store.addConnection(`c${i}`, ['x/y'], Date.now());
      const sent = () => (counts.Scan ?? 0) + (counts.Query ?? 0);
      const beforeFull = sent();
      await collectSubscribers(store.findSubscribers('x/y'));
      const fullRead = sent() - beforeFull;
      const beforeStop = sent();
      for await (const page of store.findSubscribers('x/y')) {
        if (page.connectionIds.length > 0) break;
      }
      // Scan: one page per row; Query: every key's first page in parallel, then at most one more.
      expect(sent() - beforeStop).toBeLessThan(fullRead / 2);
    } finally {
      counting.dynamo.destroy();
    }
  });
});

describe('sharded wildcard keys (query)', () => {
  it('spreads one first level over every shard and still finds each connection once', async () => {
    const tableName = await freshTable(local.clients);
    const store = storeFor(local.clients, tableName, 'query', { pageSize: TEST_PAGE_LIMIT });
    const ids = Array.from({ length: 40 }, (_, i) => `conn-${i}-Xy1=`);
    for (const id of ids) await store.addConnection(id, ['sensors/#', 'sensors/+/temp'], Date.now());
    const rows = await local.clients.doc.send(new ScanCommand({ TableName: tableName }));
    // Subscription rows only: the connection item (the filter limit) has no index key.
    const keys = new Set(
      (rows.Items ?? []).filter((item) => item.topicName !== undefined).map((item) => String(item.topicName)),
    );
    expect([...keys].sort()).toEqual(
      Array.from({ length: WILDCARD_INDEX_SHARDS }, (_, shard) => `$wildcard/sensors#${shard}`),
    );
    const found = await collectSubscribers(store.findSubscribers('sensors/room1/temp'));
    expect(sorted(found.connectionIds)).toEqual(sorted(ids));
  });

  it('reads every shard of both wildcard keys and the exact key in parallel', () => {
    expect(indexKeysFor('a/b')).toEqual([
      'a/b',
      ...Array.from({ length: WILDCARD_INDEX_SHARDS }, (_, shard) => `$wildcard/a#${shard}`),
      ...Array.from({ length: WILDCARD_INDEX_SHARDS }, (_, shard) => `$wildcard/+#${shard}`),
    ]);
  });

  it('finds rows an older release stored under the unsharded key, until that key is found empty', async () => {
    const counting = dynamoClients(local.dynalite.endpoint);
    const counts = countRequests(counting);
    try {
      const tableName = await freshTable(counting);
      let now = Date.now();
      const store = storeFor(counting, tableName, 'query', { now: () => now });
      // As the release before sharding wrote it: index key `$wildcard/a`, no shard.
      const legacyRow = {
        connectionId: 'old-release',
        topicFilter: 'a/#',
        topicName: '$wildcard/a',
        expiresAt: Math.floor((now + LEGACY_KEY_GRACE_MS) / 1000) + 300,
        connectedAt: now,
      };
      await counting.doc.send(new PutCommand({ TableName: tableName, Item: legacyRow }));
      await store.addConnection('new-release', ['a/#'], now);
      const lookup = async () => {
        const before = counts.Query ?? 0;
        const found = await collectSubscribers(store.findSubscribers('a/b'));
        return { ids: sorted(found.connectionIds), queries: (counts.Query ?? 0) - before };
      };
      const allKeys = 1 + 2 * WILDCARD_INDEX_SHARDS + 2;
      expect(await lookup()).toEqual({ ids: ['new-release', 'old-release'], queries: allKeys });
      // Past the grace period: the empty `$wildcard/+` is read once more, then never again; the old row is
      // still live, so `$wildcard/a` is still read.
      now += LEGACY_KEY_GRACE_MS;
      expect(await lookup()).toEqual({ ids: ['new-release', 'old-release'], queries: allKeys });
      expect(await lookup()).toEqual({ ids: ['new-release', 'old-release'], queries: allKeys - 1 });
      // The old row expired: `$wildcard/a` is found empty once, then never read again.
      now += 301_000;
      expect(await lookup()).toEqual({ ids: ['new-release'], queries: allKeys - 1 });
      expect(await lookup()).toEqual({ ids: ['new-release'], queries: allKeys - 2 });
    } finally {
      counting.dynamo.destroy();
    }
  });

  it('with indexShards 1 and legacy keys skipped (the local stack), writes one shard and sends 3 Queries', async () => {
    const counting = dynamoClients(local.dynalite.endpoint);
    const counts = countRequests(counting);
    try {
      const tableName = await freshTable(counting);
      const layout = { indexShards: 1, legacyWildcardKeys: 'skip' } as const;
      const store = storeFor(counting, tableName, 'query', layout);
      const ids = Array.from({ length: 12 }, (_, i) => `conn-${i}-Xy1=`);
      for (const id of ids) await store.addConnection(id, ['sensors/#', '+/room1/temp'], Date.now());
      await store.addConnection('exact', ['sensors/room1/temp'], Date.now());
      await store.addConnection('other', ['other/#', 'sensors/room2/temp'], Date.now());
      const rows = await counting.doc.send(new ScanCommand({ TableName: tableName }));
      const keys = new Set(
        (rows.Items ?? [])
          .filter((item) => item.topicName !== undefined)
          .map((item) => String(item.topicName)),
      );
      expect([...keys].sort()).toEqual([
        '$wildcard/+#0',
        '$wildcard/other#0',
        '$wildcard/sensors#0',
        'sensors/room1/temp',
        'sensors/room2/temp',
      ]);
      const before = counts.Query ?? 0;
      const found = await collectSubscribers(store.findSubscribers('sensors/room1/temp'));
      expect(sorted(found.connectionIds)).toEqual(sorted([...ids, 'exact']));
      expect((counts.Query ?? 0) - before).toBe(3);
      expect(indexKeysFor('a/b', 1)).toEqual(['a/b', '$wildcard/a#0', '$wildcard/+#0']);
    } finally {
      counting.dynamo.destroy();
    }
  });

  it('keeps reading an empty unsharded key during the grace period (a rollout may still write it)', async () => {
    const counting = dynamoClients(local.dynalite.endpoint);
    const counts = countRequests(counting);
    try {
      const tableName = await freshTable(counting);
      const now = Date.now();
      const store = storeFor(counting, tableName, 'query', { now: () => now });
      for (let i = 0; i < 2; i++) {
        const before = counts.Query ?? 0;
        await collectSubscribers(store.findSubscribers('a/b'));
        expect((counts.Query ?? 0) - before).toBe(1 + 2 * WILDCARD_INDEX_SHARDS + 2);
      }
    } finally {
      counting.dynamo.destroy();
    }
  });
});
