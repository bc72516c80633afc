import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { MAX_FILTERS_PER_CONNECTION } from '@topic-bridge/shared-types';
import { describe, expect, it } from 'vitest';
import type { LookupStrategy } from '../../src/aws/find-subscribers.js';
import { collectSubscribers } from '../../src/core/subscriptions.js';
import { freshTable, storeFor } from './support/fixture.js';
import { useLocalStore } from './support/use-local-store.js';

const local = useLocalStore();

async function allItems(tableName: string) {
  const output = await local.clients.doc.send(
    new ScanCommand({ TableName: tableName, ConsistentRead: true }),
  );
  return output.Items ?? [];
}

async function setup(lookup: LookupStrategy = 'query') {
  const tableName = await freshTable(local.clients);
  return { tableName, store: storeFor(local.clients, tableName, lookup) };
}

const filtersFrom = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => `${prefix}/${i}`);

function tally(outcomes: string[]) {
  return {
    added: outcomes.filter((o) => o === 'added').length,
    limit: outcomes.filter((o) => o === 'limit').length,
  };
}

async function heldSet(tableName: string, connectionId: string): Promise<string[]> {
  const item = (await allItems(tableName)).find(
    (row) => row.connectionId === connectionId && row.topicFilter === '$connection',
  );
  const held = item?.heldFilters;
  return held instanceof Set ? [...held].map(String).sort() : [];
}

describe(`the per-connection filter limit (${MAX_FILTERS_PER_CONNECTION}) under concurrency, in the store`, () => {
  it('gives 40 concurrent subscribes on a publish-only connection exactly 32 places', async () => {
    const { tableName, store } = await setup();
    const wanted = filtersFrom('c', 40);
    const outcomes = await Promise.all(wanted.map((filter) => store.addFilter('p', filter, Date.now())));
    expect(tally(outcomes)).toEqual({ added: 32, limit: 8 });
    const held = (await store.listFilters('p')).sort();
    const addedFilters = wanted.filter((_, i) => outcomes[i] === 'added').sort();
    expect(held).toEqual(addedFilters);
    expect(await heldSet(tableName, 'p')).toEqual(held);
  });

  it('counts connect-time filters and runtime ones together', async () => {
    const { store } = await setup();
    await store.addConnection('c', filtersFrom('boot', 20), Date.now());
    const outcomes = await Promise.all(
      filtersFrom('run', 20).map((f) => store.addFilter('c', f, Date.now())),
    );
    expect(tally(outcomes)).toEqual({ added: 12, limit: 8 });
    expect(await store.listFilters('c')).toHaveLength(32);
  });

  it('confirms a held filter at the limit, and concurrent subscribes to one filter hold one place', async () => {
    const { tableName, store } = await setup();
    const same = await Promise.all(Array.from({ length: 10 }, () => store.addFilter('d', 'x/1', Date.now())));
    expect(same).toEqual(Array(10).fill('added'));
    expect(await heldSet(tableName, 'd')).toEqual(['x/1']);
    await Promise.all(filtersFrom('y', 31).map((f) => store.addFilter('d', f, Date.now())));
    expect(await store.addFilter('d', 'x/1', Date.now())).toBe('added');
    expect(await store.addFilter('d', 'new', Date.now())).toBe('limit');
  });

  it('frees a place on unsubscribe, and never frees one for a filter not held', async () => {
    const { tableName, store } = await setup();
    await store.addConnection('e', filtersFrom('e', 32), Date.now());
    await store.removeFilter('e', 'not/held');
    expect(await store.addFilter('e', 'new/1', Date.now())).toBe('limit');
    await store.removeFilter('e', 'e/0');
    const outcomes = await Promise.all(['new/1', 'new/2'].map((f) => store.addFilter('e', f, Date.now())));
    expect(tally(outcomes)).toEqual({ added: 1, limit: 1 });
    expect(await heldSet(tableName, 'e')).toEqual((await store.listFilters('e')).sort());
  });

  it('creates no connection item for an unsubscribe on a publish-only connection', async () => {
    const { tableName, store } = await setup();
    await store.removeFilter('nobody', 'a/b');
    expect(await allItems(tableName)).toEqual([]);
  });

  it('removes the connection item with the rows, so a reused id starts with all its places', async () => {
    const { tableName, store } = await setup();
    await store.addConnection('f', filtersFrom('f', 32), Date.now());
    expect(await store.removeConnection('f')).toBe(32);
    expect(await allItems(tableName)).toEqual([]);
  });

  it('gives the connection item the expiry of the connection rows (it never outlives nor precedes them)', async () => {
    const { tableName, store } = await setup();
    const connectedAt = 1_800_000_000_000;
    await store.addFilter('g', 'a', connectedAt);
    const items = await allItems(tableName);
    expect(new Set(items.map((item) => item.expiresAt)).size).toBe(1);
    expect(items.map((item) => item.topicFilter).sort()).toEqual(['$connection', 'a']);
  });

  it.each(['scan', 'query'] as const)(
    'never returns the connection item from a %s lookup',
    async (lookup) => {
      const { store } = await setup(lookup);
      // A connection whose only item is its connection item (subscribed, then unsubscribed), and one with rows.
      await store.addFilter('h', 'a/b', Date.now());
      await store.removeFilter('h', 'a/b');
      await store.addConnection('i', ['#'], Date.now());
      expect((await collectSubscribers(store.findSubscribers('$connection'))).connectionIds).toEqual(['i']);
      expect((await collectSubscribers(store.findSubscribers('a/b'))).connectionIds).toEqual(['i']);
    },
  );
});
