import { createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import type { SigningCredentials } from '../../src/aws/credentials.js';
import { createHmacSha256 } from '../../src/aws/hmac-sha256.js';
import { createPostSigner } from '../../src/aws/sigv4.js';
import { NodeSha256 } from '../support/node-sha256.js';

/** Lengths around SHA-256's 64-byte block, where HMAC's key handling changes (pad, or hash first). */
const LENGTHS = [0, 1, 63, 64, 65, 1_000];

/** Bytes that differ from position to position, so a shifted or stale byte changes the result. */
function bytes(length: number, seed: number): Buffer {
  return Buffer.from(Array.from({ length }, (_, i) => (i * 31 + seed * 7 + 1) & 0xff));
}

describe('HMAC-SHA256 with precomputed pads (hmac-sha256.ts)', () => {
  it.each(LENGTHS)('equals createHmac for a %i-byte key and messages of every length class', (keyLength) => {
    const key = bytes(keyLength, 1);
    const hmac = createHmacSha256(key);
    // Long messages before short ones: the reused buffer must never leak an earlier message's bytes.
    for (const messageLength of [...LENGTHS].reverse()) {
      const message = bytes(messageLength, 2);
      const expected = createHmac('sha256', key).update(message).digest();
      expect(hmac.digest(message).equals(expected)).toBe(true);
      expect(hmac.hexDigest(message)).toBe(expected.toString('hex'));
    }
  });

  it('takes strings as UTF-8, keys and messages alike, and grows past its first buffer', () => {
    const key = 'AWS4wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY-ключ';
    const hmac = createHmacSha256(key);
    for (const message of ['', 'a', 'é', '20261201', 'x'.repeat(5_000), 'données ✓ 𝄞'.repeat(40), 'b']) {
      expect(hmac.hexDigest(message)).toBe(createHmac('sha256', key).update(message, 'utf8').digest('hex'));
    }
  });
});

/** The Authorization header `@smithy/signature-v4` computes for the same POST at the same time. */
async function smithyAuthorization(
  host: string,
  path: string,
  body: Buffer,
  credentials: SigningCredentials,
  at: Date,
): Promise<string> {
  const signer = new SignatureV4({
    service: 'execute-api',
    region: 'eu-west-1',
    credentials,
    sha256: NodeSha256,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: 'https:',
      hostname: host,
      path,
      query: {},
      headers: { host, 'content-type': 'application/octet-stream' },
      body: body.toString('utf8'),
    },
    { signingDate: at },
  );
  return String(signed.headers.authorization);
}

describe('the post signer across what its per-second cache keys on', () => {
  const withToken: SigningCredentials = {
    accessKeyId: 'AKIDEXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    sessionToken: 'IQoJb3JpZ2luX2VjE'.padEnd(1_000, 'x'),
  };
  const rotated: SigningCredentials = {
    accessKeyId: 'AKIDROTATED',
    secretAccessKey: 'another-secret',
    sessionToken: 'FwoGZXIvYXdzEXAMPLETOKEN',
  };
  const noToken: SigningCredentials = { accessKeyId: 'AKIDPLAIN', secretAccessKey: 'plain-secret' };
  const host = 'abc123.execute-api.eu-west-1.amazonaws.com';
  const frame = Buffer.from('{"topic":"plant/1","data":42}');
  const other = Buffer.from('{"topic":"plant/1","data":"é"}');
  const start = Date.UTC(2026, 11, 1, 23, 59, 59, 500);

  // One signer, one request after another: each differs from the one before in one thing the cache keys on.
  const steps: Array<[string, number, string, string, Buffer, SigningCredentials]> = [
    ['first post', 0, host, '/prod/@connections/Bq3zXcVzIAMCK3A=', frame, withToken],
    ['another connection', 100, host, '/prod/@connections/Bq3zXcVzIAMCK3B=', frame, withToken],
    ['the next second, the next day', 600, host, '/prod/@connections/Bq3zXcVzIAMCK3B=', frame, withToken],
    ['another frame', 700, host, '/prod/@connections/Bq3zXcVzIAMCK3B=', other, withToken],
    ['rotated credentials', 800, host, '/prod/@connections/Bq3zXcVzIAMCK3B=', other, rotated],
    ['no session token', 900, host, '/prod/@connections/Bq3zXcVzIAMCK3B=', other, noToken],
    ['another host', 950, 'xyz.execute-api.eu-west-1.amazonaws.com', '/prod/@connections/a', other, noToken],
    ['a path past the head room', 960, host, `/prod/@connections/${'L'.repeat(600)}`, frame, withToken],
    [
      "an id with characters to escape (!'()*)",
      970,
      host,
      "/prod/@connections/a!b'c(d)e*f",
      frame,
      withToken,
    ],
  ];

  it('signs every request exactly as @smithy/signature-v4 does', async () => {
    let clock = start;
    const signer = createPostSigner('eu-west-1', 'execute-api', () => clock);
    for (const [what, offsetMs, stepHost, path, body, credentials] of steps) {
      clock = start + offsetMs;
      const headers = signer.sign(stepHost, path, body, credentials);
      const expected = await smithyAuthorization(stepHost, path, body, credentials, new Date(clock));
      expect({ what, authorization: headers.authorization }).toEqual({ what, authorization: expected });
      expect(headers['x-amz-security-token']).toBe(credentials.sessionToken);
      expect(headers['content-type']).toBe('application/octet-stream');
    }
  });

  it('returns a new headers object for every post, with the date of its own second', () => {
    let clock = start;
    const signer = createPostSigner('eu-west-1', 'execute-api', () => clock);
    const first = signer.sign(host, '/prod/@connections/a', frame, withToken);
    clock += 600;
    const second = signer.sign(host, '/prod/@connections/a', frame, withToken);
    expect(second).not.toBe(first);
    expect(first['x-amz-date']).toBe('20261201T235959Z');
    expect(second['x-amz-date']).toBe('20261202T000000Z');
    expect(Object.keys(first)).toEqual([
      'content-type',
      'x-amz-date',
      'authorization',
      'x-amz-security-token',
    ]);
  });
});
