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
} as const;

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
    expiresAt: Math.floor(connectedAtMs / 1000) + ttlSeconds,
    connectedAt: connectedAtMs,
  };
}
