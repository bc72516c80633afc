import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { LinkState } from '../../../src/link/link.js';
import { WsLink, type WsLinkOptions } from '../../../src/link/ws-link.js';
import {
  realPause,
  recordingLogger,
  type ScriptServer,
  startScriptServer,
  until,
} from '../../support/script-server.js';

const TIMING = {
  connectTimeoutMs: 5_000,
  pingIntervalMs: 60_000,
  pongTimeoutMs: 10_000,
  renewAfterMs: 110 * 60_000,
  renewDrainMs: 10_000,
  backoff: { initialMs: 500, maxMs: 30_000, stableAfterMs: 30_000 },
};

describe('WsLink timing (fake timers, real ws server on port 0)', () => {
  let server: ScriptServer;
  let link: WsLink | undefined;
  let constructed: string[];
  let states: [LinkState, string][];
  const logger = recordingLogger();

  class CountingWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[], options?: WebSocket.ClientOptions) {
      super(url, protocols, options);
      constructed.push(url);
    }
  }

  function makeLink(overrides: Partial<WsLinkOptions> = {}): WsLink {
    link = new WsLink({
      url: server.url,
      WebSocket: CountingWebSocket,
      logger,
      random: () => 0.5,
      ...TIMING,
      ...overrides,
    });
    link.on('state', (state, detail) => states.push([state, detail]));
    return link;
  }

  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    server = await startScriptServer();
    constructed = [];
    states = [];
    logger.lines.length = 0;
  });
  afterEach(async () => {
    vi.useRealTimers();
    await link?.stop();
    link = undefined;
    await server.close();
  });

  it('retries an unreachable bridge with full-jitter delays doubling from 0.5 s to a 30 s cap', async () => {
    await server.close();
    makeLink().start();
    const expected = [250, 500, 1000, 2000, 4000, 8000, 15_000, 15_000];
    for (const [attempt, delay] of expected.entries()) {
      await until(
        () => link?.state === 'disconnected' && constructed.length === attempt + 1,
        `failure ${attempt}`,
      );
      vi.advanceTimersByTime(delay - 1);
      expect(constructed.length).toBe(attempt + 1);
      vi.advanceTimersByTime(1);
      expect(constructed.length).toBe(attempt + 2);
    }
    const delays = logger.lines
      .filter((l) => l.message === 'bridge could not connect')
      .map((l) => l.fields.retryInMs);
    expect(delays).toEqual(expected);
  });

  it('resets the backoff once a connection has stayed up for stableAfterMs', async () => {
    makeLink().start();
    await until(() => link?.state === 'connected', 'connected');
    server.sockets[0]?.terminate();
    await until(() => link?.state === 'disconnected', 'first drop');
    vi.advanceTimersByTime(250);
    await until(() => link?.state === 'connected' && server.sockets.length === 2, 'second connection');
    server.sockets[1]?.terminate();
    await until(() => constructed.length === 2 && link?.state === 'disconnected', 'second drop');
    vi.advanceTimersByTime(500);
    await until(() => link?.state === 'connected' && server.sockets.length === 3, 'third connection');
    vi.advanceTimersByTime(30_000);
    server.sockets[2]?.terminate();
    await until(() => link?.state === 'disconnected' && constructed.length === 3, 'third drop');
    const delays = logger.lines
      .filter((l) => l.message.startsWith('bridge connection closed'))
      .map((l) => l.fields.retryInMs);
    expect(delays).toEqual([250, 500, 250]);
  });

  it('pings every pingIntervalMs and reconnects when no pong comes within pongTimeoutMs', async () => {
    makeLink().start();
    await until(() => link?.state === 'connected', 'connected');
    vi.advanceTimersByTime(59_999);
    expect(server.received).toEqual([]);
    vi.advanceTimersByTime(1);
    await until(() => server.received.length === 1, 'first ping');
    expect(server.received[0]).toEqual({ socket: 0, frame: { action: 'ping' } });
    await realPause(50);
    server.behaviour.pong = false;
    vi.advanceTimersByTime(60_000);
    await until(() => server.received.length === 2, 'second ping');
    vi.advanceTimersByTime(9_999);
    expect(link?.state).toBe('connected');
    vi.advanceTimersByTime(1);
    await until(() => link?.state === 'disconnected', 'dropped after pong timeout');
    expect(
      logger.lines.filter((l) => l.message === 'bridge connection closed').map((l) => l.fields.reason),
    ).toEqual(['no pong within 10000 ms']);
    vi.advanceTimersByTime(250);
    await until(() => server.sockets.length === 2 && link?.state === 'connected', 'reconnected');
  });

  it('renews before the 2-hour limit: new connection first, old one closed once its acks are in', async () => {
    server.behaviour.ack = false;
    const l = makeLink({ pingIntervalMs: 200 * 60_000 });
    const acks: string[] = [];
    const unacked: string[][] = [];
    l.on('ack', (id) => acks.push(id));
    l.on('unacked', (ids) => unacked.push(ids));
    l.start();
    await until(() => l.state === 'connected', 'connected');
    expect(l.send('a', '{"topic":"t","message":1,"id":"a"}')).toBe(true);
    await until(() => server.received.length === 1, 'frame a');
    vi.advanceTimersByTime(110 * 60_000);
    await until(() => server.sockets.length === 2 && states.at(-1)?.[1] === 'renewed', 'renewed');
    expect(l.send('b', '{"topic":"t","message":2,"id":"b"}')).toBe(true);
    await until(() => server.received.length >= 2, 'frame b');
    expect(server.received.filter((r) => r.frame.id).map((r) => [r.socket, r.frame.id])).toEqual([
      [0, 'a'],
      [1, 'b'],
    ]);
    expect(server.sockets[0]?.readyState).toBe(WebSocket.OPEN);
    server.sockets[0]?.send('{"type":"ack","id":"a","delivered":1}');
    await until(() => server.sockets[0]?.readyState === WebSocket.CLOSED, 'old connection closed');
    expect(acks).toEqual(['a']);
    expect(unacked).toEqual([]);
    expect(l.state).toBe('connected');
    expect(states.map(([s]) => s)).toEqual(['connecting', 'connected', 'connected']);
  });

  it('after a renewal, reports frames the old connection never acknowledged once renewDrainMs has passed', async () => {
    server.behaviour.ack = false;
    const l = makeLink({ pingIntervalMs: 200 * 60_000 });
    const unacked: string[][] = [];
    l.on('unacked', (ids) => unacked.push(ids));
    l.start();
    await until(() => l.state === 'connected', 'connected');
    l.send('a', '{"topic":"t","message":1,"id":"a"}');
    await until(() => server.received.length === 1, 'frame a');
    vi.advanceTimersByTime(110 * 60_000);
    await until(() => server.sockets.length === 2 && states.at(-1)?.[1] === 'renewed', 'renewed');
    vi.advanceTimersByTime(9_999);
    expect(unacked).toEqual([]);
    vi.advanceTimersByTime(1);
    await until(() => unacked.length === 1, 'unacked reported');
    expect(unacked).toEqual([['a']]);
    expect(l.state).toBe('connected');
  });

  it('emits acks and rejects, ignores frames it cannot parse, and refuses to send while disconnected', async () => {
    server.behaviour.reply = (frame) =>
      frame.id === 'bad' ? { type: 'error', code: 'invalid_topic', reason: 'nope', id: 'bad' } : undefined;
    const l = makeLink();
    expect(l.send('x', '{}')).toBe(false);
    const events: unknown[] = [];
    l.on('ack', (id, delivered) => events.push(['ack', id, delivered]));
    l.on('reject', (id, code, reason) => events.push(['reject', id, code, reason]));
    l.start();
    await until(() => l.state === 'connected', 'connected');
    server.sockets[0]?.send('not json');
    l.send('good', '{"topic":"t","message":1,"id":"good"}');
    l.send('bad', '{"topic":"t","message":1,"id":"bad"}');
    await until(() => events.length === 2, 'two answers');
    expect(events).toEqual([
      ['ack', 'good', 1],
      ['reject', 'bad', 'invalid_topic', 'nope'],
    ]);
  });
});
