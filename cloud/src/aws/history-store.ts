import { randomBytes } from 'node:crypto';
import { HISTORY_SINCE_ID_PAGE_BUDGET, type HistoryConfig } from '../config.js';
import {
  type HistoryEntry,
  type HistoryPage,
  type HistoryRead,
  type HistoryRow,
  type HistoryStore,
  historyExpiresAt,
  historyPartition,
  historyPosition,
  oldestKeptMs,
  POSITION_TOP,
  positionAt,
  readStartMs,
  ringSlot,
  rowKept,
  sinceIdCollector,
} from '../core/history.js';
import { awsErrorType, describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ConsumedCapacity, DynamoHttpClient, ReadManyOutput } from './dynamodb-http/client.js';
import { storeCall } from './store-errors.js';

/** Attribute names of the history table (docs/DATA-MODEL.md, "The history table"). */
export const HISTORY_ATTRIBUTES = {
  /** HASH: a frame row's topic's first level; `$trim/<topic>` for the topic's counter and ring rows. */
  partition: 'partition',
  /** RANGE: a frame row's position (time-ordered); `seq` or `slot#<n>` for the trim rows. */
  position: 'position',
  topic: 'topic',
  frame: 'frame',
  frameId: 'frameId',
  expiresAt: 'expiresAt',
  /** Counter row: the topic's last sequence number; ring row: the sequence number of the frame in the slot. */
  seq: 'seq',
  /** Ring row: the position of the frame that holds the slot (deleted when a newer frame takes it). */
  target: 'target',
} as const;

/** Partition prefix of a topic's trim rows: topics never start with `$`, so it cannot collide with a first level. */
export const TRIM_PARTITION_PREFIX = '$trim/';

/** The range key of a topic's counter row. */
export const COUNTER_POSITION = 'seq';

/** Digits of a ring slot in its range key (slots < MAX_HISTORY_MAX_FRAMES). */
const SLOT_DIGITS = 6;

/** What the store needs besides its client. */
export interface HistoryStoreOptions {
  config: Pick<HistoryConfig, 'tableName' | 'maxFrames' | 'maxAgeSeconds'>;
  logger: Pick<Logger, 'warn'>;
  /** Identifies this instance in positions (the tiebreak); random by default. */
  instanceId?: string;
  /** Receives the write units of every append once its trim settled (benchmarks). */
  onWriteUnits?: (units: number) => void;
  /** Most pages a `since` id search reads (default HISTORY_SINCE_ID_PAGE_BUDGET). */
  sinceIdPageBudget?: number;
  /** Items per page of that search; undefined reads DynamoDB's 1 MB pages (tests set it small). */
  sinceIdPageSize?: number;
}

/**
 * The history on DynamoDB. append: the frame row (PutItem) and the topic's counter (UpdateItem ADD) at once;
 * then the ring slot of the new sequence number (conditional PutItem returning the old slot) and the delete of
 * the frame that held it: trim on write, so a topic never keeps more than maxFrames. read: one Query of the
 * filter's first level, strongly consistent (a frame delivered live is always found), paged.
 */
