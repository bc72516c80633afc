import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  type TableDescription,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { sleep } from '../core/backoff.js';
import { StoreUnavailableError } from '../errors.js';
import { translateStoreError } from './store-errors.js';
import { ATTRIBUTES } from './subscription-rows.js';

/** How often to look whether a table being created is ACTIVE yet. */
export const ENSURE_TABLE_POLL_MS = 250;

/** Longest wait for a new table to become ACTIVE (DynamoDB takes seconds; dynalite 0.5 s by default). */
export const ENSURE_TABLE_MAX_WAIT_MS = 60_000;

/**
 * Creates the subscription table and its topic index (PAY_PER_REQUEST) when missing, and waits until they
 * are ACTIVE only then; an existing table costs one DescribeTable and no wait. Rejects with a
 * StoreUnavailableError when DynamoDB fails or the table does not become ACTIVE in time.
 */
export async function ensureTable(
  dynamo: DynamoDBClient,
  options: { tableName: string; indexName: string },
): Promise<'created' | 'exists'> {
  return ensureTableFrom(dynamo, tableDefinition(options), ATTRIBUTES.expiresAt);
}

/**
 * Creates a table from its CreateTable input when missing (with TTL on `ttlAttribute`, best effort) and waits
 * until it and its indexes are ACTIVE only then; an existing table costs one DescribeTable and no wait.
 */
export async function ensureTableFrom(
  dynamo: DynamoDBClient,
  definition: CreateTableCommandInput & { TableName: string },
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
    await dynamo.send(new CreateTableCommand(definition));
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ResourceInUseException')) {
      throw translateStoreError(error, 'CreateTable', tableName);
    }
    await waitUntilActive(dynamo, tableName);
    return 'exists';
  }
  await waitUntilActive(dynamo, tableName);
  await enableTimeToLive(dynamo, tableName, ttlAttribute);
  return 'created';
}

/** The CreateTable input: keys, the KEYS_ONLY topic index, on-demand billing. */
export function tableDefinition(options: { tableName: string; indexName: string }) {
  return {
    TableName: options.tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [
      { AttributeName: ATTRIBUTES.connectionId, AttributeType: 'S' as const },
      { AttributeName: ATTRIBUTES.topicFilter, AttributeType: 'S' as const },
      { AttributeName: ATTRIBUTES.topicName, AttributeType: 'S' as const },
      { AttributeName: ATTRIBUTES.expiresAt, AttributeType: 'N' as const },
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
    ],
  };
}

async function describe(dynamo: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    const output = await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
    return output.Table;
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceNotFoundException') return undefined;
    throw translateStoreError(error, 'DescribeTable', tableName);
  }
}

function isActive(table: TableDescription): boolean {
  const indexes = table.GlobalSecondaryIndexes ?? [];
  return table.TableStatus === 'ACTIVE' && indexes.every((index) => index.IndexStatus === 'ACTIVE');
}

async function waitUntilActive(dynamo: DynamoDBClient, tableName: string): Promise<void> {
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

async function enableTimeToLive(dynamo: DynamoDBClient, tableName: string, attribute: string): Promise<void> {
  try {
    await dynamo.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: attribute, Enabled: true },
      }),
    );
  } catch {
    // Best effort: dynalite does not implement TTL (UnknownOperationException), and readers ignore expired
    // rows themselves; on AWS, serverless.yml enables TTL anyway.
  }
}
