import type { PageProgress } from '../core/fan-out-job.js';
import type { DynamoHttpClient } from './dynamodb-http/client.js';
import { storeCall } from './store-errors.js';
import { ATTRIBUTES } from './subscription-rows.js';

/**
 * The progress record's sort key. Its partition key is `$fanout/<publishId>/<page>`: API Gateway's connection
 * ids never start with `$`, the record has no `topicName` (so the topic index never holds it) and a Scan
 * lookup never matches `$progress` against a topic (topics cannot start with `$`).
 */
export const PROGRESS_SORT_KEY = '$progress';

/** Where to keep progress records and for how long. */
export interface PageProgressOptions {
  tableName: string;
  /** Records expire this long after their last update (DynamoDB TTL on `expiresAt`). */
  ttlSeconds: number;
  now?: () => number;
}

/** PageProgress in the subscription table: one small item per handed-off page, read strongly consistent. */
export function createPageProgress(dynamo: DynamoHttpClient, options: PageProgressOptions): PageProgress {
  const { tableName } = options;
  const now = options.now ?? Date.now;
  const key = (publishId: string, page: number) => ({
    [ATTRIBUTES.connectionId]: `$fanout/${publishId}/${page}`,
    [ATTRIBUTES.topicFilter]: PROGRESS_SORT_KEY,
  });
  return {
    async settled(publishId, page) {
      const output = await storeCall('GetItem', tableName, () =>
        dynamo.getItem({ TableName: tableName, Key: key(publishId, page), ConsistentRead: true }),
      );
      const settled = output.Item?.settled;
      return typeof settled === 'number' ? settled : 0;
    },
    async record(publishId, page, count) {
      await storeCall('UpdateItem', tableName, () =>
        dynamo.updateItem({
          TableName: tableName,
          Key: key(publishId, page),
          UpdateExpression: 'SET settled = :n, #e = :e',
          ExpressionAttributeNames: { '#e': ATTRIBUTES.expiresAt },
          ExpressionAttributeValues: {
            ':n': count,
            ':e': Math.floor(now() / 1000) + options.ttlSeconds,
          },
        }),
      );
    },
  };
}
