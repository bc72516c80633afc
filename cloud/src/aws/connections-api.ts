import {
  type ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import type { ConnectionGateway } from '../core/gateway.js';
import type { PostError } from '../errors.js';
import { postErrorFor } from './post-failure.js';

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

/** Translates an SDK PostToConnection error (or any thrown value) through postErrorFor. */
export function translatePostError(
  error: unknown,
  connectionId: string,
  timedOutAfterMs?: number,
): PostError {
  const errorType = error instanceof Error ? error.name : '';
  return postErrorFor(
    { status: httpStatusOf(error), errorType, timedOutAfterMs, cause: error },
    connectionId,
  );
}

function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('$metadata' in error)) return undefined;
  const metadata = (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata;
  return typeof metadata?.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined;
}
