import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { sleep } from '../core/backoff.js';
import { StoreUnavailableError } from '../errors.js';
import { ENSURE_TABLE_MAX_WAIT_MS, ENSURE_TABLE_POLL_MS } from './ensure-table.js';
import { HISTORY_ATTRIBUTES } from './history-store.js';
import { translateStoreError } from './store-errors.js';

/** The history table's CreateTable input: HASH partition, RANGE position, on-demand (serverless.yml declares the same). */
export function historyTableDefinition(tableName: string) {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [
      { AttributeName: HISTORY_ATTRIBUTES.partition, AttributeType: 'S' as const },
      { AttributeName: HISTORY_ATTRIBUTES.position, AttributeType: 'S' as const },
    ],
    KeySchema: [
      { AttributeName: HISTORY_ATTRIBUTES.partition, KeyType: 'HASH' as const },
      { AttributeName: HISTORY_ATTRIBUTES.position, KeyType: 'RANGE' as const },
    ],
  };
}

/**
 * Creates the history table when missing (the local stack; deployments get it from serverless.yml) and waits
 * until it is ACTIVE. TTL is asked for too, best effort: dynalite does not implement it, and readers ignore
 * expired rows themselves.
 */
export async function ensureHistoryTable(dynamo: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await dynamo.send(new CreateTableCommand(historyTableDefinition(tableName)));
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ResourceInUseException')) {
      throw translateStoreError(error, 'CreateTable', tableName);
    }
  }
  const deadline = Date.now() + ENSURE_TABLE_MAX_WAIT_MS;
  for (;;) {
    const table = await dynamo
      .send(new DescribeTableCommand({ TableName: tableName }))
      .catch((error: unknown) => {
        throw translateStoreError(error, 'DescribeTable', tableName);
      });
    if (table.Table?.TableStatus === 'ACTIVE') break;
    if (Date.now() >= deadline) {
      throw new StoreUnavailableError(
        `DynamoDB table "${tableName}" did not become ACTIVE within ${ENSURE_TABLE_MAX_WAIT_MS} ms`,
      );
    }
    await sleep(ENSURE_TABLE_POLL_MS);
  }
  await dynamo
    .send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: HISTORY_ATTRIBUTES.expiresAt, Enabled: true },
      }),
    )
    .catch(() => undefined);
}
