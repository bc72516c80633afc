import {
  grantCovers,
  MULTI_LEVEL_WILDCARD,
  SINGLE_LEVEL_WILDCARD,
  TOPIC_LEVEL_SEPARATOR,
  topicMatches,
} from '@topic-bridge/shared-types';
import type { HistoryConfig } from '../config.js';

/**
 * Topic history, the pure part: which topics keep one, how frames are ordered (a position key), which rows
 * are still kept, and how a read becomes an answer. The DynamoDB side is aws/history-store.ts; the table is
 * described in docs/DATA-MODEL.md ("The history table").
 */

/** Digits of the millisecond part of a position: epoch ms fit in 15 digits until the year 33658. */
export const POSITION_MS_DIGITS = 15;

/** Digits of the per-instance counter in a position's tiebreak (wraps after 10^12 frames of one instance). */
export const POSITION_COUNTER_DIGITS = 12;

/** Sorts after every position (`<15 digits>#…`): the top of a partition's range. */
export const POSITION_TOP = `${'9'.repeat(POSITION_MS_DIGITS)}~`;

/** One frame kept in the history, as the store returns it. */
export interface HistoryRow {
  /** Time-ordered and unique: `<receive ms, zero-padded>#<instance>#<counter>` (historyPosition). */
  position: string;
  topic: string;
  /** The frame exactly as published (its text), delivered again with `"replay":"history"`. */
  frame: string;
  /** The frame's `id`, when it had one (what a `since` id is compared with). */
  frameId?: string;
  /** Epoch seconds after which the row is no longer kept (the table's TTL attribute). */
  expiresAt: number;
}

/** The point a history read starts after: a frame id, an epoch-ms time, or nothing (the oldest kept). */
export type HistorySince = { kind: 'id'; id: string } | { kind: 'time'; ms: number } | { kind: 'oldest' };

/** What one history read returns: the frames after the point, oldest first, at most `limit`. */
export interface HistoryPage {
  rows: HistoryRow[];
  /** More frames follow the last one returned (ask again with since = its id, or its position's time). */
  more: boolean;
  /** For a `since` id: whether it was still in the history (false: aged out, possibly a gap). */
  sinceFound?: boolean;
  /** DynamoDB read units the read consumed. */
  readUnits: number;
}

/** True when some history filter matches the (valid) publish topic: its publishes are appended. */
export function historyKeptFor(config: Pick<HistoryConfig, 'filters'>, topic: string): boolean {
  return config.filters.some((filter) => topicMatches(filter, topic));
}

/**
 * True when every topic the (valid) request filter can match keeps a history: only then can the answer be
 * complete. The same "filter inside filter" rule as the token grants (grantCovers).
 */
export function historyCovers(config: Pick<HistoryConfig, 'filters'>, filter: string): boolean {
  return config.filters.some((kept) => grantCovers(kept, filter));
}

/**
 * The partition key of a topic or filter: its first level and the separator (`sensors/` for
 * `sensors/a/temp` and `sensors/#`; `/` for `/a`, since a key may not be empty), or undefined when that level
 * is a wildcard (such a filter would need every partition: not served).
 */
export function historyPartition(topicOrFilter: string): string | undefined {
  const first = topicOrFilter.split(TOPIC_LEVEL_SEPARATOR)[0] ?? '';
  if (first === SINGLE_LEVEL_WILDCARD || first === MULTI_LEVEL_WILDCARD) return undefined;
  return `${first}${TOPIC_LEVEL_SEPARATOR}`;
}

/**
 * A frame's position: its receive time in ms, then a tiebreak unique to this instance and frame. Frames of
 * one instance sort in the order it received them; frames of two instances in the same millisecond sort by
 * instance id (an arbitrary order, but the same for every reader).
 */
export function historyPosition(receivedAtMs: number, instanceId: string, counter: number): string {
  const ms = String(Math.max(0, Math.trunc(receivedAtMs))).padStart(POSITION_MS_DIGITS, '0');
  const seq = String(counter % 10 ** POSITION_COUNTER_DIGITS).padStart(POSITION_COUNTER_DIGITS, '0');
  return `${ms}#${instanceId}#${seq}`;
}

