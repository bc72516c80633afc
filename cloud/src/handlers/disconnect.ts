import { disconnect } from '../core/disconnect.js';
import { describeError } from '../errors.js';
import { getRuntime, logStartupFailure } from './runtime.js';
import { connectionIdOf, type HandlerResponse, type WebSocketEvent } from './websocket-event.js';

/**
 * `$disconnect`: deletes every row of the connection. Best effort, as `$disconnect` itself is: rows left
 * behind expire (TTL) or are deleted by the next publish that meets the 410.
 */
export const handler = async (event: WebSocketEvent): Promise<HandlerResponse> => {
  try {
    const runtime = getRuntime();
    try {
      await disconnect(connectionIdOf(event), { store: runtime.store('query'), logger: runtime.logger });
    } catch (error) {
      runtime.logger.warn('disconnect: rows not deleted; they will expire', { error: describeError(error) });
    }
  } catch (error) {
    logStartupFailure(error);
  }
  return { statusCode: 200 };
};
