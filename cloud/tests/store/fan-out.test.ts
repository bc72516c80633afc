import { beforeEach, describe, expect, it } from 'vitest';
import { POST_THROTTLED_RETRIES } from '../../src/config.js';
import { deliver } from '../../src/core/publish.js';
import type { SubscriptionStore } from '../../src/core/subscriptions.js';
import {
  freshTable,
  HUNG_POST_TIMEOUT_MS,
  recordingLogger,
  storeFor,
  TEST_FAN_OUT,
} from './support/fixture.js';
import { useLocalStore } from './support/use-local-store.js';

const local = useLocalStore({ connections: true });
let store: SubscriptionStore;

beforeEach(async () => {
  store = storeFor(local.clients, await freshTable(local.clients), 'query');
});

const FRAME = '{"topic":"a/b","message":{"v":1},  "extra":"kept as sent"}';

function run(logger = recordingLogger()) {
  return deliver('a/b', FRAME, { store, gateway: local.gateway, logger, settings: TEST_FAN_OUT });
}

describe('deliver (lookup + fan-out) against dynalite and a real HTTP management API', () => {
  it('posts the frame exactly as received to each matching connection once, and to nobody else', async () => {
    await store.addConnection('exact', ['a/b'], Date.now());
    await store.addConnection('both', ['a/b', 'a/+'], Date.now());
    await store.addConnection('other', ['a/c', 'b/#'], Date.now());
    const logger = recordingLogger();
    const report = await run(logger);
    expect(report).toMatchObject({ subscribers: 2, delivered: 2, gone: 0, failed: 0, failures: {} });
    expect(local.server.deliveredTo('exact')).toEqual([FRAME]);
    expect(local.server.deliveredTo('both')).toEqual([FRAME]);
    expect(local.server.posts).toHaveLength(2);
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
    local.server.script('stale', [], 410);
    expect(await run()).toMatchObject({ subscribers: 2, delivered: 1, gone: 1, failed: 0 });
    expect(await store.listFilters('stale')).toEqual([]);
    expect(await store.listFilters('live')).toEqual(['a/b']);
    local.server.reset();
    expect(await run()).toMatchObject({ subscribers: 1, delivered: 1, gone: 0 });
    expect(local.server.posts.map((post) => post.connectionId)).toEqual(['live']);
  });

  it('retries a throttled post (429) and counts it delivered when a retry succeeds', async () => {
    await store.addConnection('busy', ['a/b'], Date.now());
    local.server.script('busy', [429, 429]);
    expect(await run()).toMatchObject({ delivered: 1, failed: 0 });
    expect(local.server.posts.map((post) => post.status)).toEqual([429, 429, 200]);
    expect(local.server.deliveredTo('busy')).toEqual([FRAME]);
  });

  it('counts a post still throttled after all its throttle retries as failed', async () => {
    await store.addConnection('busy', ['a/b'], Date.now());
    local.server.script('busy', [], 429);
    expect(await run()).toMatchObject({ delivered: 0, failed: 1, failures: { throttled: 1 } });
    expect(local.server.posts).toHaveLength(POST_THROTTLED_RETRIES + 1);
  });

  it('aborts a post that always hangs at each timeout, counts it lost, while the others are delivered', async () => {
    await store.addConnection('hung', ['a/b'], Date.now());
    await store.addConnection('fine', ['a/b'], Date.now());
    local.server.script('hung', [], 'hang');
    // 'fine' is posted under the same timeout and must not time out: HUNG_POST_TIMEOUT_MS, not 100 ms.
    const settings = { ...TEST_FAN_OUT, postTimeoutMs: HUNG_POST_TIMEOUT_MS, retries: 1 };
    const report = await deliver('a/b', FRAME, {
      store,
      gateway: local.gateway,
      logger: recordingLogger(),
      settings,
    });
    expect(report).toMatchObject({
      subscribers: 2,
      delivered: 1,
      gone: 0,
      failed: 1,
      failures: { timeout: 1 },
      retries: 1,
      retried: { timeout: 1 },
    });
    expect(local.server.deliveredTo('fine')).toEqual([FRAME]);
    expect(await store.listFilters('hung')).toEqual(['a/b']);
  });

  it('retries resets and 5xx, and names every retried cause in the publish line', async () => {
    await store.addConnection('flaky', ['a/b'], Date.now());
    await store.addConnection('busy', ['a/b'], Date.now());
    local.server.script('flaky', ['reset', 500, 'reset']);
    local.server.script('busy', [503]);
    const logger = recordingLogger();
    const report = await run(logger);
    expect(report).toMatchObject({ delivered: 2, failed: 0, failures: {}, retries: 4 });
    expect(report.retried).toEqual({ reset: 2, server_error: 2 });
    expect(local.server.deliveredTo('flaky')).toEqual([FRAME]);
    expect(local.server.deliveredTo('busy')).toEqual([FRAME]);
    expect(logger.lines.filter((line) => line.message === 'publish')).toEqual([
      expect.objectContaining({
        level: 'info',
        retries: 4,
        retried: { reset: 2, server_error: 2 },
        failures: {},
      }),
    ]);
  });

  it('counts another 4xx as lost (rejected) without retrying or deleting', async () => {
    await store.addConnection('broken', ['a/b'], Date.now());
    local.server.script('broken', [400]);
    expect(await run()).toMatchObject({
      delivered: 0,
      gone: 0,
      failed: 1,
      failures: { rejected: 1 },
      retries: 0,
    });
    expect(local.server.posts).toHaveLength(1);
    expect(await store.listFilters('broken')).toEqual(['a/b']);
  });

  it('delivers to no one, and posts nothing, when no connection matches', async () => {
    await store.addConnection('other', ['b'], Date.now());
    expect(await run()).toMatchObject({ subscribers: 0, delivered: 0, gone: 0, failed: 0 });
    expect(local.server.posts).toEqual([]);
  });
});
