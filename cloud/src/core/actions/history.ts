import {
  DEFAULT_HISTORY_PER_REQUEST,
  type ErrorFrame,
  errorFrame,
  type HistoryReplyFrame,
  type HistoryRequestFrame,
  markReplay,
  subscribeAllowed,
} from '@topic-bridge/shared-types';
import { type HistorySince, historyCovers, historyPartition } from '../history.js';
import type { IncomingMessage, MessageDeps, Outgoing } from '../message-context.js';

/**
 * Answers `{"action":"history","topic":F,"since"?,"limit"?}`: the frames kept for the topics F matches,
 * published after `since` (a frame id or epoch ms; none: the oldest kept), oldest first, at most `limit`,
 * each marked `"replay":"history"`, then the `history` summary (count, more, sinceFound). Refused with
 * `forbidden` (nothing read) without a subscribe grant covering F, and with `history_not_enabled` when no
 * history filter covers F or F's first level is a wildcard (it would read every partition of the table).
 */
export async function history(
  frame: HistoryRequestFrame,
  message: IncomingMessage,
  deps: MessageDeps,
): Promise<ErrorFrame | Outgoing[]> {
  const filter = frame.topic;
  if (!subscribeAllowed(message.grants.subscribe, filter)) {
    deps.logger.warn('history forbidden', { connectionId: message.connectionId, filter });
    return errorFrame('forbidden', `your token does not allow subscribing to "${filter}"`, frame.id);
  }
  if (deps.history === undefined || !historyCovers(deps.history.config, filter)) {
    return errorFrame(
      'history_not_enabled',
      `this bridge keeps no history for every topic of "${filter}" (its historyTopics setting does not cover it)`,
      frame.id,
    );
  }
  if (historyPartition(filter) === undefined) {
    return errorFrame(
      'history_not_enabled',
      `history is kept per first level, and "${filter}" starts with a wildcard (it would read the whole history table); ask for each first level instead, e.g. "sensors/${filter.split('/').slice(1).join('/') || '#'}"`,
      frame.id,
    );
  }
  const limit = frame.limit ?? DEFAULT_HISTORY_PER_REQUEST;
  const since: HistorySince =
    frame.since === undefined
      ? { kind: 'oldest' }
      : typeof frame.since === 'string'
        ? { kind: 'id', id: frame.since }
        : { kind: 'time', ms: frame.since };
  const page = await deps.history.store.read({ filter, since, limit, nowMs: (deps.now ?? Date.now)() });
  const summary: HistoryReplyFrame = {
    type: 'history',
    topic: filter,
    ...(frame.id === undefined ? {} : { id: frame.id }),
    count: page.rows.length,
    more: page.more,
    ...(page.sinceFound === undefined ? {} : { sinceFound: page.sinceFound }),
  };
  deps.logger.debug('history', {
    connectionId: message.connectionId,
    filter,
    count: summary.count,
    more: summary.more,
    readUnits: page.readUnits,
  });
  return [...page.rows.map((row) => markReplay(row.frame, 'history')), summary];
}
