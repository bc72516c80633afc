import { randomUUID } from 'node:crypto';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { buildConnectUrl, TOKEN_QUERY_PARAMETER } from '@topic-bridge/shared-types';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { createDynamoClient } from '../../src/aws/clients.js';
import { createHistoryStore } from '../../src/aws/history-store.js';
import { signToken, TEST_SECRET } from '../auth/tokens.js';
import { STACK_START_TIMEOUT_MS } from './support/bridge-context.js';
import { openClient, settle, type TestClient } from './support/test-client.js';

// Topic history through the real local stack (serverless-offline on our serverless.yml, dynalite), with
// authorization on: history kept for `h/#`, `w/#` and `+/wild`, at most 3 frames per topic, for 60 s.
const MAX_FRAMES = 3;
const MAX_AGE_SECONDS = 60;

let stack: LocalStack;
let fullToken: string;
const clients: TestClient[] = [];
const lines: string[] = [];

beforeAll(async () => {
  stack = await startLocalStack({
    logLevel: 'warn',
    log: (line) => lines.push(line),
    auth: { secret: TEST_SECRET },
    history: { topics: ['h/#', 'w/#', '+/wild'], maxFrames: MAX_FRAMES, maxAgeSeconds: MAX_AGE_SECONDS },
  });
  fullToken = await signToken();
}, STACK_START_TIMEOUT_MS);

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

afterAll(async () => {
  await stack?.stop();
  if (lines.some((line) => line.includes('"level":"error"'))) console.warn(lines.join('\n'));
});

async function open(token = fullToken, ...filters: string[]): Promise<TestClient> {
  const url = new URL(buildConnectUrl(stack.wsUrl, filters));
  url.searchParams.set(TOKEN_QUERY_PARAMETER, token);
  const client = await openClient(url.toString());
  clients.push(client);
  return client;
}

const unique = () => randomUUID().slice(0, 8);

/** The frame as published, one publish at a time (each acked before the next). */
async function publish(client: TestClient, topic: string, ids: string[]): Promise<string[]> {
  const texts: string[] = [];
  for (const id of ids) {
    const text = JSON.stringify({ topic, message: { n: id }, id });
    const ack = await client.request(text);
    expect(ack).toMatchObject({ type: 'ack', id });
    texts.push(text);
  }
  return texts;
}

/** What a frame from the history looks like: the stored text with `"replay":"history"` added at the end. */
const replayed = (text: string) => `${text.slice(0, -1)},"replay":"history"}`;

/** Sends a history request; returns the frames before the summary and the summary, then checks nothing follows. */
async function askHistory(client: TestClient, request: Record<string, unknown>) {
  const before = client.frames.length;
  client.send({ action: 'history', ...request });
  for (let count = before + 1; ; count++) {
    const frames = await client.waitForFrames(count);
    const last = JSON.parse(frames[count - 1] ?? 'null') as Record<string, unknown>;
    if (last.type === 'history' || last.type === 'error') {
      await settle();
      expect(client.frames.length).toBe(count);
      return { frames: frames.slice(before, count - 1), summary: last };
    }
  }
}

