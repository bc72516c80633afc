import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { LocalStack } from '../../../local/stack.js';
import { isConnectionItem, type SubscriptionRow } from '../../../src/aws/subscription-rows.js';

/** Reads and writes the local stack's table directly, as an operator (or a stale row) would. */
export interface TableAccess {
  /** Every subscription row of the table (all Scan pages, strongly consistent), without connection items. */
  rows(): Promise<SubscriptionRow[]>;
  /** Every item of the table, connection items (the filter-limit sets) included. */
  items(): Promise<Array<Record<string, unknown>>>;
  /** The rows holding one of these filters. */
  rowsWithFilters(...filters: string[]): Promise<SubscriptionRow[]>;
  /** The rows of one connection. */
  rowsOf(connectionId: string): Promise<SubscriptionRow[]>;
  /** The connection id of the only connection holding `filter` (the test gave it a unique filter). */
  connectionIdHolding(filter: string): Promise<string>;
  put(row: SubscriptionRow | Record<string, unknown>): Promise<void>;
  close(): void;
}

/** Connects to the stack's dynalite. */
export function tableAccess(stack: LocalStack): TableAccess {
  const dynamo = new DynamoDBClient({
    endpoint: stack.dynamoEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const doc = DynamoDBDocumentClient.from(dynamo);
  const items = async () => {
    const all: Array<Record<string, unknown>> = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(
        new ScanCommand({ TableName: stack.tableName, ConsistentRead: true, ExclusiveStartKey: startKey }),
      );
      all.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return all;
  };
  const rows = async () =>
    (await items()).filter((item) => !isConnectionItem(item.topicFilter)) as unknown as SubscriptionRow[];
  const access: TableAccess = {
    rows,
    items,
    rowsWithFilters: async (...filters) => (await rows()).filter((row) => filters.includes(row.topicFilter)),
    rowsOf: async (connectionId) => (await rows()).filter((row) => row.connectionId === connectionId),
    async connectionIdHolding(filter) {
      const holding = await access.rowsWithFilters(filter);
      if (holding.length !== 1)
        throw new Error(`expected one row with filter "${filter}", found ${holding.length}`);
      return holding[0]?.connectionId ?? '';
    },
    async put(row) {
      await doc.send(new PutCommand({ TableName: stack.tableName, Item: row }));
    },
    close: () => dynamo.destroy(),
  };
  return access;
}
