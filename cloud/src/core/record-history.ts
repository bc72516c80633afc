import type { HistoryConfig } from '../config.js';
import { type HistoryStore, historyKeptFor } from './history.js';

/** The topic history as a publish and the `history` action see it (absent: history is off). */
export interface HistoryDeps {
  store: HistoryStore;
  config: Pick<HistoryConfig, 'filters'>;
}

/** Nothing to wait for: the publish kept no history. */
const NOTHING: Promise<void> = Promise.resolve();

/**
 * The publish path's history step: appends the frame, exactly as published, when a history filter matches
 * its topic. Resolves once the frame is stored, so that it is in the history before any subscriber receives
 * it live; rejects with a StoreUnavailableError when it could not be stored (the publish then answers
 * `store_unavailable` and delivers nothing). `trimmed` (never rejects) settles when the topic's count bound
 * is enforced: await it before the invocation ends, after the fan-out.
 */
export async function recordHistory(
  topic: string,
  frameText: string,
  frameId: string | undefined,
  deps: { history?: HistoryDeps | undefined; now?: () => number },
): Promise<{ trimmed: Promise<void> }> {
  const history = deps.history;
  if (history === undefined || !historyKeptFor(history.config, topic)) return { trimmed: NOTHING };
  const receivedAtMs = (deps.now ?? Date.now)();
  const { trimmed } = await history.store.append({
    topic,
    frame: frameText,
    ...(frameId === undefined ? {} : { frameId }),
    receivedAtMs,
  });
  return { trimmed };
}
