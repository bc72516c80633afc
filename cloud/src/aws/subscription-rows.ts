import { isWildcardFilter, TOPIC_LEVEL_SEPARATOR } from '@topic-bridge/shared-types';

/**
 * The DynamoDB data model (docs/DATA-MODEL.md): one item per (connection, filter), keyed `connectionId` +
 * `topicFilter`. The topic index (hash `topicName`, range `expiresAt`, KEYS_ONLY) finds a publish's
 * subscribers with a bounded set of Queries run in parallel: the topic itself and the shards of its two
 * wildcard keys (plus, while they may still hold rows, the two unsharded wildcard keys of older releases).
 */

/** Attribute names, shared by the store, the lookups, ensureTable and serverless.yml. */
export const ATTRIBUTES = {
  connectionId: 'connectionId',
  topicFilter: 'topicFilter',
  topicName: 'topicName',
  expiresAt: 'expiresAt',
  connectedAt: 'connectedAt',
  heldFilters: 'heldFilters',
} as const;

/**
 * The `topicFilter` (range key) of each connection's one *connection item*, which holds the string set
 * `heldFilters` that enforces MAX_FILTERS_PER_CONNECTION with a conditional update (docs/DATA-MODEL.md).
 * Filters never start with `$` (shared-types rejects them), so it cannot collide with a subscription row.
 * The item has no `topicName`, so the topic index never holds it; the Scan lookup skips it by this key.
 */
export const CONNECTION_ITEM_KEY = '$connection';

/** True for a connection item (not a subscription row), so that readers of the table skip it. */
export function isConnectionItem(topicFilter: unknown): boolean {
  return topicFilter === CONNECTION_ITEM_KEY;
}

/**
 * Index keys of wildcard filters start with this. Topics and filters never start with `$` (shared-types
 * rejects them), so a reserved key cannot collide with an exact filter.
 */
export const WILDCARD_INDEX_PREFIX = '$wildcard/';

/**
 * The index key of wildcard filters whose first level is itself a wildcard (`+/…` or `#`). A publish topic
 * never contains `+`, so `$wildcard/+` cannot collide with the key of a first level.
 */
export const ANY_FIRST_LEVEL_INDEX_KEY = `${WILDCARD_INDEX_PREFIX}+`;

/**
 * Shards per wildcard key. Every `sensors/#`-like filter would otherwise sit under one index key, so a connect
 * storm writes one partition (DynamoDB allows about 1,000 writes/s per partition key; a connection may write
 * up to 32 rows) and every publish under `sensors/` reads all of them from that one partition. With 4 shards a
 * first level takes about 4,000 writes/s, 8 times API Gateway's default 500 new connections/s, while a publish
 * sends 1 + 2 × 4 Queries (on AWS at least 0.5 read unit each, about $0.56 per million publishes at
 * $0.125 per million read units). Changing it moves rows between keys: see docs/DATA-MODEL.md.
 */
export const WILDCARD_INDEX_SHARDS = 4;

/**
 * Most shards a table may be configured with (WILDCARD_INDEX_SHARDS_ENV): every publish reads 1 + 2 × shards
 * keys, so more than this costs more read requests than the writes they spread could ever need.
 */
export const MAX_WILDCARD_INDEX_SHARDS = 16;

/** Whether a lookup reads the unsharded wildcard keys of releases before sharding (LEGACY_WILDCARD_KEYS). */
export const LEGACY_WILDCARD_KEY_MODES = ['read', 'skip'] as const;
/** One of LEGACY_WILDCARD_KEY_MODES. */
export type LegacyWildcardKeys = (typeof LEGACY_WILDCARD_KEY_MODES)[number];

/** Joins a wildcard key and its shard number. Topic levels never contain `#` (only a whole filter level can). */
export const SHARD_SEPARATOR = '#';

/** One stored subscription. */
export interface SubscriptionRow {
  connectionId: string;
  topicFilter: string;
  /** The topic index's hash key: see indexKeyOf. */
  topicName: string;
  /** Epoch seconds: DynamoDB's TTL attribute and the topic index's range key. */
  expiresAt: number;
  /** When the connection was opened, epoch milliseconds. */
  connectedAt: number;
}

function firstLevel(topicOrFilter: string): string {
  return topicOrFilter.split(TOPIC_LEVEL_SEPARATOR, 1)[0] ?? '';
}

/**
 * The shard of a connection, from 0 to WILDCARD_INDEX_SHARDS - 1: FNV-1a (32 bit) of its id, so the same
 * connection always lands in the same shard and API Gateway's random ids spread evenly.
 */
export function shardOf(connectionId: string, shards: number = WILDCARD_INDEX_SHARDS): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < connectionId.length; i++) {
    hash ^= connectionId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

/** The unsharded wildcard key of a wildcard filter, as releases before sharding stored it. */
function wildcardKeyOf(filter: string): string {
  const first = firstLevel(filter);
  return isWildcardFilter(first) ? ANY_FIRST_LEVEL_INDEX_KEY : `${WILDCARD_INDEX_PREFIX}${first}`;
}

function shardKey(wildcardKey: string, shard: number): string {
  return `${wildcardKey}${SHARD_SEPARATOR}${shard}`;
}

/**
 * The topic-index key a connection's filter is stored under: the filter itself when exact, else a reserved
 * wildcard key sharded by the connection (`$wildcard/sensors#2`).
 */
export function indexKeyOf(
  filter: string,
  connectionId: string,
  shards: number = WILDCARD_INDEX_SHARDS,
): string {
  if (!isWildcardFilter(filter)) return filter;
  return shardKey(wildcardKeyOf(filter), shardOf(connectionId, shards));
}

/** The two unsharded wildcard keys a publish topic's wildcard filters were stored under before sharding. */
export function legacyIndexKeysFor(topic: string): string[] {
  return [`${WILDCARD_INDEX_PREFIX}${firstLevel(topic)}`, ANY_FIRST_LEVEL_INDEX_KEY];
}

/**
 * The topic-index keys under which this release stores every filter that may match a publish topic, for a
 * table whose wildcard keys have `shards` shards (the same number the rows were written with).
 */
export function indexKeysFor(topic: string, shards: number = WILDCARD_INDEX_SHARDS): string[] {
  const keys = [topic];
  for (const wildcardKey of legacyIndexKeysFor(topic)) {
    for (let shard = 0; shard < shards; shard++) keys.push(shardKey(wildcardKey, shard));
  }
  return keys;
}

/** When a connection's items expire (epoch seconds): its open time plus the TTL, the same for all of them. */
export function expiresAtOf(connectedAtMs: number, ttlSeconds: number): number {
  return Math.floor(connectedAtMs / 1000) + ttlSeconds;
}

/** Builds the row of one (connection, filter), expiring `ttlSeconds` after the connection was opened. */
export function subscriptionRow(
  connectionId: string,
  filter: string,
  connectedAtMs: number,
  ttlSeconds: number,
  shards: number = WILDCARD_INDEX_SHARDS,
): SubscriptionRow {
  return {
    connectionId,
    topicFilter: filter,
    topicName: indexKeyOf(filter, connectionId, shards),
    expiresAt: expiresAtOf(connectedAtMs, ttlSeconds),
    connectedAt: connectedAtMs,
  };
}
