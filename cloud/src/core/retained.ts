import { createHash } from 'node:crypto';
import {
  MAX_FRAME_BYTES,
  MULTI_LEVEL_WILDCARD,
  markReplay,
  type PublishFrame,
  SINGLE_LEVEL_WILDCARD,
  TOPIC_LEVEL_SEPARATOR,
  topicMatches,
  utf8Bytes,
} from '@topic-bridge/shared-types';

/**
 * Retained last values, the pure part (docs/DATA-MODEL.md, "The retained table"): what a publish asks the
 * store to keep or clear, how a filter is looked up, and which stored values a filter gets, newest first.
 */

/** One topic's retained state as stored: its last value, or a tombstone left by a clear. */
export interface RetainedItem {
  topic: string;
  /** The publish frame exactly as received (absent on a tombstone). */
  frame?: string;
  /** Orders writes to one topic: see retainedVersion. */
  version: string;
  /** Epoch seconds after which the item is dead (DynamoDB TTL; readers check it themselves). */
  expiresAt: number;
  /** True on a tombstone: the topic's value was cleared (kept so that an older write cannot resurrect it). */
  cleared?: true;
}

/** What a publish with `"retain": true` asks of the store: keep its frame, or clear the topic. */
export type RetainedChange =
  | { kind: 'set'; item: RetainedItem & { frame: string } }
  | { kind: 'clear'; item: RetainedItem & { cleared: true } };

/** How long retained items live (cloud config: RETAINED_TTL_SECONDS and RETAINED_TOMBSTONE_TTL_SECONDS). */
export interface RetainedTtls {
  ttlSeconds: number;
  tombstoneTtlSeconds: number;
}

/** Width of the zero-padded milliseconds in a version: epoch ms stay within 15 digits until the year 33658. */
const VERSION_MS_DIGITS = 15;

/** Hex digits of the frame's SHA-256 in a version: the tiebreak between two publishes in the same ms. */
const VERSION_HASH_DIGITS = 16;

/**
 * The version of a retained write: `<receive time in ms, zero-padded>#<first 16 hex of SHA-256 of the frame>`.
 * Versions compare as strings in time order, and a write is applied only over an older version (a
 * conditional write), so concurrent publishers and retries can never leave an older value over a newer one.
 * Two different frames received in the same millisecond are ordered by their hash: arbitrary, but every
 * writer agrees on it. The same frame retried with the same receive time has the same version: a no-op.
 */
export function retainedVersion(receivedAtMs: number, frameText: string): string {
  const ms = String(Math.max(0, Math.trunc(receivedAtMs))).padStart(VERSION_MS_DIGITS, '0');
  const hash = createHash('sha256').update(frameText).digest('hex').slice(0, VERSION_HASH_DIGITS);
  return `${ms}#${hash}`;
}

/**
 * What a publish changes in the retained store: nothing without `"retain": true`; a clear (a tombstone) when
 * its `message` is null; otherwise its whole frame text, kept for `ttls.ttlSeconds`.
 */
export function retainedChange(
  frame: PublishFrame,
  frameText: string,
  receivedAtMs: number,
  ttls: RetainedTtls,
): RetainedChange | undefined {
  if (frame.retain !== true) return undefined;
  const version = retainedVersion(receivedAtMs, frameText);
  const nowSeconds = Math.floor(receivedAtMs / 1000);
  if (frame.message === null) {
    const expiresAt = nowSeconds + ttls.tombstoneTtlSeconds;
    return { kind: 'clear', item: { topic: frame.topic, version, expiresAt, cleared: true } };
  }
  const expiresAt = nowSeconds + ttls.ttlSeconds;
  return { kind: 'set', item: { topic: frame.topic, frame: frameText, version, expiresAt } };
}

/**
 * The partition (HASH key) of a topic: its first level. An empty first level (topic `/a`) gets `$empty`,
 * since DynamoDB keys cannot be empty; no real first level starts with `$` (reserved), so none collides.
 */
