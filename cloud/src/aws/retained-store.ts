import { RETAINED_READ_PAGE_BUDGET } from '../config.js';
import {
  type RetainedChange,
  type RetainedItem,
  type RetainedStore,
  retainedLookupFor,
  retainedPartitionOf,
} from '../core/retained.js';
import { awsErrorType } from '../errors.js';
import type { ConsumedCapacity, DynamoHttpClient, QueryInput } from './dynamodb-http/client.js';
import { ensureTableFrom, stringKeyedTableDefinition } from './ensure-table.js';
import { storeCall, translateStoreError } from './store-errors.js';

/** The attribute names of the retained table (docs/DATA-MODEL.md, "The retained table"). */
export const RETAINED_ATTRIBUTES = {
  /** HASH key: the topic's first level (retainedPartitionOf). */
  partition: 'firstLevel',
  /** RANGE key: the whole topic. */
  topic: 'topic',
  /** The publish frame exactly as received (absent on a tombstone). */
  frame: 'frame',
  /** `<receive ms, zero-padded>#<hash>`: writes apply only over an older version (retainedVersion). */
  version: 'version',
  /** Epoch seconds: the table's TTL attribute. */
  expiresAt: 'expiresAt',
  /** true on a tombstone (a cleared value). */
  cleared: 'cleared',
} as const;

/** Where the retained table lives and how it is read. */
export interface RetainedStoreOptions {
  tableName: string;
  /** Most pages one read may take (default RETAINED_READ_PAGE_BUDGET). */
  pageBudget?: number;
  /** Items per page; undefined reads DynamoDB's 1 MB pages (tests set it small to exercise the budget). */
  pageSize?: number;
}

/** The CreateTable input of the retained table (the local stack; serverless.yml declares the same). */
export function retainedTableDefinition(tableName: string) {
  return stringKeyedTableDefinition(tableName, RETAINED_ATTRIBUTES.partition, RETAINED_ATTRIBUTES.topic);
}

/** The DynamoDB item of a change. */
export function retainedItemOf(change: RetainedChange): Record<string, unknown> {
  const { item } = change;
  return {
    [RETAINED_ATTRIBUTES.partition]: retainedPartitionOf(item.topic),
    [RETAINED_ATTRIBUTES.topic]: item.topic,
    [RETAINED_ATTRIBUTES.version]: item.version,
    [RETAINED_ATTRIBUTES.expiresAt]: item.expiresAt,
    ...(change.kind === 'set'
      ? { [RETAINED_ATTRIBUTES.frame]: change.item.frame }
      : { [RETAINED_ATTRIBUTES.cleared]: true }),
  };
}

function itemFrom(raw: Record<string, unknown>): RetainedItem | undefined {
  const topic = raw[RETAINED_ATTRIBUTES.topic];
  const version = raw[RETAINED_ATTRIBUTES.version];
  const expiresAt = raw[RETAINED_ATTRIBUTES.expiresAt];
  const frame = raw[RETAINED_ATTRIBUTES.frame];
  if (typeof topic !== 'string' || typeof version !== 'string' || typeof expiresAt !== 'number')
    return undefined;
  return {
    topic,
    version,
    expiresAt,
    ...(typeof frame === 'string' ? { frame } : {}),
    ...(raw[RETAINED_ATTRIBUTES.cleared] === true ? { cleared: true as const } : {}),
  };
}

function units(capacity: ConsumedCapacity | undefined): number {
  return capacity?.CapacityUnits ?? 0;
}

/**
 * The retained store on its own DynamoDB table. Writes are conditional on the stored version being older
 * (`attribute_not_exists(version) OR version < :v`), so the newest publish wins whatever order writes land
 * in. Reads are eventually consistent (half the price; a value retained within about a second may be
 * missed) and bounded by the page budget. Every failure rejects with a StoreUnavailableError.
 */
export function createRetainedStore(dynamo: DynamoHttpClient, options: RetainedStoreOptions): RetainedStore {
  const { tableName } = options;
  const pageBudget = options.pageBudget ?? RETAINED_READ_PAGE_BUDGET;
  const names = { '#v': RETAINED_ATTRIBUTES.version };

  const readPages = async (
    what: 'Query' | 'Scan',
    send: (startKey: Record<string, unknown> | undefined) => Promise<{
      Items?: Record<string, unknown>[];
      LastEvaluatedKey?: Record<string, unknown>;
      ConsumedCapacity?: ConsumedCapacity;
    }>,
  ) => {
    const items: RetainedItem[] = [];
    let readUnits = 0;
    let startKey: Record<string, unknown> | undefined;
    for (let page = 0; page < pageBudget; page++) {
      const output = await storeCall(what, tableName, () => send(startKey));
      readUnits += units(output.ConsumedCapacity);
      for (const raw of output.Items ?? []) {
        const item = itemFrom(raw);
        if (item !== undefined) items.push(item);
      }
      startKey = output.LastEvaluatedKey;
      if (startKey === undefined) return { items, readIncomplete: false, readUnits };
    }
    return { items, readIncomplete: true, readUnits };
  };

  return {
    async apply(change) {
      try {
        await dynamo.putItem({
          TableName: tableName,
          Item: retainedItemOf(change),
          ConditionExpression: 'attribute_not_exists(#v) OR #v < :v',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ':v': change.item.version },
        });
        return 'stored';
      } catch (error) {
        if (awsErrorType(error) === 'ConditionalCheckFailedException') return 'superseded';
        throw translateStoreError(error, 'PutItem', tableName);
      }
    },

    read(filter) {
      const lookup = retainedLookupFor(filter);
      const common = {
        TableName: tableName,
        ReturnConsumedCapacity: 'TOTAL' as const,
        ...(options.pageSize === undefined ? {} : { Limit: options.pageSize }),
      };
      if (lookup.kind === 'scan') {
        return readPages('Scan', (startKey) => dynamo.scan({ ...common, ExclusiveStartKey: startKey }));
      }
      const query: QueryInput = {
        ...common,
        KeyConditionExpression: lookup.exact ? '#p = :p AND #t = :t' : '#p = :p AND begins_with(#t, :t)',
        ExpressionAttributeNames: { '#p': RETAINED_ATTRIBUTES.partition, '#t': RETAINED_ATTRIBUTES.topic },
        ExpressionAttributeValues: {
          ':p': lookup.partition,
          ':t': lookup.exact ? lookup.topic : lookup.prefix,
        },
      };
      return readPages('Query', (startKey) => dynamo.query({ ...query, ExclusiveStartKey: startKey }));
    },
  };
}

/** Creates the retained table when missing (the local stack; deployments get it from serverless.yml). */
export function ensureRetainedTable(
  dynamo: DynamoHttpClient,
  tableName: string,
): Promise<'created' | 'exists'> {
  return ensureTableFrom(dynamo, retainedTableDefinition(tableName), RETAINED_ATTRIBUTES.expiresAt);
}
