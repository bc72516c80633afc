/**
 * Credentials for signing requests (posts, DynamoDB, Lambda, SSM), read from the Lambda environment. Lambda
 * puts the function role's temporary credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
 * AWS_SESSION_TOKEN (and, where set, AWS_CREDENTIAL_EXPIRATION). This is what the SDK's `fromEnv` reads; we
 * read the variables ourselves, since no handler bundles the SDK (docs/BENCHMARKS.md, "Cold start"), and re-read
 * them once they expire, or every CREDENTIALS_REREAD_MS when no expiry is given, so rotated values are picked up.
 */

import { ConfigError } from '../errors.js';

/** What a SigV4 signer needs. */
export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Without an expiry in the environment, how long read credentials are reused before the variables are read again. */
export const CREDENTIALS_REREAD_MS = 60_000;

/** Re-read this long before AWS_CREDENTIAL_EXPIRATION, so no request is signed with a key about to expire. */
export const CREDENTIALS_EXPIRY_MARGIN_MS = 5 * 60_000;

/** Local servers (serverless-offline) check no signature; any credentials do when the environment has none. */
export const LOCAL_SIGNING_CREDENTIALS: SigningCredentials = {
  accessKeyId: 'local',
  secretAccessKey: 'local',
};

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Returns a provider of the environment's credentials, cached until they expire. `fallback` is used when the
 * environment holds none (the local stack); without a fallback a missing variable is an error naming it.
 */
export function environmentCredentials(
  env: Env = process.env,
  fallback?: SigningCredentials,
  now: () => number = Date.now,
): () => Promise<SigningCredentials> {
  let cached: SigningCredentials | undefined;
  let rereadAt = 0;
  return async () => {
    if (cached !== undefined && now() < rereadAt) return cached;
    cached = readCredentials(env, fallback);
    const expiry = Date.parse(env.AWS_CREDENTIAL_EXPIRATION ?? '');
    rereadAt = Number.isNaN(expiry) ? now() + CREDENTIALS_REREAD_MS : expiry - CREDENTIALS_EXPIRY_MARGIN_MS;
    return cached;
  };
}

function readCredentials(env: Env, fallback: SigningCredentials | undefined): SigningCredentials {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    if (fallback !== undefined) return fallback;
    throw new ConfigError(
      'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set: requests to AWS (DynamoDB, @connections, Lambda, SSM) cannot be signed. ' +
        'Lambda sets them from the function role; elsewhere export them, or point DYNAMODB_ENDPOINT, CONNECTIONS_ENDPOINT and LAMBDA_ENDPOINT at local servers.',
    );
  }
  const sessionToken = env.AWS_SESSION_TOKEN;
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}
