import type { Grants } from '@topic-bridge/shared-types';
import type { Logger } from '../log.js';
import { isOurFailure, type TokenVerifier, verifyToken } from './verify-token.js';

/**
 * Tokens on HTTP requests: `Authorization: Bearer <JWT>` (RFC 6750), verified exactly as `$connect`'s
 * authorizer verifies the WebSocket's tokens (verify-token.ts: one algorithm, `exp`/`sub`, `aud`/`iss`).
 */

/** The realm named in `WWW-Authenticate` challenges. */
export const BEARER_REALM = 'topic-bridge';

/** The `WWW-Authenticate` value of a request that carried no token. */
export const BEARER_CHALLENGE = `Bearer realm="${BEARER_REALM}"`;

/** The `WWW-Authenticate` value of a request whose token was refused (RFC 6750, section 3.1). */
export const INVALID_TOKEN_CHALLENGE = `Bearer realm="${BEARER_REALM}", error="invalid_token"`;

/** Who sent the request and what they may do, or why they are refused (401: theirs; 503: ours, temporary). */
export type BearerOutcome =
  | { ok: true; sub?: string; grants: Grants }
  | { ok: false; status: 401; challenge: string; reason: string }
  | { ok: false; status: 503; reason: string };

const BEARER_SCHEME = /^bearer[ \t]+(\S+)[ \t]*$/i;

/** The token of an `Authorization` header (`Bearer <token>`, the scheme in any case); undefined otherwise. */
export function bearerTokenOf(header: string | undefined): string | undefined {
  return header === undefined ? undefined : BEARER_SCHEME.exec(header.trim())?.[1];
}

/**
 * Verifies the bearer token of a request. Logs the `sub` (never the token); never throws. A JWKS that
 * cannot be fetched is the bridge's failure (503, try again), not the caller's (401).
 */
export async function authenticateBearer(
  authorization: string | undefined,
  deps: { verifier: TokenVerifier; logger: Logger; now?: () => Date },
): Promise<BearerOutcome> {
  const token = bearerTokenOf(authorization);
  if (token === undefined) {
    return {
      ok: false,
      status: 401,
      challenge: BEARER_CHALLENGE,
      reason:
        authorization === undefined
          ? 'no token: send "Authorization: Bearer <token>" with a token whose "publish" claim covers the topics (npm run -s token -- --help)'
          : 'the Authorization header is not "Bearer <token>"',
    };
  }
  const verified = await verifyToken(token, deps.verifier, deps.now?.() ?? new Date());
  if (!verified.ok) {
    if (isOurFailure(verified.error)) {
      deps.logger.error('http publish: the token could not be checked', { ...verified.error });
      return { ok: false, status: 503, reason: 'the token could not be checked now; try again shortly' };
    }
    deps.logger.info('http publish refused: token rejected', { ...verified.error });
    return {
      ok: false,
      status: 401,
      challenge: INVALID_TOKEN_CHALLENGE,
      reason: `${verified.error.reason}; get a new token`,
    };
  }
  const { sub, publish, subscribe } = verified.value;
  return { ok: true, sub, grants: { publish, subscribe } };
}
