import { FULL_ACCESS } from '@topic-bridge/shared-types';
import { beforeEach, describe, expect, it } from 'vitest';
import type { PublishOne } from '../../src/core/http-publish.js';
import { createPublishOne } from '../../src/core/http-publish-one.js';
import { silentLogger } from '../../src/log.js';
import { freshTable, storeFor, TEST_FAN_OUT } from './support/fixture.js';
import { useLocalStore } from './support/use-local-store.js';

// One HTTP-published frame through the real publish path: dynalite and the recording `@connections` server.
const local = useLocalStore({ connections: true });

describe('HTTP publish, one frame', () => {
  let publishOne: PublishOne;
  const frame = { topic: 'chat/room', message: 1, id: 'h1' };
  const text = JSON.stringify(frame);
  const timing = { budgetMs: 10_000, receivedAtMs: Date.now() };

  beforeEach(async () => {
    const store = storeFor(local.clients, await freshTable(local.clients), 'query');
    await store.addConnection('reaches', ['chat/#'], Date.now());
    await store.addConnection('fails', ['chat/room'], Date.now());
    publishOne = createPublishOne({
      store,
      gateway: local.gateway,
      logger: silentLogger,
      settings: TEST_FAN_OUT,
    });
  });

  it('answers the counts of its fan-out, as the ack does', async () => {
    expect(await publishOne(frame, text, { grants: FULL_ACCESS }, timing)).toEqual({
      id: 'h1',
      delivered: 2,
      subscribers: 2,
      queued: 0,
    });
    expect(local.server.deliveredTo('fails')).toEqual([text]);
  });

  it('counts posts that failed past every retry as `failed`, so the caller can publish again', async () => {
    local.server.script('fails', [], 500);
    expect(await publishOne(frame, text, { grants: FULL_ACCESS }, timing)).toEqual({
      id: 'h1',
      delivered: 1,
      subscribers: 2,
      queued: 0,
      failed: 1,
    });
    expect(local.server.deliveredTo('reaches')).toEqual([text]);
  });
});
