import { type ErrorCode, errorFrame } from '@topic-bridge/shared-types';
import { subprotocolAnswer } from '../auth/handshake.js';
import { connect } from '../core/connect.js';
import { describeError, StoreUnavailableError } from '../errors.js';
import { getRuntime } from './runtime.js';
import {
  connectedAtOf,
  connectionIdOf,
  grantsOf,
  type HandlerResponse,
  topicFiltersOf,
  type WebSocketEvent,
} from './websocket-event.js';
import { withRuntime } from './with-runtime.js';

/**
 * `$connect`: checks the connect-time filters against the token's grants (from the authorizer), stores one
 * row per `topicName` filter, and answers the `topic-bridge.v1` subprotocol when it was offered. Refusals:
 * 400 for an invalid filter, 403 for one outside the grants, 401 without claims; nothing is written.
 */
export const handler = withRuntime({
  name: 'connect',
  build: getRuntime,
  async handle(event: WebSocketEvent, runtime): Promise<HandlerResponse> {
    const { logger, config } = runtime;
    const grants = grantsOf(event, config.authMode);
    if (!grants.ok) {
      logger.warn('connect refused: no valid token claims from the authorizer', {
        reason: grants.error.reason,
      });
      return failure(
        401,
        'forbidden',
        'no valid token reached the bridge; connect with ?token=… (SECURITY.md)',
      );
    }
    try {
      const outcome = await connect(
        {
          connectionId: connectionIdOf(event),
          filters: topicFiltersOf(event),
          connectedAtMs: connectedAtOf(event, Date.now()),
          grants: grants.value,
        },
        {
          store: runtime.store('query'),
          logger,
          ensureTable: config.ensureTable ? () => runtime.ensureTable() : undefined,
        },
      );
      if (!outcome.ok) {
        if (outcome.code === 'forbidden')
          logger.warn('connect refused', { sub: grants.value.sub, reason: outcome.reason });
        return failure(outcome.code === 'forbidden' ? 403 : 400, outcome.code, outcome.reason);
      }
      const headers = subprotocolAnswer(event);
      return headers === undefined ? { statusCode: 200 } : { statusCode: 200, headers };
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      logger.warn('connect: store unavailable', { error: describeError(error) });
      return failure(500, 'store_unavailable', 'the subscription store is unavailable; reconnect shortly');
    }
  },
  fail: (error) =>
    failure(
      500,
      'internal',
      error instanceof Error && error.name === 'ConfigError'
        ? 'the bridge is misconfigured; see its logs'
        : 'the bridge failed unexpectedly; reconnect, and report it if it persists',
    ),
});

function failure(statusCode: number, code: ErrorCode, reason: string): HandlerResponse {
  return { statusCode, body: JSON.stringify(errorFrame(code, reason)) };
}
