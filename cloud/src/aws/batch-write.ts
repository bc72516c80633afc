import { fullJitterDelay, sleep as realSleep } from '../core/backoff.js';
import { StoreUnavailableError } from '../errors.js';
import type { DynamoHttpClient, WriteRequest } from './dynamodb-http/client.js';
import { storeCall } from './store-errors.js';

/** DynamoDB's limit of items per BatchWriteItem request. */
export const BATCH_WRITE_LIMIT = 25;

/** Attempts for one batch while DynamoDB returns UnprocessedItems (it does under throttling). */
export const BATCH_WRITE_ATTEMPTS = 6;

/** Backoff between attempts with unprocessed items: full jitter, base and cap in milliseconds. */
export const BATCH_WRITE_BACKOFF_BASE_MS = 25;
/** Cap of one wait between attempts with unprocessed items. */
export const BATCH_WRITE_BACKOFF_CAP_MS = 500;

/** Timing collaborators, replaceable in tests. */
export interface BatchTiming {
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/**
 * Writes puts and deletes in batches of 25, resending UnprocessedItems with backoff until every item is
 * written; rejects with a StoreUnavailableError when some remain after BATCH_WRITE_ATTEMPTS.
 */
export async function batchWrite(
  dynamo: DynamoHttpClient,
  tableName: string,
  requests: readonly WriteRequest[],
  timing: BatchTiming = {},
): Promise<void> {
  for (let start = 0; start < requests.length; start += BATCH_WRITE_LIMIT) {
    let pending: WriteRequest[] = requests.slice(start, start + BATCH_WRITE_LIMIT);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt === BATCH_WRITE_ATTEMPTS) {
        const writes = pending.length === 1 ? '1 write' : `${pending.length} writes`;
        throw new StoreUnavailableError(
          `DynamoDB left ${writes} on "${tableName}" unprocessed after ${attempt} attempts (throttled?)`,
        );
      }
      if (attempt > 0) {
        const wait = fullJitterDelay(
          attempt,
          BATCH_WRITE_BACKOFF_BASE_MS,
          BATCH_WRITE_BACKOFF_CAP_MS,
          timing.random ?? Math.random,
        );
        await (timing.sleep ?? realSleep)(wait);
      }
      const batch = pending;
      const output = await storeCall('BatchWriteItem', tableName, () =>
        dynamo.batchWriteItem({ RequestItems: { [tableName]: batch } }),
      );
      pending = output.UnprocessedItems[tableName] ?? [];
    }
  }
}