describe('history, end to end (auth on)', () => {
  it('keeps the newest maxFrames frames of a topic and returns them oldest first, marked, then the summary', async () => {
    const topic = `h/${unique()}/a`;
    const client = await open();
    const texts = await publish(client, topic, ['1', '2', '3', '4', '5']);
    const answer = await askHistory(client, { topic, id: 'q1' });
    expect(answer.frames).toEqual(texts.slice(2).map(replayed));
    expect(answer.summary).toEqual({ type: 'history', topic, id: 'q1', count: 3, more: false });
  });

  it('bounds an answer by limit, says `more`, and continues since the last id received', async () => {
    const topic = `h/${unique()}/b`;
    const client = await open();
    const texts = await publish(client, topic, ['1', '2', '3']);
    const first = await askHistory(client, { topic, limit: 2 });
    expect(first.frames).toEqual(texts.slice(0, 2).map(replayed));
    expect(first.summary).toEqual({ type: 'history', topic, count: 2, more: true });
    const next = await askHistory(client, { topic, since: '2', limit: 2 });
    expect(next.frames).toEqual([replayed(texts[2] ?? '')]);
    expect(next.summary).toEqual({ type: 'history', topic, count: 1, more: false, sinceFound: true });
    const none = await askHistory(client, { topic, since: '3' });
    expect(none).toEqual({
      frames: [],
      summary: { type: 'history', topic, count: 0, more: false, sinceFound: true },
    });
  });

  it('answers since a time: only the frames the bridge received after it', async () => {
    const topic = `h/${unique()}/c`;
    const client = await open();
    await publish(client, topic, ['1']);
    // The ack came after the bridge stored frame 1, so frame 1 was received at `after` or earlier.
    const after = Date.now();
    while (Date.now() <= after) await settle(1);
    const later = await publish(client, topic, ['2']);
    const answer = await askHistory(client, { topic, since: after });
    expect(answer.frames).toEqual(later.map(replayed));
    expect(answer.summary).toEqual({ type: 'history', topic, count: 1, more: false });
  });

  it('ignores frames past the age bound, and says sinceFound false for a since id that aged out', async () => {
    const topic = `h/${unique()}/d`;
    // Frames received (injected clock) 61 s ago, written by the bridge's own store into the stack's table.
    const lean = createDynamoClient(stack.dynamoEndpoint);
    try {
      const store = createHistoryStore(lean, {
        config: { tableName: stack.historyTableName, maxFrames: MAX_FRAMES, maxAgeSeconds: MAX_AGE_SECONDS },
        logger: { warn: () => undefined },
      });
      const past = Date.now() - (MAX_AGE_SECONDS + 1) * 1000;
      for (const [i, id] of ['old1', 'old2'].entries()) {
        const frame = JSON.stringify({ topic, message: i, id });
        await (await store.append({ topic, frame, frameId: id, receivedAtMs: past + i })).trimmed;
      }
    } finally {
      lean.close();
    }
    const client = await open();
    const fresh = await publish(client, topic, ['new1']);
    const all = await askHistory(client, { topic });
    expect(all.frames).toEqual(fresh.map(replayed));
    const gap = await askHistory(client, { topic, since: 'old2' });
    expect(gap.frames).toEqual(fresh.map(replayed));
    expect(gap.summary).toEqual({ type: 'history', topic, count: 1, more: false, sinceFound: false });
  });

  it('merges the topics of a wildcard filter in publish order, and leaves out topics it does not match', async () => {
    const root = `w/${unique()}`;
    const client = await open();
    const texts: string[] = [];
    texts.push(...(await publish(client, `${root}/1`, ['a'])));
    texts.push(...(await publish(client, `${root}/2`, ['b'])));
    await publish(client, `${root}/1/deeper`, ['not-matched']);
    texts.push(...(await publish(client, `${root}/1`, ['c'])));
    texts.push(...(await publish(client, `${root}/2`, ['d'])));
    const answer = await askHistory(client, { topic: `${root}/+` });
    expect(answer.frames).toEqual(texts.map(replayed));
    expect(answer.summary).toEqual({ type: 'history', topic: `${root}/+`, count: 4, more: false });
  });

  it('has every frame delivered live in the history already: a subscriber asks since the one it saw', async () => {
    const topic = `h/${unique()}/e`;
    const subscriber = await open(fullToken, topic);
    const publisher = await open();
    const [first] = await publish(publisher, topic, ['1']);
    const [live] = await subscriber.waitForFrames(1);
    expect(live).toBe(first);
    const texts = await publish(publisher, topic, ['2']);
    await subscriber.waitForFrames(2);
    const answer = await askHistory(subscriber, { topic, since: '1' });
    expect(answer.frames).toEqual(texts.map(replayed));
    expect(answer.summary).toMatchObject({ count: 1, sinceFound: true });
  });

  it('refuses a filter outside the subscribe grants with forbidden, and reads nothing', async () => {
    const root = `h/${unique()}`;
    const narrow = await signToken({ subscribe: [`${root}/mine/#`], publish: [`${root}/#`] });
    const client = await open(narrow);
    await publish(client, `${root}/mine/x`, ['1']);
    const refused = await askHistory(client, { topic: `${root}/#`, id: 'q' });
    expect(refused.frames).toEqual([]);
    expect(refused.summary).toMatchObject({ type: 'error', code: 'forbidden', id: 'q' });
    const allowed = await askHistory(client, { topic: `${root}/mine/#` });
    expect(allowed.summary).toEqual({ type: 'history', topic: `${root}/mine/#`, count: 1, more: false });
  });

  it('answers history_not_enabled for a filter no history setting covers, and for a wildcard first level', async () => {
    const client = await open();
    for (const topic of [`other/${unique()}`, 'hx/1', '#', '+/wild']) {
      const answer = await askHistory(client, { topic, id: 'q' });
      expect({ topic, frames: answer.frames, code: answer.summary.code, id: answer.summary.id }).toEqual({
        topic,
        frames: [],
        code: 'history_not_enabled',
        id: 'q',
      });
    }
    // A topic `+/wild` keeps is served per first level.
    const first = unique();
    const texts = await publish(client, `${first}/wild`, ['1']);
    const answer = await askHistory(client, { topic: `${first}/wild` });
    expect(answer.frames).toEqual(texts.map(replayed));
  });

  it('stores nothing for topics without history', async () => {
    const topic = `other/${unique()}`;
    const client = await open();
    await publish(client, topic, ['1']);
    const dynamo = new DynamoDBClient({
      endpoint: stack.dynamoEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      const scan = await dynamo.send(new ScanCommand({ TableName: stack.historyTableName }));
      expect((scan.Items ?? []).filter((item) => item.topic?.S === topic)).toEqual([]);
    } finally {
      dynamo.destroy();
    }
  });
});
