import { SignJWT, UnsecuredJWT } from 'jose';

/** A development-sized HS256 secret for tests (32 bytes of text). */
export const TEST_SECRET = 'test-secret-test-secret-test-sec';

/** Signs a token the way `npm run token` does; `claims` overrides the defaults (full access, 1 hour). */
export function signToken(
  claims: Record<string, unknown> = {},
  options: { secret?: string; expiresIn?: string | number; header?: Record<string, unknown> } = {},
): Promise<string> {
  const jwt = new SignJWT({ publish: ['#'], subscribe: ['#'], ...claims })
    .setProtectedHeader({ alg: 'HS256', ...options.header })
    .setIssuedAt();
  if (!('sub' in claims)) jwt.setSubject('test-client');
  if (!('exp' in claims)) jwt.setExpirationTime(options.expiresIn ?? '1h');
  return jwt.sign(new TextEncoder().encode(options.secret ?? TEST_SECRET));
}

/** An `alg: none` token with full access: it must never be accepted. */
export function unsignedToken(): string {
  return new UnsecuredJWT({ sub: 'mallory', publish: ['#'], subscribe: ['#'] })
    .setExpirationTime('1h')
    .encode();
}
