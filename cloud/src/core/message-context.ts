import type { Grants, ReplyFrame } from '@topic-bridge/shared-types';
import type { FanOutSettings } from '../config.js';
import type { Logger } from '../log.js';
import type { ConnectionGateway } from './gateway.js';
import type { Handoff } from './publish.js';
import type { HistoryDeps } from './record-history.js';
import type { RetainedStore } from './retained.js';
import type { RetryQuota } from './retry-quota.js';
import type { SubscriptionStore } from './subscriptions.js';

/** The collaborators every message handler receives: built once per cold start by the Lambda adapter. */
export interface MessageDeps {
  store: SubscriptionStore;
  gateway: ConnectionGateway;
  logger: Logger;
  config: { fanOut: FanOutSettings };
  /** Splits publishes past one invocation's share (absent: every post is made by this invocation). */
  handoff?: Handoff;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** The instance's retry quota for posts (runtime.ts), shared across invocations. */
  retryQuota?: RetryQuota;
  /** Retained last values (absent: the bridge keeps none, and `subscribed` carries no `retained` count). */
  retained?: RetainedSettings;
  /** The topic history (absent: history is off, every `history` request is history_not_enabled). */
  history?: HistoryDeps;
}

/** The retained store and how long the values it keeps live. */
export interface RetainedSettings {
  store: RetainedStore;
  ttlSeconds: number;
}

/** One frame received on a connection, as API Gateway handed it over. */
export interface IncomingMessage {
  connectionId: string;
  /** The frame exactly as received; a publish is fanned out byte for byte. */
  body: string;
  /** When the connection was opened (epoch ms): subscription rows expire relative to it. */
  connectedAtMs: number;
  /** What the connection's token allows (from the authorizer context; everything with auth off). */
  grants: Grants;
  /** When API Gateway received the frame (epoch ms, its `requestTimeEpoch`); absent: the handler's clock. */
  receivedAtMs?: number;
}

/**
 * One frame an action sends back to the sender: a reply frame, or the text of a stored frame (a retained
 * value, a history entry) already marked with markReplay.
 */
export type Outgoing = ReplyFrame | string;

/** What an action answers: nothing, one frame, or several, posted to the sender in this order. */
export type ActionAnswer = Outgoing | readonly Outgoing[] | undefined;
