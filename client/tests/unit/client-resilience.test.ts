import { type AddressInfo, createServer, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_PING_INTERVAL_MS,
  DEFAULT_PONG_TIMEOUT_MS,
  DEFAULT_RENEW_AFTER_MS,
  DEFAULT_RENEW_DRAIN_MS,
  DEFAULT_RENEW_RETRY_MS,
} from '../../src/index.js';
import { type RecordedClient, recordingClient } from '../support/recording-client.js';
import { type ScriptedBridge, startScriptedBridge } from '../support/scripted-bridge.js';
import { settle, waitFor } from '../support/wait-for.js';

let bridge: ScriptedBridge;
let recorded: RecordedClient | undefined;

function start(options: Omit<Parameters<typeof recordingClient>[0], 'url'>): RecordedClient {
  recorded = recordingClient({ url: bridge.url, ...options });
  return recorded;
}

const transitions = (r: RecordedClient) =>
  r.states.map((s) => `${s.state}${s.delayMs === undefined ? '' : `+${s.delayMs}`}`);
const pings = (index: number) =>
  bridge.connections[index]?.received.filter((f) => f.action === 'ping').length ?? 0;

/** Advances the client's clock in ping-sized steps, waiting each time for the pong to reach the client. */
async function advanceAnsweringPings(r: RecordedClient, ms: number): Promise<void> {
  const pongs = () => r.frames.filter((f) => f.includes('"pong"')).length;
  for (let left = ms; left > 0; left -= DEFAULT_PING_INTERVAL_MS) {
    const before = pongs();
    r.timers.advance(Math.min(left, DEFAULT_PING_INTERVAL_MS));
    if (left >= DEFAULT_PING_INTERVAL_MS) await waitFor(() => pongs() === before + 1, 'a pong');
  }
}

beforeEach(async () => {
  bridge = await startScriptedBridge();
});

afterEach(async () => {
  recorded?.client.close();
  recorded = undefined;
  await bridge.stop();
});

