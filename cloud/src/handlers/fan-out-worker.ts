import { createPageProgress } from '../aws/page-progress.js';
import { loadSplitConfig, PAGE_PROGRESS_TTL_SECONDS, type SplitConfig } from '../config.js';
import { parseFanOutJob } from '../core/fan-out-job.js';
import { runFanOutJob, type WorkerReport } from '../core/fan-out-worker.js';
import { getRuntime, logStartupFailure } from './runtime.js';

let split: SplitConfig | undefined;

/**
 * The fan-out worker: posts one page of a publish that `$default` handed off (an asynchronous invocation).
 * A throw makes Lambda retry the page (twice) and then send it to the failure destination (serverless.yml);
 * the page's progress record makes a retry resume where the failed run stopped. A malformed event is not
 * retried: it is logged and dropped, since running it again cannot help.
 */
export async function handler(event: unknown): Promise<WorkerReport | undefined> {
  let runtime: ReturnType<typeof getRuntime>;
  try {
    runtime = getRuntime();
    split ??= loadSplitConfig();
  } catch (error) {
    logStartupFailure(error);
    throw error;
  }
  const job = parseFanOutJob(event);
  if (!job.ok) {
    runtime.logger.error('fan-out page refused', { reason: job.error.reason });
    return undefined;
  }
  return runFanOutJob(job.value, {
    store: runtime.store('query'),
    gateway: runtime.gateway(job.value.endpoint),
    settings: runtime.config.fanOut,
    logger: runtime.logger,
    progress: createPageProgress(runtime.clients.doc, {
      tableName: runtime.config.tableName,
      ttlSeconds: PAGE_PROGRESS_TTL_SECONDS,
    }),
    checkpointPosts: split.checkpointPosts,
  });
}
