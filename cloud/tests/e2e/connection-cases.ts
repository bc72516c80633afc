import { MAX_FILTERS_PER_CONNECTION, MAX_TOPIC_BYTES } from '@topic-bridge/shared-types';
import { describe, expect, it } from 'vitest';
import type { BridgeContext } from './support/bridge-context.js';
import { handshakeStatus, settle } from './support/test-client.js';

const json = (value: unknown) => JSON.stringify(value);

/** How long `$disconnect` may take to delete the rows after the client closed. */
const DISCONNECT_WAIT_MS = 10_000;

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + DISCONNECT_WAIT_MS;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await settle(50);
  }
}

/** The connection's life: the handshake, runtime subscriptions, ping, and the rows left after it. */
export function connectionCases(bridge: BridgeContext): void {
  describe('connections and subscriptions', () => {
    it('stores one row per connect-time filter and deletes them all on disconnect', async () => {
      const a = bridge.unique();
      const b = `${bridge.unique()}/+/x`;
      const client = await bridge.open(a, b, a);
      const connectionId = await bridge.table().connectionIdHolding(a);
      const stored = await bridge.table().rowsOf(connectionId);
      expect(stored.map((row) => row.topicFilter).sort()).toEqual([a, b].sort());
      await client.close();
      expect(
        await eventually(
          () => bridge.table().rowsOf(connectionId),
          (rows) => rows.length === 0,
        ),
      ).toEqual([]);
    });

    it('refuses a handshake with an invalid topicName with HTTP 400 and writes no row', async () => {
      const valid = bridge.unique();
      const invalid = ['', 'a/#/b', 'a+/b', '$SYS/x', 'bad\u0001topic', 'x'.repeat(MAX_TOPIC_BYTES + 1)];
      for (const filter of invalid) {
        expect({ filter, status: await handshakeStatus(bridge.url(valid, filter)) }).toEqual({
          filter,
          status: 400,
        });
      }
      const tooMany = Array.from({ length: MAX_FILTERS_PER_CONNECTION + 1 }, (_, i) => `${valid}/${i}`);
      expect(await handshakeStatus(bridge.url(...tooMany))).toBe(400);
      expect(await bridge.table().rowsWithFilters(valid, ...tooMany)).toEqual([]);
    });

    it('accepts a connection without topicName as publish-only: no row, and it can publish', async () => {
      const topic = bridge.unique();
      const subscriber = await bridge.open(topic);
      const connectionIds = async () => new Set((await bridge.table().rows()).map((row) => row.connectionId));
      const before = await connectionIds();
      const publisher = await bridge.open();
      // Rows of earlier tests' connections may still be going away; none may appear.
      expect([...(await connectionIds())].filter((id) => !before.has(id))).toEqual([]);
      const raw = json({ topic, message: 'from a publish-only connection', id: 'p' });
      expect(await publisher.request(raw)).toEqual({
        type: 'ack',
        id: 'p',
        delivered: 1,
        subscribers: 1,
        queued: 0,
      });
      expect(subscriber.frames).toEqual([raw]);
    });

    it('subscribes and unsubscribes at runtime, confirming each, and delivers accordingly', async () => {
      const topic = bridge.unique();
      const [client, publisher] = await Promise.all([bridge.open(), bridge.open()]);
      expect(await client.request({ action: 'subscribe', topic, id: 's1' })).toEqual({
        type: 'subscribed',
        topic,
        id: 's1',
        retained: 0,
      });
      const first = json({ topic, message: 1, id: 'm1' });
      expect(await publisher.request(first)).toEqual({
        type: 'ack',
        id: 'm1',
        delivered: 1,
        subscribers: 1,
        queued: 0,
      });
      expect(await client.request({ action: 'unsubscribe', topic })).toEqual({ type: 'unsubscribed', topic });
      expect(await publisher.request(json({ topic, message: 2, id: 'm2' }))).toEqual({
        type: 'ack',
        id: 'm2',
        delivered: 0,
        subscribers: 0,
        queued: 0,
      });
      await settle();
      expect(client.frames.slice(1)).toEqual([first, json({ type: 'unsubscribed', topic })]);
      expect(await bridge.table().rowsWithFilters(topic)).toEqual([]);
    });

    it('confirms a repeated subscribe and an unsubscribe of an unheld filter without changing rows', async () => {
      const topic = `${bridge.unique()}/#`;
      const client = await bridge.open(topic);
      expect(await client.request({ action: 'subscribe', topic })).toEqual({
        type: 'subscribed',
        topic,
        retained: 0,
      });
      expect(await bridge.table().rowsWithFilters(topic)).toHaveLength(1);
      const never = bridge.unique();
      expect(await client.request({ action: 'unsubscribe', topic: never, id: 'u' })).toEqual({
        type: 'unsubscribed',
        topic: never,
        id: 'u',
      });
    });

    it('refuses a subscription past the per-connection limit with too_many_subscriptions', async () => {
      const root = bridge.unique();
      const filters = Array.from({ length: MAX_FILTERS_PER_CONNECTION }, (_, i) => `${root}/${i}`);
      const client = await bridge.open(...filters);
      expect(await client.request({ action: 'subscribe', topic: `${root}/one-more`, id: 'max' })).toEqual({
        type: 'error',
        code: 'too_many_subscriptions',
        reason: expect.stringContaining(String(MAX_FILTERS_PER_CONNECTION)),
        id: 'max',
      });
      expect(await bridge.table().rowsWithFilters(`${root}/one-more`)).toEqual([]);
      expect(await client.request({ action: 'ping' })).toEqual({ type: 'pong' });
    });

    it('answers ping with pong, carrying the id when there is one', async () => {
      const client = await bridge.open();
      expect(await client.request({ action: 'ping' })).toEqual({ type: 'pong' });
      expect(await client.request({ action: 'ping', id: 'keepalive-1' })).toEqual({
        type: 'pong',
        id: 'keepalive-1',
      });
      await settle();
      expect(client.frames).toHaveLength(2);
    });
  });
}
