import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

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
 * Returns the management API client for an endpoint, creating it on first use and reusing it after (one
 * API per deployment, so one client per cold start in practice). SDK retries are off (`maxAttempts: 1`):
 * the fan-out retries throttled posts itself, with its own backoff and a timeout on every attempt.
 */
export function managementClientCache(): (endpoint: string) => ApiGatewayManagementApiClient {
  const clients = new Map<string, ApiGatewayManagementApiClient>();
  return (endpoint) => {
    let client = clients.get(endpoint);
    if (client === undefined) {
      const local = endpoint.startsWith('http://') ? localSettings(endpoint) : { endpoint };
      client = new ApiGatewayManagementApiClient({ ...local, maxAttempts: 1 });
      clients.set(endpoint, client);
    }
    return client;
  };
}

/** The Lambda client that hands pages to the fan-out worker; `endpoint` points it at serverless-offline. */
export function createLambdaClient(endpoint?: string): LambdaClient {
  return new LambdaClient(localSettings(endpoint));
}
