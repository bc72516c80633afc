import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ManagementClients } from './connections-api.js';
import { createHttpConnectionsGateway, type HttpConnectionsGateway } from './connections-http.js';
import { environmentCredentials, LOCAL_SIGNING_CREDENTIALS } from './credentials.js';

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
 * Returns the lean `@connections` gateway for an endpoint (connections-http.ts), creating it on first use and
 * reusing it after (one API per deployment, so one gateway, one keep-alive agent and one signing-key cache per
 * cold start in practice). Credentials come from the Lambda environment (credentials.ts); against a local
 * `http://` endpoint without them, any credentials do. No retries here: the fan-out retries itself.
 */
export function connectionsGatewayCache(env = process.env): (endpoint: string) => HttpConnectionsGateway {
  const gateways = new Map<string, HttpConnectionsGateway>();
  return (endpoint) => {
    let gateway = gateways.get(endpoint);
    if (gateway === undefined) {
      const local = endpoint.startsWith('http://');
      const credentials = environmentCredentials(env, local ? LOCAL_SIGNING_CREDENTIALS : undefined);
      gateway = createHttpConnectionsGateway({
        endpoint,
        region: env.AWS_REGION ?? LOCAL_REGION,
        credentials,
      });
      gateways.set(endpoint, gateway);
    }
    return gateway;
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

/** The Lambda client that hands pages to the fan-out worker; `endpoint` points it at serverless-offline. */
export function createLambdaClient(endpoint?: string): LambdaClient {
  return new LambdaClient(localSettings(endpoint));
}
