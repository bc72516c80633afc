import { topicMatches } from '@topic-bridge/shared-types';
import type { SubscriberPage } from '../core/subscriptions.js';
import type { ConsumedCapacity, DynamoHttpClient } from './dynamodb-http/client.js';
import { mergePages } from './merge-pages.js';
import { storeCall } from './store-errors.js';
import {
  ATTRIBUTES,
  isConnectionItem,
  type LegacyWildcardKeys,
  legacyIndexKeysFor,
  wildcardIndexKeysFor,
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
 * Legacy keys found empty that a runtime remembers at most (one per topic published: bounded, so that a runtime
 * publishing to millions of topics does not grow without end; past it, keys are read until they all expire).
 */
export const LEGACY_EMPTY_KEYS_LIMIT = 10_000;

/**
 * What a runtime remembers about the topic-index keys of older releases (docs/DATA-MODEL.md, "Migrations"):
 * those found empty once the grace period has passed are never read again by this runtime, and none at all
 * once every row an older release could have written has expired (grace period plus the connection TTL).
 */
export interface LegacyKeys {
  /** When this runtime started, epoch ms. */
  startedAtMs: number;
  /** Legacy keys found empty after the grace period. */
  empty: Set<string>;
}

/** A fresh LegacyKeys for a runtime starting now. */
export function legacyKeys(startedAtMs: number): LegacyKeys {
  return { startedAtMs, empty: new Set() };
}

/** Where and when to look. */
export interface LookupOptions {
  tableName: string;
  /** The topic index (wildcard filters). */
  indexName: string;
  /** The exact index (exact filters). */
  exactIndexName: string;
  /** Rows live this long after their connection opened: past grace + TTL no legacy row is left. */
  connectionTtlSeconds: number;
  /** Epoch ms; rows whose `expiresAt` is not after it are ignored (dynalite does not expire them). */
  nowMs: number;
  /** Items per Scan or Query page (tests use a small one to force pagination); undefined reads 1 MB pages. */
  pageSize?: number;
  /** The runtime's memory of empty unsharded keys (Query only); absent, they are read on every lookup. */
  legacy?: LegacyKeys;
  /** Shards per wildcard key, as the rows were written (default WILDCARD_INDEX_SHARDS). */
  indexShards?: number;
  /**
   * `skip`: never read the keys older releases wrote (legacyIndexKeysFor: the unsharded wildcard keys and the
   * pre-exact-index exact key), for a table no such release ever wrote, like the local stack's. Default
   * `read`, within the grace period described at LEGACY_KEY_GRACE_MS.
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
  dynamo: DynamoHttpClient,
  strategy: LookupStrategy,
  topic: string,
  options: LookupOptions,
): AsyncGenerator<SubscriberPage> {
  const seen = new Set<string>();
  const nowSeconds = Math.floor(options.nowMs / 1000);
  const pages =
    strategy === 'scan' ? scanPages(dynamo, options) : queryPages(dynamo, topic, nowSeconds, options);
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
  // The exact index projects its own range key, `exactUntil` (= `expiresAt`), and not `expiresAt`.
  const expiresAt = row[ATTRIBUTES.expiresAt] ?? row[ATTRIBUTES.exactUntil];
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
async function* scanPages(dynamo: DynamoHttpClient, options: LookupOptions): AsyncGenerator<RawPage> {
  let startKey: Row | undefined;
  do {
    const page = await storeCall('Scan', options.tableName, () =>
      dynamo.scan({
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
    );
    yield { rows: page.Items, readUnits: units(page.ConsumedCapacity) };
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
}

/** The index and key attributes one lookup Query reads. */
interface IndexKey {
  indexName: string;
  hash: string;
  range: string;
  value: string;
}

/**
 * Queries every index key that may hold a matching filter, all in parallel, page by page: the topic in the exact
 * index, its wildcard keys in the topic index, and the keys older releases wrote while they may hold rows.
 */
function queryPages(
  dynamo: DynamoHttpClient,
  topic: string,
  nowSeconds: number,
  options: LookupOptions,
): AsyncGenerator<RawPage> {
  const inTopicIndex = (value: string): IndexKey => ({
    indexName: options.indexName,
    hash: ATTRIBUTES.topicName,
    range: ATTRIBUTES.expiresAt,
    value,
  });
  const exact: IndexKey = {
    indexName: options.exactIndexName,
    hash: ATTRIBUTES.topicFilter,
    range: ATTRIBUTES.exactUntil,
    value: topic,
  };
  const current = [exact, ...wildcardIndexKeysFor(topic, options.indexShards).map(inTopicIndex)].map((key) =>
    keyPages(dynamo, key, nowSeconds, options),
  );
  return mergePages([...current, ...legacyPages(dynamo, topic, nowSeconds, options, inTopicIndex)]);
}

/** The reads of the keys older releases wrote (legacyIndexKeysFor) that may still hold live rows. */
function legacyPages(
  dynamo: DynamoHttpClient,
  topic: string,
  nowSeconds: number,
  options: LookupOptions,
  inTopicIndex: (value: string) => IndexKey,
): AsyncGenerator<RawPage>[] {
  const legacy = options.legacy;
  const runningMs = legacy === undefined ? 0 : options.nowMs - legacy.startedAtMs;
  if (options.legacyWildcardKeys === 'skip') return [];
  if (runningMs >= LEGACY_KEY_GRACE_MS + options.connectionTtlSeconds * 1000) return [];
  const pastGrace = legacy !== undefined && runningMs >= LEGACY_KEY_GRACE_MS;
  return legacyIndexKeysFor(topic)
    .filter((key) => !legacy?.empty.has(key))
    .map((key) =>
      keyPages(dynamo, inTopicIndex(key), nowSeconds, options, (rowsFound) => {
        if (rowsFound === 0 && pastGrace && legacy.empty.size < LEGACY_EMPTY_KEYS_LIMIT)
          legacy.empty.add(key);
      }),
    );
}

async function* keyPages(
  dynamo: DynamoHttpClient,
  key: IndexKey,
  nowSeconds: number,
  options: LookupOptions,
  onEnd?: (rowsFound: number) => void,
): AsyncGenerator<RawPage> {
  let rowsFound = 0;
  let startKey: Row | undefined;
  do {
    const page = await storeCall('Query', options.tableName, () =>
      dynamo.query({
        TableName: options.tableName,
        IndexName: key.indexName,
        KeyConditionExpression: '#k = :k AND #e > :now',
        ExpressionAttributeNames: { '#k': key.hash, '#e': key.range },
        ExpressionAttributeValues: { ':k': key.value, ':now': nowSeconds },
        ExclusiveStartKey: startKey,
        Limit: options.pageSize,
        // INDEXES also reports the index's share; CapacityUnits stays the total.
        ReturnConsumedCapacity: 'INDEXES',
      }),
    );
    const rows = page.Items;
    rowsFound += rows.length;
    yield { rows, readUnits: units(page.ConsumedCapacity) };
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  onEnd?.(rowsFound);
}
