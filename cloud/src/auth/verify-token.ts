import { type TokenClaims, validateClaims } from '@topic-bridge/shared-types';
import { errors, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { type AuthAlgorithm, CLOCK_TOLERANCE_SECONDS } from '../config.js';

/** How tokens are verified: the key (or the JWKS lookup by `kid`) and what the claims must say. */
export interface TokenVerifier {
  algorithm: AuthAlgorithm;
  key: CryptoKey | Uint8Array | JWTVerifyGetKey;
  audience?: string | undefined;
  issuer?: string | undefined;
}

/** Why a token was refused: a stable kind for logs and tests, and a sentence (never the token). */
export interface TokenProblem {
  kind: 'malformed' | 'algorithm' | 'signature' | 'expired' | 'claims' | 'key' | 'unavailable';
  reason: string;
}

/**
 * Verifies a compact JWT: only the configured algorithm (so `alg: none` and algorithm swaps are refused),
 * a valid signature, `exp` and `sub` present, `exp`/`nbf` with CLOCK_TOLERANCE_SECONDS of skew, `aud` and
 * `iss` when configured, then the topic-bridge claims (validateClaims). Never throws.
 */
export async function verifyToken(
  token: string,
  verifier: TokenVerifier,
  now: Date = new Date(),
): Promise<{ ok: true; value: TokenClaims } | { ok: false; error: TokenProblem }> {
  let payload: unknown;
  try {
    const options = {
      algorithms: [verifier.algorithm],
      requiredClaims: ['exp', 'sub'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      currentDate: now,
      ...(verifier.audience === undefined ? {} : { audience: verifier.audience }),
      ...(verifier.issuer === undefined ? {} : { issuer: verifier.issuer }),
    };
    const verified =
      typeof verifier.key === 'function'
        ? await jwtVerify(token, verifier.key, options)
        : await jwtVerify(token, verifier.key, options);
    payload = verified.payload;
  } catch (error) {
    return { ok: false, error: classify(error) };
  }
  const claims = validateClaims(payload);
  return claims.ok ? claims : { ok: false, error: { kind: 'claims', reason: claims.error.reason } };
}

function classify(error: unknown): TokenProblem {
  if (error instanceof errors.JWTExpired) return { kind: 'expired', reason: 'the token has expired' };
  if (error instanceof errors.JWTClaimValidationFailed) {
    return { kind: 'claims', reason: `claim "${error.claim}" is invalid: ${error.reason}` };
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return { kind: 'algorithm', reason: 'the token is signed with an algorithm this bridge does not accept' };
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return { kind: 'signature', reason: 'the token signature does not verify' };
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return { kind: 'key', reason: 'no single key of the JWKS matches the token (check its "kid")' };
  }
  // The JWKS could not be fetched: our failure, not the token's, so the client must retry (5xx, not 401).
  if (
    error instanceof errors.JWKSTimeout ||
    error instanceof errors.JWKSInvalid ||
    !(error instanceof errors.JOSEError)
  ) {
    return { kind: 'unavailable', reason: 'the signing keys could not be fetched' };
  }
  return { kind: 'malformed', reason: `the token is not a valid JWT (${error.code})` };
}

/** True when the refusal is the bridge's own failure (temporary for the client), not the token's. */
export function isOurFailure(problem: TokenProblem): boolean {
  return problem.kind === 'unavailable';
}
