import type { DynamoHttpClient } from './dynamodb-http/client.js';
import { ensureTableFrom, stringKeyedTableDefinition } from './ensure-table.js';
import { HISTORY_ATTRIBUTES } from './history-store.js';

/** The history table's CreateTable input: HASH partition, RANGE position, on-demand (serverless.yml declares the same). */
export function historyTableDefinition(tableName: string) {
  return stringKeyedTableDefinition(tableName, HISTORY_ATTRIBUTES.partition, HISTORY_ATTRIBUTES.position);
}

/**
 * Creates the history table when missing (the local stack; deployments get it from serverless.yml) and waits
 * until it is ACTIVE. TTL is asked for too, best effort: dynalite does not implement it, and readers ignore
 * expired rows themselves.
 */
export async function ensureHistoryTable(dynamo: DynamoHttpClient, tableName: string): Promise<void> {
  await ensureTableFrom(dynamo, historyTableDefinition(tableName), HISTORY_ATTRIBUTES.expiresAt);
}
