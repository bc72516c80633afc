import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { DEFAULT_RENEW_AFTER_MS, DEFAULT_RENEW_DRAIN_MS, type Unauthorized } from '../../src/index.js';
import { type RecordedClient, recordingClient } from '../support/recording-client.js';
import { type ScriptedBridge, startScriptedBridge } from '../support/scripted-bridge.js';
import { settle, waitFor } from '../support/wait-for.js';

let bridge: ScriptedBridge;
let recorded: RecordedClient | undefined;
let refusals: Unauthorized[];

function start(options: Omit<Parameters<typeof recordingClient>[0], 'url'>): RecordedClient {
  recorded = recordingClient({ url: bridge.url, topics: ['t'], ...options });
  recorded.client.on('unauthorized', (event) => refusals.push(event));
  return recorded;
}

/** An unsigned JWT-shaped token (the client reads `exp` only; the bridge would verify the signature). */
function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256' })}.${part(claims)}.c2ln`;
}

/** Long enough that no pong times out while the manual clock jumps two hours at once. */
const NO_PONG_TIMEOUT = 3 * DEFAULT_RENEW_AFTER_MS;

const bearer = (index: number) => bridge.handshakes[index]?.protocols.find((p) => p.startsWith('bearer.'));

beforeEach(async () => {
  bridge = await startScriptedBridge();
  refusals = [];
});

afterEach(async () => {
  recorded?.client.close();
  recorded = undefined;
  await bridge.stop();
});

