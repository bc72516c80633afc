import { type FileHandle, open, readdir, stat, truncate } from 'node:fs/promises';
import path from 'node:path';
import { scanRecord } from './record-codec.js';

/**
 * One segment file of the disk queue: records appended back to back, named by the position of its first
 * record. In memory a segment keeps only the byte offset of each record (4 bytes per record), never payloads.
 */

const SEGMENT_SUFFIX = '.seg';
const SCAN_CHUNK_BYTES = 1024 * 1024;

/** A growable list of record offsets in a Uint32Array: ~4 bytes per queued record. */
export class OffsetList {
  private items = new Uint32Array(256);
  length = 0;

  push(offset: number): void {
    if (this.length === this.items.length) {
      const grown = new Uint32Array(this.items.length * 2);
      grown.set(this.items);
      this.items = grown;
    }
    this.items[this.length++] = offset;
  }

  at(index: number): number {
    return this.items[index] as number;
  }
}

/** A segment's in-memory index. */
export interface Segment {
  base: number;
  file: string;
  offsets: OffsetList;
  /** Bytes of valid records in the file (the end of the last record). */
  size: number;
  readHandle?: FileHandle;
}

/** The file name of the segment starting at `base`. */
export function segmentFileName(base: number): string {
  return `${String(base).padStart(16, '0')}${SEGMENT_SUFFIX}`;
}

/** Lists the segment files in `dir`, oldest first, with their base positions. */
export async function listSegmentFiles(dir: string): Promise<{ base: number; file: string }[]> {
  const names = await readdir(dir);
  return names
    .filter((name) => name.endsWith(SEGMENT_SUFFIX) && /^\d+$/.test(name.slice(0, -SEGMENT_SUFFIX.length)))
    .map((name) => ({ base: Number(name.slice(0, -SEGMENT_SUFFIX.length)), file: path.join(dir, name) }))
    .sort((a, b) => a.base - b.base);
}

/** What scanning an existing segment found: its index, and the corrupt or torn bytes cut off its end. */
export interface ScannedSegment {
  segment: Segment;
  skippedBytes: number;
  problem?: string;
}

/**
 * Rebuilds a segment's index by reading the file in chunks. The first bad record (CRC mismatch, impossible
 * length, torn tail) ends the segment: the file is truncated there, so the same bytes are reported once.
 */
export async function scanSegment(base: number, file: string): Promise<ScannedSegment> {
  const offsets = new OffsetList();
  const fileSize = (await stat(file)).size;
  const handle = await open(file, 'r');
  let validEnd = 0;
  let problem: string | undefined;
  try {
    let window = Buffer.alloc(0);
    let windowStart = 0;
    let eof = false;
    while (!problem) {
      const step = scanRecord(window, validEnd - windowStart);
      if (step.kind === 'record') {
        offsets.push(validEnd);
        validEnd += step.size;
        continue;
      }
      if (step.kind === 'corrupt') {
        problem = step.reason;
        break;
      }
      if (eof) {
        if (validEnd < fileSize) problem = 'torn record at the end of the file';
        break;
      }
      const rest = window.subarray(validEnd - windowStart);
      const chunk = Buffer.allocUnsafe(Math.max(SCAN_CHUNK_BYTES, rest.byteLength + SCAN_CHUNK_BYTES));
      const { bytesRead } = await handle.read(chunk, 0, chunk.byteLength, windowStart + window.byteLength);
      eof = bytesRead === 0 || windowStart + window.byteLength + bytesRead >= fileSize;
      windowStart = validEnd;
      window = Buffer.concat([rest, chunk.subarray(0, bytesRead)]);
    }
  } finally {
    await handle.close();
  }
  const skippedBytes = fileSize - validEnd;
  if (skippedBytes > 0) await truncate(file, validEnd);
  const segment: Segment = { base, file, offsets, size: validEnd };
  return problem === undefined ? { segment, skippedBytes } : { segment, skippedBytes, problem };
}

/** The byte range of the record at `index` within its segment. */
export function recordRange(segment: Segment, index: number): { start: number; end: number } {
  const start = segment.offsets.at(index);
  const end = index + 1 < segment.offsets.length ? segment.offsets.at(index + 1) : segment.size;
  return { start, end };
}
