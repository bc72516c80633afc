import { DEFAULT_EXACT_INDEX_NAME } from '../config.js';
import { sleep } from '../core/backoff.js';
import { awsErrorType, StoreUnavailableError } from '../errors.js';
import type { DynamoHttpClient } from './dynamodb-http/client.js';
import { translateStoreError } from './store-errors.js';
import { ATTRIBUTES } from './subscription-rows.js';

/** How often to look whether a table being created is ACTIVE yet. */
export const ENSURE_TABLE_POLL_MS = 250;

/** Longest wait for a new table to become ACTIVE (DynamoDB takes seconds; dynalite 0.5 s by default). */
export const ENSURE_TABLE_MAX_WAIT_MS = 60_000;

/** What DescribeTable tells of a table (the part read here). */
interface TableDescription {
  TableStatus?: string;
  GlobalSecondaryIndexes?: Array<{ IndexStatus?: string }>;
}

/**
 * Creates the subscription table and its topic index (PAY_PER_REQUEST) when missing, and waits until they
 * are ACTIVE only then; an existing table costs one DescribeTable and no wait. Rejects with a
 * StoreUnavailableError when DynamoDB fails or the table does not become ACTIVE in time. Control-plane calls
 * through the lean client's `call` (wire JSON), so the `$connect` bundle (ENSURE_TABLE=true) needs no SDK.
 */
export async function ensureTable(
  dynamo: DynamoHttpClient,
  options: TableNames,
): Promise<'created' | 'exists'> {
  return ensureTableFrom(dynamo, tableDefinition(options), ATTRIBUTES.expiresAt);
}

/**
 * Creates a table from its CreateTable input (wire JSON) when missing (with TTL on `ttlAttribute`, best effort)
 * and waits until it and its indexes are ACTIVE only then; an existing table costs one DescribeTable and no wait.
 */
export async function ensureTableFrom(
  dynamo: DynamoHttpClient,
  definition: { TableName: string } & Record<string, unknown>,
  ttlAttribute: string,
): Promise<'created' | 'exists'> {
  const tableName = definition.TableName;
  const existing = await describe(dynamo, tableName);
  if (existing !== undefined) {
    // Another caller may have just created it: wait only in that case, so that the write that follows works.
    if (!isActive(existing)) await waitUntilActive(dynamo, tableName);
    return 'exists';
  }
  try {
    await dynamo.call('CreateTable', definition);
  } catch (error) {
    if (awsErrorType(error) !== 'ResourceInUseException') {
      throw translateStoreError(error, 'CreateTable', tableName);
    }
    await waitUntilActive(dynamo, tableName);
    return 'exists';
  }
  await waitUntilActive(dynamo, tableName);
  await enableTimeToLive(dynamo, tableName, ttlAttribute);
  return 'created';
}

/** The table and its two indexes' names; the exact index is DEFAULT_EXACT_INDEX_NAME unless given. */
/**
 * The CreateTable input of an on-demand table keyed by two string attributes (HASH, RANGE) with no index:
 * the retained and history tables (serverless.yml declares the same).
 */
export function stringKeyedTableDefinition(tableName: string, hashKey: string, rangeKey: string) {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [
      { AttributeName: hashKey, AttributeType: 'S' as const },
      { AttributeName: rangeKey, AttributeType: 'S' as const },
    ],
    KeySchema: [
      { AttributeName: hashKey, KeyType: 'HASH' as const },
      { AttributeName: rangeKey, KeyType: 'RANGE' as const },
    ],
  };
}

export interface TableNames {
  tableName: string;
  indexName: string;
  exactIndexName?: string;
}

/** The CreateTable input: keys, the two KEYS_ONLY indexes (topic and exact), on-demand billing. */
export function tableDefinition(options: TableNames) {
  return {
    TableName: options.tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [
      { AttributeName: ATTRIBUTES.connectionId, AttributeType: 'S' as const },
      { AttributeName: ATTRIBUTES.topicFilter, AttributeType: 'S' as const },
      { AttributeName: ATTRIBUTES.topicName, AttributeType: 'S' as const },
      { AttributeName: ATTRIBUTES.expiresAt, AttributeType: 'N' as const },
      { AttributeName: ATTRIBUTES.exactUntil, AttributeType: 'N' as const },
    ],
    KeySchema: [
      { AttributeName: ATTRIBUTES.connectionId, KeyType: 'HASH' as const },
      { AttributeName: ATTRIBUTES.topicFilter, KeyType: 'RANGE' as const },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: options.indexName,
        KeySchema: [
          { AttributeName: ATTRIBUTES.topicName, KeyType: 'HASH' as const },
          { AttributeName: ATTRIBUTES.expiresAt, KeyType: 'RANGE' as const },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' as const },
      },
      {
        IndexName: options.exactIndexName ?? DEFAULT_EXACT_INDEX_NAME,
        KeySchema: [
          { AttributeName: ATTRIBUTES.topicFilter, KeyType: 'HASH' as const },
          { AttributeName: ATTRIBUTES.exactUntil, KeyType: 'RANGE' as const },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' as const },
      },
    ],
  };
}

async function describe(dynamo: DynamoHttpClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    const output = await dynamo.call('DescribeTable', { TableName: tableName });
    return output.Table as TableDescription | undefined;
  } catch (error) {
    if (awsErrorType(error) === 'ResourceNotFoundException') return undefined;
    throw translateStoreError(error, 'DescribeTable', tableName);
  }
}

function isActive(table: TableDescription): boolean {
  const indexes = table.GlobalSecondaryIndexes ?? [];
  return table.TableStatus === 'ACTIVE' && indexes.every((index) => index.IndexStatus === 'ACTIVE');
}

async function waitUntilActive(dynamo: DynamoHttpClient, tableName: string): Promise<void> {
  const deadline = Date.now() + ENSURE_TABLE_MAX_WAIT_MS;
  for (;;) {
    const table = await describe(dynamo, tableName);
    if (table !== undefined && isActive(table)) return;
    if (Date.now() >= deadline) {
      throw new StoreUnavailableError(
        `DynamoDB table "${tableName}" did not become ACTIVE within ${ENSURE_TABLE_MAX_WAIT_MS} ms`,
      );
    }
    await sleep(ENSURE_TABLE_POLL_MS);
  }
}

async function enableTimeToLive(
  dynamo: DynamoHttpClient,
  tableName: string,
  attribute: string,
): Promise<void> {
  try {
    await dynamo.call('UpdateTimeToLive', {
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: attribute, Enabled: true },
    });
  } catch {
    // Best effort: dynalite does not implement TTL (UnknownOperationException), and readers ignore expired
    // rows themselves; on AWS, serverless.yml enables TTL anyway.
  }
}
