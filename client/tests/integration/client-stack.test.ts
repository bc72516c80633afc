import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type LocalStack, startLocalStack } from '../../../cloud/local/stack.js';
import {
  BridgeRejectionError,
  type ConnectOptions,
  connect,
  DEFAULT_PING_INTERVAL_MS,
  DEFAULT_PONG_TIMEOUT_MS,
  type TopicBridgeClient,
} from '../../src/index.js';
import { type RecordedClient, recordingClient } from '../support/recording-client.js';
import { tappedWebSocket } from '../support/tapped-web-socket.js';
import { settle, waitFor } from '../support/wait-for.js';

let stack: LocalStack;
const opened: { client: TopicBridgeClient }[] = [];

/** A recorded client on the real stack, with manual timers (nothing happens on its own clock). */
function manualClient(options: Partial<ConnectOptions>): RecordedClient {
  const recorded = recordingClient({ url: stack.wsUrl, ...options });
  opened.push(recorded);
  return recorded;
}

/** A plain client with real timers and short reconnect delays, for the outage test. */
function realTimeClient(options: Partial<ConnectOptions>): TopicBridgeClient {
  const client = connect({
    url: stack.wsUrl,
    WebSocket,
    minReconnectDelayMs: 100,
    maxReconnectDelayMs: 1000,
    ...options,
  });
  opened.push({ client });
  return client;
}

const isOpen = (r: { client: TopicBridgeClient }) => () => r.client.state === 'open';

beforeAll(async () => {
  stack = await startLocalStack();
});

afterEach(() => {
  for (const { client } of opened.splice(0)) client.close();
});

afterAll(async () => {
  await stack?.stop();
});

describe('client against the real local stack', () => {
  it('publishes with an ack counting the deliveries, to matching subscribers only', async () => {
    const sub = manualClient({ topics: ['it/ack/+'] });
    const other = manualClient({ topics: ['it/elsewhere'] });
    const pub = manualClient({});
    await Promise.all([sub, other, pub].map((r) => waitFor(isOpen(r), 'open')));
    const result = await pub.client.publish('it/ack/1', { value: 1.5 });
    expect(result.delivered).toBe(1);
    await waitFor(() => sub.messages.length === 1, 'the message');
    await settle(300);
    expect(sub.messages.map((m) => [m.topic, m.message, m.id])).toEqual([
      ['it/ack/1', { value: 1.5 }, result.id],
    ]);
    expect(other.messages).toEqual([]);
    expect([sub, other, pub].flatMap((r) => [...r.errors, ...r.invalid])).toEqual([]);
  });

  it('rejects a publish with the stable code of the bridge error frame', async () => {
    const pub = manualClient({});
    await waitFor(isOpen(pub), 'open');
    stack.setStoreAvailable(false);
    try {
      const error = await pub.client.publish('it/error', 1).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BridgeRejectionError);
      expect(error).toMatchObject({ code: 'store_unavailable', retryable: true });
    } finally {
      stack.setStoreAvailable(true);
    }
    expect(await pub.client.publish('it/error', 2)).toMatchObject({ delivered: 0 });
    expect(pub.client.state).toBe('open');
  });

  it('drops a second frame with the same id', async () => {
    const sub = manualClient({ topics: ['it/dedup'] });
    const pub = manualClient({});
    await Promise.all([sub, pub].map((r) => waitFor(isOpen(r), 'open')));
    expect(await pub.client.publish('it/dedup', 'first', { id: 'same-id' })).toEqual({
      id: 'same-id',
      delivered: 1,
    });
    expect(await pub.client.publish('it/dedup', 'again', { id: 'same-id' })).toEqual({
      id: 'same-id',
      delivered: 1,
    });
    expect(await pub.client.publish('it/dedup', 'other', { id: 'other-id' })).toMatchObject({ delivered: 1 });
    await waitFor(() => sub.messages.length === 2, 'two messages');
    await settle(300);
    expect(sub.messages.map((m) => m.message)).toEqual(['first', 'other']);
  });

  it('pings on its clock and stays connected when the pong comes', async () => {
    const tap = tappedWebSocket();
    const sub = manualClient({ topics: ['it/ping'], WebSocket: tap.WebSocket });
    const pub = manualClient({});
    await Promise.all([sub, pub].map((r) => waitFor(isOpen(r), 'open')));
    // Each step lands exactly on the next ping; the previous pong timer fell due inside the step.
    for (let pings = 1; pings <= 3; pings++) {
      sub.timers.advance(DEFAULT_PING_INTERVAL_MS);
      await waitFor(
        () => tap.frames.filter((f) => f === '{"type":"pong"}').length === pings,
        `pong ${pings}`,
      );
    }
    sub.timers.advance(DEFAULT_PONG_TIMEOUT_MS);
    await settle(100);
    expect(tap.sockets).toHaveLength(1);
    expect(sub.states.map((s) => s.state)).toEqual(['open']);
    await pub.client.publish('it/ping', 'still subscribed');
    await waitFor(() => sub.messages.length === 1, 'the message');
  });

  it('renews on its clock: the bridge delivers to both links during the overlap and the client keeps one copy', async () => {
    const { WebSocket: TappedWebSocket, sockets } = tappedWebSocket();
    const sub = manualClient({ topics: ['it/renew'], WebSocket: TappedWebSocket, renewAfterMs: 60_000 });
    const pub = manualClient({});
    await Promise.all([sub, pub].map((r) => waitFor(isOpen(r), 'open')));
    sub.timers.advance(60_000);
    await waitFor(() => sockets[1]?.readyState === WebSocket.OPEN, 'the renewal link to open');
    await settle(100);
    expect(await pub.client.publish('it/renew', 'during the overlap')).toMatchObject({ delivered: 2 });
    await waitFor(() => sub.messages.length === 1, 'the message');
    sub.timers.advance(2_000);
    await waitFor(() => sockets[0]?.readyState === WebSocket.CLOSED, 'the old link to close');
    expect(await pub.client.publish('it/renew', 'after the switch')).toMatchObject({ delivered: 1 });
    await waitFor(() => sub.messages.length === 2, 'the second message');
    await settle(300);
    expect(sub.messages.map((m) => m.message)).toEqual(['during the overlap', 'after the switch']);
    expect(sub.states.map((s) => s.state)).toEqual(['open']);
  });

  it('reconnects on its own after the stack stops and restarts on the same port, with every filter', async () => {
    const received: unknown[] = [];
    const sub = realTimeClient({ topics: ['it/outage/a'] });
    sub.on('message', (m) => received.push(m.message));
    const pub = realTimeClient({});
    await waitFor(() => sub.state === 'open' && pub.state === 'open', 'open');
    await sub.subscribe('it/outage/b/#');
    await stack.stop();
    await waitFor(() => sub.state === 'reconnecting', 'reconnecting');
    stack = await startLocalStack({ wsPort: stack.wsPort });
    await waitFor(() => sub.state === 'open' && pub.state === 'open', 'open again', 20_000);
    expect(await pub.publish('it/outage/a', 'a after')).toMatchObject({ delivered: 1 });
    expect(await pub.publish('it/outage/b/1', 'b after')).toMatchObject({ delivered: 1 });
    await waitFor(() => received.length === 2, 'both messages');
    expect(received).toEqual(['a after', 'b after']);
  }, 60_000);
});
