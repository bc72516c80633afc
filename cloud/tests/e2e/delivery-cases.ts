import { describe, expect, it } from 'vitest';
import { LOCAL_WILDCARD_INDEX_SHARDS } from '../../local/stack.js';
import { subscriptionRow } from '../../src/aws/subscription-rows.js';
import { DEFAULT_CONNECTION_TTL_SECONDS } from '../../src/config.js';
import type { BridgeContext } from './support/bridge-context.js';
import { settle, type TestClient } from './support/test-client.js';

const json = (value: unknown) => JSON.stringify(value);
/**
 * The ack of a publish posted by `$default` alone: `delivered` and `queued` (0) exact. `subscribers` is exact
 * when given; otherwise any count, because this suite shares one stack and a `#` subscriber of an earlier
 * test may still have its row (found, then answered 410) until its `$disconnect` has run.
 */
const ack = (id: string, delivered: number, subscribers?: number) =>
  subscribers === undefined
    ? expect.stringMatching(
        new RegExp(
          `^\\{"type":"ack","id":"${id}","delivered":${delivered},"subscribers":\\d+,"queued":0\\}$`,
        ),
      )
    : json({ type: 'ack', id, delivered, subscribers, queued: 0 });

/** Publishes `raw` (a frame with this `id`) and waits for the sender's ack, then lets stray frames arrive. */
async function publishAndSettle(sender: TestClient, raw: string, expectedFrames = 1): Promise<void> {
  const before = sender.frames.length;
  sender.send(raw);
  await sender.waitForFrames(before + expectedFrames);
  await settle();
}

