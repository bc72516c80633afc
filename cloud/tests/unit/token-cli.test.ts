import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_TOKEN_LIFETIME_SECONDS, devToken, ensureDevSecret } from '../../local/dev-auth.js';
import { prepareStartAuth, withToken } from '../../local/start-auth.js';
import { EXIT_USAGE, main, parseDuration } from '../../local/token-cli.js';
import { verifyToken } from '../../src/auth/verify-token.js';

let dir: string;
let secretFile: string;
const NOW_MS = 1_800_000_000_000;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'topic-bridge-token-'));
  secretFile = join(dir, 'nested', 'dev-secret');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, output: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) } };
}

describe('the development secret', () => {
  it('is created once with mode 0600 and reused after', async () => {
    const first = await ensureDevSecret(secretFile);
    expect(first.created).toBe(true);
    expect(first.secret.length).toBeGreaterThanOrEqual(43);
    expect((await stat(secretFile)).mode & 0o777).toBe(0o600);
    const again = await ensureDevSecret(secretFile);
    expect(again).toEqual({ secret: first.secret, created: false });
    expect((await readFile(secretFile, 'utf8')).trim()).toBe(first.secret);
  });

  it('signs npm start’s full-access token for 30 days, which the authorizer accepts', async () => {
    const { secret } = await ensureDevSecret(secretFile);
    const token = await devToken(secret, NOW_MS);
    expect(decodeJwt(token)).toEqual({
      sub: 'local-dev',
      publish: ['#'],
      subscribe: ['#'],
      iat: NOW_MS / 1000,
      exp: NOW_MS / 1000 + DEV_TOKEN_LIFETIME_SECONDS,
    });
    const verifier = { algorithm: 'HS256' as const, key: new TextEncoder().encode(secret) };
    expect(await verifyToken(token, verifier, new Date(NOW_MS))).toMatchObject({ ok: true });
  });

  it('npm start: auth on by default with a token; TOPIC_BRIDGE_AUTH=off warns; other values are refused', async () => {
    const on = await prepareStartAuth({ TOPIC_BRIDGE_SECRET_FILE: secretFile }, NOW_MS);
    expect(on).toMatchObject({ ok: true, auth: { mode: 'on' } });
    if (!on.ok || on.auth.mode !== 'on') return;
    expect(withToken('http://127.0.0.1:8080/', on.auth)).toBe(
      `http://127.0.0.1:8080/?token=${on.auth.token}`,
    );
    expect(await prepareStartAuth({ TOPIC_BRIDGE_AUTH: 'off' })).toEqual({
      ok: true,
      auth: {
        mode: 'off',
        notices: [expect.stringMatching(/^WARNING: authorization is OFF \(TOPIC_BRIDGE_AUTH=off\)/)],
      },
    });
    expect(await prepareStartAuth({ TOPIC_BRIDGE_AUTH: 'maybe' })).toEqual({
      ok: false,
      problem: 'TOPIC_BRIDGE_AUTH must be "on" or "off"; got "maybe"',
    });
  });
});

describe('npm run -s token', () => {
  it('prints the token alone on stdout, with repeatable grants, a duration and a subject', async () => {
    const { secret } = await ensureDevSecret(secretFile);
    const io = capture();
    const argv = [
      '--publish',
      'sensors/a/#',
      '--publish',
      'alerts',
      '--subscribe',
      'sensors/+/temp',
      '--expires',
      '10s',
      '--sub',
      'dev-a',
      '--secret-file',
      secretFile,
    ];
    expect(await main(argv, io.output, NOW_MS)).toBe(0);
    expect(io.err).toEqual([]);
    expect(io.out).toHaveLength(1);
    const token = io.out[0] ?? '';
    expect(decodeJwt(token)).toEqual({
      sub: 'dev-a',
      publish: ['sensors/a/#', 'alerts'],
      subscribe: ['sensors/+/temp'],
      iat: NOW_MS / 1000,
      exp: NOW_MS / 1000 + 10,
    });
    const verifier = { algorithm: 'HS256' as const, key: new TextEncoder().encode(secret) };
    expect((await verifyToken(token, verifier, new Date(NOW_MS))).ok).toBe(true);
  });

  it('parses 10s, 15m, 1h and 30d', () => {
    expect([parseDuration('10s'), parseDuration('15m'), parseDuration('1h'), parseDuration('30d')]).toEqual([
      10, 900, 3600, 2_592_000,
    ]);
    expect([parseDuration('0s'), parseDuration('1w'), parseDuration('h'), parseDuration('1.5h')]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it.each([
    [['--publsh', 'a'], "Unknown option '--publsh'"],
    [['--expires', 'soon'], '--expires "soon" is not a duration such as 10s, 15m, 1h or 30d'],
    [['--subscribe', 'a/#/b'], '--subscribe "a/#/b": topic filter "a/#/b" has a misplaced wildcard'],
    [['--sub', ' '], '--sub must not be empty'],
    [['extra'], 'Unexpected argument'],
  ])('exits 2 with a clear message for %j', async (argv, message) => {
    const io = capture();
    expect(await main([...argv, '--secret-file', secretFile], io.output)).toBe(EXIT_USAGE);
    expect(io.out).toEqual([]);
    expect(io.err[0]).toContain(`token: ${message}`);
    expect(io.err[0]).toContain('Usage: npm run -s token --');
  });

  it('exits 2 when the secret file is missing or too short', async () => {
    const io = capture();
    const missing = join(dir, 'missing');
    expect(await main(['--secret-file', missing], io.output)).toBe(EXIT_USAGE);
    expect(io.err[0]).toContain(
      `token: no secret in ${missing}: run "npm start" once to create the development secret, or pass --secret-file`,
    );
    const short = join(dir, 'short');
    await writeFile(short, 'tiny');
    expect(await main(['--secret-file', short], io.output)).toBe(EXIT_USAGE);
    expect(io.err[1]).toContain('shorter than 32 bytes');
  });
});
