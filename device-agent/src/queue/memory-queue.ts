import { QueueClosedError } from '../errors.js';
import { DataSignal } from './data-signal.js';
import type { DropListener, FrameQueue, QueueRecord, QueueStats } from './queue.js';
import { MAX_RECORD_BYTES } from './queue.js';

export interface MemoryQueueOptions {
  /** Cap on payload bytes held; past it the oldest records are dropped. */
  maxBytes: number;
  onDrop?: DropListener;
}

/**
 * The in-memory queue: same contract as the disk queue, nothing survives a restart. For tests, the one-shot
 * CLI commands and gateways that must not write to their storage.
 */
export class MemoryQueue implements FrameQueue {
  private records: QueueRecord[] = [];
  private readonly acked = new Set<number>();
  private head = 0;
  private bytes = 0;
  private dropped = 0;
  private closed = false;
  private readonly signal = new DataSignal();

  constructor(private readonly options: MemoryQueueOptions) {}

  /** Appends a record, dropping the oldest ones when the byte cap would be exceeded. */
  async append(record: Uint8Array | string, id?: string): Promise<void> {
    if (this.closed) throw new QueueClosedError();
    const data = typeof record === 'string' ? Buffer.from(record, 'utf8') : record;
    if (data.byteLength === 0 || data.byteLength > MAX_RECORD_BYTES) {
      throw new RangeError(`a record must be 1..${MAX_RECORD_BYTES} bytes, got ${data.byteLength}`);
    }
    let droppedNow = 0;
    while (this.records.length > 0 && this.bytes + data.byteLength > this.options.maxBytes) {
      const oldest = this.records.shift() as QueueRecord;
      this.bytes -= oldest.data.byteLength;
      if (!this.acked.delete(oldest.position)) droppedNow += 1;
      this.head = oldest.position + 1;
    }
    if (droppedNow > 0) {
      this.dropped += droppedNow;
      this.options.onDrop?.(droppedNow, 'the queue is full (memory cap)');
    }
    const position = this.head + this.records.length;
    this.records.push(id === undefined ? { position, data } : { position, data, id });
    this.bytes += data.byteLength;
    this.signal.notify();
  }

  /** Reads up to `maxRecords` unacknowledged records from `from` on. */
  async read(from: number, maxRecords: number): Promise<QueueRecord[]> {
    if (this.closed) throw new QueueClosedError();
    const out: QueueRecord[] = [];
    for (let i = Math.max(0, from - this.head); i < this.records.length && out.length < maxRecords; i++) {
      const record = this.records[i] as QueueRecord;
      if (!this.acked.has(record.position)) out.push(record);
    }
    return out;
  }

  /** Acknowledges a position; the head advances over every acknowledged record at the front. */
  ack(position: number): void {
    if (position < this.head || position >= this.head + this.records.length) return;
    this.acked.add(position);
    while (this.records.length > 0 && this.acked.delete(this.head)) {
      const first = this.records.shift() as QueueRecord;
      this.bytes -= first.data.byteLength;
      this.head += 1;
    }
  }

  /** Resolves once a record at or after `from` exists. */
  async waitForData(from: number, signal: AbortSignal): Promise<void> {
    while (!signal.aborted && !this.closed && this.head + this.records.length <= from) {
      await this.signal.wait(signal);
    }
  }

  stats(): QueueStats {
    return {
      depth: this.records.length - this.acked.size,
      bytes: this.bytes,
      head: this.head,
      tail: this.head + this.records.length,
      dropped: this.dropped,
      corruptBytesSkipped: 0,
      diskFull: false,
      writeFailures: 0,
    };
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
    this.signal.notify();
  }
}
