import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SubscriberPage, SubscriptionStore } from '../core/subscriptions.js';
import { type BatchTiming, batchWrite } from './batch-write.js';
import { findSubscribers, type LookupStrategy, legacyKeys } from './find-subscribers.js';
import { storeCall } from './store-errors.js';
import { ATTRIBUTES, subscriptionRow } from './subscription-rows.js';

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
}

/** Creates the DynamoDB subscription store; every failure rejects with a StoreUnavailableError. */
export function createDynamoStore(
  doc: DynamoDBDocumentClient,
  options: DynamoStoreOptions,
): SubscriptionStore {
  const { tableName, indexName, connectionTtlSeconds } = options;
  const now = options.now ?? Date.now;
  const legacy = legacyKeys(now());
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
      for (const item of page.Items ?? []) filters.push(String(item[ATTRIBUTES.topicFilter]));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return filters;
  };

  return {
    async addConnection(connectionId, filters, connectedAtMs) {
      const puts = filters.map((filter) => ({
        PutRequest: {
          Item: { ...subscriptionRow(connectionId, filter, connectedAtMs, connectionTtlSeconds) },
        },
      }));
      await batchWrite(doc, tableName, puts, options);
    },

    async addFilter(connectionId, filter, connectedAtMs) {
      const row = subscriptionRow(connectionId, filter, connectedAtMs, connectionTtlSeconds);
      await storeCall('PutItem', tableName, () =>
        doc.send(new PutCommand({ TableName: tableName, Item: row })),
      );
    },

    async removeFilter(connectionId, filter) {
      await storeCall('DeleteItem', tableName, () =>
        doc.send(new DeleteCommand({ TableName: tableName, Key: key(connectionId, filter) })),
      );
    },

    listFilters,

    async removeConnection(connectionId) {
      const filters = await listFilters(connectionId);
      const deletes = filters.map((filter) => ({ DeleteRequest: { Key: key(connectionId, filter) } }));
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
      });
    },
  };
}