/** The lowest position of a frame received at `ms` or later. */
export function positionAt(ms: number): string {
  return String(Math.max(0, Math.trunc(ms))).padStart(POSITION_MS_DIGITS, '0');
}

/** The first millisecond still kept at `nowMs`: frames received before now - maxAge are past the age bound. */
export function oldestKeptMs(nowMs: number, maxAgeSeconds: number): number {
  return nowMs - maxAgeSeconds * 1000;
}

/** Where an ascending read starts: after the `since` time (`since` exclusive), never before the oldest kept. */
export function readStartMs(since: HistorySince, nowMs: number, maxAgeSeconds: number): number {
  const oldest = oldestKeptMs(nowMs, maxAgeSeconds);
  return since.kind === 'time' ? Math.max(oldest, Math.trunc(since.ms) + 1) : oldest;
}

/** The store's interface as the core sees it (aws/history-store.ts implements it on DynamoDB). */
export interface HistoryStore {
  /**
   * Appends one frame. Resolves once the frame is stored (rejects with a StoreUnavailableError when it
   * could not be); `trimmed` settles once the topic's count bound is enforced (it never rejects: a failed
   * trim leaves one frame too many until its TTL, and is logged).
   */
  append(entry: HistoryEntry): Promise<{ position: string; trimmed: Promise<void> }>;
  /** Reads the kept frames of a filter with a literal first level after a point (rejects when the store fails). */
  read(request: HistoryRead): Promise<HistoryPage>;
}

/** One publish to record. */
export interface HistoryEntry {
  topic: string;
  frame: string;
  frameId?: string;
  receivedAtMs: number;
}

/** One history read. */
export interface HistoryRead {
  /** A valid filter whose first level is literal (historyPartition). */
  filter: string;
  since: HistorySince;
  /** 1..MAX_HISTORY_PER_REQUEST */
  limit: number;
  nowMs: number;
}

/**
 * Epoch seconds a frame received at `receivedAtMs` stops being kept (the TTL attribute), rounded up: the
 * millisecond age bound (oldestKeptMs) is the exact one, the TTL only removes rows after it.
 */
export function historyExpiresAt(receivedAtMs: number, maxAgeSeconds: number): number {
  return Math.ceil((receivedAtMs + maxAgeSeconds * 1000) / 1000);
}

/**
 * Whether a row read from the store belongs in an answer to `filter`: its topic matches, and it is not past
 * its TTL (DynamoDB deletes expired rows up to days late; dynalite never does).
 */
export function rowKept(row: HistoryRow, filter: string, nowMs: number): boolean {
  return row.expiresAt * 1000 > nowMs && topicMatches(filter, row.topic);
}

/** The slot of a topic's ring (trim on write) that the frame with per-topic sequence number `seq` takes. */
export function ringSlot(seq: number, maxFrames: number): number {
  return seq % maxFrames;
}

/**
 * Collects the answer of a `since` id read, fed the kept rows newest first: the rows after the id, oldest
 * first, at most `limit`, with `more` when there were more. Feed rows until `offer` returns false (the id was
 * found) or the partition ends; `page()` then gives the answer (sinceFound false when the id never came:
 * the answer then starts at the oldest kept frame).
 */
export function sinceIdCollector(id: string, limit: number) {
  // The `limit` rows closest to the id (the oldest seen so far), newest first.
  const window: HistoryRow[] = [];
  let seen = 0;
  let found = false;
  return {
    offer(row: HistoryRow): boolean {
      if (row.frameId === id) {
        found = true;
        return false;
      }
      seen++;
      window.push(row);
      if (window.length > limit) window.shift();
      return true;
    },
    page(readUnits: number): HistoryPage {
      return { rows: [...window].reverse(), more: seen > limit, sinceFound: found, readUnits };
    },
  };
}
