import type { Logger } from '../log.js';
import type { SubscriptionStore } from './subscriptions.js';

/** Deletes every row of a closed connection and logs how many there were. Store failures reject. */
export async function disconnect(
  connectionId: string,
  deps: { store: Pick<SubscriptionStore, 'removeConnection'>; logger: Logger },
): Promise<number> {
  const removed = await deps.store.removeConnection(connectionId);
  deps.logger.info('disconnect', { connectionId, rowsRemoved: removed });
  return removed;
}