/** Publishing: who receives what, exactly once, and the ack counts. */
export function deliveryCases(bridge: BridgeContext): void {
  describe('delivery', () => {
    it('delivers a frame exactly once to every matching subscriber and to nobody else', async () => {
      const topic = bridge.unique();
      const [first, second, elsewhere, publisher] = await Promise.all([
        bridge.open(topic),
        bridge.open(topic),
        bridge.open(`${topic}-other`),
        bridge.open(),
      ]);
      const raw = json({ topic, message: { temperature: 21.5 }, id: 'd1' });
      await publishAndSettle(publisher, raw);
      expect(first.frames).toEqual([raw]);
      expect(second.frames).toEqual([raw]);
      expect(elsewhere.frames).toEqual([]);
      expect(publisher.frames).toEqual([ack('d1', 2)]);
    });

    it('sends no ack for a frame without id, and acks 0 when nobody is subscribed', async () => {
      const topic = bridge.unique();
      const [subscriber, publisher] = await Promise.all([bridge.open(topic), bridge.open()]);
      const withoutId = json({ topic, message: 1 });
      publisher.send(withoutId);
      await subscriber.waitForFrames(1);
      await publishAndSettle(publisher, json({ topic: `${topic}/nobody`, message: 2, id: 'none' }));
      expect(subscriber.frames).toEqual([withoutId]);
      expect(publisher.frames).toEqual([ack('none', 0)]);
    });

    it('delivers every topic of a connection with several, once per publish even when two filters match', async () => {
      const a = bridge.unique();
      const b = bridge.unique();
      // Subscribed to `a` twice over (exactly and through `a/#`): still one frame per publish.
      const [subscriber, publisher] = await Promise.all([bridge.open(a, b, `${a}/#`), bridge.open()]);
      const toA = json({ topic: a, message: 'a', id: 'a' });
      const toB = json({ topic: b, message: 'b', id: 'b' });
      const toC = json({ topic: bridge.unique(), message: 'c', id: 'c' });
      for (const raw of [toA, toB, toC]) await publishAndSettle(publisher, raw);
      expect(subscriber.frames).toEqual([toA, toB]);
      expect(publisher.frames).toEqual([ack('a', 1), ack('b', 1), ack('c', 0)]);
    });

    it('matches + (one level) and # (the rest, the parent level too) like MQTT', async () => {
      const root = bridge.unique();
      const [plus, hash, firstPlus, everything, publisher] = await Promise.all([
        bridge.open(`${root}/+/temperature`),
        bridge.open(`${root}/#`),
        bridge.open(`+/${root}/temperature`),
        bridge.open('#'),
        bridge.open(),
      ]);
      const deviceTemperature = json({ topic: `${root}/d1/temperature`, message: 1, id: '1' });
      const deviceHumidity = json({ topic: `${root}/d1/humidity`, message: 2, id: '2' });
      const rootItself = json({ topic: root, message: 3, id: '3' });
      const deeper = json({ topic: `${root}/d1/temperature/raw`, message: 4, id: '4' });
      const otherRoot = json({ topic: `site/${root}/temperature`, message: 5, id: '5' });
      const sent = [deviceTemperature, deviceHumidity, rootItself, deeper, otherRoot];
      for (const raw of sent) await publishAndSettle(publisher, raw);
      expect(plus.frames).toEqual([deviceTemperature]);
      expect(hash.frames).toEqual([deviceTemperature, deviceHumidity, rootItself, deeper]);
      expect(firstPlus.frames).toEqual([otherRoot]);
      expect(everything.frames).toEqual(sent);
      expect(publisher.frames).toEqual([ack('1', 3), ack('2', 2), ack('3', 2), ack('4', 2), ack('5', 2)]);
    });

    it('delivers to the sender its own frame only when it is subscribed to the topic', async () => {
      const topic = bridge.unique();
      const subscribed = await bridge.open(topic);
      const raw = json({ topic, message: 'echo', id: 'self' });
      await publishAndSettle(subscribed, raw, 2);
      // The frame is posted during the fan-out; the ack only after the fan-out has settled.
      expect(subscribed.frames).toEqual([raw, ack('self', 1)]);
    });

    it('delivers the frame byte for byte: spacing, escapes, unicode, extra fields', async () => {
      const topic = bridge.unique();
      const [subscriber, publisher] = await Promise.all([bridge.open(topic), bridge.open()]);
      const raw = `{ "topic" :"${topic}",\t"message": {"v":1.50,"s":"\\u00e9 ü € 😀 \\"q\\"","n":null} ,"ts":1e3, "id":"b" }`;
      await publishAndSettle(publisher, raw);
      expect(subscriber.frames).toEqual([raw]);
      expect(publisher.frames).toEqual([ack('b', 1)]);
    });

    it('delivers a 100 KB frame whole (API Gateway sends it as 32 KB frames)', async () => {
      const topic = bridge.unique();
      const [subscriber, publisher] = await Promise.all([bridge.open(topic), bridge.open()]);
      const raw = json({ topic, message: 'x'.repeat(100 * 1024), id: 'big' });
      await publishAndSettle(publisher, raw);
      expect(subscriber.frames).toEqual([raw]);
      expect(publisher.frames).toEqual([ack('big', 1)]);
    });

    it('removes a stale row (a connection that is gone) on the next publish, without counting it', async () => {
      const topic = bridge.unique();
      const goneId = `gone-${bridge.unique()}`;
      await bridge.table().put(subscriptionRow(goneId, topic, Date.now(), DEFAULT_CONNECTION_TTL_SECONDS));
      const [subscriber, publisher] = await Promise.all([bridge.open(topic), bridge.open()]);
      const raw = json({ topic, message: 'still here?', id: 'stale' });
      await publishAndSettle(publisher, raw);
      expect(subscriber.frames).toEqual([raw]);
      expect(publisher.frames).toEqual([ack('stale', 1, 2)]);
      expect(await bridge.table().rowsOf(goneId)).toEqual([]);
    });

    it('ignores rows past expiresAt even though the store keeps them (dynalite has no TTL)', async () => {
      const live = bridge.unique();
      const expired = bridge.unique();
      const [subscriber, publisher] = await Promise.all([bridge.open(live), bridge.open()]);
      const connectionId = await bridge.table().connectionIdHolding(live);
      const threeHoursAgo = Date.now() - 3 * 60 * 60 * 1000;
      await bridge
        .table()
        .put(subscriptionRow(connectionId, expired, threeHoursAgo, DEFAULT_CONNECTION_TTL_SECONDS));
      await publishAndSettle(publisher, json({ topic: expired, message: 'late', id: 'expired' }));
      expect(subscriber.frames).toEqual([]);
      expect(publisher.frames).toEqual([ack('expired', 0)]);
    });

    it(`finds subscribers with the ${bridge.variant} lookup`, async () => {
      const publisher = await bridge.open();
      // Earlier tests' connections close as they end, and each `$disconnect` Queries the rows it removes: wait
      // until the store has been idle a moment, so that only this publish's lookup is counted.
      await storeSettled(() => bridge.stack().storeOperationCounts());
      const before = bridge.stack().storeOperationCounts();
      await publishAndSettle(publisher, json({ topic: bridge.unique(), message: 0, id: 'lookup' }));
      const after = bridge.stack().storeOperationCounts();
      const calls = (operation: string) => (after[operation] ?? 0) - (before[operation] ?? 0);
      if (bridge.variant === 'scan') {
        expect([calls('Scan'), calls('Query')]).toEqual([1, 0]);
      } else {
        // The topic itself and the shards of `$wildcard/<first level>` and `$wildcard/+` (the local stack's
        // shard count; it never reads the keys older releases wrote), the topic in the exact index: bounded Queries of the index.
        expect([calls('Scan'), calls('Query')]).toEqual([0, 1 + 2 * LOCAL_WILDCARD_INDEX_SHARDS]);
      }
    });
  });
}

/** Resolves once `counts()` has not changed for STORE_SETTLED_MS (at most 40 checks). */
async function storeSettled(counts: () => Record<string, number>): Promise<void> {
  let last = JSON.stringify(counts());
  for (let check = 0; check < 40; check++) {
    await new Promise((resolve) => setTimeout(resolve, STORE_SETTLED_MS));
    const now = JSON.stringify(counts());
    if (now === last) return;
    last = now;
  }
}

/** How long the store must see no operation before a count of one publish's lookups begins. */
const STORE_SETTLED_MS = 300;
