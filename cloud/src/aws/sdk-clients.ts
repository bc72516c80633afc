import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoClient, LOCAL_REGION } from './clients.js';
import type { ManagementClients } from './connections-api.js';
import type { DynamoHttpClient, DynamoHttpClientOptions } from './dynamodb-http/client.js';

/**
 * AWS SDK clients, for tests, benchmarks and tools only: no handler imports this file, so no Lambda bundle
 * carries the SDK (docs/BENCHMARKS.md, "Cold start"). The handlers' own clients are in clients.ts.
 */

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

/**
 * DynamoDB clients for a test or benchmark: the SDK's low-level and document clients (to read and write the
 * table directly, as an operator would), and `lean`, the handlers' own client (what the store runs on).
 */
export interface DynamoClients {
  dynamo: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  lean: DynamoHttpClient;
  /** Closes all three. */
  destroy(): void;
}

/** Creates the DynamoDB clients; `endpoint` points them at a local dynalite. */
export function createDynamoClients(
  endpoint?: string,
  leanOptions: Partial<DynamoHttpClientOptions> = {},
): DynamoClients {
  const dynamo = new DynamoDBClient(localSettings(endpoint));
  const doc = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  const lean = createDynamoClient(endpoint, process.env, leanOptions);
  return {
    dynamo,
    doc,
    lean,
    destroy() {
      dynamo.destroy();
      lean.close();
    },
  };
}

/**
 * The SDK's pooled (keep-alive) and fresh-socket management clients for one `@connections` endpoint, with SDK
 * retries off (`maxAttempts: 1`). The handlers post through the lean path (connectionsGatewayCache); this SDK
 * pair stays for comparisons (tests, bench/post-cpu.ts). The `fresh` client never reuses a socket.
 */
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
