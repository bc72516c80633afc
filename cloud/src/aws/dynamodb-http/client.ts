import { createRetrier, DYNAMODB_MAX_ATTEMPTS, type RetryTiming } from '../aws-retry.js';
import type { SigningCredentials } from '../credentials.js';
import { createSignedRequester } from '../signed-request.js';
import { type AttributeMap, type Item, marshallItem, unmarshallItem } from './marshall.js';

/**
 * A lean DynamoDB client: the JSON protocol (`POST /`, `X-Amz-Target: DynamoDB_20120810.<Operation>`,
 * `application/x-amz-json-1.0`) signed with our SigV4 (sigv4.ts) over keep-alive sockets (http1/), retried as the SDK's
 * DynamoDB client did (aws-retry.ts). What the SDK client and `@aws-sdk/lib-dynamodb` cost every handler bundle
 * (about 190 KB minified, docs/BENCHMARKS.md "Cold start") buys us nothing the store uses.
 *
 * The item operations take and return plain values like lib-dynamodb's document client (marshall.ts):
 * `Key`, `Item`, `ExpressionAttributeValues`, `ExclusiveStartKey` and `RequestItems` are marshalled; `Item`,
 * `Items`, `Attributes`, `LastEvaluatedKey` and `UnprocessedItems` come back unmarshalled. Field names are
 * DynamoDB's own (its API reference documents them). `call` sends any other operation as wire JSON (the
 * control plane: DescribeTable, CreateTable, UpdateTimeToLive). A failure rejects with an AwsRequestError
 * (errors.ts) whose `errorType` is DynamoDB's error code, after the retries its kind allows.
 */

/** What DynamoDB reports with ReturnConsumedCapacity. */
export interface ConsumedCapacity {
  TableName?: string;
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
  Table?: { CapacityUnits?: number };
  GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
}

/** Attribute name placeholders and value placeholders (plain values). */
interface Expressions {
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Item;
}

type ReturnValues = 'NONE' | 'ALL_OLD' | 'UPDATED_OLD' | 'ALL_NEW' | 'UPDATED_NEW';
type ReturnConsumedCapacity = 'INDEXES' | 'TOTAL' | 'NONE';

export interface GetItemInput {
  TableName: string;
  Key: Item;
  ConsistentRead?: boolean;
  ProjectionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ReturnConsumedCapacity?: ReturnConsumedCapacity;
}
export interface GetItemOutput {
  Item?: Item;
  ConsumedCapacity?: ConsumedCapacity;
}

export interface PutItemInput extends Expressions {
  TableName: string;
  Item: Item;
  ConditionExpression?: string;
  ReturnValues?: 'NONE' | 'ALL_OLD';
  ReturnConsumedCapacity?: ReturnConsumedCapacity;
}
export interface UpdateItemInput extends Expressions {
  TableName: string;
  Key: Item;
  UpdateExpression: string;
  ConditionExpression?: string;
  ReturnValues?: ReturnValues;
  ReturnConsumedCapacity?: ReturnConsumedCapacity;
}
export interface DeleteItemInput extends Expressions {
  TableName: string;
  Key: Item;
  ConditionExpression?: string;
  ReturnValues?: 'NONE' | 'ALL_OLD';
  ReturnConsumedCapacity?: ReturnConsumedCapacity;
}
/** PutItem, UpdateItem and DeleteItem answer the attributes ReturnValues asked for. */
export interface WriteItemOutput {
  Attributes?: Item;
  ConsumedCapacity?: ConsumedCapacity;
}

interface ReadManyInput extends Expressions {
  TableName: string;
  IndexName?: string;
  FilterExpression?: string;
  ProjectionExpression?: string;
  ExclusiveStartKey?: Item;
  Limit?: number;
  ConsistentRead?: boolean;
  Select?: 'ALL_ATTRIBUTES' | 'ALL_PROJECTED_ATTRIBUTES' | 'SPECIFIC_ATTRIBUTES' | 'COUNT';
  ReturnConsumedCapacity?: ReturnConsumedCapacity;
}
export interface QueryInput extends ReadManyInput {
  KeyConditionExpression: string;
  ScanIndexForward?: boolean;
}
export interface ScanInput extends ReadManyInput {
  Segment?: number;
  TotalSegments?: number;
}
/** One page of a Query or Scan. */
export interface ReadManyOutput {
  Items: Item[];
  LastEvaluatedKey?: Item;
  Count?: number;
  ScannedCount?: number;
  ConsumedCapacity?: ConsumedCapacity;
}

/** One put or delete of a BatchWriteItem. */
export type WriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: Item } };
export interface BatchWriteItemInput {
  RequestItems: Record<string, WriteRequest[]>;
  ReturnConsumedCapacity?: ReturnConsumedCapacity;
}
export interface BatchWriteItemOutput {
  /** What DynamoDB did not write (under throttling): resend it. Always present, maybe empty. */
  UnprocessedItems: Record<string, WriteRequest[]>;
  ConsumedCapacity?: ConsumedCapacity[];
}

