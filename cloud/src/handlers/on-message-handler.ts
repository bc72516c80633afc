import type { LookupStrategy } from '../aws/find-subscribers.js';
import { handleMessage } from '../core/handle-message.js';
import { getHandoff } from './handoff.js';
import { getRuntime } from './runtime.js';
import {
  bodyOf,
  connectedAtOf,
  connectionIdOf,
  grantsOf,
  type HandlerResponse,
  managementEndpointOf,
  receivedAtOf,
  type WebSocketEvent,
} from './websocket-event.js';
import { withRuntime } from './with-runtime.js';

/** No grants: what a connection holds when its authorizer context is missing or malformed (auth on). */
const NO_GRANTS = { publish: [], subscribe: [] };

/**
 * Builds the `$default` handler for one lookup strategy; the two variants differ in nothing else. It
 * always answers 200: replies and errors go to the sender as frames, and a throwing handler would make
 * API Gateway (and serverless-offline) send the client an opaque "Internal server error".
 */
export function createOnMessageHandler(lookup: LookupStrategy) {
  return withRuntime({
    name: 'onMessage',
    build: getRuntime,
    async handle(event: WebSocketEvent, runtime): Promise<HandlerResponse> {
      const grants = grantsOf(event, runtime.config.authMode);
      if (!grants.ok)
        runtime.logger.warn('no valid token claims on this connection: nothing is allowed', grants.error);
      const endpoint = managementEndpointOf(event, runtime.config.connectionsEndpoint);
      const gateway = runtime.gateway(endpoint);
      const handoff = getHandoff(endpoint);
      const message = {
        connectionId: connectionIdOf(event),
        body: bodyOf(event),
        connectedAtMs: connectedAtOf(event, Date.now()),
        receivedAtMs: receivedAtOf(event, Date.now()),
        grants: grants.ok ? grants.value : NO_GRANTS,
      };
      await handleMessage(message, {
        store: runtime.store(lookup),
        gateway,
        logger: runtime.logger,
        config: runtime.config,
        retryQuota: runtime.retryQuota,
        retained: { store: runtime.retained, ttlSeconds: runtime.config.retained.ttlSeconds },
        ...(handoff === undefined ? {} : { handoff }),
        ...(runtime.history === undefined
          ? {}
          : { history: { store: runtime.history, config: runtime.config.history } }),
      });
      return { statusCode: 200 };
    },
    fail: () => ({ statusCode: 200 }),
  });
}
