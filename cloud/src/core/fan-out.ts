import { describeError, type PostErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import { type PostDeps, postWithRetry } from './post-with-retry.js';
import { runBounded } from './run-bounded.js';
import type { SubscriptionStore } from './subscriptions.js';

/** What a fan-out needs besides the post knobs: the store (to delete gone connections) and a logger. */
export interface FanOutDeps extends PostDeps {
  store: Pick<SubscriptionStore, 'removeConnection'>;
  logger: Logger;
}

/** The counts of one fan-out, taken after every post has settled. */
export interface FanOutResult {
  /** Posts that API Gateway accepted. */
  delivered: number;
  /** Connections that answered 410; their rows were deleted during this fan-out. */
  gone: number;
  /** Posts that were lost: failed finally (`rejected`) or still failing after their retries or the budget. */
  failed: number;
  /** How many lost posts ended with each error code (`reset`, `timeout`, `throttled`, `server_error`, `rejected`). */
  failures: Partial<Record<PostErrorCode, number>>;
  /** Attempts made again after a temporary failure, over all posts (delivered or not). */
  retries: number;
  /** The cause of each retried attempt, counted by code (`{"reset": 2}`): what went wrong even if nothing was lost. */
  retried: Partial<Record<PostErrorCode, number>>;
}

/**
 * Posts `data` to every connection with bounded concurrency, deletes the rows of connections that are
 * gone, and resolves with the counts once every post (and every such delete) has settled. No post or retry
 * runs past `deadline` (epoch ms; default: now plus the publish budget). Never rejects.
 */
export async function fanOut(
  connectionIds: readonly string[],
  data: string,
  deps: FanOutDeps,
  deadline = (deps.now ?? Date.now)() + deps.settings.publishBudgetMs,
): Promise<FanOutResult> {
  const result: FanOutResult = { delivered: 0, gone: 0, failed: 0, failures: {}, retries: 0, retried: {} };
  await runBounded(connectionIds, deps.settings.concurrency, async (connectionId) => {
    const post = await postWithRetry(connectionId, data, deps, deadline);
    result.retries += post.retried.length;
    for (const code of post.retried) result.retried[code] = (result.retried[code] ?? 0) + 1;
    if (post.outcome === 'delivered') {
      result.delivered++;
    } else if (post.outcome === 'gone') {
      result.gone++;
      await removeGone(connectionId, deps);
    } else {
      result.failed++;
      result.failures[post.code] = (result.failures[post.code] ?? 0) + 1;
      deps.logger.debug('post failed', { connectionId, code: post.code, error: describeError(post.error) });
    }
  });
  return result;
}

async function removeGone(connectionId: string, deps: FanOutDeps): Promise<void> {
  try {
    await deps.store.removeConnection(connectionId);
  } catch (error) {
    // The rows stay until their TTL or the next publish that meets the same 410; the publish goes on.
    deps.logger.warn('could not delete the rows of a gone connection', {
      connectionId,
      error: describeError(error),
    });
  }
}
