/**
 * UTF-8 lengths, counted without encoding: sizes are checked on every frame (the bridge's limits are in
 * bytes), and encoding a whole frame only to read its length made a buffer per frame that nobody used.
 */

type ByteLength = (text: string, encoding: 'utf8') => number;

// Node's Buffer.byteLength counts natively (57 ns for a 180-character frame on the development VM, against
// ~700 ns for the loop below and ~1,000 ns for TextEncoder.encode). Browsers have no Buffer: they get the loop.
const nativeByteLength: ByteLength | undefined = (globalThis as { Buffer?: { byteLength: ByteLength } })
  .Buffer?.byteLength;

/**
 * UTF-8 length of a string, as DynamoDB and API Gateway count it. A lone surrogate counts 3 bytes: it is sent
 * as U+FFFD, as TextEncoder and Buffer write it.
 */
export function utf8Bytes(text: string): number {
  return nativeByteLength === undefined ? countUtf8Bytes(text) : nativeByteLength(text, 'utf8');
}

/**
 * The same count in plain JavaScript (what browsers use): 1 byte below U+0080, 2 below U+0800, 4 for a
 * surrogate pair (a character past U+FFFF), 3 for anything else, a lone surrogate included.
 */
export function countUtf8Bytes(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) continue;
    if (unit < 0x800) {
      bytes += 1;
    } else if (unit >= 0xd800 && unit <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      // A high surrogate followed by a low one: two UTF-16 units, one 4-byte character.
      bytes += 2;
      i++;
    } else {
      bytes += 2;
    }
  }
  return bytes;
}
