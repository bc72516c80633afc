/** The topic-bridge client: subscribe by topic, publish with acks; reconnects, pings and renews on its own. */
export {
  type BridgeKeeperEvents,
  type BridgeKeeperOptions,
  connectTarget,
  keepBridgeConnection,
} from './bridge-keeper.js';
export { connect } from './client.js';
export * from './config.js';
export * from './errors.js';
export * from './keeper.js';
export { Link, type LinkEnding } from './link.js';
export { RecentIds } from './recent-ids.js';
export { jwtExpiry, type TokenSource } from './token.js';
export type * from './types.js';
