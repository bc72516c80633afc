import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoClient } from '../../src/aws/clients.js';
import type { DynamoHttpClient } from '../../src/aws/dynamodb-http/client.js';
import { createHistoryStore, HISTORY_ATTRIBUTES } from '../../src/aws/history-store.js';
import { ensureHistoryTable } from '../../src/aws/history-table.js';
import type { HistoryStore } from '../../src/core/history.js';
import { type RunningDynalite, startDynalite } from './support/dynalite.js';

// The history store against a real dynalite, with the clock injected through receivedAtMs and nowMs.
const T0 = Date.UTC(2026, 0, 1);
const MAX_AGE_SECONDS = 60;

let dynalite: RunningDynalite;
let dynamo: DynamoDBClient;
let lean: DynamoHttpClient;
let tables = 0;
const warnings: string[] = [];

async function freshStore(maxFrames: number): Promise<{ store: HistoryStore; tableName: string }> {
  const tableName = `History${++tables}`;
  await ensureHistoryTable(lean, tableName);
  const store = createHistoryStore(lean, {
    config: { tableName, maxFrames, maxAgeSeconds: MAX_AGE_SECONDS },
    logger: { warn: (message) => warnings.push(message) },
    instanceId: 'test',
  });
  return { store, tableName };
}

/** Appends frames one after another (each trim settled), `id` = the text. */
async function publish(store: HistoryStore, topic: string, ids: string[], at: number, stepMs = 1) {
  for (const [i, id] of ids.entries()) {
    const frame = JSON.stringify({ topic, message: i, id });
    const appended = await store.append({ topic, frame, frameId: id, receivedAtMs: at + i * stepMs });
    await appended.trimmed;
  }
}

const ids = (page: { rows: { frameId?: string }[] }) => page.rows.map((row) => row.frameId);

