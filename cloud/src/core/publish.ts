import type { Logger } from '../log.js';
import { type FanOutDeps, type FanOutResult, fanOut } from './fan-out.js';
import type { SubscriptionStore } from './subscriptions.js';

/** What a delivery needs: the store (lookup and cleanup), the gateway, the fan-out knobs, a logger, a clock. */
export interface DeliverDeps extends Omit<FanOutDeps, 'store'> {
  store: Pick<SubscriptionStore, 'findSubscribers' | 'removeConnection'>;
  logger: Logger;
  now?: () => number;
}

/** The outcome of delivering one frame to a topic's subscribers. */
export interface DeliveryReport extends FanOutResult {
  topic: string;
  subscribers: number;
  readUnits: number;
  durationMs: number;
}

/** Adds the counts of one fan-out into a running total. */
export function addCounts(total: FanOutResult, part: FanOutResult): void {
  total.delivered += part.delivered;
  total.gone += part.gone;
  total.failed += part.failed;
  for (const [code, count] of Object.entries(part.failures)) {
    total.failures[code] = (total.failures[code] ?? 0) + count;
  }
}

/**
 * Delivers `data` (the frame exactly as received) to every subscriber of `topic` and logs one line with
 * the counts. Posting starts on the first page of the lookup while later pages are read; pages are fanned
 * out one after another, so one publish never has more than one fan-out's concurrency in flight. Needs no
 * API Gateway event, so the IoT bridge calls it too. Rejects only when the subscriber lookup fails (a
 * StoreUnavailableError), after the posts already started have settled.
 */
export async function deliver(topic: string, data: string, deps: DeliverDeps): Promise<DeliveryReport> {
  const now = deps.now ?? Date.now;
  const started = now();
  const counts: FanOutResult = { delivered: 0, gone: 0, failed: 0, failures: {} };
  let subscribers = 0;
  let readUnits = 0;
  let posting: Promise<void> = Promise.resolve();
  try {
    for await (const page of deps.store.findSubscribers(topic)) {
      readUnits += page.readUnits;
      if (page.connectionIds.length === 0) continue;
      subscribers += page.connectionIds.length;
      const ids = page.connectionIds;
      posting = posting.then(async () => addCounts(counts, await fanOut(ids, data, deps)));
    }
  } finally {
    await posting;
  }
  const report = { topic, subscribers, readUnits, ...counts, durationMs: now() - started };
  deps.logger.info('publish', { ...report });
  return report;
}
