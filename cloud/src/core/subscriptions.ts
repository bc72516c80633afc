/**
 * The subscription store as the core sees it: one row per (connection, filter). The DynamoDB implementation
 * lives in `aws/dynamodb-store.ts`; how it finds subscribers (Scan or Query) is chosen when it is created.
 */
export interface SubscriptionStore {
  /** Stores every filter of a new connection (none for a publish-only connection). */
  addConnection(connectionId: string, filters: readonly string[], connectedAtMs: number): Promise<void>;
  /** Adds one filter to a connection; adding a filter it already holds changes nothing. */
  addFilter(connectionId: string, filter: string, connectedAtMs: number): Promise<void>;
  /** Removes one filter from a connection; removing a filter it does not hold changes nothing. */
  removeFilter(connectionId: string, filter: string): Promise<void>;
  /** The filters a connection holds. */
  listFilters(connectionId: string): Promise<string[]>;
  /** Deletes every row of a connection; returns how many were deleted. */
  removeConnection(connectionId: string): Promise<number>;
  /** The connections with at least one unexpired filter matching a publish topic, each once. */
  findSubscribers(topic: string): Promise<Subscribers>;
}

/** The result of a subscriber lookup. */
export interface Subscribers {
  /** Unique connection ids: a connection matching through several filters is listed once. */
  connectionIds: string[];
  /** DynamoDB read capacity units the lookup consumed, as reported by ReturnConsumedCapacity. */
  readUnits: number;
}
