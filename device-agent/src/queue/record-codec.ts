import { crc32 } from 'node:zlib';
import { MAX_RECORD_BYTES } from './queue.js';

/**
 * The on-disk framing of one record. Two versions, both read:
 * - v1 (written before ids were stored): a 4-byte little-endian payload length, a 4-byte CRC-32 of the
 *   payload, then the payload. Queues written by an older agent hold these and must still drain after an
 *   upgrade.
 * - v2 (written now): the same length word with its top bit (ID_FLAG) set, a 4-byte CRC-32 of everything
 *   after the header, a 1-byte id length, the frame's id (UTF-8), then the payload. The sender takes the id
 *   from here instead of parsing every frame again.
 * A length of 0 or above MAX_RECORD_BYTES is corrupt by definition, so a zero-filled tail (what a power cut
 * often leaves after delayed allocation) is never mistaken for records.
 */

/** Bytes before the body of every record (length word and CRC). */
export const RECORD_HEADER_BYTES = 8;
/** Set in the length word of a v2 record (one that carries its frame's id). */
export const ID_FLAG = 0x8000_0000;
/** Longest id a v2 record holds, in bytes (one length byte); the protocol's ids are far shorter. */
export const MAX_RECORD_ID_BYTES = 255;

/**
 * Encodes one record (header, id when given, payload) into a new buffer. A payload given as text (the frame as
 * stamped) is written as UTF-8 straight into the record, so the frame's bytes are made once, in place.
 */
export function encodeRecord(payload: Uint8Array | string, id?: string): Buffer {
  const payloadBytes = payloadByteLength(payload);
  if (id === undefined) {
    const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payloadBytes);
    out.writeUInt32LE(payloadBytes, 0);
    writePayload(out, payload, RECORD_HEADER_BYTES);
    out.writeUInt32LE(crc32(out.subarray(RECORD_HEADER_BYTES)), 4);
    return out;
  }
  const idBytes = Buffer.byteLength(id, 'utf8');
  if (idBytes === 0 || idBytes > MAX_RECORD_ID_BYTES) {
    throw new RangeError(`a record's id must be 1..${MAX_RECORD_ID_BYTES} bytes, got ${idBytes}`);
  }
  const bodyBytes = 1 + idBytes + payloadBytes;
  const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES + bodyBytes);
  out.writeUInt32LE((bodyBytes | ID_FLAG) >>> 0, 0);
  out.writeUInt8(idBytes, RECORD_HEADER_BYTES);
  out.write(id, RECORD_HEADER_BYTES + 1, 'utf8');
  writePayload(out, payload, RECORD_HEADER_BYTES + 1 + idBytes);
  out.writeUInt32LE(crc32(out.subarray(RECORD_HEADER_BYTES)), 4);
  return out;
}

function writePayload(out: Buffer, payload: Uint8Array | string, offset: number): void {
  if (typeof payload === 'string') out.write(payload, offset, 'utf8');
  else out.set(payload, offset);
}

/** UTF-8 bytes of a record's payload, given as bytes or as text. */
export function payloadByteLength(payload: Uint8Array | string): number {
  return typeof payload === 'string' ? Buffer.byteLength(payload, 'utf8') : payload.byteLength;
}

/** What the scanner found at one offset of a segment's bytes. */
export type ScanStep =
  | {
      kind: 'record';
      /** Bytes the whole record takes (header included): the next record starts this far on. */
      size: number;
      /** Where the payload starts and how long it is, relative to the record's first byte. */
      payloadOffset: number;
      payloadLength: number;
      /** The frame's id (v2 records); undefined for v1 records. */
      id: string | undefined;
    }
  | { kind: 'incomplete' }
  | { kind: 'corrupt'; reason: string };

/**
 * Looks at the record starting at `offset` in `bytes` (a window of the file that begins at the same place).
 * `incomplete` means the window ends inside the record: read more, or at the end of file it is a torn tail.
 */
export function scanRecord(bytes: Buffer, offset: number): ScanStep {
  if (bytes.byteLength - offset < RECORD_HEADER_BYTES) return { kind: 'incomplete' };
  const word = bytes.readUInt32LE(offset);
  const withId = (word & ID_FLAG) !== 0;
  const length = withId ? word & ~ID_FLAG : word;
  const limit = withId ? MAX_RECORD_BYTES + 1 + MAX_RECORD_ID_BYTES : MAX_RECORD_BYTES;
  if (length === 0 || length > limit) {
    return { kind: 'corrupt', reason: `record length ${length} is outside 1..${limit}` };
  }
  const end = offset + RECORD_HEADER_BYTES + length;
  if (end > bytes.byteLength) return { kind: 'incomplete' };
  const expected = bytes.readUInt32LE(offset + 4);
  const actual = crc32(bytes.subarray(offset + RECORD_HEADER_BYTES, end));
  if (expected !== actual) return { kind: 'corrupt', reason: 'CRC-32 mismatch' };
  const size = RECORD_HEADER_BYTES + length;
  if (!withId)
    return { kind: 'record', size, payloadOffset: RECORD_HEADER_BYTES, payloadLength: length, id: undefined };
  const idLength = bytes.readUInt8(offset + RECORD_HEADER_BYTES);
  if (idLength === 0 || 1 + idLength >= length) {
    return {
      kind: 'corrupt',
      reason: `record id length ${idLength} does not fit its record of ${length} bytes`,
    };
  }
  const idStart = offset + RECORD_HEADER_BYTES + 1;
  const id = bytes.toString('utf8', idStart, idStart + idLength);
  const payloadOffset = RECORD_HEADER_BYTES + 1 + idLength;
  return { kind: 'record', size, payloadOffset, payloadLength: size - payloadOffset, id };
}
