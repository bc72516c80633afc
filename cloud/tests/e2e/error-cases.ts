import {
  type ErrorCode,
  errorFrame,
  MAX_FRAME_BYTES,
  MAX_ID_LENGTH,
  parseClientFrame,
} from '@topic-bridge/shared-types';
import { describe, expect, it } from 'vitest';
import type { BridgeContext } from './support/bridge-context.js';
import { handshakeStatus, settle } from './support/test-client.js';

const json = (value: unknown) => JSON.stringify(value);

/** Every refused frame, the code it must get, and whether the error carries its id. */
function badFrames(topic: string): [label: string, raw: string, code: ErrorCode][] {
  return [
    ['malformed JSON', `{"topic":"${topic}","message":`, 'malformed_json'],
    ['an array', json([{ topic, message: 1 }]), 'not_an_object'],
    ['a string', json(topic), 'not_an_object'],
    ['a number', '42', 'not_an_object'],
    ['null', 'null', 'not_an_object'],
    ['no topic', json({ message: 1, id: 'no-topic' }), 'invalid_topic'],
    ['an empty topic', json({ topic: '', message: 1, id: 'empty' }), 'invalid_topic'],
    ['a topic that is not a string', json({ topic: 7, message: 1, id: 'number' }), 'invalid_topic'],
    ['a reserved topic', json({ topic: '$SYS/x', message: 1, id: 'reserved' }), 'invalid_topic'],
    [
      '+ in a publish topic',
      json({ topic: `${topic}/+`, message: 1, id: 'plus' }),
      'wildcard_in_publish_topic',
    ],
    [
      '# in a publish topic',
      json({ topic: `${topic}/#`, message: 1, id: 'hash' }),
      'wildcard_in_publish_topic',
    ],
    ['no message', json({ topic, id: 'no-message' }), 'missing_message'],
    ['an empty id', json({ topic, message: 1, id: '' }), 'invalid_id'],
    ['an id that is not a string', json({ topic, message: 1, id: 5 }), 'invalid_id'],
    ['a too long id', json({ topic, message: 1, id: 'i'.repeat(MAX_ID_LENGTH + 1) }), 'invalid_id'],
    [
      'a frame over 128 KB',
      json({ topic, message: 'x'.repeat(MAX_FRAME_BYTES), id: 'too-large' }),
      'message_too_large',
    ],
    ['an unknown action', json({ action: 'dance', id: 'dance' }), 'unknown_action'],
    ['an action that is not a string', json({ action: 5, topic }), 'unknown_action'],
    [
      'subscribe to a misplaced #',
      json({ action: 'subscribe', topic: `${topic}/#/x`, id: 'sub' }),
      'invalid_topic',
    ],
    ['subscribe without topic', json({ action: 'subscribe', id: 'sub-none' }), 'invalid_topic'],
    [
      'unsubscribe from a misplaced +',
      json({ action: 'unsubscribe', topic: 'a+', id: 'unsub' }),
      'invalid_topic',
    ],
  ];
}

/** Bad input: an exact error frame to the sender only, nothing broadcast, and the connection keeps working. */
export function errorCases(bridge: BridgeContext): void {
  describe('bad input', () => {
    it('answers every invalid frame with its error frame, broadcasts none, and keeps the connection', async () => {
      const topic = bridge.unique();
      // The witness would receive anything broadcast, on this topic or any other.
      const [sender, witness] = await Promise.all([bridge.open(), bridge.open('#', topic)]);
      const cases = badFrames(topic);
      for (const [label, raw, code] of cases) {
        const rejection = parseClientFrame(raw);
        if (rejection.ok) throw new Error(`shared-types accepts ${label}`);
        const { reason, id } = rejection.error;
        expect({ label, code: rejection.error.code }).toEqual({ label, code });
        expect({ label, reply: await sender.request(raw) }).toEqual({
          label,
          reply: errorFrame(code, reason, id),
        });
      }
      const valid = json({ topic, message: 'still working', id: 'after' });
      expect(await sender.request(valid)).toEqual({
        type: 'ack',
        id: 'after',
        delivered: 1,
        subscribers: 1,
        queued: 0,
      });
      await settle();
      expect(sender.frames).toHaveLength(cases.length + 1);
      expect(witness.frames).toEqual([valid]);
    });

    it('answers history_not_enabled on a bridge that keeps no history (the default)', async () => {
      const sender = await bridge.open();
      const reply = await sender.request({ action: 'history', topic: `${bridge.unique()}/#`, id: 'h' });
      expect(reply).toMatchObject({ type: 'error', code: 'history_not_enabled', id: 'h' });
      await settle();
      expect(sender.frames).toHaveLength(1);
    });

    it('answers store_unavailable while DynamoDB fails, and works again once it is back', async () => {
      const topic = bridge.unique();
      const [client, subscriber] = await Promise.all([bridge.open(), bridge.open(topic)]);
      const stack = bridge.stack();
      stack.setStoreAvailable(false);
      try {
        const unavailable = (id: string) => ({
          type: 'error',
          code: 'store_unavailable',
          reason: expect.any(String),
          id,
        });
        expect(await client.request({ topic, message: 1, id: 'while-down' })).toEqual(
          unavailable('while-down'),
        );
        expect(await client.request({ action: 'subscribe', topic, id: 'sub-down' })).toEqual(
          unavailable('sub-down'),
        );
        // A ping needs no store.
        expect(await client.request({ action: 'ping', id: 'alive' })).toEqual({ type: 'pong', id: 'alive' });
        // A new connection cannot be stored: the handshake fails, and the client reconnects later.
        expect(await handshakeStatus(bridge.url(`${topic}/new`))).toBe(500);
      } finally {
        stack.setStoreAvailable(true);
      }
      const raw = json({ topic, message: 2, id: 'back' });
      expect(await client.request(raw)).toEqual({
        type: 'ack',
        id: 'back',
        delivered: 1,
        subscribers: 1,
        queued: 0,
      });
      expect(subscriber.frames).toEqual([raw]);
    });
  });
}