describe('client against a scripted bridge: reconnect, keepalive and renewal', () => {
  it('reconnects with full-jitter backoff, resubscribes every filter and resends a pending publish with its id', async () => {
    bridge.options.relay = false;
    const r = start({ topics: ['a'] });
    await waitFor(() => r.client.state === 'open', 'open');
    await r.client.subscribe('b/#');
    const publishing = r.client.publish('a', 'survives', { id: 'keep-1' });
    await waitFor(() => bridge.connections[0]?.received.length === 3, 'the publish');
    bridge.connections[0]?.socket.terminate();
    await waitFor(() => r.client.state === 'reconnecting', 'reconnecting');
    expect(bridge.connections).toHaveLength(1);
    r.timers.advance(249);
    await settle(100);
    expect(bridge.connections).toHaveLength(1);
    r.timers.advance(1);
    await waitFor(() => r.client.state === 'open', 'open again');
    expect(bridge.connections[1]?.url.searchParams.getAll('topicName')).toEqual(['a', 'b/#']);
    // The publish goes again with its id; then the retained values and missed frames of each filter are
    // asked for (this bridge keeps no history: `history_not_enabled`, so the second request follows).
    await waitFor(() => bridge.connections[1]?.received.length === 5, 'the resent publish');
    const anyId = expect.any(String) as unknown as string;
    expect(bridge.connections[1]?.received).toEqual([
      { topic: 'a', message: 'survives', id: 'keep-1' },
      { action: 'retained', topic: 'a', id: anyId },
      { action: 'retained', topic: 'b/#', id: anyId },
      { action: 'history', topic: 'a', since: expect.any(Number), id: anyId },
      { action: 'history', topic: 'b/#', since: expect.any(Number), id: anyId },
    ]);
    bridge.connections[1]?.send({ type: 'ack', id: 'keep-1', delivered: 3 });
    expect(await publishing).toEqual({ id: 'keep-1', delivered: 3 });
    expect(transitions(r)).toEqual(['open', 'reconnecting+250', 'open']);
  });

  it('keeps retrying while the bridge refuses, with growing jittered delays', async () => {
    bridge.options.accept = false;
    const r = start({ topics: ['a'] });
    for (const [attempt, delay] of [
      [1, 250],
      [2, 500],
      [3, 1000],
    ] as const) {
      await waitFor(() => r.states.length === attempt, `attempt ${attempt} to fail`);
      r.timers.advance(delay);
    }
    bridge.options.accept = true;
    await waitFor(() => r.client.state === 'open', 'open');
    expect(transitions(r)).toEqual(['reconnecting+250', 'reconnecting+500', 'reconnecting+1000', 'open']);
  });

  it('pings every few minutes and reconnects when a pong does not come', async () => {
    bridge.options.answerPings = false;
    const r = start({ topics: ['a'] });
    await waitFor(() => r.client.state === 'open', 'open');
    r.timers.advance(DEFAULT_PING_INTERVAL_MS - 1);
    await settle(50);
    expect(pings(0)).toBe(0);
    r.timers.advance(1);
    await waitFor(() => pings(0) === 1, 'the ping');
    expect(bridge.connections[0]?.received.map((f) => f.action)).toEqual(['retained', 'ping']);
    r.timers.advance(DEFAULT_PONG_TIMEOUT_MS);
    await waitFor(() => bridge.connections[0]?.closed, 'the silent connection to be dropped');
    expect(r.states.at(-1)).toMatchObject({ state: 'reconnecting', reason: 'no pong within 15000 ms' });
    r.timers.advance(250);
    await waitFor(() => r.client.state === 'open', 'open again');
    expect(bridge.connections).toHaveLength(2);
  });

  it('renews before the 2-hour limit without a gap: one state change, no duplicate, no lost ack', async () => {
    bridge.options.relay = false;
    const r = start({ topics: ['t'] });
    await waitFor(() => r.client.state === 'open', 'open');
    await advanceAnsweringPings(r, DEFAULT_RENEW_AFTER_MS - 1);
    expect(bridge.connections).toHaveLength(1);
    expect(pings(0)).toBe(Math.floor((DEFAULT_RENEW_AFTER_MS - 1) / DEFAULT_PING_INTERVAL_MS));
    const inFlight = r.client.publish('t', 'sent on the old link', { id: 'old-1' });
    await waitFor(() => bridge.connections[0]?.received.some((f) => f.id === 'old-1'), 'the publish');
    r.timers.advance(1);
    await waitFor(() => bridge.connections.length === 2, 'the renewal connection');
    // The client handles `open` in the same tick as its socket becomes OPEN.
    await waitFor(() => r.sockets[1]?.readyState === WebSocket.OPEN, 'the client to open the renewal link');
    const [oldLink, newLink] = bridge.connections;
    expect(oldLink?.closed).toBe(false);
    oldLink?.send({ topic: 't', message: 'both', id: 'm-1' });
    newLink?.send({ topic: 't', message: 'both', id: 'm-1' });
    oldLink?.send({ topic: 't', message: 'old only', id: 'm-2' });
    oldLink?.send({ type: 'ack', id: 'old-1', delivered: 1 });
    expect(await inFlight).toEqual({ id: 'old-1', delivered: 1 });
    await waitFor(() => r.messages.length === 2, 'two messages');
    r.timers.advance(DEFAULT_RENEW_DRAIN_MS);
    await waitFor(() => oldLink?.closed, 'the old link to close');
    newLink?.send({ topic: 't', message: 'after', id: 'm-3' });
    await waitFor(() => r.messages.length === 3, 'the message after the switch');
    await settle();
    expect(r.messages.map((m) => m.message)).toEqual(['both', 'old only', 'after']);
    expect(transitions(r)).toEqual(['open']);
    // The renewal link asks for the filter's retained values and missed frames (none here), nothing else.
    expect(newLink?.received.map((f) => [f.action, f.topic])).toEqual([
      ['retained', 't'],
      ['history', 't'],
    ]);
  });

  it('keeps the old connection when a renewal fails and tries again later', async () => {
    const r = start({ topics: ['t'] });
    await waitFor(() => r.client.state === 'open', 'open');
    await advanceAnsweringPings(r, DEFAULT_RENEW_AFTER_MS - 1);
    bridge.options.accept = false;
    r.timers.advance(1);
    await waitFor(() => r.sockets[1]?.readyState === WebSocket.CLOSED, 'the refused renewal');
    expect(bridge.open()).toHaveLength(1);
    bridge.options.accept = true;
    r.timers.advance(DEFAULT_RENEW_RETRY_MS);
    await waitFor(() => r.sockets[2]?.readyState === WebSocket.OPEN, 'the retried renewal to open');
    r.timers.advance(DEFAULT_RENEW_DRAIN_MS);
    await waitFor(() => bridge.connections[0]?.closed, 'the old link to close');
    bridge.connections[1]?.send({ topic: 't', message: 'new link works' });
    await waitFor(() => r.messages.length === 1, 'a message on the new link');
    expect(transitions(r)).toEqual(['open']);
  });

  it('abandons a connection that does not open within connectTimeoutMs and retries with backoff', async () => {
    // A TCP server that accepts and never answers the WebSocket handshake.
    const accepted: Socket[] = [];
    const silent = createServer((socket) => accepted.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      recorded = recordingClient({ url: `ws://127.0.0.1:${port}/bridge`, topics: ['t'] });
      const r = recorded;
      await settle(100);
      r.timers.advance(DEFAULT_CONNECT_TIMEOUT_MS - 1);
      await settle(50);
      expect(r.states).toEqual([]);
      r.timers.advance(1);
      await waitFor(() => r.states.length === 1, 'the abandoned attempt');
      expect(r.states[0]).toMatchObject({
        state: 'reconnecting',
        reason: `the connection did not open within ${DEFAULT_CONNECT_TIMEOUT_MS} ms`,
        delayMs: 250,
      });
      await waitFor(() => r.sockets[0]?.readyState === WebSocket.CLOSED, 'the abandoned socket to close');
    } finally {
      recorded?.client.close();
      recorded = undefined;
      for (const socket of accepted) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
