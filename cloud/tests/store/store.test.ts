import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { FULL_ACCESS } from '@topic-bridge/shared-types';
import { describe, expect, it } from 'vitest';
import { ensureTable } from '../../src/aws/ensure-table.js';
import { shardOf } from '../../src/aws/subscription-rows.js';
import { DEFAULT_CONNECTION_TTL_SECONDS } from '../../src/config.js';
import { connect } from '../../src/core/connect.js';
import { disconnect } from '../../src/core/disconnect.js';
import { collectSubscribers } from '../../src/core/subscriptions.js';
import { StoreUnavailableError, TableMissingError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { dynamoClients, freshTable, INDEX, storeFor } from './support/fixture.js';
import { useLocalStore } from './support/use-local-store.js';

const local = useLocalStore();

async function allRows(tableName: string) {
  const output = await local.clients.doc.send(
    new ScanCommand({ TableName: tableName, ConsistentRead: true }),
  );
  return output.Items ?? [];
}

describe('the DynamoDB store', () => {
  it('stores one row per filter with the index key, TTL and connect time, and the connection item', async () => {
    const tableName = await freshTable(local.clients);
    const store = storeFor(local.clients, tableName, 'query');
    const connectedAt = 1_800_000_000_123;
    await store.addConnection('c1', ['a/b', 'a/+/c', '+/x', '#'], connectedAt);
    const expiresAt = 1_800_000_000 + DEFAULT_CONNECTION_TTL_SECONDS;
    const rows = (await allRows(tableName)).sort((x, y) =>
      String(x.topicFilter).localeCompare(String(y.topicFilter)),
    );
    const shard = shardOf('c1');
    expect(rows).toEqual([
      { connectionId: 'c1', topicFilter: '#', topicName: `$wildcard/+#${shard}`, expiresAt, connectedAt },
      { connectionId: 'c1', topicFilter: '+/x', topicName: `$wildcard/+#${shard}`, expiresAt, connectedAt },
      {
        connectionId: 'c1',
        topicFilter: '$connection',
        heldFilters: new Set(['a/b', 'a/+/c', '+/x', '#']),
        expiresAt,
        connectedAt,
      },
      { connectionId: 'c1', topicFilter: 'a/+/c', topicName: `$wildcard/a#${shard}`, expiresAt, connectedAt },
      { connectionId: 'c1', topicFilter: 'a/b', exactUntil: expiresAt, expiresAt, connectedAt },
    ]);
  });

  it('writes more filters than one BatchWriteItem holds, and lists and removes them all', async () => {
    const tableName = await freshTable(local.clients);
    const store = storeFor(local.clients, tableName, 'scan');
    const filters = Array.from({ length: 32 }, (_, i) => `t/${i}`);
    await store.addConnection('many', filters, Date.now());
    await store.addConnection('other', ['t/0'], Date.now());
    expect((await store.listFilters('many')).sort()).toEqual([...filters].sort());
    expect(await store.removeConnection('many')).toBe(32);
    expect(await store.listFilters('many')).toEqual([]);
    expect((await allRows(tableName)).map((row) => [row.connectionId, row.topicFilter]).sort()).toEqual([
      ['other', '$connection'],
      ['other', 't/0'],
    ]);
  });

  it('adds a filter once however often it is added, and removes only that filter', async () => {
    const tableName = await freshTable(local.clients);
    const store = storeFor(local.clients, tableName, 'query');
    await store.addConnection('c1', ['a'], Date.now());
    await store.addFilter('c1', 'b/#', Date.now());
    await store.addFilter('c1', 'b/#', Date.now());
    expect((await store.listFilters('c1')).sort()).toEqual(['a', 'b/#']);
    await store.removeFilter('c1', 'a');
    await store.removeFilter('c1', 'never-held');
    expect(await store.listFilters('c1')).toEqual(['b/#']);
    expect((await collectSubscribers(store.findSubscribers('b/c'))).connectionIds).toEqual(['c1']);
    expect((await collectSubscribers(store.findSubscribers('a'))).connectionIds).toEqual([]);
  });

  it('rejects with TableMissingError when the table does not exist', async () => {
    const store = storeFor(local.clients, 'NoSuchTable', 'query');
    await expect(store.addConnection('c1', ['a'], Date.now())).rejects.toBeInstanceOf(TableMissingError);
    await expect(collectSubscribers(store.findSubscribers('a'))).rejects.toBeInstanceOf(TableMissingError);
  });

  it('rejects with StoreUnavailableError when DynamoDB cannot be reached', async () => {
    const unreachable = dynamoClients('http://127.0.0.1:9');
    const store = storeFor(unreachable, 'WSConnections', 'scan');
    const failure = await collectSubscribers(store.findSubscribers('a')).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StoreUnavailableError);
    expect(failure).not.toBeInstanceOf(TableMissingError);
    unreachable.destroy();
  });
});

