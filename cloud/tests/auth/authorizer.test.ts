import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { authorize } from '../../src/auth/authorize.js';
import { offeredSubprotocols, subprotocolAnswer, tokenOf } from '../../src/auth/handshake.js';
import { createVerifier } from '../../src/auth/key-source.js';
import { type TokenVerifier, verifyToken } from '../../src/auth/verify-token.js';
import { CLOCK_TOLERANCE_SECONDS, loadAuthorizerConfig } from '../../src/config.js';
import { KeyUnavailableError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { signToken, TEST_SECRET, unsignedToken } from './tokens.js';

const hs256: TokenVerifier = { algorithm: 'HS256', key: new TextEncoder().encode(TEST_SECRET) };
const METHOD_ARN = 'arn:aws:execute-api:us-east-1:123456789012:abc123/bridge/$connect';

describe('verifyToken', () => {
  it('accepts a valid token and returns its claims', async () => {
    const token = await signToken({ sub: 'dev-1', publish: ['sensors/dev-1/#'], subscribe: ['alerts/+'] });
    expect(await verifyToken(token, hs256)).toMatchObject({
      ok: true,
      value: { sub: 'dev-1', publish: ['sensors/dev-1/#'], subscribe: ['alerts/+'] },
    });
  });

  it.each([
    ['a forged signature', () => signToken({}, { secret: 'another-secret-another-secret-ano' }), 'signature'],
    ['alg none', async () => unsignedToken(), 'algorithm'],
    [
      'an expired token',
      () => signToken({ exp: Math.floor(Date.now() / 1000) - CLOCK_TOLERANCE_SECONDS - 5 }),
      'expired',
    ],
    [
      'no exp',
      () => new SignJWT({ sub: 'x' }).setProtectedHeader({ alg: 'HS256' }).sign(hs256.key as Uint8Array),
      'claims',
    ],
    [
      'no sub',
      () =>
        new SignJWT({})
          .setProtectedHeader({ alg: 'HS256' })
          .setExpirationTime('1h')
          .sign(hs256.key as Uint8Array),
      'claims',
    ],
    ['bad grants', () => signToken({ subscribe: ['a/#/b'] }), 'claims'],
    ['garbage', async () => 'not.a.jwt', 'malformed'],
    ['HS384 (another algorithm)', () => signToken({}, { header: { alg: 'HS384' } }), 'algorithm'],
  ])('refuses %s', async (_, make, kind) => {
    expect(await verifyToken(await make(), hs256)).toMatchObject({ ok: false, error: { kind } });
  });

  it(`allows ${CLOCK_TOLERANCE_SECONDS} s of clock skew on exp, no more`, async () => {
    const exp = 1_800_000_000;
    const token = await signToken({ exp });
    const at = (seconds: number) => new Date(seconds * 1000);
    expect((await verifyToken(token, hs256, at(exp + CLOCK_TOLERANCE_SECONDS - 1))).ok).toBe(true);
    expect(await verifyToken(token, hs256, at(exp + CLOCK_TOLERANCE_SECONDS + 1))).toMatchObject({
      ok: false,
      error: { kind: 'expired' },
    });
  });

  it('checks aud and iss when configured', async () => {
    const verifier = { ...hs256, audience: 'bridge-prod', issuer: 'https://id.example.com' };
    const good = await signToken({ aud: 'bridge-prod', iss: 'https://id.example.com' });
    expect((await verifyToken(good, verifier)).ok).toBe(true);
    for (const claims of [
      { aud: 'bridge-dev', iss: 'https://id.example.com' },
      { aud: 'bridge-prod' },
      { iss: 'https://id.example.com' },
    ]) {
      expect(await verifyToken(await signToken(claims), verifier)).toMatchObject({
        ok: false,
        error: { kind: 'claims' },
      });
    }
  });

  it('verifies ES256 with a PEM public key, and refuses an HS256 token signed with that PEM text (algorithm confusion)', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const pem = await exportSPKI(publicKey);
    const verifier = await createVerifier({ ...baseConfig, algorithm: 'ES256', secret: pem }, reject);
    const token = await new SignJWT({ sub: 'idp-user', subscribe: ['a/#'] })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setExpirationTime('5m')
      .sign(privateKey);
    expect(await verifyToken(token, verifier)).toMatchObject({ ok: true, value: { sub: 'idp-user' } });
    const confused = await signToken({}, { secret: pem });
    expect(await verifyToken(confused, verifier)).toMatchObject({ ok: false, error: { kind: 'algorithm' } });
  });
});

const baseConfig = {
  algorithm: 'HS256' as const,
  secret: undefined,
  keyParameter: undefined,
  jwksUrl: undefined,
  audience: undefined,
  issuer: undefined,
  logLevel: 'error' as const,
};
const reject = () => Promise.reject(new Error('no SSM here'));

describe('createVerifier and the authorizer configuration', () => {
  it('reads the key parameter (SSM when deployed) once, and refuses a short HS256 secret', async () => {
    const names: string[] = [];
    const read = async (name: string) => {
      names.push(name);
      return TEST_SECRET;
    };
    await createVerifier({ ...baseConfig, keyParameter: '/topic-bridge/bridge/auth-key' }, read);
    expect(names).toEqual(['/topic-bridge/bridge/auth-key']);
    await expect(createVerifier({ ...baseConfig, secret: 'short' }, reject)).rejects.toThrow(
      new KeyUnavailableError(
        'the HS256 secret is 5 bytes; use at least 32 random bytes (SECURITY.md shows how to make one)',
      ),
    );
  });

  it('names what is missing when no key source is configured', () => {
    expect(() => loadAuthorizerConfig({})).toThrow(/the authorizer has no key: set AUTH_KEY_PARAMETER/);
    expect(() => loadAuthorizerConfig({ AUTH_ALGORITHM: 'none', AUTH_SECRET: 'x' })).toThrow(
      'AUTH_ALGORITHM must be one of HS256, RS256, ES256; got "none"',
    );
    expect(loadAuthorizerConfig({ AUTH_KEY_PARAMETER: '/p', AUTH_AUDIENCE: 'a' })).toMatchObject({
      algorithm: 'HS256',
      keyParameter: '/p',
      audience: 'a',
      issuer: undefined,
    });
  });
});

