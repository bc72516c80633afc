import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { MAX_RETAINED_PER_REQUEST, type PublishFrame } from '@topic-bridge/shared-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchWrite } from '../../src/aws/batch-write.js';
import { createDynamoClient } from '../../src/aws/clients.js';
import type { DynamoHttpClient } from '../../src/aws/dynamodb-http/client.js';
import { ensureRetainedTable, retainedItemOf } from '../../src/aws/retained-store.js';
import { DEFAULT_RETAINED_TTL_SECONDS, RETAINED_TOMBSTONE_TTL_SECONDS } from '../../src/config.js';

import { retainedChange } from '../../src/core/retained.js';
import { signToken, TEST_SECRET } from '../auth/tokens.js';
import { type BridgeContext, useBridge } from './support/bridge-context.js';
import { settle, type TestClient } from './support/test-client.js';

const json = (frame: object) => JSON.stringify(frame);
/** A delivered stored frame: its text with `"replay":"retained"` before the closing brace. */
const replayed = (raw: string) => `${raw.slice(0, -1)},"replay":"retained"}`;

/** Publishes each raw frame (each has an id) and waits for its ack, one after another, so receive times increase. */
async function publishAll(publisher: TestClient, frames: readonly string[]): Promise<void> {
  for (const raw of frames) {
    const ack = await publisher.request(raw);
    expect(ack).toMatchObject({ type: 'ack' });
  }
}

/** Sends a request and returns every frame it brought (`count` of them), after SETTLE_MS of nothing else. */
async function ask(client: TestClient, frame: object, count: number): Promise<string[]> {
  const before = client.frames.length;
  client.send(frame);
  await client.waitForFrames(before + count);
  await settle();
  return client.frames.slice(before);
}

