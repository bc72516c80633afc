import {
  type ErrorCode,
  type Grants,
  subscribeAllowed,
  validateConnectFilters,
} from '@topic-bridge/shared-types';
import { describeError, TableMissingError } from '../errors.js';
import type { Logger } from '../log.js';
import type { SubscriptionStore } from './subscriptions.js';

/** What `$connect` needs: the store, a logger, and optionally a way to create a missing table. */
export interface ConnectDeps {
  store: Pick<SubscriptionStore, 'addConnection'>;
  logger: Logger;
  /** Creates the table when it is missing (ENSURE_TABLE=true); absent, a missing table is an error. */
  ensureTable?: () => Promise<unknown>;
}

/** A new connection and the raw `topicName` values of its URL. */
export interface ConnectRequest {
  connectionId: string;
  filters: readonly unknown[];
  connectedAtMs: number;
  /** What the connection's token allows (everything when authorization is off). */
  grants: Grants;
}

/** Accepted with its (deduplicated) filters, or refused with a code and a reason for the HTTP 400 body. */
export type ConnectOutcome = { ok: true; filters: string[] } | { ok: false; code: ErrorCode; reason: string };

/**
 * Validates the connect-time filters, checks each against the token's `subscribe` grants, and stores one
 * row per filter. Invalid filters (`invalid_topic`, …) or a filter no grant covers (`forbidden`) refuse
 * the connection and write nothing. A missing table is created only when `ensureTable` is given, and the connection that
 * met it is stored after; store failures reject with a StoreUnavailableError.
 */
export async function connect(request: ConnectRequest, deps: ConnectDeps): Promise<ConnectOutcome> {
  const checked = validateConnectFilters(request.filters);
  if (!checked.ok) return { ok: false, code: checked.error.code, reason: checked.error.reason };
  const filters = checked.value;
  const denied = filters.find((filter) => !subscribeAllowed(request.grants.subscribe, filter));
  if (denied !== undefined) {
    return {
      ok: false,
      code: 'forbidden',
      reason: `your token does not allow subscribing to "${denied}"; its subscribe grants: ${JSON.stringify(request.grants.subscribe)}`,
    };
  }
  const store = () => deps.store.addConnection(request.connectionId, filters, request.connectedAtMs);
  try {
    await store();
  } catch (error) {
    if (!(error instanceof TableMissingError) || deps.ensureTable === undefined) throw error;
    deps.logger.warn('the table is missing; creating it (ENSURE_TABLE=true)', {
      error: describeError(error),
    });
    await deps.ensureTable();
    await store();
  }
  deps.logger.info('connect', { connectionId: request.connectionId, filters });
  return { ok: true, filters };
}
