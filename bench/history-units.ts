/**
 * What topic history costs in DynamoDB capacity, measured on dynalite with ReturnConsumedCapacity through the
 * very store the Lambda runs (cloud/src/aws/history-store.ts): the write units one publish adds (the frame's
 * put, the topic's counter, its ring slot, the delete of the frame that fell out), while a topic's ring fills
 * and once it is full, for small and 1 KB frames; then the read units of history requests of 100 frames
 * (`since` absent, `since` an id at the oldest kept frame, `since` an id in a first level shared by 10
 * topics). Also the time the publish path waits for the history (the frame's put) and the whole append with
 * its trim, on this machine. Run: `npx tsx bench/history-units.ts` (about 30 s). Results: docs/BENCHMARKS.md.
 */
import { pathToFileURL } from 'node:url';
import { createHistoryStore } from '../cloud/src/aws/history-store.js';
import { ensureHistoryTable } from '../cloud/src/aws/history-table.js';
import { createDynamoClients } from '../cloud/src/aws/sdk-clients.js';
import { DEFAULT_HISTORY_MAX_AGE_SECONDS, DEFAULT_HISTORY_MAX_FRAMES } from '../cloud/src/config.js';
import type { HistorySince } from '../cloud/src/core/history.js';
import { startDynalite } from '../cloud/tests/store/support/dynalite.js';

/** Publishes per measured topic: the ring (100) fills, then 200 publishes in steady state. */
const PUBLISHES = 300;

function frameOf(topic: string, i: number, bytes: number): string {
  const head = JSON.stringify({ topic, message: { value: i }, id: `f${i}` });
  const padding = Math.max(0, bytes - head.length - 10);
  return JSON.stringify({ topic, message: { value: i, pad: 'x'.repeat(padding) }, id: `f${i}` });
}

const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / Math.max(1, values.length);
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

async function main(): Promise<void> {
  const dynalite = await startDynalite();
  const clients = createDynamoClients(dynalite.endpoint);
  try {
    const units: number[] = [];
    const tableName = 'HistoryBench';
    await ensureHistoryTable(clients.lean, tableName);
    const store = createHistoryStore(clients.lean, {
      config: {
        tableName,
        maxFrames: DEFAULT_HISTORY_MAX_FRAMES,
        maxAgeSeconds: DEFAULT_HISTORY_MAX_AGE_SECONDS,
      },
      logger: { warn: (message) => console.warn(message) },
      onWriteUnits: (u) => units.push(u),
    });
    const now = Date.now();
    console.log(
      `history write units per publish (maxFrames ${DEFAULT_HISTORY_MAX_FRAMES}, ${PUBLISHES} publishes per topic)`,
    );
    for (const bytes of [100, 1_000]) {
      const topic = `w${bytes}/topic`;
      units.length = 0;
      const putMs: number[] = [];
      const appendMs: number[] = [];
      for (let i = 0; i < PUBLISHES; i++) {
        const started = performance.now();
        const appended = await store.append({
          topic,
          frame: frameOf(topic, i, bytes),
          frameId: `f${i}`,
          receivedAtMs: now + i,
        });
        putMs.push(performance.now() - started);
        await appended.trimmed;
        appendMs.push(performance.now() - started);
      }
      const filling = units.slice(0, DEFAULT_HISTORY_MAX_FRAMES);
      const steady = units.slice(DEFAULT_HISTORY_MAX_FRAMES);
      const row = {
        frameBytes: bytes,
        writeUnitsWhileFilling: mean(filling),
        writeUnitsSteady: mean(steady),
        putMsP50: percentile(putMs, 50),
        appendWithTrimMsP50: percentile(appendMs, 50),
      };
      console.log(JSON.stringify(row));
    }

    console.log('history read units (ConsistentRead) of one request for 100 frames');
    // A first level shared by 10 topics of 100 kept frames each (1 KB), one of which is asked for.
    const shared = 'shared';
    for (let i = 0; i < 1_000; i++) {
      const topic = `${shared}/t${i % 10}`;
      await (
        await store.append({
          topic,
          frame: frameOf(topic, i, 1_000),
          frameId: `s${i}`,
          receivedAtMs: now + i,
        })
      ).trimmed;
    }
    const cases: [string, string, HistorySince][] = [
      ['100 frames of 1 KB, since absent', 'w1000/topic', { kind: 'oldest' }],
      ['100 frames of 100 B, since absent', 'w100/topic', { kind: 'oldest' }],
      [
        '100 frames of 1 KB, since = the id before the oldest kept',
        'w1000/topic',
        { kind: 'id', id: 'f199' },
      ],
      ['1 topic of 10 in its first level, since absent', `${shared}/t3`, { kind: 'oldest' }],
      [
        '1 topic of 10 in its first level, since = an id aged out',
        `${shared}/t3`,
        { kind: 'id', id: 'gone' },
      ],
      ['the whole first level (+), since absent, limit 100', `${shared}/+`, { kind: 'oldest' }],
    ];
    for (const [name, filter, since] of cases) {
      const started = performance.now();
      const page = await store.read({ filter, since, limit: 100, nowMs: now + 5_000 });
      const ms = performance.now() - started;
      console.log(
        JSON.stringify({
          case: name,
          frames: page.rows.length,
          more: page.more,
          readUnits: page.readUnits,
          ms: Math.round(ms),
        }),
      );
    }
  } finally {
    clients.destroy();
    await dynalite.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
