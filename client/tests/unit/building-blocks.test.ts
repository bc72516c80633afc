import { describe, expect, it } from 'vitest';
import { Emitter } from '../../src/emitter.js';
import { jwtExpiry, RecentIds } from '../../src/index.js';
import { fetchToken } from '../../src/token.js';
import { ManualTimers } from '../support/manual-timers.js';

/** An unsigned JWT-shaped token with these claims (the client reads `exp` without verifying). */
function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`;
}

describe('tokens', () => {
  it('reads a JWT exp in milliseconds, and nothing from what is not a JWT with a numeric exp', () => {
    expect(jwtExpiry(jwt({ sub: 'a', exp: 1_700_000_123 }))).toBe(1_700_000_123_000);
    expect(jwtExpiry(jwt({ sub: 'a' }))).toBeUndefined();
    expect(jwtExpiry(jwt({ exp: '1700000000' }))).toBeUndefined();
    expect(jwtExpiry('opaque-token')).toBeUndefined();
    expect(jwtExpiry('a.%%%.b')).toBeUndefined();
  });

  it('fetches a fixed token in the same tick, refuses an expired one, and reports a failing getToken', async () => {
    const now = () => 1_700_000_000_000;
    expect(fetchToken('t', now)).toEqual({ ok: true, token: 't' });
    expect(fetchToken(undefined, now)).toEqual({ ok: true, token: undefined });
    expect(fetchToken(() => '', now)).toEqual({ ok: true, token: undefined });
    expect(fetchToken(jwt({ exp: 1_700_000_000 }), now)).toEqual({
      ok: false,
      expired: true,
      reason: 'the token expired at 2023-11-14T22:13:20.000Z; give the client a new one',
    });
    expect(await fetchToken(async () => 'later', now)).toEqual({ ok: true, token: 'later' });
    expect(await fetchToken(() => Promise.reject(new Error('no file')), now)).toEqual({
      ok: false,
      expired: false,
      reason: 'getToken() failed: no file',
    });
    expect(
      fetchToken(() => {
        throw new Error('boom');
      }, now),
    ).toEqual({ ok: false, expired: false, reason: 'getToken() failed: boom' });
  });
});

describe('RecentIds', () => {
  it('reports a duplicate among the last ids and forgets the oldest past its capacity', () => {
    const ids = new RecentIds(3);
    expect(['a', 'b', 'c', 'a'].map((id) => ids.add(id))).toEqual([true, true, true, false]);
    expect(ids.add('d')).toBe(true); // evicts a
    expect(ids.size).toBe(3);
    expect(ids.add('a')).toBe(true); // forgotten, so new again; evicts b
    expect(['c', 'd', 'a'].map((id) => ids.add(id))).toEqual([false, false, false]);
    expect(ids.add('b')).toBe(true);
  });
});

describe('ManualTimers (test support)', () => {
  it('runs due timers in time order, including timers they set, and moves the clock', () => {
    const timers = new ManualTimers();
    const start = timers.now();
    const log: string[] = [];
    timers.setTimeout(() => log.push(`b@${timers.now() - start}`), 20);
    const cancelled = timers.setTimeout(() => log.push('never'), 5);
    timers.setTimeout(() => {
      log.push(`a@${timers.now() - start}`);
      timers.setTimeout(() => log.push(`c@${timers.now() - start}`), 15);
    }, 10);
    timers.clearTimeout(cancelled);
    timers.advance(24);
    expect(log).toEqual(['a@10', 'b@20']);
    timers.advance(1);
    expect(log).toEqual(['a@10', 'b@20', 'c@25']);
    expect(timers.now() - start).toBe(25);
  });
});

describe('Emitter', () => {
  it('reports a throwing listener on error, or re-throws it in a microtask (mocked queueMicrotask) when nobody listens', () => {
    const emitter = new Emitter();
    const bug = new Error('listener bug');
    const seen: number[] = [];
    emitter.on('state', () => {
      throw bug;
    });
    emitter.on('state', (change) => seen.push(change.attempt));
    const queued: (() => void)[] = [];
    const original = globalThis.queueMicrotask;
    globalThis.queueMicrotask = (callback) => queued.push(callback);
    try {
      emitter.emit('state', { state: 'open', previous: 'connecting', attempt: 0 });
    } finally {
      globalThis.queueMicrotask = original;
    }
    expect(seen).toEqual([0]);
    expect(queued).toHaveLength(1);
    expect(() => queued[0]?.()).toThrow(bug);

    const errors: string[] = [];
    emitter.on('error', (error) => errors.push(`${error.code}: ${error.message}`));
    emitter.emit('state', { state: 'open', previous: 'connecting', attempt: 1 });
    expect(seen).toEqual([0, 1]);
    expect(errors).toEqual(['listener_failed: a "state" listener threw: Error: listener bug']);
  });
});
