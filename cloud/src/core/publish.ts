import { randomUUID } from 'node:crypto';
import { HANDOFF_HEAD_START_MS } from '../config.js';
import { describeError, type PostErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import { type FanOutDeps, type FanOutResult, fanOut } from './fan-out.js';
import { FAN_OUT_JOB_KIND, type FanOutDispatcher, type FanOutJob, pageCapacity } from './fan-out-job.js';
import type { SubscriptionStore } from './subscriptions.js';

/** How a publish too large for one invocation is split (absent: the invocation posts to everyone itself). */
export interface Handoff {
  dispatcher: FanOutDispatcher;
  /** The `@connections` endpoint this invocation posts to; the worker posts to the same one. */
  endpoint: string;
  /** Connections this invocation posts to itself; the rest go to the worker. */
  invocationShare: number;
  /** Most connections in one handed-off page (fewer when the frame is large: see pageCapacity). */
  pageSize: number;
  /** A new publish id (tests make them predictable). */
  newPublishId?: () => string;
  /** How long the first page may wait for this invocation's own posts (default HANDOFF_HEAD_START_MS). */
  headStartMs?: number;
}

/** What a delivery needs: the store (lookup and cleanup), the gateway, the fan-out knobs, a logger, a clock. */
export interface DeliverDeps extends Omit<FanOutDeps, 'store'> {
  store: Pick<SubscriptionStore, 'findSubscribers' | 'removeConnection'>;
  logger: Logger;
  now?: () => number;
  handoff?: Handoff;
}

/** The outcome of delivering one frame to a topic's subscribers. */
export interface DeliveryReport extends FanOutResult {
  topic: string;
  /** Every subscriber found, each once. */
  subscribers: number;
  /** Subscribers handed to the fan-out worker (not counted in `delivered`, `gone` or `failed`). */
  queued: number;
  /** Pages handed to the worker. */
  pages: number;
  /** Subscribers whose page Lambda refused (throttled, not permitted): neither posted nor queued. */
  handoffFailed: number;
  readUnits: number;
  durationMs: number;
}

/** Adds the counts of one fan-out into a running total. */
export function addCounts(total: FanOutResult, part: FanOutResult): void {
  total.delivered += part.delivered;
  total.gone += part.gone;
  total.failed += part.failed;
  total.retries += part.retries;
  total.quotaSpent += part.quotaSpent;
  for (const [code, count] of Object.entries(part.failures) as [PostErrorCode, number][]) {
    total.failures[code] = (total.failures[code] ?? 0) + count;
  }
  for (const [code, count] of Object.entries(part.retried) as [PostErrorCode, number][]) {
    total.retried[code] = (total.retried[code] ?? 0) + count;
  }
}

/** Counts of nothing yet. */
export function noCounts(): FanOutResult {
  return { delivered: 0, gone: 0, failed: 0, failures: {}, retries: 0, retried: {}, quotaSpent: 0 };
}

/**
 * Delivers `data` (the frame exactly as received) to every subscriber of `topic` and logs one line with
 * the counts. Posting starts on the first page of the lookup while later pages are read; this invocation's
 * posts run one fan-out after another, so one publish never has more than one fan-out's concurrency in
 * flight. With a `handoff`, the first `invocationShare` subscribers are posted here and the others are handed
 * to the fan-out worker as pages of connection ids, each dispatched as soon as it is full and once this
 * invocation's own posts have settled or had their head start (HANDOFF_HEAD_START_MS), whichever comes first:
 * the ack should not wait behind the workers' posts for the account's rate. Needs no API
 * Gateway event, so the IoT bridge calls it too. Rejects only when the subscriber lookup fails (a
 * StoreUnavailableError), after the posts and hand-offs already started have settled.
 */
export async function deliver(topic: string, data: string, deps: DeliverDeps): Promise<DeliveryReport> {
  const now = deps.now ?? Date.now;
  const started = now();
  const counts = noCounts();
  // The budget counts from the start of the publish: the lookup's time is spent from it too.
  const deadline = started + deps.settings.publishBudgetMs;
  const share = deps.handoff?.invocationShare ?? Number.POSITIVE_INFINITY;
  let posting: Promise<void> = Promise.resolve();
  // Pages are handed off only from the page past the share on, so by then `posting` holds every own post.
  const headStartMs = deps.handoff?.headStartMs ?? HANDOFF_HEAD_START_MS;
  const headStart = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, headStartMs);
      void posting.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  const handoff = deps.handoff === undefined ? undefined : pager(topic, data, deps.handoff, deps, headStart);
  let subscribers = 0;
  let readUnits = 0;
  try {
    for await (const page of deps.store.findSubscribers(topic)) {
      readUnits += page.readUnits;
      const own = page.connectionIds.slice(0, Math.max(0, share - subscribers));
      subscribers += page.connectionIds.length;
      if (own.length > 0)
        posting = posting.then(async () =>
          addCounts(counts, await fanOut(own, data, { ...deps, now }, deadline)),
        );
      if (own.length < page.connectionIds.length) handoff?.add(page.connectionIds.slice(own.length));
    }
    handoff?.flush();
  } finally {
    await Promise.all([posting, handoff?.settled()]);
  }
  const report: DeliveryReport = {
    topic,
    subscribers,
    queued: handoff?.queued() ?? 0,
    pages: handoff?.pages() ?? 0,
    handoffFailed: handoff?.failed() ?? 0,
    readUnits,
    ...counts,
    durationMs: now() - started,
  };
  // One line per publish at info level, with the cause of every lost post (`failures`) and of every retried
  // attempt (`retried`), so that no loss and no struggling post path goes unseen.
  deps.logger.info('publish', { ...report });
  return report;
}

/** Collects the connections past the share into pages and dispatches each page once it is full. */
function pager(
  topic: string,
  data: string,
  handoff: Handoff,
  deps: DeliverDeps,
  headStart: () => Promise<void>,
) {
  const publishId = (handoff.newPublishId ?? randomUUID)();
  let started: Promise<void> | undefined;
  const capacity = pageCapacity(topic, data, handoff.pageSize);
  const dispatches: Promise<void>[] = [];
  let buffer: string[] = [];
  let pages = 0;
  let queued = 0;
  let failed = 0;
  const dispatch = (connectionIds: string[]) => {
    const page = ++pages;
    const { endpoint } = handoff;
    const job: FanOutJob = { kind: FAN_OUT_JOB_KIND, publishId, page, topic, endpoint, data, connectionIds };
    started ??= headStart();
    dispatches.push(
      started
        .then(() => handoff.dispatcher.dispatch(job))
        .then(
          () => {
            queued += connectionIds.length;
          },
          (error: unknown) => {
            failed += connectionIds.length;
            deps.logger.error('could not hand a page to the fan-out worker', {
              topic,
              publishId,
              page,
              connections: connectionIds.length,
              error: describeError(error),
            });
          },
        ),
    );
  };
  return {
    add(connectionIds: readonly string[]) {
      buffer.push(...connectionIds);
      while (buffer.length >= capacity) dispatch(buffer.splice(0, capacity));
    },
    flush() {
      if (buffer.length > 0) dispatch(buffer);
      buffer = [];
    },
    settled: () => Promise.all(dispatches).then(() => undefined),
    queued: () => queued,
    failed: () => failed,
    pages: () => pages,
  };
}
