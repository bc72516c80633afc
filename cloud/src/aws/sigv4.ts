import { createHash, createHmac, hash } from 'node:crypto';
import type { SigningCredentials } from './credentials.js';
import { createHmacSha256, HMAC_MESSAGE_OFFSET, type HmacSha256, hmacPadBlocks } from './hmac-sha256.js';

/**
 * SigV4 for the one request shape the fan-out sends: `POST {path}` with no query string and the headers
 * `content-type`, `host`, `x-amz-date` (and `x-amz-security-token` with temporary credentials); the AWS JSON
 * APIs the handlers call (DynamoDB, Lambda Invoke, SSM) add a content type and headers of their own (extras).
 * Written out for that shape because it is the hottest code of a fan-out. What the posts of a fan-out share is
 * built once per second, credentials, host and frame: the body's hash, the canonical request after its path
 * (headers, the ~1 KB session token, signed-header names; kept as bytes), the string to sign before its hash,
 * the authorization header before its signature, and the signing key (per day, region and secret) with its
 * HMAC pads (hmac-sha256.ts). A post then costs three one-shot SHA-256 calls: its canonical request (its path
 * written in front of the shared tail, in one reused buffer) and the HMAC's two, where the generic
 * `@smithy/signature-v4` does five plus a request clone (docs/BENCHMARKS.md, "CPU per post"). Tests check it
 * against `@smithy/signature-v4` byte for byte, across every change its caches key on (tests/unit/sigv4.test.ts).
 */

const ALGORITHM = 'AWS4-HMAC-SHA256';
const CONTENT_TYPE = 'application/octet-stream';

/**
 * What one signing returns, a new object each time: `content-type`, `x-amz-date`, `authorization`, the extras'
 * headers and, with temporary credentials, `x-amz-security-token` (host and content-length are the caller's).
 */
export type SignedHeaders = Record<string, string>;

/**
 * What a request to an AWS JSON API adds to the fan-out's shape: its own content type (DynamoDB's
 * `application/x-amz-json-1.0`, say) and headers such as `x-amz-target` or `x-amz-invocation-type`, every one
 * of them signed (names lowercase). Absent, the post shape above is signed, on its fast path.
 */
export interface SigningExtras {
  contentType?: string;
  headers?: Readonly<Record<string, string>>;
}

/** Signs POSTs for one service and region; `now` is injectable so tests can pin the date. */
export interface PostSigner {
  sign(
    host: string,
    path: string,
    body: Buffer,
    credentials: SigningCredentials,
    extras?: SigningExtras,
  ): SignedHeaders;
}

/**
 * Bytes kept before the canonical request's constant tail for its variable head, `POST\n{canonical path}`: an
 * `@connections` path is under 100 bytes; a longer one is hashed from a string instead.
 */
const CANONICAL_HEAD_ROOM = 512;

/**
 * What the post shape's signature shares between the posts of a fan-out, built once per second (the date),
 * credentials, host and frame: the canonical request after its path, the string to sign before its hash, and
 * the authorization header before its signature. A post then hashes its own path with that tail and signs.
 * Credentials and frame are compared by object: credentials.ts's provider returns the same object until it
 * reads the environment again (then a new one), and the post path encodes each frame into one Buffer.
 */
interface PostContext {
  second: number;
  host: string;
  body: Buffer;
  credentials: SigningCredentials;
  longDate: string;
  /** `[room for POST\n{path}]\n\n{canonical headers}\n{signed header names}\n{body hash}`, the tail written once. */
  canonical: Buffer;
  /**
   * The signing key's inner pad block, then the string to sign: its head (algorithm, date, scope) written
   * once, and room for the canonical request's hash in hex, written by each post at `innerHashAt`.
   */
  inner: Buffer;
  innerHashAt: number;
  /** The key's outer pad block, then room for the inner digest. */
  outer: Buffer;
  authorizationHead: string;
}

/** Lowercase hex digits as character codes, for writing a digest into a buffer without a string between. */
const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');

/** Writes `digest` as lowercase hex into `target` at `at`. */
function writeHex(digest: Buffer, target: Buffer, at: number): void {
  for (let i = 0; i < digest.length; i++) {
    const byte = digest[i] as number;
    target[at + 2 * i] = HEX_DIGITS[byte >> 4] as number;
    target[at + 2 * i + 1] = HEX_DIGITS[byte & 15] as number;
  }
}

