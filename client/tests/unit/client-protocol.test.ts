import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BridgeRejectionError, type InvalidArgumentError } from '../../src/index.js';
import { type RecordedClient, recordingClient } from '../support/recording-client.js';
import { type ScriptedBridge, startScriptedBridge } from '../support/scripted-bridge.js';
import { settle, waitFor } from '../support/wait-for.js';

let bridge: ScriptedBridge;
let clients: RecordedClient[];

function start(options: Parameters<typeof recordingClient>[0]): RecordedClient {
  const recorded = recordingClient(options);
  clients.push(recorded);
  return recorded;
}

async function opened(recorded: RecordedClient): Promise<void> {
  await waitFor(() => recorded.client.state === 'open', 'the client to open');
}

beforeEach(async () => {
  bridge = await startScriptedBridge();
  clients = [];
});

afterEach(async () => {
  for (const { client } of clients) client.close();
  await bridge.stop();
});

describe('client against a scripted bridge: the protocol', () => {
  it('subscribes at connect with one topicName per filter and offers the token as subprotocols', async () => {
    const a = start({ url: bridge.url, topics: ['sensors/+/temp', 'alerts/#'], token: 'h.p.s' });
    await opened(a);
    const url = bridge.connections[0]?.url;
    expect(url?.pathname).toBe('/bridge');
    expect(url?.searchParams.getAll('topicName')).toEqual(['sensors/+/temp', 'alerts/#']);
    expect(url?.searchParams.has('token')).toBe(false);
    expect(bridge.handshakes.map((h) => h.protocols)).toEqual([['topic-bridge.v1', 'bearer.h.p.s']]);
    expect(a.sockets[0]?.protocol).toBe('topic-bridge.v1');
    expect(a.states.map((s) => `${s.previous}>${s.state}`)).toEqual(['connecting>open']);
  });

  it('sends the token in the query string with tokenTransport "query", and offers nothing without a token', async () => {
    const a = start({ url: bridge.url, topics: ['a'], token: 'secret t', tokenTransport: 'query' });
    const b = start({ url: bridge.url, topics: ['b'] });
    await Promise.all([opened(a), opened(b)]);
    const byTopic = (topic: string) =>
      bridge.handshakes.find((h) => h.url.searchParams.get('topicName') === topic);
    expect(byTopic('a')?.url.searchParams.get('token')).toBe('secret t');
    expect(byTopic('a')?.protocols).toEqual([]);
    expect(byTopic('b')?.url.searchParams.has('token')).toBe(false);
    expect(byTopic('b')?.protocols).toEqual([]);
  });

  it('resolves a publish with the ack and delivers the frame to matching subscribers only, once', async () => {
    const sub = start({ url: bridge.url, topics: ['sensors/#'] });
    const other = start({ url: bridge.url, topics: ['alerts/#'] });
    const pub = start({ url: bridge.url });
    await Promise.all([opened(sub), opened(other), opened(pub)]);
    const result = await pub.client.publish('sensors/a/temp', { value: 21.5 });
    expect(result.delivered).toBe(1);
    expect(result.id).toMatch(/^[0-9a-z]{12}-1$/);
    await waitFor(() => sub.messages.length === 1, 'the message');
    await settle();
    expect(sub.messages.map((m) => [m.topic, m.message, m.id])).toEqual([
      ['sensors/a/temp', { value: 21.5 }, result.id],
    ]);
    expect(other.messages).toEqual([]);
    expect(bridge.connections[2]?.received).toEqual([
      { topic: 'sensors/a/temp', message: { value: 21.5 }, id: result.id },
    ]);
  });

  it("passes on the ack's failed count, and a retain flag, as sent by the bridge", async () => {
    bridge.options.relay = false;
    const pub = start({ url: bridge.url });
    await opened(pub);
    const publishing = pub.client.publish('a/b', 1, { id: 'p-2', retain: true });
    await waitFor(() => bridge.connections[0]?.received.length === 1, 'the publish');
    expect(bridge.connections[0]?.received).toEqual([{ topic: 'a/b', message: 1, id: 'p-2', retain: true }]);
    bridge.connections[0]?.send({ type: 'ack', id: 'p-2', delivered: 2, failed: 1 });
    expect(await publishing).toEqual({ id: 'p-2', delivered: 2, failed: 1 });
  });

  it('rejects a publish with the code of the error frame naming its id', async () => {
    bridge.options.relay = false;
    const pub = start({ url: bridge.url });
    await opened(pub);
    const publishing = pub.client.publish('a/b', 1, { id: 'p-1' });
    await waitFor(() => bridge.connections[0]?.received.length === 1, 'the publish');
    bridge.connections[0]?.send({
      type: 'error',
      code: 'store_unavailable',
      reason: 'DynamoDB throttled',
      id: 'p-1',
    });
    const error = await publishing.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BridgeRejectionError);
    expect(error).toMatchObject({ code: 'store_unavailable', retryable: true, reason: 'DynamoDB throttled' });
    expect(pub.errors).toEqual([]);
  });

  it('refuses bad topics, ids and messages before sending, with the code the bridge would answer', async () => {
    const pub = start({ url: bridge.url });
    await opened(pub);
    const codes = await Promise.all([
      pub.client.publish('a/+', 1).catch((e: InvalidArgumentError) => e.code),
      pub.client.publish('', 1).catch((e: InvalidArgumentError) => e.code),
      pub.client.publish('a', 'x'.repeat(140_000)).catch((e: InvalidArgumentError) => e.code),
      pub.client.publish('a', 1, { id: 'x'.repeat(65) }).catch((e: InvalidArgumentError) => e.code),
      pub.client.publish('a', undefined as never).catch((e: InvalidArgumentError) => e.code),
      pub.client.publish('a', 10n as never).catch((e: InvalidArgumentError) => e.code),
      pub.client.subscribe('a/#/b').catch((e: InvalidArgumentError) => e.code),
    ]);
    expect(codes).toEqual([
      'wildcard_in_publish_topic',
      'invalid_topic',
      'message_too_large',
      'invalid_id',
      'missing_message',
      'invalid_message',
      'invalid_topic',
    ]);
    await settle();
    expect(bridge.connections[0]?.received).toEqual([]);
  });

  it('drops a frame whose id it has already delivered, and delivers frames without ids each time', async () => {
    const sub = start({ url: bridge.url, topics: ['t'] });
    await opened(sub);
    const bridgeSide = bridge.connections[0];
    for (const frame of [
      { topic: 't', message: 1, id: 'x' },
      { topic: 't', message: 1, id: 'x' },
      { topic: 't', message: 2 },
      { topic: 't', message: 2 },
      { topic: 't', message: 3, id: 'y' },
    ]) {
      bridgeSide?.send(frame);
    }
    await waitFor(() => sub.messages.length >= 4, 'four messages');
    await settle();
    expect(sub.messages.map((m) => m.message)).toEqual([1, 2, 2, 3]);
  });

  it('reports unexpected frames as invalid-frame events and keeps working', async () => {
    const sub = start({ url: bridge.url, topics: ['t'] });
    await opened(sub);
    const bridgeSide = bridge.connections[0];
    bridgeSide?.send('not json');
    bridgeSide?.send('[1,2]');
    bridgeSide?.send({ message: 'Internal server error' });
    bridgeSide?.send({ type: 'surprise' });
    bridgeSide?.socket.send(Buffer.from([1, 2, 3]));
    bridgeSide?.send({ topic: 't', message: 'still here' });
    await waitFor(() => sub.messages.length === 1, 'the message after the bad frames');
    expect(sub.invalid).toEqual([
      { raw: 'not json', reason: 'the frame is not valid JSON' },
      { raw: '[1,2]', reason: 'the frame is not a JSON object' },
      { raw: '{"message":"Internal server error"}', reason: 'a published frame without a string "topic"' },
      { raw: '{"type":"surprise"}', reason: 'unknown frame type "surprise"' },
      { raw: '', reason: 'a binary frame; the protocol uses text frames only' },
    ]);
    expect(sub.client.state).toBe('open');
  });

  it('reports a throwing listener on the error event without breaking delivery', async () => {
    const sub = start({ url: bridge.url, topics: ['t'] });
    await opened(sub);
    sub.client.on('message', () => {
      throw new Error('listener bug');
    });
    bridge.connections[0]?.send({ topic: 't', message: 1 });
    bridge.connections[0]?.send({ topic: 't', message: 2 });
    await waitFor(() => sub.messages.length === 2, 'both messages');
    expect(sub.errors.map((e) => [e.code, e.message])).toEqual([
      ['listener_failed', 'a "message" listener threw: Error: listener bug'],
      ['listener_failed', 'a "message" listener threw: Error: listener bug'],
    ]);
  });

  it('subscribes and unsubscribes at runtime, and drops frames for filters it no longer holds', async () => {
    const sub = start({ url: bridge.url, topics: ['a'] });
    await opened(sub);
    await sub.client.subscribe('b/+');
    expect(sub.client.filters).toEqual(['a', 'b/+']);
    await sub.client.unsubscribe('a');
    expect(sub.client.filters).toEqual(['b/+']);
    expect(bridge.connections[0]?.received.map((f) => [f.action, f.topic])).toEqual([
      ['retained', 'a'],
      ['subscribe', 'b/+'],
      ['unsubscribe', 'a'],
    ]);
    bridge.connections[0]?.send({ topic: 'a', message: 'late' });
    bridge.connections[0]?.send({ topic: 'b/1', message: 'wanted' });
    await waitFor(() => sub.messages.length === 1, 'the wanted message');
    await settle();
    expect(sub.messages.map((m) => m.message)).toEqual(['wanted']);
  });

  it('rejects pending publishes and later calls with client_closed after close()', async () => {
    bridge.options.relay = false;
    const pub = start({ url: bridge.url });
    await opened(pub);
    const pending = pub.client.publish('a', 1).catch((e: InvalidArgumentError) => e.code);
    pub.client.close();
    expect(await pending).toBe('client_closed');
    expect(await pub.client.publish('a', 1).catch((e: InvalidArgumentError) => e.code)).toBe('client_closed');
    expect(pub.states.at(-1)).toMatchObject({ state: 'closed', previous: 'open' });
    expect(pub.timers.pending).toBe(0);
    await waitFor(() => bridge.connections[0]?.closed, 'the socket to close');
  });
});
