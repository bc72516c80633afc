import { FULL_ACCESS, MAX_FILTERS_PER_CONNECTION, MAX_FRAME_BYTES } from '@topic-bridge/shared-types';
import { beforeEach, describe, expect, it } from 'vitest';
import type { LookupStrategy } from '../../src/aws/find-subscribers.js';
import { handleMessage } from '../../src/core/handle-message.js';
import type { MessageDeps } from '../../src/core/message-context.js';
import { silentLogger } from '../../src/log.js';
import { dynamoClients, freshTable, recordingLogger, storeFor, TEST_FAN_OUT } from './support/fixture.js';
import { useLocalStore } from './support/use-local-store.js';

const local = useLocalStore({ connections: true });

const received = (connectionId: string) =>
  local.server.deliveredTo(connectionId).map((body) => JSON.parse(body));

describe.each<LookupStrategy>(['scan', 'query'])('handleMessage with the %s lookup', (lookup) => {
  let deps: MessageDeps;
  const send = (connectionId: string, body: string) =>
    handleMessage({ connectionId, body, connectedAtMs: Date.now(), grants: FULL_ACCESS }, deps);

  beforeEach(async () => {
    const store = storeFor(local.clients, await freshTable(local.clients), lookup);
    deps = {
      store,
      gateway: local.gateway,
      logger: silentLogger,
      config: { fanOut: TEST_FAN_OUT },
    };
    await store.addConnection('sender', ['chat/#'], Date.now());
    await store.addConnection('listener', ['chat/room'], Date.now());
    await store.addConnection('bystander', ['other'], Date.now());
  });

  it('fans a publish out as sent, then acks the sender with the delivered count', async () => {
    const frame = '{"topic":"chat/room","message":{"text":"hi"},"id":"m1"}';
    await send('sender', frame);
    expect(local.server.deliveredTo('listener')).toEqual([frame]);
    expect(local.server.deliveredTo('sender')).toEqual([
      frame,
      '{"type":"ack","id":"m1","delivered":2,"subscribers":2,"queued":0}',
    ]);
    expect(local.server.deliveredTo('bystander')).toEqual([]);
  });

  it('counts posts that failed past every retry as `failed` in the ack, so the sender can send again', async () => {
    local.server.script('listener', [], 500);
    const frame = '{"topic":"chat/room","message":1,"id":"m2"}';
    await send('sender', frame);
    expect(local.server.deliveredTo('listener')).toEqual([]);
    expect(local.server.deliveredTo('sender')).toEqual([
      frame,
      '{"type":"ack","id":"m2","delivered":1,"subscribers":2,"queued":0,"failed":1}',
    ]);
  });

  it('logs a sender that left before its ack at debug, and an ack that could not be posted as a warning', async () => {
    const logger = recordingLogger();
    deps = { ...deps, logger };
    // The bystander is subscribed to none of chat/room: the only post to it is its ack.
    local.server.script('bystander', [], 410);
    await send('bystander', '{"topic":"chat/room","message":1,"id":"g1"}');
    local.server.script('bystander', [], 500);
    await send('bystander', '{"topic":"chat/room","message":2,"id":"g2"}');
    const about = logger.lines.filter((line) => line.connectionId === 'bystander');
    expect(about.map(({ level, message, type, outcome }) => ({ level, message, type, outcome }))).toEqual([
      { level: 'debug', message: 'the sender left before its reply', type: 'ack', outcome: undefined },
      { level: 'warn', message: 'could not reply to the sender', type: 'ack', outcome: 'failed' },
    ]);
    expect(local.server.deliveredTo('listener').map((body) => JSON.parse(body).id)).toEqual(['g1', 'g2']);
  });

  it('sends no ack for a publish without an id', async () => {
    await send('bystander', '{"topic":"chat/room","message":1}');
    expect(local.server.posts.map((post) => post.connectionId).sort()).toEqual(['listener', 'sender']);
  });

  it('subscribes and unsubscribes at runtime, confirming each, and routes publishes accordingly', async () => {
    await send('bystander', '{"action":"subscribe","topic":"chat/+","id":"s1"}');
    await send('bystander', '{"action":"subscribe","topic":"chat/+"}');
    expect(received('bystander')).toEqual([
      { type: 'subscribed', topic: 'chat/+', id: 's1' },
      { type: 'subscribed', topic: 'chat/+' },
    ]);
    expect((await deps.store.listFilters('bystander')).sort()).toEqual(['chat/+', 'other']);
    local.server.reset();
    await send('listener', '{"topic":"chat/x","message":2}');
    expect(local.server.deliveredTo('bystander')).toEqual(['{"topic":"chat/x","message":2}']);
    local.server.reset();
    await send('bystander', '{"action":"unsubscribe","topic":"chat/+","id":"u1"}');
    await send('bystander', '{"action":"unsubscribe","topic":"never/held"}');
    expect(received('bystander')).toEqual([
      { type: 'unsubscribed', topic: 'chat/+', id: 'u1' },
      { type: 'unsubscribed', topic: 'never/held' },
    ]);
    local.server.reset();
    await send('listener', '{"topic":"chat/x","message":3}');
    expect(local.server.deliveredTo('bystander')).toEqual([]);
  });

  it(`refuses a subscription past ${MAX_FILTERS_PER_CONNECTION} filters, but confirms one already held`, async () => {
    const filters = Array.from({ length: MAX_FILTERS_PER_CONNECTION }, (_, i) => `f/${i}`);
    await deps.store.addConnection('full', filters, Date.now());
    await send('full', '{"action":"subscribe","topic":"one/more","id":"s"}');
    await send('full', '{"action":"subscribe","topic":"f/3"}');
    expect(received('full')).toEqual([
      {
        type: 'error',
        code: 'too_many_subscriptions',
        reason: `this connection already holds ${MAX_FILTERS_PER_CONNECTION} filters, the most allowed (${MAX_FILTERS_PER_CONNECTION}); unsubscribe from one first`,
        id: 's',
      },
      { type: 'subscribed', topic: 'f/3' },
    ]);
    expect(await deps.store.listFilters('full')).toHaveLength(MAX_FILTERS_PER_CONNECTION);
  });

  it('answers a ping with a pong', async () => {
    await send('bystander', '{"action":"ping"}');
    await send('bystander', '{"action":"ping","id":"p"}');
    expect(received('bystander')).toEqual([{ type: 'pong' }, { type: 'pong', id: 'p' }]);
  });

  const BAD_FRAMES: Array<[string, string, string | undefined]> = [
    ['malformed_json', '{"topic":', undefined],
    ['not_an_object', '["chat/room",1]', undefined],
    ['invalid_topic', '{"message":1,"id":"b1"}', 'b1'],
    ['invalid_topic', '{"topic":"","message":1}', undefined],
    ['wildcard_in_publish_topic', '{"topic":"chat/#","message":1,"id":"b2"}', 'b2'],
    ['missing_message', '{"topic":"chat/room","id":"b3"}', 'b3'],
    ['invalid_id', '{"topic":"chat/room","message":1,"id":7}', undefined],
    ['message_too_large', `{"topic":"chat/room","id":"b4","message":"${'x'.repeat(MAX_FRAME_BYTES)}"}`, 'b4'],
    ['unknown_action', '{"action":"shout","id":"b5"}', 'b5'],
    ['invalid_topic', '{"action":"subscribe","topic":"a/#/b"}', undefined],
  ];

  it.each(BAD_FRAMES)(
    'answers %s to the sender only, broadcasts nothing, and keeps working',
    async (code, body, id) => {
      await send('sender', body);
      expect(local.server.posts.map((post) => post.connectionId)).toEqual(['sender']);
      const [reply] = received('sender');
      expect(reply).toEqual({
        type: 'error',
        code,
        reason: expect.any(String),
        ...(id === undefined ? {} : { id }),
      });
      await send('sender', '{"action":"ping"}');
      expect(received('sender')).toEqual([reply, { type: 'pong' }]);
    },
  );
});

