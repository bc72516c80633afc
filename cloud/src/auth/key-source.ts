import { createRemoteJWKSet, importSPKI } from 'jose';
import { type AuthorizerConfig, MIN_HS256_SECRET_BYTES } from '../config.js';
import { KeyUnavailableError } from '../errors.js';
import type { TokenVerifier } from './verify-token.js';

/**
 * How long a warm authorizer keeps a fetched JWKS before fetching it again: a key an identity provider adds
 * is used at most this long after it appears, so providers publish new keys ahead of signing with them.
 */
export const JWKS_CACHE_MAX_AGE_MS = 10 * 60 * 1000;

/** Least time between two JWKS fetches, even for a token with an unknown `kid` (so such tokens cannot flood the provider). */
export const JWKS_COOLDOWN_MS = 30 * 1000;

/** Longest wait for the JWKS endpoint; past it the connect fails with 500 (temporary) rather than 401. */
export const JWKS_TIMEOUT_MS = 5 * 1000;

/** Reads the secret or PEM key named by the configuration (SSM Parameter Store when deployed). */
export type ReadKeyParameter = (name: string) => Promise<string>;

/**
 * Builds the verifier once per cold start: an HS256 secret (at least MIN_HS256_SECRET_BYTES), a PEM public
 * key (RS256/ES256), or a JWKS URL whose keys are fetched and cached by jose and chosen by the token's
 * `kid` (so an identity provider can rotate keys without a redeploy). Throws KeyUnavailableError.
 */
export async function createVerifier(
  config: AuthorizerConfig,
  readKeyParameter: ReadKeyParameter,
): Promise<TokenVerifier> {
  const claimChecks = { audience: config.audience, issuer: config.issuer };
  if (config.jwksUrl !== undefined) {
    const key = createRemoteJWKSet(new URL(config.jwksUrl), {
      cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
      cooldownDuration: JWKS_COOLDOWN_MS,
      timeoutDuration: JWKS_TIMEOUT_MS,
    });
    return { algorithm: config.algorithm, key, ...claimChecks };
  }
  const material = config.secret ?? (await readKeyParameter(config.keyParameter ?? ''));
  if (config.algorithm === 'HS256') {
    const secret = new TextEncoder().encode(material);
    if (secret.byteLength < MIN_HS256_SECRET_BYTES) {
      throw new KeyUnavailableError(
        `the HS256 secret is ${secret.byteLength} bytes; use at least ${MIN_HS256_SECRET_BYTES} random bytes (SECURITY.md shows how to make one)`,
      );
    }
    return { algorithm: 'HS256', key: secret, ...claimChecks };
  }
  try {
    return { algorithm: config.algorithm, key: await importSPKI(material, config.algorithm), ...claimChecks };
  } catch (error) {
    throw new KeyUnavailableError(
      `the ${config.algorithm} public key is not a PEM "PUBLIC KEY" for that algorithm`,
      { cause: error },
    );
  }
}
