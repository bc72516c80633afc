import type { LookupStrategy } from '../aws/find-subscribers.js';
import { handleMessage } from '../core/handle-message.js';
import { describeError } from '../errors.js';
import { getHandoff } from './handoff.js';
import { getRuntime, logStartupFailure } from './runtime.js';
import {
  bodyOf,
  connectedAtOf,
  connectionIdOf,
  type HandlerResponse,
  managementEndpointOf,
  type WebSocketEvent,
} from './websocket-event.js';

/**
 * Builds the `$default` handler for one lookup strategy; the two variants differ in nothing else. It
 * always answers 200: replies and errors go to the sender as frames, and a throwing handler would make
 * API Gateway (and serverless-offline) send the client an opaque "Internal server error".
 */
export function createOnMessageHandler(lookup: LookupStrategy) {
  return async (event: WebSocketEvent): Promise<HandlerResponse> => {
    try {
      const runtime = getRuntime();
      try {
        const endpoint = managementEndpointOf(event, runtime.config.connectionsEndpoint);
        const gateway = runtime.gateway(endpoint);
        const message = {
          connectionId: connectionIdOf(event),
          body: bodyOf(event),
          connectedAtMs: connectedAtOf(event, Date.now()),
        };
        const handoff = getHandoff(endpoint);
        await handleMessage(message, {
          store: runtime.store(lookup),
          gateway,
          logger: runtime.logger,
          config: runtime.config,
          ...(handoff === undefined ? {} : { handoff }),
        });
      } catch (error) {
        runtime.logger.error('message not handled', { error: describeError(error) });
      }
    } catch (error) {
      logStartupFailure(error);
    }
    return { statusCode: 200 };
  };
}
