import type { HttpPublishResult } from '@topic-bridge/shared-types';
import { describeError, STORE_UNAVAILABLE_REASON, StoreUnavailableError } from '../errors.js';
import type { PublishOne } from './http-publish.js';
import { refusedFrame } from './http-publish.js';
import { type PublishFrameDeps, publishFrame } from './publish-frame.js';

/**
 * One frame of an HTTP publish through the one publish path `$default` uses (publishFrame: the grant check,
 * the storage steps, the fan-out of the frame's text), its fan-out bounded by what is left of the request's
 * time, its retained write ordered by `receivedAtMs`. Store failures become `store_unavailable` for that frame (retryable), anything else `internal`.
 */
export function createPublishOne(deps: PublishFrameDeps): PublishOne {
  return async (frame, text, caller, { budgetMs, receivedAtMs }) => {
    const settings = { ...deps.settings, publishBudgetMs: Math.min(deps.settings.publishBudgetMs, budgetMs) };
    const origin = { via: 'http', ...(caller.sub === undefined ? {} : { sub: caller.sub }) };
    try {
      const outcome = await publishFrame(frame, text, caller.grants, origin, {
        ...deps,
        settings,
        receivedAtMs,
      });
      if (!outcome.ok) return refusedFrame(frame.id, outcome.error.code, outcome.error.reason);
      const { delivered, subscribers, queued, failed: failedPosts } = outcome.report;
      const counts = { delivered, subscribers, queued, ...(failedPosts > 0 ? { failed: failedPosts } : {}) };
      return frame.id === undefined ? counts : { id: frame.id, ...counts };
    } catch (error) {
      return failed(frame.id, error, deps);
    }
  };
}

function failed(id: string | undefined, error: unknown, deps: PublishFrameDeps): HttpPublishResult {
  if (error instanceof StoreUnavailableError) {
    deps.logger.warn('http publish: store unavailable', { error: describeError(error) });
    return refusedFrame(id, 'store_unavailable', STORE_UNAVAILABLE_REASON);
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
