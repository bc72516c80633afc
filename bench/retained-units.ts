/**
 * DynamoDB capacity of retained values (issue 11), on dynalite with ReturnConsumedCapacity TOTAL, through the
 * very store code the Lambda runs (cloud/src/aws/retained-store.ts): the extra write units a publish with
 * `"retain": true` spends, by frame size, and the read units of one retained lookup (a subscribe or a
 * `retained` request) for an exact filter, wildcard filters with a literal first level (one Query of one
 * partition), and filters starting with a wildcard (a Scan of the table, bounded by RETAINED_READ_PAGE_BUDGET),
 * while the table grows. "billed" applies AWS's minimum of 0.5 read unit (eventually consistent) per request.
 * Run: `npx tsx bench/retained-units.ts [--full]` (quick: 1k and 10k retained topics, about 30 s; --full adds
 * 50k). Results: docs/BENCHMARKS.md, "Retained values: capacity units".
 */
import { pathToFileURL } from 'node:url';
import { batchWrite } from '../cloud/src/aws/batch-write.js';
import type { DynamoHttpClient } from '../cloud/src/aws/dynamodb-http/client.js';
import { createRetainedStore, ensureRetainedTable, retainedItemOf } from '../cloud/src/aws/retained-store.js';
import { createDynamoClients } from '../cloud/src/aws/sdk-clients.js';
import { DEFAULT_RETAINED_TTL_SECONDS, RETAINED_TOMBSTONE_TTL_SECONDS } from '../cloud/src/config.js';
import { type RetainedChange, retainedChange } from '../cloud/src/core/retained.js';
import { startDynalite } from '../cloud/tests/store/support/dynalite.js';
import { capacityRecorder, MIN_BILLED_UNITS } from './read-units.js';

const TTLS = {
  ttlSeconds: DEFAULT_RETAINED_TTL_SECONDS,
  tombstoneTtlSeconds: RETAINED_TOMBSTONE_TTL_SECONDS,
};

/** The retained topic of row `i`: 10 sites × 40 devices × sensors, one first level per site. */
export function topicFor(i: number): string {
  return `site-${i % 10}/dev-${Math.floor(i / 10) % 40}/sensor-${Math.floor(i / 400)}`;
}

/** A frame like the agent's: ~150 bytes (payload and stamps). */
function frameFor(topic: string, i: number, padding = 0): string {
  return JSON.stringify({
    topic,
    message: { value: 20 + (i % 10) / 10, unit: 'C', pad: 'x'.repeat(padding) },
    retain: true,
    id: `f-${i}`,
    ts: 1_800_000_000_000 + i,
    device: 'gateway-1',
    seq: i,
  });
}

function changeFor(text: string, ms: number): RetainedChange {
  const change = retainedChange(JSON.parse(text), text, ms, TTLS);
  if (change === undefined) throw new Error('a retained frame must make a change');
  return change;
}

/** The filters measured, with what kind of read each is. */
export const LOOKUPS = [
  ['site-3/dev-7/sensor-0', 'exact: one Query, one item'],
  ['site-3/+/sensor-0', 'literal first level: one Query of the partition'],
  ['site-3/#', 'literal first level: one Query of the partition'],
  ['+/dev-7/sensor-0', 'wildcard first: Scan (bounded)'],
  ['#', 'wildcard first: Scan (bounded)'],
] as const;

/** Write units of one retained publish, by frame size: set, replace, and an older (superseded) write. */
async function measureWrites(): Promise<void> {
  const dynalite = await startDynalite();
  const { perRequest, options } = capacityRecorder();
  const clients = createDynamoClients(dynalite.endpoint, options);
  try {
    await ensureRetainedTable(clients.lean, 'Retained');
    // Every PutItem asks for its consumed capacity, so the store's own PutItem reports its write units.
    const lean = clients.lean;
    const asking: DynamoHttpClient = {
      ...lean,
      putItem: (input) => lean.putItem({ ...input, ReturnConsumedCapacity: 'TOTAL' }),
    };
    const store = createRetainedStore(asking, { tableName: 'Retained' });
    console.log(
      'write units of one publish with "retain": true (dynalite, PutItem with ReturnConsumedCapacity TOTAL)\n',
    );
    console.log(
      '| frame bytes | first value | a newer value | an older value (superseded) | clear (tombstone) |',
    );
    console.log('|---:|---:|---:|---:|---:|');
    for (const padding of [0, 1_000, 4_000, 30_000]) {
      const topic = `w/size-${padding}`;
      const text = frameFor(topic, 1, padding);
      const units: string[] = [];
      for (const [ms, raw] of [
        [2_000, text],
        [3_000, text],
        [1_000, text],
        [4_000, JSON.stringify({ topic, message: null, retain: true })],
      ] as const) {
        perRequest.length = 0;
        const outcome = await store.apply(changeFor(raw, ms));
        // A failed condition answers with an error, which carries no ConsumedCapacity here (AWS bills it anyway).
        units.push(perRequest.length === 0 ? `n/a (${outcome})` : String(perRequest[0]));
      }
      console.log(`| ${Buffer.byteLength(text)} | ${units.join(' | ')} |`);
    }
  } finally {
    clients.destroy();
    await dynalite.stop();
  }
}

/** Read units of one lookup per filter in a table of `rows` retained topics. */
async function measureReads(rows: number): Promise<void> {
  const dynalite = await startDynalite();
  const { perRequest, options } = capacityRecorder();
  const clients = createDynamoClients(dynalite.endpoint, options);
  try {
    await ensureRetainedTable(clients.lean, 'Retained');
    const puts = Array.from({ length: rows }, (_, i) => {
      const topic = topicFor(i);
      return { PutRequest: { Item: retainedItemOf(changeFor(frameFor(topic, i), Date.now() + i)) } };
    });
    for (let start = 0; start < puts.length; start += 25 * 8) {
      await Promise.all(
        Array.from({ length: 8 }, (_, k) => puts.slice(start + k * 25, start + (k + 1) * 25))
          .filter((slice) => slice.length > 0)
          .map((slice) => batchWrite(clients.lean, 'Retained', slice)),
      );
    }
    const store = createRetainedStore(clients.lean, { tableName: 'Retained' });
    for (const [filter, kind] of LOOKUPS) {
      perRequest.length = 0;
      const read = await store.read(filter);
      const billed = perRequest.reduce((sum, units) => sum + Math.max(MIN_BILLED_UNITS, units), 0);
      const cells = [
        rows,
        `\`${filter}\``,
        kind,
        read.items.length,
        perRequest.length,
        read.readUnits,
        billed,
        read.readIncomplete ? 'yes' : 'no',
      ];
      console.log(`| ${cells.join(' | ')} |`);
    }
  } finally {
    clients.destroy();
    await dynalite.stop();
  }
}

/** `npx tsx bench/retained-units.ts [--full]`. */
export async function main(argv: readonly string[]): Promise<void> {
  await measureWrites();
  console.log(
    '\nread units of one retained lookup (dynalite, Query/Scan with ReturnConsumedCapacity TOTAL)\n',
  );
  console.log(
    '| retained topics | filter | read | items read | requests | read units (dynalite) | billed on AWS | cut by the page budget |',
  );
  console.log('|---:|---|---|---:|---:|---:|---:|---|');
  for (const rows of argv.includes('--full') ? [1_000, 10_000, 50_000] : [1_000, 10_000])
    await measureReads(rows);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
