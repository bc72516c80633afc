import { describe, expect, it } from 'vitest';
import {
  CREDENTIALS_EXPIRY_MARGIN_MS,
  CREDENTIALS_REREAD_MS,
  environmentCredentials,
  LOCAL_SIGNING_CREDENTIALS,
} from '../../src/aws/credentials.js';
import { ConfigError } from '../../src/errors.js';

describe('environmentCredentials (the Lambda role credentials the lean post path signs with)', () => {
  it('reads the three variables Lambda sets', async () => {
    const env = { AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'token' };
    expect(await environmentCredentials(env)()).toEqual({
      accessKeyId: 'AKID',
      secretAccessKey: 'secret',
      sessionToken: 'token',
    });
  });

  it('reads them again once AWS_CREDENTIAL_EXPIRATION is near, not before', async () => {
    let now = Date.parse('2026-12-01T08:00:00Z');
    const env: Record<string, string> = {
      AWS_ACCESS_KEY_ID: 'first',
      AWS_SECRET_ACCESS_KEY: 's1',
      AWS_CREDENTIAL_EXPIRATION: '2026-12-01T09:00:00Z',
    };
    const credentials = environmentCredentials(env, undefined, () => now);
    expect((await credentials()).accessKeyId).toBe('first');
    env.AWS_ACCESS_KEY_ID = 'second';
    env.AWS_CREDENTIAL_EXPIRATION = '2026-12-01T15:00:00Z';
    now = Date.parse('2026-12-01T09:00:00Z') - CREDENTIALS_EXPIRY_MARGIN_MS - 1;
    expect((await credentials()).accessKeyId).toBe('first');
    now += 1;
    expect((await credentials()).accessKeyId).toBe('second');
  });

  it('without an expiry, reads them again every CREDENTIALS_REREAD_MS', async () => {
    let now = 0;
    const env: Record<string, string> = { AWS_ACCESS_KEY_ID: 'first', AWS_SECRET_ACCESS_KEY: 's' };
    const credentials = environmentCredentials(env, undefined, () => now);
    await credentials();
    env.AWS_ACCESS_KEY_ID = 'rotated';
    now = CREDENTIALS_REREAD_MS - 1;
    expect((await credentials()).accessKeyId).toBe('first');
    now = CREDENTIALS_REREAD_MS;
    expect((await credentials()).accessKeyId).toBe('rotated');
  });

  it('uses the fallback when the environment has none (local stack), else names the missing variables', async () => {
    expect(await environmentCredentials({}, LOCAL_SIGNING_CREDENTIALS)()).toBe(LOCAL_SIGNING_CREDENTIALS);
    const missing = environmentCredentials({ AWS_ACCESS_KEY_ID: 'only-the-id' })();
    await expect(missing).rejects.toBeInstanceOf(ConfigError);
    await expect(missing).rejects.toThrow(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set/);
  });
});
