import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DynamoClients } from '../../src/aws/clients.js';
import { FAN_OUT_THROTTLED_PASSES } from '../../src/config.js';
import type { ConnectionGateway } from '../../src/core/gateway.js';
import { deliver } from '../../src/core/publish.js';
import type { SubscriptionStore } from '../../src/core/subscriptions.js';
import { type ConnectionsServer, startConnectionsServer } from './support/connections-server.js';
import { type RunningDynalite, startDynalite } from './support/dynalite.js';
import {
  dynamoClients,
  freshTable,
  gatewayFor,
  recordingLogger,
  storeFor,
  TEST_FAN_OUT,
} from './support/fixture.js';

let dynalite: RunningDynalite;
let clients: DynamoClients;
let server: ConnectionsServer;
let gateway: ConnectionGateway;
let store: SubscriptionStore;

beforeAll(async () => {
  dynalite = await startDynalite();
  clients = dynamoClients(dynalite.endpoint);
  server = await startConnectionsServer();
  gateway = gatewayFor(server.endpoint);
});

afterAll(async () => {
  clients?.dynamo.destroy();
  await server?.stop();
  await dynalite?.stop();
});

beforeEach(async () => {
  store = storeFor(clients, await freshTable(clients), 'query');
});

afterEach(() => server.reset());

const FRAME = '{"topic":"a/b","message":{"v":1},  "extra":"kept as sent"}';

function run(logger = recordingLogger()) {
  return deliver('a/b', FRAME, { store, gateway, logger, settings: TEST_FAN_OUT });
}

describe('deliver (lookup + fan-out) against dynalite and a real HTTP management API', () => {
  it('posts the frame exactly as received to each matching connection once, and to nobody else', async () => {
    await store.addConnection('exact', ['a/b'], Date.now());
    await store.addConnection('both', ['a/b', 'a/+'], Date.now());
    await store.addConnection('other', ['a/c', 'b/#'], Date.now());
    const logger = recordingLogger();
    const report = await run(logger);
    expect(report).toMatchObject({ subscribers: 2, delivered: 2, gone: 0, failed: 0, failures: {} });
    expect(server.deliveredTo('exact')).toEqual([FRAME]);
    expect(server.deliveredTo('both')).toEqual([FRAME]);
    expect(server.posts).toHaveLength(2);
    const publishLines = logger.lines.filter((line) => line.message === 'publish');
    expect(publishLines).toEqual([
      expect.objectContaining({
        level: 'info',
        topic: 'a/b',
        subscribers: 2,
        delivered: 2,
        gone: 0,
        failed: 0,
        durationMs: expect.any(Number),
        readUnits: expect.any(Number),
      }),
    ]);
  });

  it('on 410 deletes every row of the gone connection during the publish and does not count it', async () => {
    await store.addConnection('stale', ['a/b', 'x/y', 'z/#'], Date.now());
    await store.addConnection('live', ['a/b'], Date.now());
    server.script('stale', [], 410);
    expect(await run()).toMatchObject({ subscribers: 2, delivered: 1, gone: 1, failed: 0 });
    expect(await store.listFilters('stale')).toEqual([]);
    expect(await store.listFilters('live')).toEqual(['a/b']);
    server.reset();
    expect(await run()).toMatchObject({ subscribers: 1, delivered: 1, gone: 0 });
    expect(server.posts.map((post) => post.connectionId)).toEqual(['live']);
  });

  it('retries a throttled post (429) and counts it delivered when a retry succeeds', async () => {
    await store.addConnection('busy', ['a/b'], Date.now());
    server.script('busy', [429, 429]);
    expect(await run()).toMatchObject({ delivered: 1, failed: 0 });
    expect(server.posts.map((post) => post.status)).toEqual([429, 429, 200]);
    expect(server.deliveredTo('busy')).toEqual([FRAME]);
  });

  it('counts a post still throttled after every retry of every pass as failed', async () => {
    await store.addConnection('busy', ['a/b'], Date.now());
    server.script('busy', [], 429);
    expect(await run()).toMatchObject({ delivered: 0, failed: 1, failures: { throttled: 1 } });
    expect(server.posts).toHaveLength((TEST_FAN_OUT.retries + 1) * (1 + FAN_OUT_THROTTLED_PASSES));
  });

  it('aborts a hung post at the timeout and counts it failed, while the others are delivered', async () => {
    await store.addConnection('hung', ['a/b'], Date.now());
    await store.addConnection('fine', ['a/b'], Date.now());
    server.script('hung', ['hang']);
    const report = await run();
    expect(report).toMatchObject({
      subscribers: 2,
      delivered: 1,
      gone: 0,
      failed: 1,
      failures: { timeout: 1 },
    });
    expect(server.deliveredTo('fine')).toEqual([FRAME]);
    expect(await store.listFilters('hung')).toEqual(['a/b']);
  });

  it('counts another HTTP error as failed without retrying or deleting', async () => {
    await store.addConnection('broken', ['a/b'], Date.now());
    server.script('broken', [500]);
    expect(await run()).toMatchObject({ delivered: 0, gone: 0, failed: 1, failures: { post_failed: 1 } });
    expect(server.posts).toHaveLength(1);
    expect(await store.listFilters('broken')).toEqual(['a/b']);
  });

  it('delivers to no one, and posts nothing, when no connection matches', async () => {
    await store.addConnection('other', ['b'], Date.now());
    expect(await run()).toMatchObject({ subscribers: 0, delivered: 0, gone: 0, failed: 0 });
    expect(server.posts).toEqual([]);
  });
});
