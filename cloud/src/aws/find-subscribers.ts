import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { topicMatches } from '@topic-bridge/shared-types';
import type { Subscribers } from '../core/subscriptions.js';
import { storeCall } from './store-errors.js';
import { ATTRIBUTES, indexKeysFor, isConnectionItem } from './subscription-rows.js';

/** How subscribers are found: `scan` reads the whole table (the original's design), `query` the topic index. */
export type LookupStrategy = 'scan' | 'query';

/** Where and when to look. */
export interface LookupOptions {
  tableName: string;
  indexName: string;
  /** Epoch ms; rows whose `expiresAt` is not after it are ignored (dynalite does not expire them). */
  nowMs: number;
  /** Items per Scan or Query page (tests use a small one to force pagination); undefined reads 1 MB pages. */
  pageSize?: number;
}

type Row = Record<string, unknown>;

/** Finds the connections subscribed to `topic` with the chosen strategy; paginates until the end. */
export function findSubscribers(
  doc: DynamoDBDocumentClient,
  strategy: LookupStrategy,
  topic: string,
  options: LookupOptions,
): Promise<Subscribers> {
  return strategy === 'scan' ? scanSubscribers(doc, topic, options) : querySubscribers(doc, topic, options);
}

function collect(rows: readonly Row[], topic: string, nowSeconds: number, into: Set<string>): void {
  for (const row of rows) {
    const filter = row[ATTRIBUTES.topicFilter];
    const expiresAt = row[ATTRIBUTES.expiresAt];
    if (typeof filter !== 'string' || typeof expiresAt !== 'number' || expiresAt <= nowSeconds) continue;
    // The connection item (the filter-limit set) is no subscription; the Scan meets it, the index never.
    if (isConnectionItem(filter)) continue;
    if (topicMatches(filter, topic)) into.add(String(row[ATTRIBUTES.connectionId]));
  }
}

function units(capacity: ConsumedCapacity | undefined): number {
  return capacity?.CapacityUnits ?? 0;
}

/** Scans every page of the table, reading only keys and `expiresAt`, and matches filters in memory. */
async function scanSubscribers(doc: DynamoDBDocumentClient, topic: string, options: LookupOptions) {
  const found = new Set<string>();
  const nowSeconds = Math.floor(options.nowMs / 1000);
  let readUnits = 0;
  let startKey: Row | undefined;
  do {
    const page = await storeCall('Scan', options.tableName, () =>
      doc.send(
        new ScanCommand({
          TableName: options.tableName,
          ProjectionExpression: '#c, #f, #e',
          ExpressionAttributeNames: {
            '#c': ATTRIBUTES.connectionId,
            '#f': ATTRIBUTES.topicFilter,
            '#e': ATTRIBUTES.expiresAt,
          },
          ExclusiveStartKey: startKey,
          Limit: options.pageSize,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      ),
    );
    readUnits += units(page.ConsumedCapacity);
    collect(page.Items ?? [], topic, nowSeconds, found);
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return { connectionIds: [...found], readUnits };
}

/** Queries the topic index under each key that may hold a matching filter, in parallel, every page. */
async function querySubscribers(doc: DynamoDBDocumentClient, topic: string, options: LookupOptions) {
  const found = new Set<string>();
  const nowSeconds = Math.floor(options.nowMs / 1000);
  const perKey = await Promise.all(
    indexKeysFor(topic).map((key) => queryIndexKey(doc, key, topic, nowSeconds, options, found)),
  );
  return { connectionIds: [...found], readUnits: perKey.reduce((sum, value) => sum + value, 0) };
}

async function queryIndexKey(
  doc: DynamoDBDocumentClient,
  key: string,
  topic: string,
  nowSeconds: number,
  options: LookupOptions,
  found: Set<string>,
): Promise<number> {
  let readUnits = 0;
  let startKey: Row | undefined;
  do {
    const page = await storeCall('Query', options.tableName, () =>
      doc.send(
        new QueryCommand({
          TableName: options.tableName,
          IndexName: options.indexName,
          KeyConditionExpression: '#t = :t AND #e > :now',
          ExpressionAttributeNames: { '#t': ATTRIBUTES.topicName, '#e': ATTRIBUTES.expiresAt },
          ExpressionAttributeValues: { ':t': key, ':now': nowSeconds },
          ExclusiveStartKey: startKey,
          Limit: options.pageSize,
          // INDEXES also reports the index's share; CapacityUnits stays the total.
          ReturnConsumedCapacity: 'INDEXES',
        }),
      ),
    );
    readUnits += units(page.ConsumedCapacity);
    collect(page.Items ?? [], topic, nowSeconds, found);
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return readUnits;
}
