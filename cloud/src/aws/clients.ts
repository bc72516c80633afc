import { createHttpConnectionsGateway, type HttpConnectionsGateway } from './connections-http.js';
import { environmentCredentials, LOCAL_SIGNING_CREDENTIALS } from './credentials.js';
import {
  createDynamoHttpClient,
  type DynamoHttpClient,
  type DynamoHttpClientOptions,
} from './dynamodb-http/client.js';
import { awsEndpoint, createSignedRequester, type SignedRequester } from './signed-request.js';

/**
 * The handlers' clients, created once per cold start: none is an AWS SDK client (each call is a signed POST
 * over keep-alive sockets: signed-request.ts and http1/), so no handler bundle carries the SDK. Credentials come
 * from the Lambda environment (credentials.ts); against a local `http://` endpoint without them, any credentials do.
 * Tests and tools that want the SDK use sdk-clients.ts.
 */

/** Region used when AWS_REGION is unset: only for local endpoints, where any region works. */
export const LOCAL_REGION = 'us-east-1';

type Env = Readonly<Record<string, string | undefined>>;

function settingsFor(service: string, endpoint: string | undefined, env: Env) {
  const region = env.AWS_REGION ?? LOCAL_REGION;
  const local = endpoint?.startsWith('http://') ?? false;
  return {
    endpoint: endpoint ?? awsEndpoint(service, region),
    region,
    credentials: environmentCredentials(env, local ? LOCAL_SIGNING_CREDENTIALS : undefined),
  };
}

/**
 * The store's DynamoDB client: `https://dynamodb.${AWS_REGION}.amazonaws.com`, or `endpoint` (DYNAMODB_ENDPOINT:
 * dynalite locally). Retries as the SDK's DynamoDB client did (aws-retry.ts).
 */
export function createDynamoClient(
  endpoint?: string,
  env: Env = process.env,
  options: Partial<DynamoHttpClientOptions> = {},
): DynamoHttpClient {
  return createDynamoHttpClient({ ...settingsFor('dynamodb', endpoint, env), ...options });
}

/** Signed POSTs to Lambda (the fan-out hand-off); `endpoint` points them at serverless-offline's Lambda port. */
export function createLambdaRequester(endpoint?: string, env: Env = process.env): SignedRequester {
  return createSignedRequester({ ...settingsFor('lambda', endpoint, env), service: 'lambda' });
}

/**
 * Returns the lean `@connections` gateway for an endpoint (connections-http.ts), creating it on first use and
 * reusing it after (one API per deployment, so one gateway, one socket pool and one signing-key cache per
 * cold start in practice). No retries here: the fan-out retries itself.
 */
export function connectionsGatewayCache(
  env: Env = process.env,
): (endpoint: string) => HttpConnectionsGateway {
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
