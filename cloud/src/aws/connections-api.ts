import {
  type ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import type { ConnectionGateway } from '../core/gateway.js';
import { type PostError, postErrorFor } from '../errors.js';

/** The two management clients of one endpoint: keep-alive for every first attempt, one socket per call for retries. */
export interface ManagementClients {
  /** Reuses sockets (keep-alive): the normal path. */
  pooled: ApiGatewayManagementApiClient;
  /**
   * Opens a new socket for every call and closes it after (`keepAlive: false`): used for the retry of a post
   * that failed without a response, since the likeliest cause is a pooled socket that the server had already
   * closed (idle timeout, or a Lambda thawed with stale sockets), and the pool may hold more like it.
   */
  fresh: ApiGatewayManagementApiClient;
}

/**
 * A ConnectionGateway over API Gateway's management API (`POST /@connections/{id}`). Each post carries its
 * own AbortSignal, since PostToConnection is reported to ignore the SDK's request timeout (aws-sdk-js-v3
 * #6896). The clients must be created with `maxAttempts: 1` so that retries are the fan-out's alone.
 */
export function createConnectionsGateway(clients: ManagementClients): ConnectionGateway {
  return {
    async post(connectionId, data, timeoutMs, options) {
      const client = options?.freshSocket ? clients.fresh : clients.pooled;
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
  return postErrorFor(
    connectionId,
    {
      status: httpStatusOf(error),
      errorName: error instanceof Error ? error.name : undefined,
      timedOut: timedOutAfterMs !== undefined,
      timeoutMs: timedOutAfterMs,
    },
    error,
  );
}

// The SDK puts the status on `$metadata` of a service error; a socket error has none (or no status in it).
function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('$metadata' in error)) return undefined;
  const metadata = (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata;
  return typeof metadata?.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined;
}