/** The client. */
export interface DynamoHttpClient {
  getItem(input: GetItemInput): Promise<GetItemOutput>;
  putItem(input: PutItemInput): Promise<WriteItemOutput>;
  updateItem(input: UpdateItemInput): Promise<WriteItemOutput>;
  deleteItem(input: DeleteItemInput): Promise<WriteItemOutput>;
  query(input: QueryInput): Promise<ReadManyOutput>;
  scan(input: ScanInput): Promise<ReadManyOutput>;
  batchWriteItem(input: BatchWriteItemInput): Promise<BatchWriteItemOutput>;
  /** Any operation, input and output in DynamoDB's wire JSON (AttributeValues not converted). */
  call(operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Ends the keep-alive sockets. */
  close(): void;
}

/** Where the client sends and how it signs. */
export interface DynamoHttpClientOptions {
  /** `https://dynamodb.{region}.amazonaws.com` in Lambda (clients.ts), dynalite's URL locally. */
  endpoint: string;
  region: string;
  credentials: () => Promise<SigningCredentials>;
  /** One attempt's timeout (signed-request.ts's AWS_REQUEST_TIMEOUT_MS by default). */
  timeoutMs?: number;
  /** Attempts per call, DYNAMODB_MAX_ATTEMPTS by default; tests of a single failure use 1. */
  maxAttempts?: number;
  retryTiming?: RetryTiming;
  /** Sees every successful answer (wire JSON), one per call: the benchmarks count requests and units with it. */
  onResponse?: (operation: string, output: Readonly<Record<string, unknown>>) => void;
}

/** DynamoDB's JSON protocol version and content type. */
const TARGET_PREFIX = 'DynamoDB_20120810.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';

/** Creates the client (one per cold start: it holds the keep-alive sockets, signing key and retry quota). */
export function createDynamoHttpClient(options: DynamoHttpClientOptions): DynamoHttpClient {
  const requester = createSignedRequester({
    endpoint: options.endpoint,
    region: options.region,
    service: 'dynamodb',
    credentials: options.credentials,
    timeoutMs: options.timeoutMs,
  });
  const retrier = createRetrier(options.retryTiming, options.maxAttempts ?? DYNAMODB_MAX_ATTEMPTS);

  const call = async (operation: string, input: Record<string, unknown>) => {
    const body = JSON.stringify(input);
    const response = await retrier.run(() =>
      requester.send({
        path: '/',
        body,
        signing: { contentType: CONTENT_TYPE, headers: { 'x-amz-target': `${TARGET_PREFIX}${operation}` } },
        what: `DynamoDB ${operation}`,
      }),
    );
    const output = (response.body === '' ? {} : JSON.parse(response.body)) as Record<string, unknown>;
    options.onResponse?.(operation, output);
    return output;
  };

  const writeItem = async (operation: string, input: Record<string, unknown>): Promise<WriteItemOutput> => {
    const output = await call(operation, marshallFields(input));
    return { ...output, Attributes: optionalItem(output.Attributes) } as WriteItemOutput;
  };

  const readMany = async (operation: string, input: ReadManyInput): Promise<ReadManyOutput> => {
    const output = await call(operation, marshallFields({ ...input }));
    const items = (output.Items ?? []) as AttributeMap[];
    return {
      ...output,
      Items: items.map(unmarshallItem),
      LastEvaluatedKey: optionalItem(output.LastEvaluatedKey),
    } as ReadManyOutput;
  };

  return {
    async getItem(input) {
      const output = await call('GetItem', marshallFields({ ...input }));
      return { ...output, Item: optionalItem(output.Item) } as GetItemOutput;
    },
    putItem: (input) => writeItem('PutItem', { ...input }),
    updateItem: (input) => writeItem('UpdateItem', { ...input }),
    deleteItem: (input) => writeItem('DeleteItem', { ...input }),
    query: (input) => readMany('Query', input),
    scan: (input) => readMany('Scan', input),
    async batchWriteItem(input) {
      const output = await call('BatchWriteItem', {
        ...input,
        RequestItems: mapRequests(input.RequestItems, marshallItem),
      });
      const unprocessed = (output.UnprocessedItems ?? {}) as Record<string, WriteRequest[]>;
      return {
        ...output,
        UnprocessedItems: mapRequests(unprocessed, (map) => unmarshallItem(map as AttributeMap)),
      } as BatchWriteItemOutput;
    },
    call,
    close: () => requester.close(),
  };
}

/** The fields of an item operation's input that hold items or values, marshalled; undefined fields left out. */
function marshallFields(input: Record<string, unknown>): Record<string, unknown> {
  const wire: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(input)) {
    if (value === undefined) continue;
    wire[name] = MARSHALLED_FIELDS.has(name) ? marshallItem(value as Item, name) : value;
  }
  return wire;
}

const MARSHALLED_FIELDS = new Set(['Key', 'Item', 'ExpressionAttributeValues', 'ExclusiveStartKey']);

function optionalItem(value: unknown): Item | undefined {
  return value === undefined ? undefined : unmarshallItem(value as AttributeMap);
}

function mapRequests<From, To>(
  requestItems: Record<string, WriteRequest[]>,
  convert: (item: From) => To,
): Record<string, WriteRequest[]> {
  const mapped: Record<string, WriteRequest[]> = {};
  for (const [table, requests] of Object.entries(requestItems)) {
    mapped[table] = requests.map((request) =>
      'PutRequest' in request
        ? { PutRequest: { Item: convert(request.PutRequest.Item as From) as Item } }
        : { DeleteRequest: { Key: convert(request.DeleteRequest.Key as From) as Item } },
    );
  }
  return mapped;
}
