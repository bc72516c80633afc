import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { topicMatches } from '@topic-bridge/shared-types';
import type { SubscriberPage } from '../core/subscriptions.js';
import { mergePages } from './merge-pages.js';
import { storeCall } from './store-errors.js';
import {
  ATTRIBUTES,
  indexKeysFor,
  isConnectionItem,
  type LegacyWildcardKeys,
  legacyIndexKeysFor,
} from './subscription-rows.js';

/** How subscribers are found: `scan` reads the whole table (the original's design), `query` the topic index. */
export type LookupStrategy = 'scan' | 'query';

/**
 * How long after a runtime started it may conclude that an unsharded wildcard key found empty stays empty.
 * No release since sharding writes those keys, so once empty they only stay empty; but while a deployment
 * rolls out, functions still running the previous release may write a few more rows. A CloudFormation update
 * replaces every function within minutes and an invocation lasts at most 29 s: 15 minutes is ample.
 */
export const LEGACY_KEY_GRACE_MS = 15 * 60 * 1000;

/**
 * What a runtime remembers about the unsharded wildcard keys of releases before sharding (docs/DATA-MODEL.md,
 * "Migration"): those found empty once the grace period has passed are never read again by this runtime.
 */
export interface LegacyKeys {
  /** When this runtime started, epoch ms. */
  startedAtMs: number;
  /** Unsharded keys found empty after the grace period. */
  empty: Set<string>;
}

/** A fresh LegacyKeys for a runtime starting now. */
export function legacyKeys(startedAtMs: number): LegacyKeys {
  return { startedAtMs, empty: new Set() };
}

/** Where and when to look. */
export interface LookupOptions {
  tableName: string;
  indexName: string;
  /** Epoch ms; rows whose `expiresAt` is not after it are ignored (dynalite does not expire them). */
  nowMs: number;
  /** Items per Scan or Query page (tests use a small one to force pagination); undefined reads 1 MB pages. */
  pageSize?: number;
  /** The runtime's memory of empty unsharded keys (Query only); absent, they are read on every lookup. */
  legacy?: LegacyKeys;
  /** Shards per wildcard key, as the rows were written (default WILDCARD_INDEX_SHARDS). */
  indexShards?: number;
  /**
   * `skip`: never read the unsharded keys of releases before sharding (a table no such release ever wrote,
   * like the local stack's). Default `read`, within the grace period described at LEGACY_KEY_GRACE_MS.
   */
  legacyWildcardKeys?: LegacyWildcardKeys;
}

type Row = Record<string, unknown>;

/** One page as DynamoDB returned it. */
interface RawPage {
  rows: readonly Row[];
  readUnits: number;
}

/**
 * Finds the connections subscribed to `topic` with the chosen strategy, page by page, so that posting can
 * start on the first page while later ones are read. Every connection appears in exactly one page, even when
 * several of its filters match (they may sit in different pages or under different index keys).
 */
export async function* findSubscribers(
  doc: DynamoDBDocumentClient,
  strategy: LookupStrategy,
  topic: string,
  options: LookupOptions,
): AsyncGenerator<SubscriberPage> {
  const seen = new Set<string>();
  const nowSeconds = Math.floor(options.nowMs / 1000);
  const pages = strategy === 'scan' ? scanPages(doc, options) : queryPages(doc, topic, nowSeconds, options);
  for await (const page of pages) {
    const connectionIds: string[] = [];
    for (const row of page.rows) {
      const id = matchingConnection(row, topic, nowSeconds);
      if (id === undefined || seen.has(id)) continue;
      seen.add(id);
      connectionIds.push(id);
    }
    yield { connectionIds, readUnits: page.readUnits };
  }
}

function matchingConnection(row: Row, topic: string, nowSeconds: number): string | undefined {
  const filter = row[ATTRIBUTES.topicFilter];
  const expiresAt = row[ATTRIBUTES.expiresAt];
  if (typeof filter !== 'string' || typeof expiresAt !== 'number' || expiresAt <= nowSeconds)
    return undefined;
  // The connection item (the filter-limit set) is no subscription; the Scan meets it, the index never.
  if (isConnectionItem(filter)) return undefined;
  return topicMatches(filter, topic) ? String(row[ATTRIBUTES.connectionId]) : undefined;
}

function units(capacity: ConsumedCapacity | undefined): number {
  return capacity?.CapacityUnits ?? 0;
}

/** Scans every page of the table, reading only keys and `expiresAt`; filters are matched in memory. */
async function* scanPages(doc: DynamoDBDocumentClient, options: LookupOptions): AsyncGenerator<RawPage> {
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
    yield { rows: page.Items ?? [], readUnits: units(page.ConsumedCapacity) };
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
}

/** Queries the topic index under every key that may hold a matching filter, all in parallel, page by page. */
function queryPages(
  doc: DynamoDBDocumentClient,
  topic: string,
  nowSeconds: number,
  options: LookupOptions,
): AsyncGenerator<RawPage> {
  const legacy = options.legacy;
  const legacyKeysToRead =
    options.legacyWildcardKeys === 'skip'
      ? []
      : legacyIndexKeysFor(topic).filter((key) => !legacy?.empty.has(key));
  const current = indexKeysFor(topic, options.indexShards).map((key) =>
    keyPages(doc, key, nowSeconds, options),
  );
  const old = legacyKeysToRead.map((key) =>
    keyPages(doc, key, nowSeconds, options, (rowsFound) => {
      const pastGrace = legacy !== undefined && options.nowMs - legacy.startedAtMs >= LEGACY_KEY_GRACE_MS;
      if (rowsFound === 0 && pastGrace) legacy.empty.add(key);
    }),
  );
  return mergePages([...current, ...old]);
}

async function* keyPages(
  doc: DynamoDBDocumentClient,
  key: string,
  nowSeconds: number,
  options: LookupOptions,
  onEnd?: (rowsFound: number) => void,
): AsyncGenerator<RawPage> {
  let rowsFound = 0;
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
    const rows = page.Items ?? [];
    rowsFound += rows.length;
    yield { rows, readUnits: units(page.ConsumedCapacity) };
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  onEnd?.(rowsFound);
}
