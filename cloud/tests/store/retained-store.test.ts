import { FULL_ACCESS } from '@topic-bridge/shared-types';
import { beforeEach, describe, expect, it } from 'vitest';
import { createRetainedStore, ensureRetainedTable } from '../../src/aws/retained-store.js';
import { handleMessage } from '../../src/core/handle-message.js';
import type { MessageDeps } from '../../src/core/message-context.js';
import {
  type RetainedChange,
  type RetainedStore,
  retainedChange,
  retainedVersion,
} from '../../src/core/retained.js';
import { StoreUnavailableError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { freshTable, storeFor, TEST_FAN_OUT } from './support/fixture.js';
import { useLocalStore } from './support/use-local-store.js';

const local = useLocalStore({ connections: true });
const TTLS = { ttlSeconds: 3600, tombstoneTtlSeconds: 60 };

let retainedTables = 0;
async function freshRetained(
  options: { pageBudget?: number; pageSize?: number } = {},
): Promise<RetainedStore> {
  const tableName = `Retained-${++retainedTables}`;
  await ensureRetainedTable(local.clients.lean, tableName);
  return createRetainedStore(local.clients.lean, { tableName, ...options });
}

/** A retained publish of `message` to `topic`, received at `ms`. */
function change(topic: string, message: number | null, ms: number): RetainedChange {
  const text = JSON.stringify({ topic, message, retain: true });
  const made = retainedChange({ topic, message, retain: true }, text, ms, TTLS);
  if (made === undefined) throw new Error('a retained publish must make a change');
  return made;
}

const topicsOf = async (store: RetainedStore, filter: string) =>
  (await store.read(filter)).items.map((item) => `${item.topic}=${item.frame ?? 'cleared'}`).sort();

describe('the retained store on dynalite', () => {
  let store: RetainedStore;
  beforeEach(async () => {
    store = await freshRetained();
  });

  it('never lets an older write replace a newer one, and treats a retry (same version) as done', async () => {
    expect(await store.apply(change('a/x', 2, 2_000))).toBe('stored');
    expect(await store.apply(change('a/x', 1, 1_000))).toBe('superseded');
    expect(await store.apply(change('a/x', 2, 2_000))).toBe('superseded');
    expect(await topicsOf(store, 'a/x')).toEqual(['a/x={"topic":"a/x","message":2,"retain":true}']);
    expect(await store.apply(change('a/x', 3, 3_000))).toBe('stored');
    expect(await topicsOf(store, 'a/x')).toEqual(['a/x={"topic":"a/x","message":3,"retain":true}']);
  });

  it('keeps the newest of 30 concurrent writes to one topic, whatever order they land in', async () => {
    const times = Array.from({ length: 30 }, (_, i) => 10_000 + ((i * 7) % 30));
    const outcomes = await Promise.all(times.map((ms) => store.apply(change('a/race', ms, ms))));
    expect(outcomes.filter((outcome) => outcome === 'stored').length).toBeGreaterThanOrEqual(1);
    expect(await topicsOf(store, 'a/race')).toEqual([
      `a/race={"topic":"a/race","message":10029,"retain":true}`,
    ]);
  });

  it('orders two different frames of the same millisecond by their hash, the same way every time', async () => {
    const one = change('a/tie', 1, 5_000);
    const two = change('a/tie', 2, 5_000);
    const [first, second] = one.item.version < two.item.version ? [one, two] : [two, one];
    expect(await store.apply(second)).toBe('stored');
    expect(await store.apply(first)).toBe('superseded');
    expect((await store.read('a/tie')).items.map((item) => item.version)).toEqual([second.item.version]);
  });

  it('clears with a tombstone that an older, late write cannot get past; a newer one can', async () => {
    await store.apply(change('a/c', 1, 1_000));
    expect(await store.apply(change('a/c', null, 3_000))).toBe('stored');
    expect(await topicsOf(store, 'a/c')).toEqual(['a/c=cleared']);
    expect(await store.apply(change('a/c', 2, 2_000))).toBe('superseded');
    expect(await store.apply(change('a/c', 4, 4_000))).toBe('stored');
    expect(await topicsOf(store, 'a/c')).toEqual(['a/c={"topic":"a/c","message":4,"retain":true}']);
  });

  it('reads one partition by prefix for a literal first level, and Scans for a wildcard first level', async () => {
    for (const topic of ['a/b', 'a/b/c', 'a/bc', 'a', 'b/b', '/b'])
      await store.apply(change(topic, 1, 1_000));
    const read = async (filter: string) => (await store.read(filter)).items.map((item) => item.topic).sort();
    expect(await read('a/b')).toEqual(['a/b']);
    // The prefix read also returns a/bc (selectRetained drops it); never another partition.
    expect(await read('a/b/#')).toEqual(['a/b', 'a/b/c', 'a/bc']);
    expect(await read('a/+')).toEqual(['a', 'a/b', 'a/b/c', 'a/bc']);
    expect(await read('+/b')).toEqual(['/b', 'a', 'a/b', 'a/b/c', 'a/bc', 'b/b']);
    expect(await read('/+')).toEqual(['/b']);
  });

  it('stops at its page budget and says the read is incomplete', async () => {
    const bounded = await freshRetained({ pageBudget: 2, pageSize: 2 });
    for (let i = 0; i < 5; i++) await bounded.apply(change(`p/${i}`, i, 1_000 + i));
    expect(await bounded.read('p/#')).toMatchObject({ readIncomplete: true });
    expect((await bounded.read('p/#')).items).toHaveLength(4);
    expect(await bounded.read('+/+')).toMatchObject({ readIncomplete: true });
    expect(await bounded.read('p/1')).toMatchObject({ readIncomplete: false });
  });

  it('rejects with a StoreUnavailableError when its table is missing', async () => {
    const missing = createRetainedStore(local.clients.lean, { tableName: 'NoSuchRetainedTable' });
    await expect(missing.apply(change('a', 1, 1))).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(missing.read('a')).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});

describe('handleMessage with retained values', () => {
  let deps: MessageDeps;
  let now: number;
  const send = (connectionId: string, body: string) =>
    handleMessage({ connectionId, body, connectedAtMs: now, grants: FULL_ACCESS, receivedAtMs: now }, deps);
  const received = (connectionId: string) => local.server.deliveredTo(connectionId);

  beforeEach(async () => {
    now = 1_800_000_000_000;
    deps = {
      store: storeFor(local.clients, await freshTable(local.clients), 'query'),
      gateway: local.gateway,
      logger: silentLogger,
      config: { fanOut: TEST_FAN_OUT },
      now: () => now,
      retained: { store: await freshRetained(), ttlSeconds: 3600 },
    };
  });

  it('answers a subscribe with the count, then the retained frames newest first, marked, and nothing else', async () => {
    await send('p', '{"topic":"s/1","message":1,"retain":true}');
    now += 1;
    await send('p', '{"topic":"s/2","message":2,"retain":true}');
    now += 1;
    await send('p', '{"topic":"s/3","message":3}');
    await send('l', '{"action":"subscribe","topic":"s/+","id":"q"}');
    expect(received('l')).toEqual([
      '{"type":"subscribed","topic":"s/+","id":"q","retained":2}',
      '{"topic":"s/2","message":2,"retain":true,"replay":"retained"}',
      '{"topic":"s/1","message":1,"retain":true,"replay":"retained"}',
    ]);
  });

  it('ignores a value past its TTL at the injected clock', async () => {
    await send('p', '{"topic":"e/1","message":1,"retain":true}');
    now += 3600 * 1000;
    await send('l', '{"action":"subscribe","topic":"e/1"}');
    expect(received('l')).toEqual(['{"type":"subscribed","topic":"e/1","retained":0}']);
  });

  it('answers store_unavailable and delivers nothing when the retained write fails', async () => {
    await send('l', '{"action":"subscribe","topic":"f/1"}');
    local.server.reset();
    deps.retained = {
      store: createRetainedStore(local.clients.lean, { tableName: 'NoSuchTable' }),
      ttlSeconds: 60,
    };
    await send('p', '{"topic":"f/1","message":1,"retain":true,"id":"m"}');
    expect(received('l')).toEqual([]);
    expect(received('p').map((body) => JSON.parse(body))).toEqual([
      { type: 'error', code: 'store_unavailable', reason: expect.any(String), id: 'm' },
    ]);
    // A publish without retain does not touch the retained store: delivered as before.
    await send('p', '{"topic":"f/1","message":2}');
    expect(received('l')).toEqual(['{"topic":"f/1","message":2}']);
  });

  it('delivers a retained publish live, and a superseded one too (only the newer value stays)', async () => {
    await send('l', '{"action":"subscribe","topic":"g/1"}');
    await send('p', '{"topic":"g/1","message":"new","retain":true}');
    now -= 5;
    await send('p', '{"topic":"g/1","message":"late","retain":true}');
    expect(received('l').slice(1)).toEqual([
      '{"topic":"g/1","message":"new","retain":true}',
      '{"topic":"g/1","message":"late","retain":true}',
    ]);
    const read = await deps.retained?.store.read('g/1');
    expect(read?.items.map((item) => item.frame)).toEqual(['{"topic":"g/1","message":"new","retain":true}']);
    expect(read?.items[0]?.version.slice(0, 15)).toBe(retainedVersion(now + 5, '').slice(0, 15));
  });
});
