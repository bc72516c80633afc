import { crc32 } from 'node:zlib';
import { MAX_RECORD_BYTES } from './queue.js';

/**
 * The on-disk framing of one record: a 4-byte little-endian payload length, a 4-byte CRC-32 of the payload,
 * then the payload. A length of 0 or above MAX_RECORD_BYTES is corrupt by definition, so a zero-filled tail
 * (what a power cut often leaves after delayed allocation) is never mistaken for records.
 */

/** Bytes before each payload. */
export const RECORD_HEADER_BYTES = 8;

/** Encodes one record (header and payload) into a new buffer. */
export function encodeRecord(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payload.byteLength);
  out.writeUInt32LE(payload.byteLength, 0);
  out.writeUInt32LE(crc32(payload), 4);
  out.set(payload, RECORD_HEADER_BYTES);
  return out;
}

/** What the scanner found at one offset of a segment's bytes. */
export type ScanStep =
  | { kind: 'record'; length: number }
  | { kind: 'incomplete' }
  | { kind: 'corrupt'; reason: string };

/**
 * Looks at the record starting at `offset` in `bytes` (a window of the file that begins at the same place).
 * `incomplete` means the window ends inside the record: read more, or at the end of file it is a torn tail.
 */
export function scanRecord(bytes: Buffer, offset: number): ScanStep {
  if (bytes.byteLength - offset < RECORD_HEADER_BYTES) return { kind: 'incomplete' };
  const length = bytes.readUInt32LE(offset);
  if (length === 0 || length > MAX_RECORD_BYTES) {
    return { kind: 'corrupt', reason: `record length ${length} is outside 1..${MAX_RECORD_BYTES}` };
  }
  const end = offset + RECORD_HEADER_BYTES + length;
  if (end > bytes.byteLength) return { kind: 'incomplete' };
  const expected = bytes.readUInt32LE(offset + 4);
  const actual = crc32(bytes.subarray(offset + RECORD_HEADER_BYTES, end));
  if (expected !== actual) return { kind: 'corrupt', reason: 'CRC-32 mismatch' };
  return { kind: 'record', length };
}
