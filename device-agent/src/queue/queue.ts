/**
 * The contract shared by the durable disk queue and the in-memory queue (the same behaviour suite runs
 * against both). A queue holds encoded frames in arrival order; each has a position that only grows. The
 * sender reads from a position, sends, and acknowledges positions as acks arrive (in any order); a record
 * leaves the queue once it and every record before it are acknowledged (or dropped).
 */

/** One queued record and its position. */
export interface QueueRecord {
  position: number;
  data: Uint8Array;
  /** The frame's id, stored with the record; absent for records written without one (older agents). */
  id?: string;
}

/** A snapshot of the queue's size and counters, for metrics and health. */
export interface QueueStats {
  /** Records queued and not yet acknowledged (including the ones in flight). */
  depth: number;
  /** Bytes the queue occupies (on disk for the disk queue, payload bytes in memory). */
  bytes: number;
  /** The oldest position still in the queue. */
  head: number;
  /** The position the next append will get. */
  tail: number;
  /** Records dropped because the queue was full, since it was opened. */
  dropped: number;
  /** Bytes of corrupt or torn data skipped while opening. */
  corruptBytesSkipped: number;
  /**
   * The last writes found the disk full (ENOSPC): the oldest readings are dropped to make room, as at the cap.
   * Cleared once the file system has room again (twice a segment, at most 128 KiB). Always false in memory.
   */
  diskFull: boolean;
  /** Writes that failed (ENOSPC included, retried or not), since the queue was opened. */
  writeFailures: number;
}

/** The stats of a queue holding nothing (also what an agent reports before its queue is open). */
export function emptyQueueStats(): QueueStats {
  return {
    depth: 0,
    bytes: 0,
    head: 0,
    tail: 0,
    dropped: 0,
    corruptBytesSkipped: 0,
    diskFull: false,
    writeFailures: 0,
  };
}

/** Told when the queue drops records to make room, at its cap or on a full disk (the policy is drop-oldest). */
export type DropListener = (count: number, reason: string) => void;

/** The queue both implementations provide. */
export interface FrameQueue {
  /**
   * Appends a record, with the id of the frame it holds (kept beside it so the sender need not parse the
   * frame); resolves once it is durable (written and fsynced for the disk queue). A record given as text is
   * stored as its UTF-8 bytes (the disk queue writes them straight into the record it frames).
   */
  append(data: Uint8Array | string, id?: string): Promise<void>;
  /**
   * Up to `maxRecords` records at or after `from`, oldest first, skipping acknowledged ones. Only durable
   * records are returned. Resolves to an empty list when there is nothing to read.
   */
  read(from: number, maxRecords: number): Promise<QueueRecord[]>;
  /** Marks a record as delivered. Unknown or already removed positions are ignored. */
  ack(position: number): void;
  /** Resolves once at least one record at or after `from` is readable, or the signal aborts. */
  waitForData(from: number, signal: AbortSignal): Promise<void>;
  stats(): QueueStats;
  /** Writes everything buffered and commits the read pointer now. */
  flush(): Promise<void>;
  /** Flushes and releases files; later calls fail with QueueClosedError. */
  close(): Promise<void>;
}

/** Largest record either queue accepts; above it the disk queue would take a length field for corruption. */
export const MAX_RECORD_BYTES = 1024 * 1024;
