import { errorFrame } from '@topic-bridge/shared-types';
import { connect } from '../core/connect.js';
import { describeError, StoreUnavailableError } from '../errors.js';
import { getRuntime, logStartupFailure, type Runtime } from './runtime.js';
import {
  connectedAtOf,
  connectionIdOf,
  type HandlerResponse,
  topicFiltersOf,
  type WebSocketEvent,
} from './websocket-event.js';

/** `$connect`: stores one row per `topicName` filter; invalid filters refuse the handshake with HTTP 400. */
export const handler = async (event: WebSocketEvent): Promise<HandlerResponse> => {
  let runtime: Runtime;
  try {
    runtime = getRuntime();
  } catch (error) {
    logStartupFailure(error);
    return failure(500, 'internal', 'the bridge is misconfigured; see its logs');
  }
  const { logger, config } = runtime;
  try {
    const outcome = await connect(
      {
        connectionId: connectionIdOf(event),
        filters: topicFiltersOf(event),
        connectedAtMs: connectedAtOf(event, Date.now()),
      },
      {
        store: runtime.store('query'),
        logger,
        ensureTable: config.ensureTable ? () => runtime.ensureTable() : undefined,
      },
    );
    return outcome.ok ? { statusCode: 200 } : failure(400, outcome.code, outcome.reason);
  } catch (error) {
    if (error instanceof StoreUnavailableError) {
      logger.warn('connect: store unavailable', { error: describeError(error) });
      return failure(500, 'store_unavailable', 'the subscription store is unavailable; reconnect shortly');
    }
    logger.error('connect failed unexpectedly', { error: describeError(error) });
    return failure(
      500,
      'internal',
      'the bridge failed unexpectedly; reconnect, and report it if it persists',
    );
  }
};

function failure(statusCode: number, ...frame: Parameters<typeof errorFrame>): HandlerResponse {
  return { statusCode, body: JSON.stringify(errorFrame(...frame)) };
}