export function createHistoryStore(dynamo: DynamoHttpClient, options: HistoryStoreOptions): HistoryStore {
  const { tableName, maxFrames, maxAgeSeconds } = options.config;
  const instanceId = options.instanceId ?? randomBytes(4).toString('hex');
  const A = HISTORY_ATTRIBUTES;
  const { sinceIdPageSize, sinceIdPageBudget = HISTORY_SINCE_ID_PAGE_BUDGET } = options;
  let counter = 0;

  // Counts the topic's frames and takes the ring slot of the new one; deletes the frame that held the slot.
  // Resolves with the write units of the whole append (the frame's put included).
  const trim = async (
    topic: string,
    position: string,
    expiresAt: number,
    nowSec: number,
    stored: Promise<{ ConsumedCapacity?: ConsumedCapacity | undefined }>,
  ) => {
    const trimPartition = `${TRIM_PARTITION_PREFIX}${topic}`;
    // The counter update does not need the frame row, so it runs beside the put; the ring step waits for
    // both, so that a failed put never evicts an older frame.
    const [put, next] = await Promise.all([
      stored,
      dynamo.updateItem({
        TableName: tableName,
        Key: { [A.partition]: trimPartition, [A.position]: COUNTER_POSITION },
        UpdateExpression: 'ADD #seq :one SET #exp = :exp',
        ExpressionAttributeNames: { '#seq': A.seq, '#exp': A.expiresAt },
        ExpressionAttributeValues: { ':one': 1, ':exp': expiresAt },
        ReturnValues: 'UPDATED_NEW',
        ReturnConsumedCapacity: 'TOTAL',
      }),
    ]);
    let units = writeUnits(put.ConsumedCapacity) + writeUnits(next.ConsumedCapacity);
    const seq = Number(next.Attributes?.[A.seq]);
    const slot = String(ringSlot(seq, maxFrames)).padStart(SLOT_DIGITS, '0');
    let evicted: string | undefined;
    try {
      const old = await dynamo.putItem({
        TableName: tableName,
        Item: {
          [A.partition]: trimPartition,
          [A.position]: `slot#${slot}`,
          [A.seq]: seq,
          [A.target]: position,
          [A.expiresAt]: expiresAt,
        },
        // A newer frame already in the slot (concurrent publishes of one topic, maxFrames apart) wins; an
        // expired slot left by a counter that restarted does not.
        ConditionExpression: 'attribute_not_exists(#seq) OR #seq < :seq OR #exp < :now',
        ExpressionAttributeNames: { '#seq': A.seq, '#exp': A.expiresAt },
        ExpressionAttributeValues: { ':seq': seq, ':now': nowSec },
        ReturnValues: 'ALL_OLD',
        ReturnConsumedCapacity: 'TOTAL',
      });
      units += writeUnits(old.ConsumedCapacity);
      const target = old.Attributes?.[A.target];
      evicted = typeof target === 'string' ? target : undefined;
    } catch (error) {
      if (awsErrorType(error) !== 'ConditionalCheckFailedException') throw error;
      // The slot holds a newer frame: this one has already fallen out of the bound.
      evicted = position;
    }
    if (evicted !== undefined) {
      const deleted = await dynamo.deleteItem({
        TableName: tableName,
        Key: { [A.partition]: historyPartition(topic), [A.position]: evicted },
        ReturnConsumedCapacity: 'TOTAL',
      });
      units += writeUnits(deleted.ConsumedCapacity);
    }
    return units;
  };

  return {
    async append(entry: HistoryEntry) {
      const position = historyPosition(entry.receivedAtMs, instanceId, counter++);
      const expiresAt = historyExpiresAt(entry.receivedAtMs, maxAgeSeconds);
      const partition = historyPartition(entry.topic);
      const stored = storeCall('PutItem', tableName, () =>
        dynamo.putItem({
          TableName: tableName,
          Item: {
            [A.partition]: partition,
            [A.position]: position,
            [A.topic]: entry.topic,
            [A.frame]: entry.frame,
            ...(entry.frameId === undefined ? {} : { [A.frameId]: entry.frameId }),
            [A.expiresAt]: expiresAt,
          },
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      let putFailed = false;
      const trimmed = trim(
        entry.topic,
        position,
        expiresAt,
        Math.floor(entry.receivedAtMs / 1000),
        stored.catch((error: unknown) => {
          putFailed = true;
          throw error;
        }),
      ).then(
        (units) => options.onWriteUnits?.(units),
        (error: unknown) => {
          // A failed put is the publish's failure (store_unavailable), not the trim's.
          if (putFailed) return;
          options.logger.warn('could not trim a topic history (one frame too many until its TTL)', {
            topic: entry.topic,
            error: describeError(error),
          });
        },
      );
      await stored;
      return { position, trimmed };
    },

    async read(request: HistoryRead): Promise<HistoryPage> {
      const { filter, since, limit, nowMs } = request;
      const partition = historyPartition(filter);
      if (partition === undefined)
        throw new Error(`history read of "${filter}": its first level is a wildcard`);
      const oldest = positionAt(oldestKeptMs(nowMs, maxAgeSeconds));
      let readUnits = 0;
      const pages = (from: string, newestFirst: boolean, pageSize?: number) =>
        queryPages(dynamo, tableName, { partition, from, newestFirst, pageSize }, (units) => {
          readUnits += units;
        });
      if (since.kind === 'id') {
        const collector = sinceIdCollector(since.id, limit);
        let pagesRead = 0;
        outer: for await (const rows of pages(oldest, true, sinceIdPageSize)) {
          for (const row of rows) {
            if (rowKept(row, filter, nowMs) && !collector.offer(row)) break outer;
          }
          // Bounded whatever the partition holds: past the budget the id counts as not found.
          if (++pagesRead >= sinceIdPageBudget) break;
        }
        return collector.page(readUnits);
      }
      const from = positionAt(readStartMs(since, nowMs, maxAgeSeconds));
      const found: HistoryRow[] = [];
      // One more than asked: it says whether there is more.
      outer: for await (const rows of pages(from, false, limit + 1)) {
        for (const row of rows) {
          if (!rowKept(row, filter, nowMs)) continue;
          found.push(row);
          if (found.length > limit) break outer;
        }
      }
      return { rows: found.slice(0, limit), more: found.length > limit, readUnits };
    },
  };
}

/** The frame rows of one partition from `from` up (or down to it, newest first), page by page. */
async function* queryPages(
  dynamo: DynamoHttpClient,
  tableName: string,
  query: { partition: string; from: string; newestFirst: boolean; pageSize?: number | undefined },
  onUnits: (units: number) => void,
): AsyncGenerator<HistoryRow[]> {
  let startKey: Record<string, unknown> | undefined;
  do {
    const page: ReadManyOutput = await storeCall('Query', tableName, () =>
      dynamo.query({
        TableName: tableName,
        KeyConditionExpression: '#p = :p AND #pos BETWEEN :from AND :top',
        ExpressionAttributeNames: {
          '#p': HISTORY_ATTRIBUTES.partition,
          '#pos': HISTORY_ATTRIBUTES.position,
        },
        ExpressionAttributeValues: { ':p': query.partition, ':from': query.from, ':top': POSITION_TOP },
        ScanIndexForward: !query.newestFirst,
        // Strongly consistent: a frame that reached a subscriber live is in every later answer.
        ConsistentRead: true,
        ...(query.pageSize === undefined ? {} : { Limit: query.pageSize }),
        ExclusiveStartKey: startKey,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    onUnits(page.ConsumedCapacity?.CapacityUnits ?? 0);
    yield (page.Items ?? []).map(rowOf);
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
}

function rowOf(item: Record<string, unknown>): HistoryRow {
  const A = HISTORY_ATTRIBUTES;
  const frameId = item[A.frameId];
  return {
    position: String(item[A.position]),
    topic: String(item[A.topic]),
    frame: String(item[A.frame]),
    ...(typeof frameId === 'string' ? { frameId } : {}),
    expiresAt: Number(item[A.expiresAt]),
  };
}

function writeUnits(capacity: ConsumedCapacity | undefined): number {
  return capacity?.CapacityUnits ?? 0;
}
