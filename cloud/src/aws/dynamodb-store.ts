import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { MAX_FILTERS_PER_CONNECTION } from '@topic-bridge/shared-types';
import type { AddFilterOutcome, SubscriberPage, SubscriptionStore } from '../core/subscriptions.js';
import { type BatchTiming, batchWrite } from './batch-write.js';
import { findSubscribers, type LookupStrategy, legacyKeys } from './find-subscribers.js';
import { storeCall } from './store-errors.js';
import {
  ATTRIBUTES,
  CONNECTION_ITEM_KEY,
  expiresAtOf,
  isConnectionItem,
  type LegacyWildcardKeys,
  subscriptionRow,
  WILDCARD_INDEX_SHARDS,
} from './subscription-rows.js';

/** Where the store lives and how it behaves. */
export interface DynamoStoreOptions extends BatchTiming {
  tableName: string;
  indexName: string;
  /** How `findSubscribers` reads: the whole table (`scan`) or the topic index (`query`). */
  lookup: LookupStrategy;
  /** Rows expire this long after their connection was opened (see DEFAULT_CONNECTION_TTL_SECONDS). */
  connectionTtlSeconds: number;
  /** The clock, epoch ms. */
  now?: () => number;
  /** Items per Scan or Query page of a lookup; undefined reads DynamoDB's 1 MB pages. */
  pageSize?: number;
  /**
   * Shards per wildcard index key (default WILDCARD_INDEX_SHARDS); every writer and reader of one table must
   * use the same number (docs/DATA-MODEL.md).
   */
  indexShards?: number;
  /** Whether lookups read the unsharded wildcard keys of older releases (default `read`). */
  legacyWildcardKeys?: LegacyWildcardKeys;
}

