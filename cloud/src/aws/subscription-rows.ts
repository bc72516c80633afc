import { isWildcardFilter, TOPIC_LEVEL_SEPARATOR } from '@topic-bridge/shared-types';

/**
 * The DynamoDB data model (docs/DATA-MODEL.md): one item per (connection, filter), keyed `connectionId` +
 * `topicFilter`. The topic index (hash `topicName`, range `expiresAt`, KEYS_ONLY) finds a publish's
 * subscribers with at most three bounded Queries.
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

/** The topic-index key a filter is stored under: the filter itself when exact, else a reserved wildcard key. */
export function indexKeyOf(filter: string): string {
  if (!isWildcardFilter(filter)) return filter;
  const first = firstLevel(filter);
  return isWildcardFilter(first) ? ANY_FIRST_LEVEL_INDEX_KEY : `${WILDCARD_INDEX_PREFIX}${first}`;
}

/** The topic-index keys under which every filter that may match a publish topic is stored. */
export function indexKeysFor(topic: string): string[] {
  return [topic, `${WILDCARD_INDEX_PREFIX}${firstLevel(topic)}`, ANY_FIRST_LEVEL_INDEX_KEY];
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
): SubscriptionRow {
  return {
    connectionId,
    topicFilter: filter,
    topicName: indexKeyOf(filter),
    expiresAt: expiresAtOf(connectedAtMs, ttlSeconds),
    connectedAt: connectedAtMs,
  };
}
