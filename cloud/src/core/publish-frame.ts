import { type ErrorCode, type Grants, type PublishFrame, publishAllowed } from '@topic-bridge/shared-types';
import { recordRetained } from './actions/retained.js';
import type { RetainedSettings } from './message-context.js';
import { type DeliverDeps, type DeliveryReport, deliver } from './publish.js';
import { type HistoryDeps, recordHistory } from './record-history.js';

/** Why a publish was refused before anything was stored or delivered. */
export interface PublishRefusal {
  code: ErrorCode;
  reason: string;
}

/** What became of one publish: the delivery's report, or a refusal. */
export type PublishOutcome = { ok: true; report: DeliveryReport } | { ok: false; error: PublishRefusal };

/**
 * The one publish path, whatever carried the frame (a WebSocket `$default` frame, HTTP publish): the grant
 * check, then the storage steps a frame asks for, then the fan-out. `text` is the frame exactly as it is to
 * be delivered; `frame` is the same frame, already validated. `origin` names the sender in log lines (a
 * connection id, or the token's subject over HTTP).
 */
export async function publishFrame(
  frame: PublishFrame,
  text: string,
  grants: Grants,
  origin: Readonly<Record<string, string>>,
  deps: PublishFrameDeps,
): Promise<PublishOutcome> {
  if (!publishAllowed(grants.publish, frame.topic)) {
    deps.logger.warn('publish forbidden', { ...origin, topic: frame.topic });
    return refuse('forbidden', `your token does not allow publishing to "${frame.topic}"`);
  }
  // The storage steps (the retained value, the history) run side by side and before the fan-out, so that a
  // frame is stored before any subscriber receives it and a late joiner never misses it. A step that fails
  // (StoreUnavailableError) rejects the publish before anything is delivered: the sender gets
  // store_unavailable, and its retry (same id) is delivered once.
  const receivedAtMs = deps.receivedAtMs ?? (deps.now ?? Date.now)();
  const [history] = await Promise.all([
    recordHistory(frame.topic, text, frame.id, deps),
    deps.retained === undefined
      ? undefined
      : recordRetained(frame, text, receivedAtMs, { ...deps.retained, logger: deps.logger }),
  ]);
  try {
    return { ok: true, report: await deliver(frame.topic, text, deps) };
  } finally {
    // The history's count bound is enforced while the fan-out runs; the invocation must not end before it.
    await history.trimmed;
  }
}

/** What publishFrame needs besides a delivery's collaborators: the storage steps' stores. */
export interface PublishFrameDeps extends DeliverDeps {
  /** The topic history (absent: history is off). */
  history?: HistoryDeps | undefined;
  /** Retained last values (absent: `retain` is ignored). */
  retained?: RetainedSettings;
  /**
   * When the frame was received (epoch ms; API Gateway's request time over WebSocket): orders retained
   * writes across publishers. Absent: `now()`.
   */
  receivedAtMs?: number;
}

function refuse(code: ErrorCode, reason: string): { ok: false; error: PublishRefusal } {
  return { ok: false, error: { code, reason } };
}