/** Creates the DynamoDB subscription store; every failure rejects with a StoreUnavailableError. */
export function createDynamoStore(
  doc: DynamoDBDocumentClient,
  options: DynamoStoreOptions,
): SubscriptionStore {
  const { tableName, indexName, connectionTtlSeconds } = options;
  const now = options.now ?? Date.now;
  const legacy = legacyKeys(now());
  const shards = options.indexShards ?? WILDCARD_INDEX_SHARDS;
  const key = (connectionId: string, filter: string) => ({
    [ATTRIBUTES.connectionId]: connectionId,
    [ATTRIBUTES.topicFilter]: filter,
  });

  const listFilters = async (connectionId: string): Promise<string[]> => {
    const filters: string[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await storeCall('Query', tableName, () =>
        doc.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: '#c = :c',
            ProjectionExpression: '#f',
            ExpressionAttributeNames: { '#c': ATTRIBUTES.connectionId, '#f': ATTRIBUTES.topicFilter },
            ExpressionAttributeValues: { ':c': connectionId },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      for (const item of page.Items ?? []) {
        const filter = item[ATTRIBUTES.topicFilter];
        if (!isConnectionItem(filter)) filters.push(String(filter));
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return filters;
  };

  const connectionKey = (connectionId: string) => key(connectionId, CONNECTION_ITEM_KEY);

  // Claims a place for `filter` in the connection item's set, atomically: one conditional UpdateItem,
  // which DynamoDB (and dynalite, which has no transactions) applies to one item at a time, so any number
  // of concurrent subscribes can never together pass the limit. A filter already held always passes.
  const claim = async (connectionId: string, filter: string, expiresAt: number, connectedAtMs: number) => {
    try {
      const result = await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: connectionKey(connectionId),
          UpdateExpression: 'ADD #h :set SET #e = if_not_exists(#e, :e), #ca = if_not_exists(#ca, :ca)',
          ConditionExpression: 'attribute_not_exists(#h) OR contains(#h, :f) OR size(#h) < :max',
          ExpressionAttributeNames: {
            '#h': ATTRIBUTES.heldFilters,
            '#e': ATTRIBUTES.expiresAt,
            '#ca': ATTRIBUTES.connectedAt,
          },
          ExpressionAttributeValues: {
            ':set': new Set([filter]),
            ':f': filter,
            ':max': MAX_FILTERS_PER_CONNECTION,
            ':e': expiresAt,
            ':ca': connectedAtMs,
          },
          ReturnValues: 'UPDATED_OLD',
        }),
      );
      const before = result.Attributes?.[ATTRIBUTES.heldFilters];
      return { claimed: true as const, wasHeld: before instanceof Set && before.has(filter) };
    } catch (error) {
      if (isConditionFailed(error)) return { claimed: false as const, wasHeld: false };
      throw error;
    }
  };

  // Gives a place back. Conditional on the set existing, so that it never creates a connection item (an
  // update of a missing item would create one without `expiresAt`, which would then never expire).
  const release = async (connectionId: string, filter: string) => {
    try {
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: connectionKey(connectionId),
          UpdateExpression: 'DELETE #h :set',
          ConditionExpression: 'attribute_exists(#h)',
          ExpressionAttributeNames: { '#h': ATTRIBUTES.heldFilters },
          ExpressionAttributeValues: { ':set': new Set([filter]) },
        }),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
  };

  return {
    async addConnection(connectionId, filters, connectedAtMs) {
      const puts: Array<{ PutRequest: { Item: Record<string, unknown> } }> = filters.map((filter) => ({
        PutRequest: {
          Item: { ...subscriptionRow(connectionId, filter, connectedAtMs, connectionTtlSeconds, shards) },
        },
      }));
      // No concurrent subscribe is possible yet (API Gateway routes none before `$connect` answers), so
      // the connection item is written with the rows, in the same batch. A DynamoDB set cannot be empty:
      // a publish-only connection gets its item at its first subscribe.
      if (filters.length > 0) {
        puts.push({
          PutRequest: {
            Item: {
              ...connectionKey(connectionId),
              [ATTRIBUTES.heldFilters]: new Set(filters),
              [ATTRIBUTES.expiresAt]: expiresAtOf(connectedAtMs, connectionTtlSeconds),
              [ATTRIBUTES.connectedAt]: connectedAtMs,
            },
          },
        });
      }
      await batchWrite(doc, tableName, puts, options);
    },

    async addFilter(connectionId, filter, connectedAtMs): Promise<AddFilterOutcome> {
      const expiresAt = expiresAtOf(connectedAtMs, connectionTtlSeconds);
      const claimed = await storeCall('UpdateItem', tableName, () =>
        claim(connectionId, filter, expiresAt, connectedAtMs),
      );
      if (!claimed.claimed) return 'limit';
      const row = subscriptionRow(connectionId, filter, connectedAtMs, connectionTtlSeconds, shards);
      try {
        await storeCall('PutItem', tableName, () =>
          doc.send(new PutCommand({ TableName: tableName, Item: row })),
        );
      } catch (error) {
        // Give back the place this call claimed, so a failed subscribe does not shrink the connection's
        // limit; a filter held before keeps its place (its row exists).
        if (!claimed.wasHeld) await release(connectionId, filter).catch(() => undefined);
        throw error;
      }
      return 'added';
    },

    async removeFilter(connectionId, filter) {
      // The row first, then its place: should the second call fail, the set over-counts (the limit stays
      // safe) until the same unsubscribe is sent again or the connection closes.
      await storeCall('DeleteItem', tableName, () =>
        doc.send(new DeleteCommand({ TableName: tableName, Key: key(connectionId, filter) })),
      );
      await storeCall('UpdateItem', tableName, () => release(connectionId, filter));
    },

    listFilters,

    async removeConnection(connectionId) {
      const filters = await listFilters(connectionId);
      const deletes = [...filters, CONNECTION_ITEM_KEY].map((filter) => ({
        DeleteRequest: { Key: key(connectionId, filter) },
      }));
      await batchWrite(doc, tableName, deletes, options);
      return filters.length;
    },

    findSubscribers(topic): AsyncIterable<SubscriberPage> {
      return findSubscribers(doc, options.lookup, topic, {
        tableName,
        indexName,
        nowMs: now(),
        pageSize: options.pageSize,
        legacy,
        indexShards: shards,
        ...(options.legacyWildcardKeys === undefined
          ? {}
          : { legacyWildcardKeys: options.legacyWildcardKeys }),
      });
    },
  };
}

function isConditionFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
