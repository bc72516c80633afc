import { disconnect } from '../core/disconnect.js';
import { describeError } from '../errors.js';
import { getRuntime } from './runtime.js';
import { connectionIdOf, type HandlerResponse, type WebSocketEvent } from './websocket-event.js';
import { withRuntime } from './with-runtime.js';

/**
 * `$disconnect`: deletes every row of the connection. Best effort, as `$disconnect` itself is: rows left
 * behind expire (TTL) or are deleted by the next publish that meets the 410.
 */
export const handler = withRuntime({
  name: 'disconnect',
  build: getRuntime,
  async handle(event: WebSocketEvent, runtime): Promise<HandlerResponse> {
    try {
      await disconnect(connectionIdOf(event), { store: runtime.store('query'), logger: runtime.logger });
    } catch (error) {
      runtime.logger.warn('disconnect: rows not deleted; they will expire', { error: describeError(error) });
    }
    return { statusCode: 200 };
  },
  fail: () => ({ statusCode: 200 }),
});
