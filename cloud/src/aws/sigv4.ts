import { createHash, createHmac, hash } from 'node:crypto';
import type { SigningCredentials } from './credentials.js';

/**
 * SigV4 for the one request shape the fan-out sends: `POST {path}` with no query string and the headers
 * `content-type`, `host`, `x-amz-date` (and `x-amz-security-token` with temporary credentials); the AWS JSON
 * APIs the handlers call (DynamoDB, Lambda Invoke, SSM) add a content type and headers of their own (extras).
 * Written out
 * for that shape because it is the hottest code of a fan-out: it hashes the body once per distinct frame
 * (every post of a fan-out carries the same one), caches the signing key per day, region and secret, and does
 * two HMAC/SHA-256 operations per post, where the generic `@smithy/signature-v4` does five plus a request
 * clone (docs/BENCHMARKS.md, "CPU per post"). A test checks it against `@smithy/signature-v4` byte for byte.
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

/** Creates a PostSigner with its own signing-key and payload-hash caches. */
export function createPostSigner(region: string, service: string, now: () => number = Date.now): PostSigner {
  let keyScope = '';
  let key: Buffer = Buffer.alloc(0);
  let lastBody: Buffer | undefined;
  let lastBodyHash = '';
  let dateSecond = -1;
  let longDate = '';
  const canonicalPaths = new CanonicalPathCache();

  const signingKey = (shortDate: string, secret: string): Buffer => {
    const scope = `${shortDate}/${secret}`;
    if (scope !== keyScope) {
      const day = hmac(`AWS4${secret}`, shortDate);
      key = hmac(hmac(hmac(day, region), service), 'aws4_request');
      keyScope = scope;
    }
    return key;
  };

  return {
    sign(host, path, body, credentials, extras) {
      const second = Math.floor(now() / 1000);
      if (second !== dateSecond) {
        dateSecond = second;
        longDate = `${new Date(second * 1000).toISOString().replace(/[-:]/g, '').slice(0, 15)}Z`;
      }
      if (body !== lastBody) {
        lastBody = body;
        lastBodyHash = sha256Hex(body);
      }
      const shortDate = longDate.slice(0, 8);
      const token = credentials.sessionToken;
      const contentType = extras?.contentType ?? CONTENT_TYPE;
      let signedHeaderNames: string;
      let canonicalHeaders: string;
      if (extras?.headers === undefined) {
        signedHeaderNames = token
          ? 'content-type;host;x-amz-date;x-amz-security-token'
          : 'content-type;host;x-amz-date';
        canonicalHeaders =
          `content-type:${contentType}\nhost:${host}\nx-amz-date:${longDate}\n` +
          (token ? `x-amz-security-token:${token}\n` : '');
      } else {
        const all: Record<string, string> = {
          ...extras.headers,
          'content-type': contentType,
          host,
          'x-amz-date': longDate,
        };
        if (token) all['x-amz-security-token'] = token;
        const names = Object.keys(all).sort();
        signedHeaderNames = names.join(';');
        canonicalHeaders = names.map((name) => `${name}:${String(all[name]).trim()}\n`).join('');
      }
      const canonicalRequest = `POST\n${canonicalPaths.of(path)}\n\n${canonicalHeaders}\n${signedHeaderNames}\n${lastBodyHash}`;
      const scope = `${shortDate}/${region}/${service}/aws4_request`;
      const stringToSign = `${ALGORITHM}\n${longDate}\n${scope}\n${sha256Hex(canonicalRequest)}`;
      const signature = createHmac('sha256', signingKey(shortDate, credentials.secretAccessKey))
        .update(stringToSign)
        .digest('hex');
      const authorization = `${ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaderNames}, Signature=${signature}`;
      const headers: SignedHeaders = {
        ...extras?.headers,
        'content-type': contentType,
        'x-amz-date': longDate,
        authorization,
      };
      if (token) headers['x-amz-security-token'] = token;
      return headers;
    },
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
