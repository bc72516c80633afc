import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Grants } from '@topic-bridge/shared-types';
import { SignJWT } from 'jose';
import { MIN_HS256_SECRET_BYTES } from '../src/config.js';
import { SERVICE_DIR } from './service-copy.js';

/**
 * Development tokens for the local stack: `npm start` keeps an HS256 secret in a git-ignored file (created
 * on first run, mode 0600, reused after) and signs a full-access token with it; `npm run token` signs
 * narrower ones with the same secret. Deployed stacks never use this file: their key is in SSM.
 */

/** Where the local stack's development secret lives (`.local-data/` is git-ignored). */
export const DEV_SECRET_FILE = join(SERVICE_DIR, '.local-data', 'dev-secret');

/** Random bytes in a new development secret: twice the HS256 minimum. */
export const DEV_SECRET_BYTES = 2 * MIN_HS256_SECRET_BYTES;

/** How long `npm start`'s development token lasts: a month of local work without a new token. */
export const DEV_TOKEN_LIFETIME_SECONDS = 30 * 24 * 60 * 60;

/** The `sub` of `npm start`'s development token. */
export const DEV_TOKEN_SUBJECT = 'local-dev';

/** Reads the development secret, creating it (only readable by its owner) when the file does not exist. */
export async function ensureDevSecret(
  file: string = DEV_SECRET_FILE,
): Promise<{ secret: string; created: boolean }> {
  const existing = await readDevSecret(file);
  if (existing !== undefined) return { secret: existing, created: false };
  const secret = randomBytes(DEV_SECRET_BYTES).toString('base64url');
  await mkdir(dirname(file), { recursive: true });
  try {
    // `wx`: two `npm start`s racing on a first run must not overwrite each other's secret.
    await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const raced = await readDevSecret(file);
    if (raced !== undefined) return { secret: raced, created: false };
    throw error;
  }
  await chmod(file, 0o600);
  return { secret, created: true };
}

/** The secret in the file, trimmed; undefined when the file does not exist. */
export async function readDevSecret(file: string): Promise<string | undefined> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** What a token grants, to whom, and for how long. */
export interface TokenRequest extends Grants {
  sub: string;
  expiresInSeconds: number;
}

/** Signs an HS256 token with topic-bridge's claims (`sub`, `exp`, `iat`, `publish`, `subscribe`). */
export function signToken(
  request: TokenRequest,
  secret: string,
  nowMs: number = Date.now(),
): Promise<string> {
  const issuedAt = Math.floor(nowMs / 1000);
  return new SignJWT({ publish: request.publish, subscribe: request.subscribe })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(request.sub)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + request.expiresInSeconds)
    .sign(new TextEncoder().encode(secret));
}

/** The full-access development token `npm start` prints (everything, for DEV_TOKEN_LIFETIME_SECONDS). */
export function devToken(secret: string, nowMs: number = Date.now()): Promise<string> {
  return signToken(
    {
      sub: DEV_TOKEN_SUBJECT,
      publish: ['#'],
      subscribe: ['#'],
      expiresInSeconds: DEV_TOKEN_LIFETIME_SECONDS,
    },
    secret,
    nowMs,
  );
}
