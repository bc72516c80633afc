import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { PROGRESS_SORT_KEY } from '../../src/aws/page-progress.js';
import { STACK_START_TIMEOUT_MS } from './support/bridge-context.js';
import { type TableAccess, tableAccess } from './support/table.js';
import { openClient, settle, type TestClient } from './support/test-client.js';

/** Small limits, so that a dozen subscribers already span `$default`'s share and three worker pages. */
const SHARE = 3;
const PAGE_SIZE = 4;
const CHECKPOINT = 2;
const SUBSCRIBERS = 12;

let stack: LocalStack;
let table: TableAccess;
const clients: TestClient[] = [];

beforeAll(async () => {
  stack = await startLocalStack({
    handlerEnv: {
      FAN_OUT_INVOCATION_SHARE: String(SHARE),
      FAN_OUT_WORKER_PAGE_SIZE: String(PAGE_SIZE),
      FAN_OUT_CHECKPOINT_POSTS: String(CHECKPOINT),
    },
  });
  table = tableAccess(stack);
}, STACK_START_TIMEOUT_MS);

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  table?.close();
  await stack?.stop();
});

async function open(...filters: string[]): Promise<TestClient> {
  const query = filters.map((filter) => `topicName=${encodeURIComponent(filter)}`).join('&');
  const client = await openClient(query === '' ? stack.wsUrl : `${stack.wsUrl}?${query}`);
  clients.push(client);
  return client;
}

describe('a publish past one invocation (local stack, fan-out worker through serverless-offline)', () => {
  it('posts the first share itself, hands the rest to the worker in pages, and delivers to each subscriber exactly once', async () => {
    const topic = 'split/room/temp';
    // Every other subscriber matches through three filters (the exact topic and two wildcards).
    const subscribers = await Promise.all(
      Array.from({ length: SUBSCRIBERS }, (_, i) =>
        i % 2 === 0 ? open(topic, 'split/#', '+/room/temp') : open(topic),
      ),
    );
    const bystander = await open('split/other');
    const publisher = await open();
    const raw = JSON.stringify({ topic, message: { t: 21.5 }, id: 'big' });
    expect(await publisher.request(raw)).toEqual({
      type: 'ack',
      id: 'big',
      delivered: SHARE,
      subscribers: SUBSCRIBERS,
      queued: SUBSCRIBERS - SHARE,
    });
    await Promise.all(subscribers.map((subscriber) => subscriber.waitForFrames(1)));
    await settle(1_000);
    expect(subscribers.map((subscriber) => subscriber.frames)).toEqual(subscribers.map(() => [raw]));
    expect(bystander.frames).toEqual([]);
    expect(publisher.frames).toHaveLength(1);
    // One progress record per worker page (9 connections in pages of 4, 4 and 1), each complete.
    const progress = (await table.rows())
      .filter((row) => row.topicFilter === PROGRESS_SORT_KEY)
      .map((row) => ({
        page: row.connectionId.split('/').at(-1),
        settled: (row as { settled?: number }).settled,
      }))
      .sort((x, y) => String(x.page).localeCompare(String(y.page)));
    expect(progress).toEqual([
      { page: '1', settled: 4 },
      { page: '2', settled: 4 },
      { page: '3', settled: 1 },
    ]);
  }, 60_000);

  it('acks a publish within the share without the worker', async () => {
    const topic = 'alone/small';
    const subscribers = await Promise.all([open(topic), open(topic)]);
    const publisher = await open();
    const raw = JSON.stringify({ topic, message: 1, id: 'small' });
    expect(await publisher.request(raw)).toEqual({
      type: 'ack',
      id: 'small',
      delivered: 2,
      subscribers: 2,
      queued: 0,
    });
    await settle();
    expect(subscribers.map((subscriber) => subscriber.frames)).toEqual([[raw], [raw]]);
  });
});