/** Creates a PostSigner with its own signing-key, payload-hash and per-second caches. */
export function createPostSigner(region: string, service: string, now: () => number = Date.now): PostSigner {
  let keyScope = '';
  let key: HmacSha256 | undefined;
  let keyBytes: Buffer = Buffer.alloc(0);
  let lastBody: Buffer | undefined;
  let lastBodyHash = '';
  let dateSecond = -1;
  let longDate = '';
  let post: PostContext | undefined;
  const canonicalPaths = new CanonicalPathCache();

  const signingKey = (shortDate: string, secret: string): HmacSha256 => {
    const scope = `${shortDate}/${secret}`;
    if (key === undefined || scope !== keyScope) {
      const day = hmac(`AWS4${secret}`, shortDate);
      keyBytes = hmac(hmac(hmac(day, region), service), 'aws4_request');
      key = createHmacSha256(keyBytes);
      keyScope = scope;
    }
    return key;
  };

  const bodyHash = (body: Buffer): string => {
    if (body !== lastBody) {
      lastBody = body;
      lastBodyHash = sha256Hex(body);
    }
    return lastBodyHash;
  };

  const dateOf = (second: number): string => {
    if (second !== dateSecond) {
      dateSecond = second;
      longDate = `${new Date(second * 1000).toISOString().replace(/[-:]/g, '').slice(0, 15)}Z`;
    }
    return longDate;
  };

  const postContext = (second: number, host: string, body: Buffer, credentials: SigningCredentials) => {
    const date = dateOf(second);
    const shortDate = date.slice(0, 8);
    const token = credentials.sessionToken;
    const names = token
      ? 'content-type;host;x-amz-date;x-amz-security-token'
      : 'content-type;host;x-amz-date';
    const tail = Buffer.from(
      `\n\ncontent-type:${CONTENT_TYPE}\nhost:${host}\nx-amz-date:${date}\n` +
        (token ? `x-amz-security-token:${token}\n` : '') +
        `\n${names}\n${bodyHash(body)}`,
      'utf8',
    );
    const canonical = Buffer.alloc(CANONICAL_HEAD_ROOM + tail.length);
    tail.copy(canonical, CANONICAL_HEAD_ROOM);
    const scope = `${shortDate}/${region}/${service}/aws4_request`;
    signingKey(shortDate, credentials.secretAccessKey);
    const stringToSignHead = Buffer.from(`${ALGORITHM}\n${date}\n${scope}\n`, 'utf8');
    const { inner, outer } = hmacPadBlocks(keyBytes, stringToSignHead.length + HEX_SHA256_LENGTH);
    stringToSignHead.copy(inner, HMAC_MESSAGE_OFFSET);
    return {
      second,
      host,
      body,
      credentials,
      longDate: date,
      canonical,
      inner,
      innerHashAt: HMAC_MESSAGE_OFFSET + stringToSignHead.length,
      outer,
      authorizationHead: `${ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${names}, Signature=`,
    };
  };

  const signPost = (host: string, path: string, body: Buffer, credentials: SigningCredentials) => {
    const second = Math.floor(now() / 1000);
    let context = post;
    if (
      context === undefined ||
      context.second !== second ||
      context.body !== body ||
      context.host !== host ||
      context.credentials !== credentials
    ) {
      context = postContext(second, host, body, credentials);
      post = context;
    }
    // `POST\n{path}` is ASCII (canonicalPath escapes every other character): one byte per character, written
    // in front of the shared tail. Byte by byte in JavaScript rather than Buffer#write, and the digests moved
    // the same way: inside the post loop every call into Node's C++ costs a few µs (docs/BENCHMARKS.md).
    const head = `POST\n${canonicalPaths.of(path)}`;
    const start = CANONICAL_HEAD_ROOM - head.length;
    const { canonical, inner, outer } = context;
    let canonicalDigest: Buffer;
    if (start >= 0) {
      for (let i = 0; i < head.length; i++) canonical[start + i] = head.charCodeAt(i);
      canonicalDigest = sha256(canonical.subarray(start));
    } else {
      canonicalDigest = sha256(`${head}${canonical.toString('utf8', CANONICAL_HEAD_ROOM)}`);
    }
    writeHex(canonicalDigest, inner, context.innerHashAt);
    outer.set(sha256(inner), HMAC_MESSAGE_OFFSET);
    const authorization = context.authorizationHead + sha256Hex(outer);
    const token = credentials.sessionToken;
    const headers: SignedHeaders = token
      ? {
          'content-type': CONTENT_TYPE,
          'x-amz-date': context.longDate,
          authorization,
          'x-amz-security-token': token,
        }
      : { 'content-type': CONTENT_TYPE, 'x-amz-date': context.longDate, authorization };
    return headers;
  };

  /** The general path (the AWS JSON calls: extra headers, their own content type), built whole each time. */
  const signWithExtras = (
    host: string,
    path: string,
    body: Buffer,
    credentials: SigningCredentials,
    extras: SigningExtras,
  ): SignedHeaders => {
    const date = dateOf(Math.floor(now() / 1000));
    const shortDate = date.slice(0, 8);
    const token = credentials.sessionToken;
    const contentType = extras.contentType ?? CONTENT_TYPE;
    const all: Record<string, string> = {
      ...extras.headers,
      'content-type': contentType,
      host,
      'x-amz-date': date,
    };
    if (token) all['x-amz-security-token'] = token;
    const names = Object.keys(all).sort();
    const signedHeaderNames = names.join(';');
    const canonicalHeaders = names.map((name) => `${name}:${String(all[name]).trim()}\n`).join('');
    const canonicalRequest = `POST\n${canonicalPaths.of(path)}\n\n${canonicalHeaders}\n${signedHeaderNames}\n${bodyHash(body)}`;
    const scope = `${shortDate}/${region}/${service}/aws4_request`;
    const stringToSign = `${ALGORITHM}\n${date}\n${scope}\n${sha256Hex(canonicalRequest)}`;
    const signature = signingKey(shortDate, credentials.secretAccessKey).hexDigest(stringToSign);
    const authorization = `${ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaderNames}, Signature=${signature}`;
    const headers: SignedHeaders = {
      ...extras.headers,
      'content-type': contentType,
      'x-amz-date': date,
      authorization,
    };
    if (token) headers['x-amz-security-token'] = token;
    return headers;
  };

  return {
    sign: (host, path, body, credentials, extras) =>
      extras === undefined
        ? signPost(host, path, body, credentials)
        : signWithExtras(host, path, body, credentials, extras),
  };
}

