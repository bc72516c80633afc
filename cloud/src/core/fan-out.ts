import { describeError, type PostErrorCode, PostTimeoutError, ThrottledError } from '../errors.js';
import type { Logger } from '../log.js';
import { createPostPacer, defaultAimdSettings, type PostPacer } from './adaptive-concurrency.js';
import type { ConnectionGateway } from './gateway.js';
import { type PostDeps, postWithRetry } from './post-with-retry.js';
import { RetryQuota } from './retry-quota.js';
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
  /** Lost posts that were not retried because the retry quota was spent (most posts failing at once). */
  quotaSpent: number;
}

/**
 * Posts `data` to every connection with adaptive concurrency (it starts at `settings.concurrency`, halves on
 * a 429 and grows while none come: adaptive-concurrency.ts), each post retried by the one retry policy
 * (retry-policy.ts: a 429 until the rate allows it, other temporary failures a few times from the retry quota,
 * nothing past `deadline`), deletes the rows of connections that are gone, and resolves with the counts once
 * every post (and every such delete) has settled. `deadline` is epoch ms; default: now plus the publish budget.
 * Never rejects.
 */
export async function fanOut(
  connectionIds: readonly string[],
  data: string,
  deps: FanOutDeps,
  deadline = (deps.now ?? Date.now)() + deps.settings.publishBudgetMs,
): Promise<FanOutResult> {
  const result: FanOutResult = {
    delivered: 0,
    gone: 0,
    failed: 0,
    failures: {},
    retries: 0,
    retried: {},
    quotaSpent: 0,
  };
  const now = deps.now ?? Date.now;
  const pacer = pacerOf(deps.gateway, deps.settings.concurrency);
  const { limit } = pacer;
  // Without the instance's quota (tests, tools), the posts of this fan-out share one of their own.
  const postDeps: PostDeps = {
    ...deps,
    gateway: observed(deps.gateway, pacer, now),
    retryQuota: deps.retryQuota ?? new RetryQuota(),
  };
  await runBounded(
    connectionIds,
    () => limit.current,
    async (connectionId) => {
      const post = await postWithRetry(connectionId, data, postDeps, deadline);
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
        if (post.quotaSpent) result.quotaSpent++;
        deps.logger.debug('post failed', { connectionId, code: post.code, error: describeError(post.error) });
      }
    },
  );
  return result;
}

// One pacer per gateway object: the runtime makes one gateway per endpoint per cold start, so every fan-out of
// that Lambda (or of the local stack's one process) shares it; a test's own gateway gets its own.
const pacers = new WeakMap<ConnectionGateway, PostPacer>();

function pacerOf(gateway: ConnectionGateway, initial: number): PostPacer {
  let pacer = pacers.get(gateway);
  if (pacer === undefined) {
    pacer = createPostPacer(defaultAimdSettings(initial));
    pacers.set(gateway, pacer);
  }
  return pacer;
}

/**
 * The gateway, gated by the pacer and feeding its limit: every attempt (a retry too: each is a request) waits
 * until fewer than the limit are in flight, and reports whether it was throttled or timed out. Gating the
 * retries matters: the posts throttled together back off together, and without the gate their retries would
 * all go out at once, above the limit the 429s just lowered.
 */
function observed(gateway: ConnectionGateway, pacer: PostPacer, now: () => number): ConnectionGateway {
  return {
    async post(connectionId, data, timeoutMs, options) {
      await pacer.admit();
      const startedAt = now();
      try {
        await gateway.post(connectionId, data, timeoutMs, options);
        pacer.limit.onAccepted();
      } catch (error) {
        // A 429 says the account's rate is reached; a timeout that the endpoint (or this process) is
        // overloaded: both ask for fewer posts in flight, and retrying at the same pace would make it worse.
        if (error instanceof ThrottledError || error instanceof PostTimeoutError) {
          pacer.limit.onThrottled(startedAt, now());
        }
        throw error;
      } finally {
        pacer.release();
      }
    },
  };
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
