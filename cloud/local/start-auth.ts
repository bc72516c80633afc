import { TOKEN_QUERY_PARAMETER } from '@topic-bridge/shared-types';
import { DEV_SECRET_FILE, DEV_TOKEN_LIFETIME_SECONDS, devToken, ensureDevSecret } from './dev-auth.js';

/**
 * Authorization for `npm start`: on unless TOPIC_BRIDGE_AUTH=off. On, it reads (or creates on first run)
 * the development secret and signs a full-access token for the ready block, the dashboard link and the demo
 * agent. The token never goes into a log line; only the ready block shows it, since it is the user's own.
 */
export type StartAuth =
  | { mode: 'on'; secret: string; token: string; notices: string[] }
  | { mode: 'off'; notices: string[] };

/**
 * Reads TOPIC_BRIDGE_AUTH (on | off, default on) and TOPIC_BRIDGE_SECRET_FILE (default DEV_SECRET_FILE), and
 * prepares the development secret and token.
 */
export async function prepareStartAuth(
  env: Readonly<Record<string, string | undefined>>,
  nowMs: number = Date.now(),
): Promise<{ ok: true; auth: StartAuth } | { ok: false; problem: string }> {
  const raw = env.TOPIC_BRIDGE_AUTH?.trim().toLowerCase() || 'on';
  if (raw === 'off') {
    return {
      ok: true,
      auth: {
        mode: 'off',
        notices: [
          'WARNING: authorization is OFF (TOPIC_BRIDGE_AUTH=off): any local program can subscribe to "#" and publish to any topic. Unset it to require tokens.',
        ],
      },
    };
  }
  if (raw !== 'on') {
    return { ok: false, problem: `TOPIC_BRIDGE_AUTH must be "on" or "off"; got "${env.TOPIC_BRIDGE_AUTH}"` };
  }
  const secretFile = env.TOPIC_BRIDGE_SECRET_FILE?.trim() || DEV_SECRET_FILE;
  const { secret, created } = await ensureDevSecret(secretFile);
  const token = await devToken(secret, nowMs);
  const days = DEV_TOKEN_LIFETIME_SECONDS / 86_400;
  const notices = created
    ? [
        `created a development secret in ${secretFile} (kept and reused; delete it to revoke every local token)`,
      ]
    : [];
  notices.push(
    `the development token below grants everything for ${days} days; narrower ones: npm run -s token -- --help`,
  );
  return { ok: true, auth: { mode: 'on', secret, token, notices } };
}

/** A URL with the token added as `?token=` (kept as is when auth is off). */
export function withToken(url: string, auth: StartAuth): string {
  if (auth.mode === 'off') return url;
  const withQuery = new URL(url);
  withQuery.searchParams.set(TOKEN_QUERY_PARAMETER, auth.token);
  return withQuery.toString();
}