describe('handleMessage when the store fails', () => {
  it('answers store_unavailable, with the frame id, when DynamoDB cannot be reached', async () => {
    const unreachable = dynamoClients('http://127.0.0.1:9');
    const logger = recordingLogger();
    const deps: MessageDeps = {
      store: storeFor(unreachable, 'WSConnections', 'query'),
      gateway: local.gateway,
      logger,
      config: { fanOut: TEST_FAN_OUT },
    };
    await handleMessage(
      {
        connectionId: 'c',
        body: '{"topic":"t","message":1,"id":"x"}',
        connectedAtMs: 0,
        grants: FULL_ACCESS,
      },
      deps,
    );
    await handleMessage(
      {
        connectionId: 'c',
        body: '{"action":"subscribe","topic":"t"}',
        connectedAtMs: 0,
        grants: FULL_ACCESS,
      },
      deps,
    );
    expect(received('c')).toEqual([
      {
        type: 'error',
        code: 'store_unavailable',
        reason: "the bridge's store (DynamoDB) is unavailable; try again shortly",
        id: 'x',
      },
      {
        type: 'error',
        code: 'store_unavailable',
        reason: "the bridge's store (DynamoDB) is unavailable; try again shortly",
      },
    ]);
    expect(logger.lines.filter((line) => line.level === 'warn')).toHaveLength(2);
    unreachable.destroy();
  });

  it('answers internal when the store fails unexpectedly (a throwing stand-in store)', async () => {
    const store = storeFor(local.clients, await freshTable(local.clients), 'query');
    const logger = recordingLogger();
    const failing = {
      ...store,
      // biome-ignore lint/correctness/useYield: a lookup that fails before its first page
      findSubscribers: async function* () {
        throw new TypeError('boom');
      },
    };
    const deps: MessageDeps = {
      store: failing,
      gateway: local.gateway,
      logger,
      config: { fanOut: TEST_FAN_OUT },
    };
    await handleMessage(
      {
        connectionId: 'c',
        body: '{"topic":"t","message":1,"id":"x"}',
        connectedAtMs: 0,
        grants: FULL_ACCESS,
      },
      deps,
    );
    expect(received('c')).toEqual([
      {
        type: 'error',
        code: 'internal',
        reason: 'the bridge failed unexpectedly; try again, and report it if it persists',
        id: 'x',
      },
    ]);
    expect(logger.lines.filter((line) => line.level === 'error')).toEqual([
      expect.objectContaining({ message: 'unexpected failure handling a frame', error: 'TypeError: boom' }),
    ]);
  });
});