function retainedCases(bridge: BridgeContext): void {
  it('answers a runtime subscribe to an exact filter with the count, then the retained frame, marked', async () => {
    const topic = bridge.unique();
    const publisher = await bridge.open();
    const raw = json({ topic, message: 21.5, retain: true, id: 'r1', ts: 7 });
    await publishAll(publisher, [raw]);
    const subscriber = await bridge.open();
    expect(await ask(subscriber, { action: 'subscribe', topic, id: 's' }, 2)).toEqual([
      json({ type: 'subscribed', topic, id: 's', retained: 1 }),
      replayed(raw),
    ]);
  });

  it('answers + and # filters with every matching topic, newest first, and nothing that does not match', async () => {
    const root = bridge.unique();
    const publisher = await bridge.open();
    const frames = [`${root}/a/temp`, `${root}/b/temp`, `${root}/b/hum`, root, `${root}/c/d/temp`].map(
      (topic, i) => json({ topic, message: i, retain: true, id: `r${i}` }),
    );
    // Not retained: never replayed.
    await publishAll(publisher, [
      ...frames,
      json({ topic: `${root}/z/temp`, message: 'live only', id: 'l' }),
    ]);
    const [a, b, hum, itself, deep] = frames as [string, string, string, string, string];
    const subscriber = await bridge.open();
    expect(await ask(subscriber, { action: 'subscribe', topic: `${root}/+/temp` }, 3)).toEqual([
      json({ type: 'subscribed', topic: `${root}/+/temp`, retained: 2 }),
      replayed(b),
      replayed(a),
    ]);
    expect(await ask(subscriber, { action: 'subscribe', topic: `${root}/#` }, 6)).toEqual([
      json({ type: 'subscribed', topic: `${root}/#`, retained: 5 }),
      ...[deep, itself, hum, b, a].map(replayed),
    ]);
  });

  it('answers a filter starting with a wildcard (+/x/#) from the whole table', async () => {
    const level = bridge.unique();
    const publisher = await bridge.open();
    const frames = [`north/${level}`, `south/${level}/x`, `east/other-${level}`].map((topic, i) =>
      json({ topic, message: i, retain: true, id: `w${i}` }),
    );
    await publishAll(publisher, frames);
    const subscriber = await bridge.open();
    expect(await ask(subscriber, { action: 'subscribe', topic: `+/${level}/#` }, 3)).toEqual([
      json({ type: 'subscribed', topic: `+/${level}/#`, retained: 2 }),
      replayed(frames[1] ?? ''),
      replayed(frames[0] ?? ''),
    ]);
  });

  it('clears a retained value with a null retain, which is still delivered live', async () => {
    const topic = bridge.unique();
    const [publisher, live] = await Promise.all([bridge.open(), bridge.open(topic)]);
    const set = json({ topic, message: 'on', retain: true, id: 'c1' });
    const clear = json({ topic, message: null, retain: true, id: 'c2' });
    await publishAll(publisher, [set, clear]);
    await settle();
    expect(live.frames).toEqual([set, clear]);
    const late = await bridge.open();
    expect(await ask(late, { action: 'subscribe', topic }, 1)).toEqual([
      json({ type: 'subscribed', topic, retained: 0 }),
    ]);
  });

  it('replaces a retained value with a newer one', async () => {
    const topic = bridge.unique();
    const publisher = await bridge.open();
    const newer = json({ topic, message: 2, retain: true, id: 'n2' });
    await publishAll(publisher, [json({ topic, message: 1, retain: true, id: 'n1' }), newer]);
    const subscriber = await bridge.open();
    expect(await ask(subscriber, { action: 'subscribe', topic }, 2)).toEqual([
      json({ type: 'subscribed', topic, retained: 1 }),
      replayed(newer),
    ]);
  });

  it('answers the retained action for a connect-time filter: count, then the frames', async () => {
    const root = bridge.unique();
    const publisher = await bridge.open();
    const frames = [`${root}/1`, `${root}/2`].map((topic, i) =>
      json({ topic, message: i, retain: true, id: `a${i}` }),
    );
    await publishAll(publisher, frames);
    const subscriber = await bridge.open(`${root}/#`);
    expect(await ask(subscriber, { action: 'retained', topic: `${root}/#`, id: 'q' }, 3)).toEqual([
      json({ type: 'retained', topic: `${root}/#`, id: 'q', count: 2 }),
      replayed(frames[1] ?? ''),
      replayed(frames[0] ?? ''),
    ]);
    expect(await ask(subscriber, { action: 'retained', topic: `${root}/none` }, 1)).toEqual([
      json({ type: 'retained', topic: `${root}/none`, count: 0 }),
    ]);
  });

  it('refuses a retain that is not a boolean with invalid_field, storing and delivering nothing', async () => {
    const topic = bridge.unique();
    const [publisher, live] = await Promise.all([bridge.open(), bridge.open(topic)]);
    const reply = await publisher.request(json({ topic, message: 1, retain: 'yes', id: 'x' }));
    expect(reply).toMatchObject({ type: 'error', code: 'invalid_field', id: 'x' });
    await settle();
    expect(live.frames).toEqual([]);
    expect(await ask(live, { action: 'retained', topic }, 1)).toEqual([
      json({ type: 'retained', topic, count: 0 }),
    ]);
  });

  describe('with the store written directly', () => {
    let dynamo: DynamoDBClient;
    let doc: DynamoDBDocumentClient;
    let lean: DynamoHttpClient;
    beforeAll(() => {
      lean = createDynamoClient(bridge.stack().dynamoEndpoint);
      dynamo = new DynamoDBClient({
        endpoint: bridge.stack().dynamoEndpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      doc = DynamoDBDocumentClient.from(dynamo);
    });
    afterAll(() => {
      dynamo?.destroy();
      lean?.close();
    });
    /** The item a retained publish of `raw` received at `receivedAtMs` writes. */
    const itemFor = (raw: string, receivedAtMs: number) => {
      const ttls = {
        ttlSeconds: DEFAULT_RETAINED_TTL_SECONDS,
        tombstoneTtlSeconds: RETAINED_TOMBSTONE_TTL_SECONDS,
      };
      const change = retainedChange(JSON.parse(raw) as PublishFrame, raw, receivedAtMs, ttls);
      if (change === undefined) throw new Error('a retained publish must make a change');
      return retainedItemOf(change);
    };

    it(`sends at most ${MAX_RETAINED_PER_REQUEST} retained frames, the newest, and says it cut`, async () => {
      const root = bridge.unique();
      // Written directly, a millisecond apart, so that the order is known (publishing 101 frames one after
      // another through the stack takes about 20 s here; the write path has its own cases above).
      const startMs = Date.now() - 60_000;
      const frames = Array.from({ length: MAX_RETAINED_PER_REQUEST + 1 }, (_, i) =>
        json({ topic: `${root}/${i}`, message: i, retain: true }),
      );
      const puts = frames.map((raw, i) => ({ PutRequest: { Item: itemFor(raw, startMs + i) } }));
      await batchWrite(lean, bridge.stack().retainedTableName, puts);
      const subscriber = await bridge.open();
      const filter = `${root}/+`;
      expect(
        await ask(
          subscriber,
          { action: 'subscribe', topic: filter, id: 'big' },
          1 + MAX_RETAINED_PER_REQUEST,
        ),
      ).toEqual([
        json({
          type: 'subscribed',
          topic: filter,
          id: 'big',
          retained: MAX_RETAINED_PER_REQUEST,
          retainedTruncated: true,
        }),
        ...frames.slice(1).reverse().map(replayed),
      ]);
    });

    it('never delivers a value whose TTL has passed (DynamoDB deletes expired items late, dynalite never)', async () => {
      const root = bridge.unique();
      // A value retained a TTL and a second ago: its expiresAt is a second in the past.
      const publishedAt = Date.now() - (DEFAULT_RETAINED_TTL_SECONDS + 1) * 1000;
      const stale = json({ topic: `${root}/old`, message: 'stale', retain: true });
      const change = retainedChange(
        { topic: `${root}/old`, message: 'stale', retain: true },
        stale,
        publishedAt,
        { ttlSeconds: DEFAULT_RETAINED_TTL_SECONDS, tombstoneTtlSeconds: RETAINED_TOMBSTONE_TTL_SECONDS },
      );
      if (change === undefined) throw new Error('a retained publish must make a change');
      await doc.send(
        new PutCommand({ TableName: bridge.stack().retainedTableName, Item: retainedItemOf(change) }),
      );
      const fresh = json({ topic: `${root}/new`, message: 'fresh', retain: true, id: 'f' });
      await publishAll(await bridge.open(), [fresh]);
      const subscriber = await bridge.open();
      expect(await ask(subscriber, { action: 'subscribe', topic: `${root}/+` }, 2)).toEqual([
        json({ type: 'subscribed', topic: `${root}/+`, retained: 1 }),
        replayed(fresh),
      ]);
    });

    it('refuses a retained publish with store_unavailable and delivers nothing when the retained table fails', async () => {
      const topic = bridge.unique();
      const [publisher, live] = await Promise.all([bridge.open(), bridge.open(topic)]);
      const { retainedTableName } = bridge.stack();
      await dynamo.send(new DeleteTableCommand({ TableName: retainedTableName }));
      try {
        const reply = await publisher.request(json({ topic, message: 1, retain: true, id: 'down' }));
        expect(reply).toMatchObject({ type: 'error', code: 'store_unavailable', id: 'down' });
        // Without retain the publish never touches that table: delivered as usual.
        const plain = json({ topic, message: 2, id: 'plain' });
        expect(await publisher.request(plain)).toMatchObject({ type: 'ack', id: 'plain', delivered: 1 });
        await settle();
        expect(live.frames).toEqual([plain]);
      } finally {
        await ensureRetainedTable(lean, retainedTableName);
      }
      // The publisher's retry, once the store is back: delivered once, and retained.
      const retry = json({ topic, message: 1, retain: true, id: 'down' });
      await publishAll(publisher, [retry]);
      await settle();
      expect(live.frames).toEqual([json({ topic, message: 2, id: 'plain' }), retry]);
      expect(await ask(live, { action: 'retained', topic }, 2)).toEqual([
        json({ type: 'retained', topic, count: 1 }),
        replayed(retry),
      ]);
    });
  });
}

describe('retained values, end to end (auth off)', () => {
  const bridge = useBridge('query');
  retainedCases(bridge);
});

// Auth on: the grants, and `#` on a stack where no other case retains anything first.
describe('retained values, end to end (auth on)', () => {
  const bridge = useBridge('query', { secret: TEST_SECRET, token: () => signToken({}) });

  it('reads the whole table for #: every retained value, newest first', async () => {
    const publisher = await bridge.open();
    const frames = [`${bridge.unique()}/x`, bridge.unique()].map((topic, i) =>
      json({ topic, message: i, retain: true, id: `h${i}` }),
    );
    await publishAll(publisher, frames);
    const subscriber = await bridge.open();
    expect(await ask(subscriber, { action: 'subscribe', topic: '#' }, 3)).toEqual([
      json({ type: 'subscribed', topic: '#', retained: 2 }),
      replayed(frames[1] ?? ''),
      replayed(frames[0] ?? ''),
    ]);
  });

  it('answers forbidden to subscribe and retained outside the subscribe grants, and sends no value', async () => {
    const root = bridge.unique();
    await publishAll(await bridge.open(), [
      json({ topic: `${root}/secret`, message: 1, retain: true, id: 'p' }),
    ]);
    const token = await signToken({ subscribe: [`${root}/public/#`], publish: [] });
    const limited = await bridge.openUrl(bridge.urlWithToken(token));
    const forbidden = (id: string, filter: string) =>
      json({
        type: 'error',
        code: 'forbidden',
        reason: `your token does not allow subscribing to "${filter}"`,
        id,
      });
    expect(await ask(limited, { action: 'retained', topic: `${root}/secret`, id: 'r' }, 1)).toEqual([
      forbidden('r', `${root}/secret`),
    ]);
    expect(await ask(limited, { action: 'subscribe', topic: `${root}/+`, id: 's' }, 1)).toEqual([
      forbidden('s', `${root}/+`),
    ]);
    expect(await ask(limited, { action: 'retained', topic: `${root}/public/#`, id: 'ok' }, 1)).toEqual([
      json({ type: 'retained', topic: `${root}/public/#`, id: 'ok', count: 0 }),
    ]);
  });
});
