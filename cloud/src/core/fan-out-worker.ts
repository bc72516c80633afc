import type { FanOutDeps, FanOutResult } from './fan-out.js';
import { fanOut } from './fan-out.js';
import type { FanOutJob, PageProgress } from './fan-out-job.js';
import { addCounts, noCounts } from './publish.js';

/** What the worker needs: a fan-out's collaborators, where page progress is kept, and how often to record it. */
export interface WorkerDeps extends FanOutDeps {
  progress: PageProgress;
  /** Posts between two progress records: a page retried after a crash repeats at most this many. */
  checkpointPosts: number;
  now?: () => number;
}

/** What one page's run did. */
export interface WorkerReport extends FanOutResult {
  topic: string;
  publishId: string;
  page: number;
  /** Connections in the page. */
  connections: number;
  /** Connections an earlier run of the same page had already posted to (a retry or a duplicate event). */
  alreadySettled: number;
  durationMs: number;
}

/**
 * Posts one handed-off page, in steps of `checkpointPosts`, recording after each step how far it got. A page
 * run again (Lambda retries a failed invocation, and may deliver an event twice) resumes after the last record:
 * a page that completed posts nothing again, and a crash repeats at most one step. Rejects only when the
 * progress record cannot be read or written, so that Lambda retries the page from its last record.
 */
export async function runFanOutJob(job: FanOutJob, deps: WorkerDeps): Promise<WorkerReport> {
  const now = deps.now ?? Date.now;
  const started = now();
  const counts = noCounts();
  // One publish budget for the whole page (its function's timeout leaves room for it and the records).
  const deadline = started + deps.settings.publishBudgetMs;
  const { connectionIds } = job;
  const alreadySettled = Math.min(await deps.progress.settled(job.publishId, job.page), connectionIds.length);
  const step = Math.max(1, deps.checkpointPosts);
  for (let start = alreadySettled; start < connectionIds.length; start += step) {
    const end = Math.min(start + step, connectionIds.length);
    addCounts(counts, await fanOut(connectionIds.slice(start, end), job.data, { ...deps, now }, deadline));
    await deps.progress.record(job.publishId, job.page, end);
  }
  const report: WorkerReport = {
    topic: job.topic,
    publishId: job.publishId,
    page: job.page,
    connections: connectionIds.length,
    alreadySettled,
    ...counts,
    durationMs: now() - started,
  };
  deps.logger.info('publish page', { ...report });
  return report;
}
