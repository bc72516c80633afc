import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, JWKS_COOLDOWN_MS } from '../../src/auth/key-source.js';
import { verifyToken } from '../../src/auth/verify-token.js';

/** A real JWKS endpoint on port 0, as an identity provider serves one; its key set can be replaced. */
let server: Server;
let jwksUrl: string;
let keys: JWK[] = [];
let fetches = 0;

beforeAll(async () => {
  server = createServer((_request, response) => {
    fetches++;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function keyPair(kid: string) {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

const sign = (privateKey: CryptoKey, kid: string, claims: Record<string, unknown> = {}) =>
  new SignJWT({ subscribe: ['a/#'], iss: 'https://id.example.com', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid })
    .setSubject('idp-user')
    .setExpirationTime('5m')
    .sign(privateKey);

const config = {
  algorithm: 'RS256' as const,
  secret: undefined,
  keyParameter: undefined,
  audience: undefined,
  issuer: 'https://id.example.com',
  logLevel: 'error' as const,
};
const noSsm = () => Promise.reject(new Error('a JWKS setup reads no SSM parameter'));

describe('RS256 with a JWKS URL (an identity provider)', () => {
  it('picks the key by kid: during a rotation both keys verify, from one cached fetch of the set', async () => {
    const [old, next] = [await keyPair('2026-11'), await keyPair('2026-12')];
    // The provider publishes the new key next to the old one before it signs with it (SECURITY.md).
    keys = [old.jwk, next.jwk];
    fetches = 0;
    const verifier = await createVerifier({ ...config, jwksUrl }, noSsm);
    expect(await verifyToken(await sign(old.privateKey, old.kid), verifier)).toMatchObject({
      ok: true,
      value: { sub: 'idp-user' },
    });
    expect(await verifyToken(await sign(next.privateKey, next.kid), verifier)).toMatchObject({ ok: true });
    expect(fetches).toBe(1);
  });

  it(`refuses a kid first seen within ${JWKS_COOLDOWN_MS / 1000} s of the last fetch (keys are cached per container)`, async () => {
    const [old, late] = [await keyPair('old'), await keyPair('late')];
    keys = [old.jwk];
    const verifier = await createVerifier({ ...config, jwksUrl }, noSsm);
    expect((await verifyToken(await sign(old.privateKey, old.kid), verifier)).ok).toBe(true);
    keys = [old.jwk, late.jwk];
    expect(await verifyToken(await sign(late.privateKey, late.kid), verifier)).toMatchObject({
      ok: false,
      error: { kind: 'key' },
    });
  });

  it('refuses a token signed by a key not in the set, one with a kid of another key, and a wrong issuer', async () => {
    const [known, stranger] = [await keyPair('known'), await keyPair('stranger')];
    keys = [known.jwk];
    const verifier = await createVerifier({ ...config, jwksUrl }, noSsm);
    expect(await verifyToken(await sign(stranger.privateKey, 'stranger'), verifier)).toMatchObject({
      ok: false,
      error: { kind: 'key' },
    });
    expect(await verifyToken(await sign(stranger.privateKey, 'known'), verifier)).toMatchObject({
      ok: false,
      error: { kind: 'signature' },
    });
    expect(
      await verifyToken(await sign(known.privateKey, 'known', { iss: 'https://evil.example.com' }), verifier),
    ).toMatchObject({
      ok: false,
      error: { kind: 'claims' },
    });
  });

  it('treats an unreachable JWKS as the bridge’s own failure (a 500 the client retries), not the token’s', async () => {
    const { privateKey } = await keyPair('k');
    const verifier = await createVerifier({ ...config, jwksUrl: 'http://127.0.0.1:1/jwks.json' }, noSsm);
    expect(await verifyToken(await sign(privateKey, 'k'), verifier)).toMatchObject({
      ok: false,
      error: { kind: 'unavailable' },
    });
  });
});
