/** The topic-bridge client: subscribe by topic, publish with acks; reconnects, pings and renews on its own. */
export { fullJitterDelay } from './backoff.js';
export { connect } from './client.js';
export * from './config.js';
export * from './errors.js';
export { RecentIds } from './recent-ids.js';
export type * from './types.js';
