import { createHash, createHmac, hash } from 'node:crypto';

/**
 * HMAC-SHA256 (RFC 2104) for one key used many times: SigV4 signs every post of a fan-out with the same
 * per-day key. `createHmac` builds a JS object and an OpenSSL context per call (three native calls); measured
 * inside the post loop it cost ~20 µs of CPU against ~6 µs for a one-shot `crypto.hash` (docs/BENCHMARKS.md,
 * "CPU per post"). So the key's inner and outer pad blocks are computed once, and each digest is two one-shot
 * hashes over buffers reused between calls: H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ message)).
 * Not for concurrent use from several threads (it is not: JavaScript runs one at a time).
 */

/** SHA-256's block: keys longer than it are hashed first, shorter ones padded with zeros (RFC 2104). */
const BLOCK_BYTES = 64;
const DIGEST_BYTES = 32;
const INNER_PAD = 0x36;
const OUTER_PAD = 0x5c;
/** Room for a message after the inner pad block, to start with; it grows to the longest message seen. */
const INITIAL_MESSAGE_BYTES = 256;

/** An HMAC-SHA256 keyed once. */
export interface HmacSha256 {
  /** The HMAC of `message` (a string is taken as UTF-8) as 32 bytes, a new Buffer. */
  digest(message: string | Buffer): Buffer;
  /** The same as lowercase hex. */
  hexDigest(message: string | Buffer): string;
}

/**
 * The key's pad blocks, each followed by room for what it is hashed with: `inner` is K ⊕ ipad and then
 * `innerRoom` bytes for the message, `outer` is K ⊕ opad and then 32 bytes for the inner digest. For callers that
 * write their messages into `inner` themselves (sigv4.ts writes a post's constant prefix once).
 */
export function hmacPadBlocks(key: string | Buffer, innerRoom: number): { inner: Buffer; outer: Buffer } {
  let keyBytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  if (keyBytes.length > BLOCK_BYTES) keyBytes = createHash('sha256').update(keyBytes).digest();
  const inner = Buffer.alloc(BLOCK_BYTES + innerRoom);
  const outer = Buffer.alloc(BLOCK_BYTES + DIGEST_BYTES);
  for (let i = 0; i < BLOCK_BYTES; i++) {
    const byte = keyBytes[i] ?? 0;
    inner[i] = byte ^ INNER_PAD;
    outer[i] = byte ^ OUTER_PAD;
  }
  return { inner, outer };
}

/** Bytes of SHA-256's block, where a message written into hmacPadBlocks' `inner` starts. */
export const HMAC_MESSAGE_OFFSET = BLOCK_BYTES;

/** Creates an HmacSha256 for `key` (a string is taken as UTF-8). */
export function createHmacSha256(key: string | Buffer): HmacSha256 {
  if (typeof hash !== 'function') return hmacObjectPerCall(key);
  const pads = hmacPadBlocks(key, INITIAL_MESSAGE_BYTES);
  let inner = pads.inner;
  const outer = pads.outer;

  const innerDigest = (message: string | Buffer): Buffer => {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit, so this much room always holds a string.
    const room = typeof message === 'string' ? message.length * 3 : message.length;
    if (BLOCK_BYTES + room > inner.length) {
      const grown = Buffer.alloc(BLOCK_BYTES + room);
      inner.copy(grown, 0, 0, BLOCK_BYTES);
      inner = grown;
    }
    const length =
      typeof message === 'string'
        ? inner.write(message, BLOCK_BYTES, 'utf8')
        : message.copy(inner, BLOCK_BYTES);
    return hash('sha256', inner.subarray(0, BLOCK_BYTES + length), 'buffer') as unknown as Buffer;
  };

  return {
    digest(message) {
      innerDigest(message).copy(outer, BLOCK_BYTES);
      return hash('sha256', outer, 'buffer') as unknown as Buffer;
    },
    hexDigest(message) {
      innerDigest(message).copy(outer, BLOCK_BYTES);
      return hash('sha256', outer, 'hex');
    },
  };
}

/** Where Node has no one-shot `crypto.hash` (before 20.12): Node's HMAC, one object per call. */
function hmacObjectPerCall(key: string | Buffer): HmacSha256 {
  return {
    digest: (message) => createHmac('sha256', key).update(message).digest(),
    hexDigest: (message) => createHmac('sha256', key).update(message).digest('hex'),
  };
}
