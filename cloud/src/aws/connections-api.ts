import {
  type ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import type { ConnectionGateway } from '../core/gateway.js';
import {
  type PostError,
  PostFailedError,
  PostTimeoutError,
  StaleConnectionError,
  ThrottledError,
} from '../errors.js';

// Error names API Gateway and the SDK use for throttling; a 429 status is enough on its own.
const THROTTLING_NAMES = new Set([
  'LimitExceededException',
  'TooManyRequestsException',
  'ThrottlingException',
]);

/**
 * A ConnectionGateway over API Gateway's management API (`POST /@connections/{id}`). Each post carries its
 * own AbortSignal, since PostToConnection is reported to ignore the SDK's request timeout (aws-sdk-js-v3
 * #6896). The client must be created with `maxAttempts: 1` so that retries are the fan-out's alone.
 */
export function createConnectionsGateway(client: ApiGatewayManagementApiClient): ConnectionGateway {
  return {
    async post(connectionId, data, timeoutMs) {
      const signal = AbortSignal.timeout(timeoutMs);
      try {
        await client.send(
          new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from(data, 'utf8') }),
          { abortSignal: signal },
        );
      } catch (error) {
        throw translatePostError(error, connectionId, signal.aborted ? timeoutMs : undefined);
      }
    },
  };
}

/** Translates a failed PostToConnection by its HTTP status (serverless-offline names a 410 `Unknown`). */
export function translatePostError(
  error: unknown,
  connectionId: string,
  timedOutAfterMs?: number,
): PostError {
  if (timedOutAfterMs !== undefined)
    return new PostTimeoutError(connectionId, timedOutAfterMs, { cause: error });
  const status = httpStatusOf(error);
  if (status === 410) return new StaleConnectionError(connectionId, { cause: error });
  const name = error instanceof Error ? error.name : '';
  if (status === 429 || THROTTLING_NAMES.has(name))
    return new ThrottledError(connectionId, status, { cause: error });
  return new PostFailedError(connectionId, status, { cause: error });
}

function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('$metadata' in error)) return undefined;
  const metadata = (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata;
  return typeof metadata?.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined;
}
