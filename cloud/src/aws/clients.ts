import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ManagementClients } from './connections-api.js';

/** Region used when AWS_REGION is unset: only for local endpoints, where any region works. */
export const LOCAL_REGION = 'us-east-1';

// Local servers (dynalite, serverless-offline) check no signature, but the SDK needs some credentials.
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

function localSettings(endpoint: string | undefined) {
  if (endpoint === undefined) return {};
  const hasCredentials = Boolean(process.env.AWS_ACCESS_KEY_ID);
  return {
    endpoint,
    region: process.env.AWS_REGION ?? LOCAL_REGION,
    ...(hasCredentials ? {} : { credentials: LOCAL_CREDENTIALS }),
  };
}

/** The DynamoDB clients, created once per cold start: the low-level one (for ensureTable) and the document one. */
export interface DynamoClients {
  dynamo: DynamoDBClient;
  doc: DynamoDBDocumentClient;
}

/** Creates the DynamoDB clients; `endpoint` points them at a local dynalite. */
export function createDynamoClients(endpoint?: string): DynamoClients {
  const dynamo = new DynamoDBClient(localSettings(endpoint));
  const doc = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  return { dynamo, doc };
}

/**
 * Returns the management API clients of an endpoint, creating them on first use and reusing them after (one
 * API per deployment, so once per cold start in practice). SDK retries are off (`maxAttempts: 1`): the
 * fan-out retries temporary failures itself, with its own backoff, budget and a timeout on every attempt.
 * The `fresh` client never reuses a socket (`keepAlive: false`, unbounded sockets): a post that failed without a response is
 * retried through it, so the retry cannot land on another stale socket from the keep-alive pool.
 */
export function managementClientCache(): (endpoint: string) => ManagementClients {
  const clients = new Map<string, ManagementClients>();
  return (endpoint) => {
    let pair = clients.get(endpoint);
    if (pair === undefined) {
      pair = createManagementClients(endpoint);
      clients.set(endpoint, pair);
    }
    return pair;
  };
}

/** The pooled (keep-alive) and fresh-socket management clients for one `@connections` endpoint. */
export function createManagementClients(endpoint: string): ManagementClients {
  const local = endpoint.startsWith('http://') ? localSettings(endpoint) : { endpoint };
  // Node's agent reuses even a non-keep-alive socket for queued requests unless maxSockets is unbounded;
  // with both, every request opens its own socket and asks the server to close it (`Connection: close`).
  const oneSocketPerCall = { keepAlive: false, maxSockets: Number.POSITIVE_INFINITY };
  return {
    pooled: new ApiGatewayManagementApiClient({ ...local, maxAttempts: 1 }),
    fresh: new ApiGatewayManagementApiClient({
      ...local,
      maxAttempts: 1,
      requestHandler: { httpAgent: oneSocketPerCall, httpsAgent: oneSocketPerCall },
    }),
  };
}

/** The Lambda client that hands pages to the fan-out worker; `endpoint` points it at serverless-offline. */
export function createLambdaClient(endpoint?: string): LambdaClient {
  return new LambdaClient(localSettings(endpoint));
}