/**
 * canonicalPath with the folder of the last path seen kept: a fan-out's paths differ only in their last
 * segment (`/{stage}/@connections/{id}`), so only that one is escaped again.
 */
class CanonicalPathCache {
  #folder = '';
  #canonicalFolder = '';

  of(path: string): string {
    const slash = path.lastIndexOf('/');
    const folder = path.slice(0, slash + 1);
    if (folder !== this.#folder) {
      this.#folder = folder;
      this.#canonicalFolder = canonicalPath(folder);
    }
    return this.#canonicalFolder + uriEscape(path.slice(slash + 1));
  }
}

/** SHA-256 in hex: Node's one-shot `crypto.hash` where it exists (Node ≥ 20.12), half the cost of a Hash. */
const sha256Hex: (data: string | Buffer) => string =
  typeof hash === 'function'
    ? (data) => hash('sha256', data, 'hex')
    : (data) => createHash('sha256').update(data).digest('hex');

/** The same as 32 bytes. */
const sha256: (data: string | Buffer) => Buffer =
  typeof hash === 'function'
    ? (data) => hash('sha256', data, 'buffer')
    : (data) => createHash('sha256').update(data).digest();

/** Characters of a SHA-256 digest in hex. */
const HEX_SHA256_LENGTH = 64;

/**
 * SigV4's canonical URI for services other than S3: each path segment URI-encoded once more (so `%3D` in an
 * encoded connection id becomes `%253D`), as `@smithy/signature-v4` does with `uriEscapePath`.
 */
export function canonicalPath(path: string): string {
  return path.split('/').map(uriEscape).join('/');
}

/** RFC 3986 escaping as AWS wants it: encodeURIComponent, plus `!'()*`. */
export function uriEscape(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}
