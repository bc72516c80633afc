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

/**
 * Delivers `data` (the frame exactly as received) to every subscriber of `topic` and logs one line with
 * the counts. Needs no API Gateway event, so the IoT bridge calls it too. Rejects only when the subscriber
 * lookup fails (a StoreUnavailableError).
 */
export async function deliver(topic: string, data: string, deps: DeliverDeps): Promise<DeliveryReport> {
  const now = deps.now ?? Date.now;
  const started = now();
  const { connectionIds, readUnits } = await deps.store.findSubscribers(topic);
  // The budget counts from the start of the publish: the lookup's time is spent from it too.
  const counts = await fanOut(connectionIds, data, { ...deps, now }, started + deps.settings.publishBudgetMs);
  const report = {
    topic,
    subscribers: connectionIds.length,
    readUnits,
    ...counts,
    durationMs: now() - started,
  };
  // One line per publish at info level, with the cause of every lost post (`failures`) and of every retried
  // attempt (`retried`), so that no loss and no struggling post path goes unseen.
  deps.logger.info('publish', { ...report });
  return report;
}