describe('ensureTable', () => {
  it('creates the table and its KEYS_ONLY index once, then reports it exists', async () => {
    const options = { tableName: 'EnsureOnce', indexName: INDEX };
    expect(await ensureTable(local.clients.lean, options)).toBe('created');
    expect(await ensureTable(local.clients.lean, options)).toBe('exists');
    const { Table } = await local.clients.dynamo.send(new DescribeTableCommand({ TableName: 'EnsureOnce' }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'connectionId', KeyType: 'HASH' },
      { AttributeName: 'topicFilter', KeyType: 'RANGE' },
    ]);
    const index = Table?.GlobalSecondaryIndexes?.[0];
    expect(index?.IndexName).toBe(INDEX);
    expect(index?.KeySchema).toEqual([
      { AttributeName: 'topicName', KeyType: 'HASH' },
      { AttributeName: 'expiresAt', KeyType: 'RANGE' },
    ]);
    expect(index?.Projection).toEqual({ ProjectionType: 'KEYS_ONLY' });
  });
});

describe('connect and disconnect', () => {
  it('creates a missing table when allowed, and stores the connection that met it', async () => {
    const tableName = 'CreatedOnConnect';
    const store = storeFor(local.clients, tableName, 'query');
    const outcome = await connect(
      {
        connectionId: 'first',
        filters: ['a/b', 'a/b', 'c/#'],
        connectedAtMs: Date.now(),
        grants: FULL_ACCESS,
      },
      {
        store,
        logger: silentLogger,
        ensureTable: () => ensureTable(local.clients.lean, { tableName, indexName: INDEX }),
      },
    );
    expect(outcome).toEqual({ ok: true, filters: ['a/b', 'c/#'] });
    expect((await store.listFilters('first')).sort()).toEqual(['a/b', 'c/#']);
  });

  it('fails with TableMissingError when the table is missing and creating it is not allowed', async () => {
    const store = storeFor(local.clients, 'NotCreated', 'query');
    const attempt = connect(
      { connectionId: 'c', filters: ['a'], connectedAtMs: Date.now(), grants: FULL_ACCESS },
      { store, logger: silentLogger },
    );
    await expect(attempt).rejects.toBeInstanceOf(TableMissingError);
  });

  it('refuses invalid filters with a code and a reason, and writes nothing', async () => {
    const tableName = await freshTable(local.clients);
    const store = storeFor(local.clients, tableName, 'query');
    const request = (filters: unknown[]) =>
      connect(
        { connectionId: 'bad', filters, connectedAtMs: Date.now(), grants: FULL_ACCESS },
        { store, logger: silentLogger },
      );
    expect(await request(['ok', 'a/#/b'])).toEqual({
      ok: false,
      code: 'invalid_topic',
      reason:
        'topic filter "a/#/b" has a misplaced wildcard: "#" must be the whole last level, as in "sensors/#"',
    });
    expect(await request([''])).toMatchObject({ ok: false, code: 'invalid_topic' });
    expect(await request(Array.from({ length: 33 }, (_, i) => `t${i}`))).toMatchObject({
      ok: false,
      code: 'too_many_subscriptions',
    });
    expect(await allRows(tableName)).toEqual([]);
  });

  it('stores nothing for a publish-only connection, and disconnect deletes every row', async () => {
    const tableName = await freshTable(local.clients);
    const store = storeFor(local.clients, tableName, 'query');
    const deps = { store, logger: silentLogger };
    expect(
      await connect(
        { connectionId: 'pub', filters: [], connectedAtMs: Date.now(), grants: FULL_ACCESS },
        deps,
      ),
    ).toEqual({
      ok: true,
      filters: [],
    });
    await connect(
      { connectionId: 'sub', filters: ['a', 'b/+'], connectedAtMs: Date.now(), grants: FULL_ACCESS },
      deps,
    );
    // Two rows and the connection item (the filter-limit set).
    expect((await allRows(tableName)).map((row) => row.connectionId)).toEqual(['sub', 'sub', 'sub']);
    expect(await disconnect('pub', deps)).toBe(0);
    expect(await disconnect('sub', deps)).toBe(2);
    expect(await allRows(tableName)).toEqual([]);
  });
});
