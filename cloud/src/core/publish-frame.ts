import { type ErrorCode, type Grants, type PublishFrame, publishAllowed } from '@topic-bridge/shared-types';
import { type DeliverDeps, type DeliveryReport, deliver } from './publish.js';

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
  deps: DeliverDeps,
): Promise<PublishOutcome> {
  if (!publishAllowed(grants.publish, frame.topic)) {
    deps.logger.warn('publish forbidden', { ...origin, topic: frame.topic });
    return refuse('forbidden', `your token does not allow publishing to "${frame.topic}"`);
  }
  // The storage steps (the retained value, the history) go here, run side by side and before the fan-out,
  // so that a frame is stored no later than it is delivered and a late joiner never misses it.
  return { ok: true, report: await deliver(frame.topic, text, deps) };
}

function refuse(code: ErrorCode, reason: string): { ok: false; error: PublishRefusal } {
  return { ok: false, error: { code, reason } };
}
