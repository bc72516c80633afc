import { createPageProgress } from '../aws/page-progress.js';
import { loadSplitConfig, PAGE_PROGRESS_TTL_SECONDS } from '../config.js';
import { parseFanOutJob } from '../core/fan-out-job.js';
import { runFanOutJob, type WorkerReport } from '../core/fan-out-worker.js';
import { getRuntime } from './runtime.js';
import { withRuntime } from './with-runtime.js';

function buildWorkerRuntime() {
  const runtime = getRuntime();
  const split = loadSplitConfig();
  const progress = createPageProgress(runtime.dynamo, {
    tableName: runtime.config.tableName,
    ttlSeconds: PAGE_PROGRESS_TTL_SECONDS,
  });
  return { ...runtime, logger: runtime.logger, split, progress };
}

/**
 * The fan-out worker: posts one page of a publish that `$default` (or the IoT bridge) handed off, with an
 * asynchronous invocation. A throw makes Lambda retry the page (twice) and then send it to the failure
 * destination (serverless.yml); the page's progress record makes a retry resume where the failed run stopped.
 * A malformed event is not retried: it is logged and dropped, since running it again cannot help.
 */
export const handler = withRuntime({
  name: 'fanOutWorker',
  build: buildWorkerRuntime,
  async handle(event: unknown, runtime): Promise<WorkerReport | undefined> {
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
      retryQuota: runtime.retryQuota,
      progress: runtime.progress,
      checkpointPosts: runtime.split.checkpointPosts,
    });
  },
  fail: (error) => {
    throw error;
  },
});