export function retainedPartitionOf(topic: string): string {
  const first = topic.split(TOPIC_LEVEL_SEPARATOR, 1)[0] ?? '';
  return first === '' ? EMPTY_LEVEL_PARTITION : first;
}

/** The partition of topics whose first level is empty. */
export const EMPTY_LEVEL_PARTITION = '$empty';

/**
 * How the retained values of a filter are read: a filter whose first level is a word is one Query of that
 * partition (`exact`: the one topic; otherwise the topics starting with the filter's literal prefix, the
 * levels before its first wildcard); a filter starting with a wildcard (`+/x`, `#`) must Scan the table.
 */
export type RetainedLookup =
  | { kind: 'query'; partition: string; exact: true; topic: string }
  | { kind: 'query'; partition: string; exact: false; prefix: string }
  | { kind: 'scan' };

/** The lookup for a valid filter (see RetainedLookup). */
export function retainedLookupFor(filter: string): RetainedLookup {
  const levels = filter.split(TOPIC_LEVEL_SEPARATOR);
  const wildcardAt = levels.findIndex(
    (level) => level === SINGLE_LEVEL_WILDCARD || level === MULTI_LEVEL_WILDCARD,
  );
  if (wildcardAt === 0) return { kind: 'scan' };
  const partition = retainedPartitionOf(filter);
  if (wildcardAt === -1) return { kind: 'query', partition, exact: true, topic: filter };
  // `a/b/#` also matches `a/b` itself, so the prefix has no trailing separator; the filter decides in memory.
  return { kind: 'query', partition, exact: false, prefix: levels.slice(0, wildcardAt).join('/') };
}

/** The retained frames a filter gets, ready to post. */
export interface RetainedSelection {
  /** Marked `"replay":"retained"`, newest first, at most `max`. */
  frames: string[];
  /** More values matched than were returned (or the read stopped at its page budget). */
  truncated: boolean;
}

/**
 * Picks, from what the store read for `filter`, the live values the filter matches (tombstones, expired items
 * and non-matching topics dropped), newest first, at most `max`, each marked as a retained replay.
 * `readIncomplete`: the store stopped at its page budget, so more may match than it saw. A frame within a few
 * bytes of MAX_FRAME_BYTES would pass it once marked, and API Gateway would refuse the post (and the frames
 * after it would not be sent): such a value is skipped, as if the topic had none.
 */
export function selectRetained(
  items: readonly RetainedItem[],
  filter: string,
  options: { nowMs: number; max: number; readIncomplete: boolean },
): RetainedSelection {
  const nowSeconds = options.nowMs / 1000;
  const live = items.filter(
    (item): item is RetainedItem & { frame: string } =>
      item.cleared !== true &&
      item.frame !== undefined &&
      item.expiresAt > nowSeconds &&
      topicMatches(filter, item.topic),
  );
  live.sort((a, b) => (a.version < b.version ? 1 : a.version > b.version ? -1 : 0));
  const marked = live
    .map((item) => markReplay(item.frame, 'retained'))
    .filter((frame) => utf8Bytes(frame) <= MAX_FRAME_BYTES);
  const kept = marked.slice(0, Math.max(0, options.max));
  return {
    frames: kept,
    truncated: marked.length > kept.length || options.readIncomplete,
  };
}

/** The retained store, as the core sees it (aws/retained-store.ts implements it on DynamoDB). */
export interface RetainedStore {
  /**
   * Applies a change unless the topic already holds a newer (or the same) version: `superseded` then.
   * Rejects with a StoreUnavailableError when DynamoDB fails.
   */
  apply(change: RetainedChange): Promise<'stored' | 'superseded'>;
  /**
   * Reads the items a filter may match (tombstones and expired ones included: selectRetained drops them),
   * within the store's page budget. Rejects with a StoreUnavailableError when DynamoDB fails.
   */
  read(filter: string): Promise<{ items: RetainedItem[]; readIncomplete: boolean; readUnits: number }>;
}