describe('the token on the handshake', () => {
  it('comes from ?token=, else from a bearer.<JWT> subprotocol (any header case)', () => {
    expect(
      tokenOf({
        queryStringParameters: { token: 'q.q.q' },
        headers: { 'Sec-WebSocket-Protocol': 'bearer.h.h.h' },
      }),
    ).toEqual({
      token: 'q.q.q',
      via: 'query',
    });
    expect(tokenOf({ headers: { 'sec-websocket-protocol': 'topic-bridge.v1, bearer.h.h.h' } })).toEqual({
      token: 'h.h.h',
      via: 'subprotocol',
    });
    expect(tokenOf({ headers: { 'Sec-WebSocket-Protocol': 'topic-bridge.v1, bearer.' } })).toBeUndefined();
    expect(tokenOf({ queryStringParameters: { token: '' } })).toBeUndefined();
    expect(tokenOf({})).toBeUndefined();
  });

  it('answers topic-bridge.v1 only when it was offered, and never echoes the bearer subprotocol', () => {
    const offered = { headers: { 'Sec-WebSocket-Protocol': 'topic-bridge.v1, bearer.h.h.h' } };
    expect(offeredSubprotocols(offered)).toEqual(['topic-bridge.v1', 'bearer.h.h.h']);
    expect(subprotocolAnswer(offered)).toEqual({ 'Sec-WebSocket-Protocol': 'topic-bridge.v1' });
    expect(subprotocolAnswer({ headers: { 'Sec-WebSocket-Protocol': 'bearer.h.h.h' } })).toBeUndefined();
    expect(subprotocolAnswer({})).toBeUndefined();
  });
});

describe('authorize: the decision and its policy', () => {
  const deps = { verifier: hs256, logger: silentLogger };

  it('allows exactly the methodArn, with the claims as flat strings in the context', async () => {
    const token = await signToken({ sub: 'dash', exp: 1_900_000_000, publish: [], subscribe: ['plant/#'] });
    expect(await authorize({ token: { token, via: 'query' }, methodArn: METHOD_ARN }, deps)).toEqual({
      outcome: 'allow',
      policy: {
        principalId: 'dash',
        policyDocument: {
          Version: '2012-10-17',
          Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: METHOD_ARN }],
        },
        context: { sub: 'dash', exp: '1900000000', publish: '[]', subscribe: '["plant/#"]' },
      },
    });
  });

  it('denies a missing or bad token, and logs the sub or the reason but never the token', async () => {
    const lines: string[] = [];
    const logger = {
      ...silentLogger,
      info: (msg: string, fields?: object) => lines.push(JSON.stringify({ msg, ...fields })),
    };
    const forged = await signToken({ sub: 'mallory' }, { secret: 'another-secret-another-secret-ano' });
    const good = await signToken({ sub: 'alice' });
    expect(await authorize({ token: undefined, methodArn: METHOD_ARN }, { ...deps, logger })).toMatchObject({
      outcome: 'deny',
      problem: { kind: 'missing' },
    });
    expect(
      await authorize(
        { token: { token: forged, via: 'subprotocol' }, methodArn: METHOD_ARN },
        { ...deps, logger },
      ),
    ).toMatchObject({ outcome: 'deny', problem: { kind: 'signature' } });
    expect(
      await authorize({ token: { token: good, via: 'query' }, methodArn: METHOD_ARN }, { ...deps, logger }),
    ).toMatchObject({ outcome: 'allow' });
    expect(lines).toHaveLength(3);
    expect(lines[2]).toContain('"sub":"alice"');
    for (const line of lines) {
      expect(line).not.toContain(forged.split('.')[2]);
      expect(line).not.toContain(good.split('.')[2]);
      expect(line).not.toContain(TEST_SECRET);
    }
  });
});

describe('the authorizer Lambda handler, as AWS calls it', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('throws Error("Unauthorized") for a refused token (API Gateway answers 401), and returns the policy otherwise', async () => {
    Object.assign(process.env, { AUTH_SECRET: TEST_SECRET, LOG_LEVEL: 'error' });
    delete process.env.IS_OFFLINE;
    const { handler } = await import('../../src/handlers/authorizer.js');
    await expect(
      handler({ methodArn: METHOD_ARN, queryStringParameters: { token: unsignedToken() } }),
    ).rejects.toThrow(new Error('Unauthorized'));
    await expect(handler({ methodArn: METHOD_ARN })).rejects.toThrow(new Error('Unauthorized'));
    const token = await signToken({ sub: 'ok' });
    expect(
      await handler({
        methodArn: METHOD_ARN,
        headers: { 'Sec-WebSocket-Protocol': `topic-bridge.v1, bearer.${token}` },
      }),
    ).toMatchObject({
      principalId: 'ok',
    });
    process.env.IS_OFFLINE = 'true';
    expect(await handler({ methodArn: METHOD_ARN })).toBe('Unauthorized');
  });
});
