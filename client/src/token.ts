/**
 * Where a connection's token comes from: a fixed value, or a function asked again before every connect and
 * every renewal, so that a short-lived token is refreshed without restarting anything. `undefined` (or an
 * empty string) means "connect without a token".
 */
export type TokenSource = string | (() => string | undefined | Promise<string | undefined>);

/** The token, as far as the client can tell before dialing. */
export type TokenCheck =
  | { ok: true; token: string | undefined }
  | { ok: false; reason: string; expired: boolean };

/**
 * Asks `source` for the token and checks what the client can check itself: a JWT whose `exp` has passed
 * is refused here, because a browser cannot see the 401 the bridge would answer (see docs/CLIENT.md).
 * Synchronous when the source is, so that a fixed token dials in the same tick.
 */
export function fetchToken(
  source: TokenSource | undefined,
  now: () => number,
): TokenCheck | Promise<TokenCheck> {
  if (typeof source !== 'function') return checkToken(source, now());
  let value: ReturnType<Exclude<TokenSource, string>>;
  try {
    value = source();
  } catch (cause) {
    return tokenFailure(cause);
  }
  if (!isPromise(value)) return checkToken(value, now());
  return value.then((token) => checkToken(token, now()), tokenFailure);
}

function checkToken(token: unknown, nowMs: number): TokenCheck {
  if (token === undefined || token === '') return { ok: true, token: undefined };
  if (typeof token !== 'string') {
    return { ok: false, reason: `getToken() returned ${typeof token}, not a string`, expired: false };
  }
  const expiresAt = jwtExpiry(token);
  if (expiresAt !== undefined && expiresAt <= nowMs) {
    const when = new Date(expiresAt).toISOString();
    return { ok: false, reason: `the token expired at ${when}; give the client a new one`, expired: true };
  }
  return { ok: true, token };
}

function tokenFailure(cause: unknown): TokenCheck {
  const why = cause instanceof Error ? cause.message : String(cause);
  return { ok: false, reason: `getToken() failed: ${why}`, expired: false };
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function';
}

/**
 * A JWT's `exp` in milliseconds since the epoch, read without verifying the signature (the bridge does
 * that); undefined for anything that is not a JWT with a numeric `exp`.
 */
export function jwtExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const claims: unknown = JSON.parse(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '=')));
    const exp = (claims as { exp?: unknown } | null)?.exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