beforeAll(async () => {
  dynalite = await startDynalite();
  dynamo = new DynamoDBClient({
    endpoint: dynalite.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  lean = createDynamoClient(dynalite.endpoint);
});

afterAll(async () => {
  dynamo?.destroy();
  lean?.close();
  await dynalite?.stop();
});

describe('history store on dynalite', () => {
  it('keeps the newest maxFrames frames of each topic (trim on write), oldest first', async () => {
    const { store, tableName } = await freshStore(3);
    await publish(store, 'a/x', ['1', '2', '3', '4', '5'], T0);
    await publish(store, 'a/y', ['y1'], T0 + 100);
    const page = await store.read({ filter: 'a/x', since: { kind: 'oldest' }, limit: 100, nowMs: T0 + 1000 });
    expect(ids(page)).toEqual(['3', '4', '5']);
    expect(page.more).toBe(false);
    // Exactly 3 + 1 frame rows are left: the evicted ones were deleted, not merely hidden.
    const scan = await dynamo.send(new ScanCommand({ TableName: tableName }));
    const frameRows = (scan.Items ?? []).filter((item) => item[HISTORY_ATTRIBUTES.frame] !== undefined);
    expect(frameRows).toHaveLength(4);
  });

  it('answers since an id, since a time, with a limit and `more`', async () => {
    const { store } = await freshStore(100);
    await publish(store, 'b/x', ['1', '2', '3', '4', '5'], T0, 10);
    const now = T0 + 1000;
    const afterId = await store.read({ filter: 'b/x', since: { kind: 'id', id: '2' }, limit: 2, nowMs: now });
    expect(ids(afterId)).toEqual(['3', '4']);
    expect(afterId.more).toBe(true);
    expect(afterId.sinceFound).toBe(true);
    const rest = await store.read({ filter: 'b/x', since: { kind: 'id', id: '4' }, limit: 2, nowMs: now });
    expect(ids(rest)).toEqual(['5']);
    expect(rest.more).toBe(false);
    // Frame i was received at T0 + 10 i: "after T0 + 20" starts at the fourth frame.
    const afterTime = await store.read({
      filter: 'b/x',
      since: { kind: 'time', ms: T0 + 20 },
      limit: 100,
      nowMs: now,
    });
    expect(ids(afterTime)).toEqual(['4', '5']);
    const newest = await store.read({
      filter: 'b/x',
      since: { kind: 'id', id: '5' },
      limit: 100,
      nowMs: now,
    });
    expect(newest).toMatchObject({ rows: [], more: false, sinceFound: true });
  });

  it('bounds the search for a since id by pages: past the budget the id counts as not found', async () => {
    const tableName = `History${++tables}`;
    await ensureHistoryTable(lean, tableName);
    const config = { tableName, maxFrames: 100, maxAgeSeconds: MAX_AGE_SECONDS };
    const logger = { warn: (message: string) => warnings.push(message) };
    // Pages of 2 rows, at most 2 pages: the 4 newest rows are all a search may read.
    const store = createHistoryStore(lean, {
      config,
      logger,
      instanceId: 'test',
      sinceIdPageSize: 2,
      sinceIdPageBudget: 2,
    });
    await publish(store, 'e/x', ['1', '2', '3', '4', '5', '6'], T0);
    const now = T0 + 1000;
    const within = await store.read({ filter: 'e/x', since: { kind: 'id', id: '3' }, limit: 10, nowMs: now });
    expect({ ids: ids(within), sinceFound: within.sinceFound }).toEqual({
      ids: ['4', '5', '6'],
      sinceFound: true,
    });
    const beyond = await store.read({ filter: 'e/x', since: { kind: 'id', id: '1' }, limit: 10, nowMs: now });
    expect({ ids: ids(beyond), sinceFound: beyond.sinceFound }).toEqual({
      ids: ['3', '4', '5', '6'],
      sinceFound: false,
    });
  });

  it('drops frames past the age bound, and reports a since id that aged out', async () => {
    const { store } = await freshStore(100);
    await publish(store, 'c/x', ['old'], T0);
    await publish(store, 'c/x', ['new1', 'new2'], T0 + 30_000);
    // At T0 + 60.5 s the first frame (T0) is past the 60 s bound; the others are not.
    const now = T0 + 60_500;
    const all = await store.read({ filter: 'c/x', since: { kind: 'oldest' }, limit: 100, nowMs: now });
    expect(ids(all)).toEqual(['new1', 'new2']);
    const gap = await store.read({ filter: 'c/x', since: { kind: 'id', id: 'old' }, limit: 100, nowMs: now });
    expect(ids(gap)).toEqual(['new1', 'new2']);
    expect(gap.sinceFound).toBe(false);
    const later = await store.read({
      filter: 'c/x',
      since: { kind: 'oldest' },
      limit: 100,
      nowMs: T0 + 91_000,
    });
    expect(ids(later)).toEqual([]);
  });

  it('merges the topics of a wildcard filter in publish order, and skips other topics of the partition', async () => {
    const { store } = await freshStore(100);
    const order: [string, string][] = [
      ['d/1/t', 'a'],
      ['d/2/t', 'b'],
      ['d/1/h', 'skip'],
      ['d/1/t', 'c'],
      ['d/2/t', 'd'],
    ];
    for (const [i, [topic, id]] of order.entries()) await publish(store, topic, [id], T0 + i);
    const page = await store.read({
      filter: 'd/+/t',
      since: { kind: 'oldest' },
      limit: 100,
      nowMs: T0 + 1000,
    });
    expect(ids(page)).toEqual(['a', 'b', 'c', 'd']);
    expect(page.rows.map((row) => row.topic)).toEqual(['d/1/t', 'd/2/t', 'd/1/t', 'd/2/t']);
  });

  it('keeps frames of one millisecond in the order this instance received them', async () => {
    const { store } = await freshStore(100);
    await publish(store, 'e/x', ['1', '2', '3', '4'], T0, 0);
    const page = await store.read({ filter: 'e/#', since: { kind: 'oldest' }, limit: 100, nowMs: T0 + 1 });
    expect(ids(page)).toEqual(['1', '2', '3', '4']);
    expect(page.readUnits).toBeGreaterThan(0);
  });

  it('keeps exactly maxFrames under concurrent appends to one topic', async () => {
    const { store } = await freshStore(5);
    const appends = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.append({ topic: 'f/x', frame: `{"i":${i}}`, frameId: String(i), receivedAtMs: T0 + i }),
      ),
    );
    await Promise.all(appends.map((append) => append.trimmed));
    const page = await store.read({ filter: 'f/x', since: { kind: 'oldest' }, limit: 100, nowMs: T0 + 100 });
    expect(page.rows).toHaveLength(5);
    expect(warnings).toEqual([]);
  });
});
