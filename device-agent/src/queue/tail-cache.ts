import type { QueueRecord } from './queue.js';
import { RECORD_HEADER_BYTES } from './record-codec.js';

/**
 * The disk queue's most recently written records, kept in memory (as the encoded buffers that were written,
 * no copy) for a reader that keeps up with the writer: the dispatcher on a live link then never reads the file
 * back. It covers one run of consecutive positions ending at the queue's durable tail; a reader asking for
 * anything older reads the file. Bounded in bytes by its owner (`trim`).
 */
interface Entry {
  encoded: Buffer;
  id: string | undefined;
}

export class TailCache {
  /** Held records; entries before `first` were dropped and are cleared, so their buffers can be collected. */
  private entries: (Entry | undefined)[] = [];
  /** Index in `entries` of the first live entry (entries before it were dropped; compacted now and then). */
  private first = 0;
  /** Position of `entries[first]`. */
  private firstPosition = 0;
  private bytes = 0;

  /** The first position held (the run ends at the queue's durable tail); infinity when nothing is held. */
  get start(): number {
    return this.first === this.entries.length ? Number.POSITIVE_INFINITY : this.firstPosition;
  }

  /** Adds the record just made durable at `position` (one past the last held, or it starts a new run). */
  add(position: number, encoded: Buffer, id: string | undefined): void {
    if (position !== this.firstPosition + this.entries.length - this.first) this.clear(position);
    this.entries.push({ encoded, id });
    this.bytes += encoded.byteLength;
  }

  /** Drops the oldest records until at most `maxBytes` are held. */
  trim(maxBytes: number): void {
    while (this.bytes > maxBytes && this.first < this.entries.length) this.dropFirst();
    this.compact();
  }

  /** Forgets every record before `position` (the reader has moved past them). */
  dropBefore(position: number): void {
    while (this.firstPosition < position && this.first < this.entries.length) this.dropFirst();
    this.compact();
  }

  /** The record at `position`, which must lie in [start, end of the run). */
  record(position: number): QueueRecord {
    const entry = this.entries[this.first + position - this.firstPosition] as Entry;
    // v2 records carry a one-byte id length and the id before the payload; v1 records (no id) do not.
    const offset =
      entry.id === undefined
        ? RECORD_HEADER_BYTES
        : RECORD_HEADER_BYTES + 1 + (entry.encoded[RECORD_HEADER_BYTES] as number);
    const data = entry.encoded.subarray(offset);
    return entry.id === undefined ? { position, data } : { position, data, id: entry.id };
  }

  private dropFirst(): void {
    const entry = this.entries[this.first] as Entry;
    this.bytes -= entry.encoded.byteLength;
    // Cleared now, not at the next compaction: a dropped record kept reachable for up to 1,024 more appends
    // survives young-generation collections and is promoted, which grew the old space under a steady stream.
    this.entries[this.first] = undefined;
    this.first += 1;
    this.firstPosition += 1;
  }

  private clear(position: number): void {
    this.entries = [];
    this.first = 0;
    this.firstPosition = position;
    this.bytes = 0;
  }

  /** Drops the dead prefix of the array once it is most of it, so that dropping stays O(1) on average. */
  private compact(): void {
    if (this.first > 1024 && this.first * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.first);
      this.first = 0;
    }
  }
}
