/**
 * The load run's plan (bench/load.ts), shared by the coordinator and its child processes so that each can work
 * out, without asking, which topic frame k goes to and which subscribers must get it: topics, each subscriber's
 * filter, and the publish schedule.
 */

/** Topics are `load/<group>/<n>`, ten per group. */
export const PER_GROUP = 10;
/** One subscriber in ten holds a wildcard: `load/<group>/+` (nine in ten of those) or `load/#`. */
export const WILDCARD_EVERY = 10;
/** Consecutive frames go to topics this far apart (coprime with 100), so each group gets frames evenly. */
const TOPIC_STRIDE = 7;

/** What the coordinator and every child agree on. */
export interface LoadShape {
  connections: number;
  topics: number;
}

/** The run's topics, in index order. */
export function topicsOf(shape: LoadShape): string[] {
  const groups = Math.ceil(shape.topics / PER_GROUP);
  return Array.from(
    { length: shape.topics },
    (_, n) => `load/${Math.floor(n / PER_GROUP) % groups}/${n % PER_GROUP}`,
  );
}

/** Subscriber `index`'s one filter, given at connect time (`?topicName=`). */
export function filterOf(shape: LoadShape, topics: readonly string[], index: number): string {
  if (index % WILDCARD_EVERY !== WILDCARD_EVERY - 1) return topics[index % shape.topics] ?? 'load/0/0';
  const wildcardIndex = Math.floor(index / WILDCARD_EVERY);
  if (wildcardIndex % 10 === 9) return 'load/#';
  return `load/${wildcardIndex % Math.ceil(shape.topics / PER_GROUP)}/+`;
}

/** Frame k's topic and id: frames go round-robin over the topics, `TOPIC_STRIDE` apart. */
export function frameOf(topics: readonly string[], k: number): { topic: string; id: string } {
  return { topic: topics[(k * TOPIC_STRIDE) % topics.length] ?? 'load/0/0', id: `load-${k}` };
}

/** The subscriber's name in the ledgers and reports. */
export const subscriberName = (index: number) => `sub-${index}`;

/** The figures a ledger reports, added over the subscriber processes (each owns a disjoint set of subscribers). */
export interface DeliveryCounts {
  expected: number;
  delivered: number;
  lost: number;
  duplicated: number;
  unexpected: number;
}

/** Messages from a subscriber process to the coordinator. */
export type SubscriberReport =
  | { type: 'connected'; connections: number; connectMs: number }
  | { type: 'progress'; arrivals: number; delivered: number; expected: number }
  | {
      type: 'final';
      counts: DeliveryCounts;
      /** Publish-to-arrival times of every arrival, ms. */
      latencies: number[];
      errorFrames: number;
      firstErrorFrames: string[];
      /** Sockets that closed before the end (each would lose frames). */
      closedEarly: number;
    };

/** Messages from the coordinator to a subscriber process. */
export type SubscriberCommand =
  /** Frames 0..total-1 were sent: expect each at its matching subscribers, and report progress. */
  { type: 'expect'; total: number } | { type: 'finish' };

/** Messages from the publisher process to the coordinator. */
export type PublisherReport =
  | { type: 'ready' }
  | { type: 'sent'; sent: number; publishMs: number; maxBehindMs: number }
  | { type: 'final'; acks: number; errorFrames: number; firstErrorFrames: string[] };

/** Messages from the coordinator to the publisher process. */
export type PublisherCommand = { type: 'go' } | { type: 'finish' };
