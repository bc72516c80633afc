/**
 * The lean DynamoDB client (no AWS SDK): `createDynamoHttpClient` (client.ts) with getItem, putItem,
 * updateItem, deleteItem, query, scan and batchWriteItem on plain values, `call` for any other operation;
 * marshall.ts converts values; ../aws-retry.ts holds the retry policy (the SDK DynamoDB client's defaults).
 * Failures reject with errors.ts's AwsRequestError: its `errorType` is DynamoDB's error code.
 */

export * from '../aws-retry.js';
export * from './client.js';
export * from './marshall.js';