describe('client tokens and refusals (a real ws server answering the handshake)', () => {
  for (const status of [401, 403]) {
    it(`treats a handshake refused with ${status} as final: one unauthorized event, no reconnect loop`, async () => {
      bridge.options.accept = false;
      bridge.options.refuseStatus = status;
      const r = start({ token: 'h.p.s' });
      await waitFor(() => r.client.state === 'unauthorized', 'the unauthorized state');
      expect(refusals).toEqual([{ reason: `the bridge refused the connection (HTTP ${status})`, status }]);
      r.timers.advance(DEFAULT_RENEW_AFTER_MS);
      await settle();
      expect(bridge.handshakes).toHaveLength(1);
      expect(refusals).toHaveLength(1);
      expect(r.states.map((s) => s.state)).toEqual(['unauthorized']);
    });
  }

  it('treats a 503 as temporary: jittered reconnects until the bridge accepts', async () => {
    bridge.options.accept = false;
    const r = start({ token: 'h.p.s' });
    await waitFor(() => r.client.state === 'reconnecting', 'reconnecting');
    r.timers.advance(250);
    await waitFor(() => bridge.handshakes.length === 2, 'the second attempt');
    await waitFor(() => r.states.length === 2, 'its failure');
    bridge.options.accept = true;
    r.timers.advance(500);
    await waitFor(() => r.client.state === 'open', 'open');
    expect(refusals).toEqual([]);
    expect(r.states.map((s) => `${s.state}${s.delayMs === undefined ? '' : `+${s.delayMs}`}`)).toEqual([
      'reconnecting+250',
      'reconnecting+500',
      'open',
    ]);
  });

  it('refuses an expired JWT itself, without dialing (browsers never see the 401)', async () => {
    const r = start({ token: jwt({ sub: 'a', exp: 1_000 }) });
    await waitFor(() => r.client.state === 'unauthorized', 'the unauthorized state');
    expect(refusals).toEqual([
      { reason: 'the token expired at 1970-01-01T00:16:40.000Z; give the client a new one' },
    ]);
    await settle();
    expect(bridge.handshakes).toEqual([]);
  });

  it('asks getToken again for a renewal: the new link carries the new token', async () => {
    let issued = 0;
    const r = start({ token: () => `token-${++issued}`, pongTimeoutMs: NO_PONG_TIMEOUT });
    await waitFor(() => r.client.state === 'open', 'open');
    r.timers.advance(DEFAULT_RENEW_AFTER_MS);
    await waitFor(() => bridge.connections.length === 2, 'the renewal connection');
    // The client handles `open` in the same tick as its socket becomes OPEN.
    await waitFor(() => r.sockets[1]?.readyState === WebSocket.OPEN, 'the client to open the renewal link');
    r.timers.advance(DEFAULT_RENEW_DRAIN_MS);
    await waitFor(() => bridge.connections[0]?.closed, 'the old link to close');
    expect([bearer(0), bearer(1)]).toEqual(['bearer.token-1', 'bearer.token-2']);
    expect(issued).toBe(2);
  });

  it('waits for an async getToken before dialing, and asks again on a reconnect', async () => {
    const tokens = ['first', 'second'];
    const r = start({ token: async () => tokens.shift() });
    await waitFor(() => r.client.state === 'open', 'open');
    bridge.connections[0]?.socket.terminate();
    await waitFor(() => r.client.state === 'reconnecting', 'reconnecting');
    r.timers.advance(250);
    await waitFor(() => r.client.state === 'open' && bridge.connections.length === 2, 'open again');
    expect([bearer(0), bearer(1)]).toEqual(['bearer.first', 'bearer.second']);
  });

  it('after a refusal, retries at unauthorizedRetryMs with a fresh token and resumes', async () => {
    bridge.options.accept = false;
    bridge.options.refuseStatus = 401;
    const tokens = ['stale', 'still-stale', 'fixed'];
    const r = start({ token: () => tokens.shift(), unauthorizedRetryMs: 60_000 });
    await waitFor(() => refusals.length === 1, 'the first refusal');
    expect(refusals[0]).toMatchObject({ status: 401, retryInMs: 60_000 });
    r.timers.advance(59_999);
    await settle();
    expect(bridge.handshakes).toHaveLength(1);
    r.timers.advance(1);
    await waitFor(() => refusals.length === 2, 'the second refusal');
    bridge.options.accept = true;
    r.timers.advance(60_000);
    await waitFor(() => r.client.state === 'open', 'open');
    expect(bridge.handshakes.map((_, i) => bearer(i))).toEqual([
      'bearer.stale',
      'bearer.still-stale',
      'bearer.fixed',
    ]);
    expect(r.states.map((s) => s.state)).toEqual(['unauthorized', 'open']);
  });

  it('connects again on reconnect() after a refusal, and keeps the open link when only a renewal is refused', async () => {
    bridge.options.accept = false;
    bridge.options.refuseStatus = 403;
    const r = start({ token: 'h.p.s', pongTimeoutMs: NO_PONG_TIMEOUT });
    await waitFor(() => r.client.state === 'unauthorized', 'unauthorized');
    bridge.options.accept = true;
    r.client.reconnect();
    await waitFor(() => r.client.state === 'open', 'open after reconnect()');
    bridge.options.accept = false;
    r.timers.advance(DEFAULT_RENEW_AFTER_MS);
    await waitFor(() => refusals.length === 2, 'the refused renewal');
    expect(r.client.state).toBe('open');
    bridge.connections[0]?.send({ topic: 't', message: 'still flowing' });
    await waitFor(() => r.messages.length === 1, 'a message on the old link');
    // When that link ends, the refusal stands: no reconnect loop.
    bridge.connections[0]?.socket.terminate();
    await waitFor(() => r.client.state === 'unauthorized', 'unauthorized once the old link is gone');
    expect(refusals).toHaveLength(3);
    r.timers.advance(DEFAULT_RENEW_AFTER_MS);
    await settle();
    expect(bridge.handshakes).toHaveLength(3);
  });

  it('refuses a token a subprotocol cannot carry, and names the option that can', async () => {
    const r = start({ token: 'has spaces' });
    await waitFor(() => r.client.state === 'unauthorized', 'unauthorized');
    expect(refusals[0]?.reason).toContain('use tokenTransport "query"');
    expect(bridge.handshakes).toEqual([]);
  });
});
