import { type HttpPublishResult, publishAllowed } from '@topic-bridge/shared-types';
import type { FanOutSettings } from '../config.js';
import { describeError, StoreUnavailableError } from '../errors.js';
import type { PublishOne } from './http-publish.js';
import { refusedFrame } from './http-publish.js';
import { type DeliverDeps, deliver } from './publish.js';

/** What publishing one HTTP frame needs: the same collaborators as a `$default` publish. */
export type HttpPublishOneDeps = Omit<DeliverDeps, 'settings'> & { settings: FanOutSettings };

/**
 * One frame of an HTTP publish through the one publish path `$default` uses: the grant check (`forbidden`,
 * nothing looked up), then the fan-out of the frame's text, bounded by what is left of the request's time.
 * Store failures become `store_unavailable` for that frame (retryable), anything else `internal`.
 */
export function createPublishOne(deps: HttpPublishOneDeps): PublishOne {
  return async (frame, text, caller, budgetMs) => {
    if (!publishAllowed(caller.grants.publish, frame.topic)) {
      deps.logger.warn('http publish forbidden', { sub: caller.sub, topic: frame.topic });
      return refusedFrame(frame.id, 'forbidden', `your token does not allow publishing to "${frame.topic}"`);
    }
    const settings = { ...deps.settings, publishBudgetMs: Math.min(deps.settings.publishBudgetMs, budgetMs) };
    try {
      const { delivered, subscribers, queued } = await deliver(frame.topic, text, { ...deps, settings });
      const counts = { delivered, subscribers, queued };
      return frame.id === undefined ? counts : { id: frame.id, ...counts };
    } catch (error) {
      return failed(frame.id, error, deps);
    }
  };
}

function failed(id: string | undefined, error: unknown, deps: HttpPublishOneDeps): HttpPublishResult {
  if (error instanceof StoreUnavailableError) {
    deps.logger.warn('http publish: store unavailable', { error: describeError(error) });
    return refusedFrame(id, 'store_unavailable', 'the subscription store is unavailable; try again shortly');
  }
  deps.logger.error('http publish: unexpected failure', {
    error: describeError(error),
    stack: error instanceof Error ? error.stack : undefined,
  });
  return refusedFrame(
    id,
    'internal',
    'the bridge failed unexpectedly; try again, and report it if it persists',
  );
}
