/**
 * The subscription store as the core sees it: one row per (connection, filter). The DynamoDB implementation
 * lives in `aws/dynamodb-store.ts`; how it finds subscribers (Scan or Query) is chosen when it is created.
 */
export interface SubscriptionStore {
  /**
   * Stores every filter of a new connection (none for a publish-only connection; at most
   * MAX_FILTERS_PER_CONNECTION, checked by validateConnectFilters before).
   */
  addConnection(connectionId: string, filters: readonly string[], connectedAtMs: number): Promise<void>;
  /**
   * Adds one filter to a connection unless that would give it more than MAX_FILTERS_PER_CONNECTION (the
   * store enforces it atomically, whatever runs at the same time); adding a held filter changes nothing.
   */
  addFilter(connectionId: string, filter: string, connectedAtMs: number): Promise<AddFilterOutcome>;
  /** Removes one filter from a connection; removing a filter it does not hold changes nothing. */
  removeFilter(connectionId: string, filter: string): Promise<void>;
  /** The filters a connection holds. */
  listFilters(connectionId: string): Promise<string[]>;
  /** Deletes every row of a connection; returns how many were deleted. */
  removeConnection(connectionId: string): Promise<number>;
  /**
   * The connections with at least one unexpired filter matching a publish topic, page by page as the store
   * reads them (posting can start on the first page). Each connection appears once over all pages, however
   * many of its filters match. A failing read makes the iteration throw (a StoreUnavailableError).
   */
  findSubscribers(topic: string): AsyncIterable<SubscriberPage>;
}

/** `added` (or already held), or `limit`: the connection already holds MAX_FILTERS_PER_CONNECTION others. */
export type AddFilterOutcome = 'added' | 'limit';

/** One page of a subscriber lookup. */
export interface SubscriberPage {
  /** Connections not listed in an earlier page of the same lookup (possibly none). */
  connectionIds: string[];
  /** DynamoDB read capacity units this page consumed, as reported by ReturnConsumedCapacity. */
  readUnits: number;
}

/** A whole lookup at once. */
export interface Subscribers {
  /** Unique connection ids: a connection matching through several filters is listed once. */
  connectionIds: string[];
  /** DynamoDB read capacity units the lookup consumed, in total. */
  readUnits: number;
}

/** Reads every page of a lookup (for callers that need them all, such as tests and benchmarks). */
export async function collectSubscribers(pages: AsyncIterable<SubscriberPage>): Promise<Subscribers> {
  const connectionIds: string[] = [];
  let readUnits = 0;
  for await (const page of pages) {
    connectionIds.push(...page.connectionIds);
    readUnits += page.readUnits;
  }
  return { connectionIds, readUnits };
}
