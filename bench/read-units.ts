/**
 * DynamoDB read units one publish consumes, Scan against Query, measured on dynalite with
 * ReturnConsumedCapacity (TOTAL for the Scan, INDEXES for the topic-index Queries) through the very lookup
 * code the Lambda runs. Benchmark 4 (store cost): a fixed number of exact subscribers on the published topic
 * while the table grows (1k and 10k rows; 100k with --full); then a mixed-filter comparison at one size.
 * A middleware records every response's ConsumedCapacity, so requests are counted and AWS's minimum of
 * 0.5 unit per request applied ("billed"). Run: `npx tsx bench/read-units.ts [--full] [rows]` (quick pass
 * about 40 s). Results: docs/BENCHMARKS.md.
 */
import { pathToFileURL } from 'node:url';
import { batchWrite } from '../cloud/src/aws/batch-write.js';
import type { DynamoHttpClientOptions } from '../cloud/src/aws/dynamodb-http/client.js';
import { createDynamoStore } from '../cloud/src/aws/dynamodb-store.js';
import { ensureTable } from '../cloud/src/aws/ensure-table.js';
import { LEGACY_KEY_GRACE_MS, type LookupStrategy } from '../cloud/src/aws/find-subscribers.js';
import { createDynamoClients } from '../cloud/src/aws/sdk-clients.js';
import { subscriptionRow } from '../cloud/src/aws/subscription-rows.js';
import { DEFAULT_CONNECTION_TTL_SECONDS } from '../cloud/src/config.js';
import { collectSubscribers } from '../cloud/src/core/subscriptions.js';
import { startDynalite } from '../cloud/tests/store/support/dynalite.js';

/** One measured lookup. */
export interface ReadUnitsRow {
  mix: Mix;
  lookup: LookupStrategy;
  rows: number;
  subscribers: number;
  /** Read units as dynalite reports them: the sum over every request of the lookup. */
  readUnits: number;
  /** Scan pages or Queries the lookup sent. */
  requests: number;
  /** What AWS would bill: DynamoDB charges at least 0.5 unit (eventually consistent) per request, dynalite 0 when empty. */
  billedUnits: number;
}

/** `mixed`: 80% exact filters, 15% `plant/N/#`, 5% `+/N/sensor/+`; `exact`: exact filters only. */
export type Mix = 'mixed' | 'exact';

/** The filter of connection `i` in a mix. */
export function filterFor(i: number, mix: Mix): string {
  const group = Math.floor(i / 20) % 10;
  if (mix === 'exact' || i % 20 < 16) return `plant/${i % 10}/sensor/${i % 40}`;
  if (i % 20 < 19) return `plant/${group}/#`;
  return `+/${group}/sensor/+`;
}

/** DynamoDB's smallest charge for one eventually consistent read request. */
export const MIN_BILLED_UNITS = 0.5;

/** The topic every measured publish goes to. */
export const PUBLISHED_TOPIC = 'plant/3/sensor/13';

/** Fills a fresh dynalite with `rows` connections of one filter each and measures one lookup per strategy. */
export async function measureReadUnits(rows: number, mix: Mix): Promise<ReadUnitsRow[]> {
  const dynalite = await startDynalite();
  const { perRequest, options } = capacityRecorder();
  const clients = createDynamoClients(dynalite.endpoint, options);
  try {
    const tableName = 'WSConnections';
    await ensureTable(clients.lean, { tableName, indexName: 'TopicNameIndex' });
    const store = (lookup: LookupStrategy) =>
      createDynamoStore(clients.lean, {
        tableName,
        indexName: 'TopicNameIndex',
        lookup,
        connectionTtlSeconds: DEFAULT_CONNECTION_TTL_SECONDS,
      });
    const writer = store('query');
    const connectedAt = Date.now();
    // Realistic API Gateway connection ids: 16 characters, ending in "=".
    const ids = Array.from({ length: rows }, (_, i) => `${i.toString(36).padStart(6, '0')}AbCdEfGhI=`);
    for (let start = 0; start < rows; start += 50) {
      await Promise.all(
        ids
          .slice(start, start + 50)
          .map((id, k) => writer.addConnection(id, [filterFor(start + k, mix)], connectedAt)),
      );
    }
    const results: ReadUnitsRow[] = [];
    for (const lookup of ['scan', 'query'] as const) {
      perRequest.length = 0;
      const found = await collectSubscribers(store(lookup).findSubscribers(PUBLISHED_TOPIC));
      results.push({
        mix,
        lookup,
        rows,
        subscribers: found.connectionIds.length,
        readUnits: found.readUnits,
        requests: perRequest.length,
        billedUnits: perRequest.reduce((sum, units) => sum + Math.max(MIN_BILLED_UNITS, units), 0),
      });
    }
    return results;
  } finally {
    clients.destroy();
    await dynalite.stop();
  }
}

/** The mixed-filter comparison at one table size, as a Markdown table. */
export async function printMixed(argv: readonly string[]): Promise<void> {
  const rows = Number(argv.find((arg) => /^\d+$/.test(arg)) ?? (argv.includes('--full') ? 10000 : 1000));
  if (!Number.isSafeInteger(rows) || rows < 1)
    throw new Error(`rows must be a positive whole number; got "${argv[0]}"`);
  console.log(`read units for one publish to "${PUBLISHED_TOPIC}", one filter per connection (dynalite)\n`);
  console.log(
    '| filters | lookup | rows | subscribers | requests | read units (dynalite) | billed on AWS | Scan / Query |',
  );
  console.log('|---|---|---:|---:|---:|---:|---:|---:|');
  for (const mix of ['mixed', 'exact'] as const) {
    const [scan, query] = await measureReadUnits(rows, mix);
    if (scan === undefined || query === undefined) continue;
    const ratio = (x: number, y: number) => (y > 0 ? `${(x / y).toFixed(1)}x` : 'n/a');
    const ratios = `${ratio(scan.readUnits, query.readUnits)} (billed ${ratio(scan.billedUnits, query.billedUnits)})`;
    for (const row of [scan, query]) {
      const cells = [
        mix,
        row.lookup,
        row.rows,
        row.subscribers,
        row.requests,
        row.readUnits,
        row.billedUnits,
      ];
      console.log(`| ${cells.join(' | ')} | ${row === scan ? '' : ratios} |`);
    }
  }
}

/** Benchmark 4's publish topic: the same as the mixed measurement's. */
export const TOPIC = PUBLISHED_TOPIC;

/** Table sizes of the quick pass and of --full. */
export const QUICK_ROWS = [1_000, 10_000];
export const FULL_ROWS = [1_000, 10_000, 100_000];

/** Exact subscribers on the published topic: the issue's 10, and the target's bound of 50. */
export const SUBSCRIBER_COUNTS = [10, 50];

/** One measured lookup. */
export interface StoreCostRow {
  lookup: LookupStrategy;
  rows: number;
  subscribers: number;
  found: number;
  requests: number;
  /** As dynalite reports them (size-based, 0 for an empty Query). */
  readUnits: number;
  /** With AWS's 0.5-unit minimum per request. */
  billedUnits: number;
  /** A runtime younger than LEGACY_KEY_GRACE_MS also reads the two unsharded wildcard keys. */
  coldBilledUnits: number;
}

/**
 * The other rows: 80% exact filters on other topics of the same first level (`plant/N/sensor/other-M`), 20%
 * wildcard filters under other first levels (`site-N/#`), so that none of them shares an index key with the
 * published topic. (Filters whose first level is a wildcard, `+/…` or `#`, sit under `$wildcard/+`, which
 * every publish reads: their cost is the Query variant's known expensive case, docs/DATA-MODEL.md.)
 */
function otherFilter(i: number): string {
  return i % 5 < 4 ? `plant/${i % 10}/sensor/other-${i}` : `site-${i % 50}/#`;
}

/** Fills a fresh dynalite with `rows` one-filter connections, `subscribers` of them on TOPIC, and measures. */
export async function measureStoreCost(rows: number, subscribers: number): Promise<StoreCostRow[]> {
  const dynalite = await startDynalite();
  const { perRequest, options } = capacityRecorder();
  const clients = createDynamoClients(dynalite.endpoint, options);
  try {
    const tableName = 'WSConnections';
    const indexName = 'TopicNameIndex';
    await ensureTable(clients.lean, { tableName, indexName });
    const connectedAt = Date.now();
    const puts = Array.from({ length: rows }, (_, i) => {
      const id = `${i.toString(36).padStart(6, '0')}AbCdEfGhI=`;
      const filter = i < subscribers ? TOPIC : otherFilter(i);
      return {
        PutRequest: { Item: { ...subscriptionRow(id, filter, connectedAt, DEFAULT_CONNECTION_TTL_SECONDS) } },
      };
    });
    for (let start = 0; start < puts.length; start += 25 * 8) {
      const slices = Array.from({ length: 8 }, (_, k) => puts.slice(start + k * 25, start + (k + 1) * 25));
      await Promise.all(
        slices.filter((s) => s.length > 0).map((s) => batchWrite(clients.lean, tableName, s)),
      );
    }
    const results: StoreCostRow[] = [];
    for (const lookup of ['scan', 'query'] as const) {
      // A runtime past the grace period: its first lookup still reads the unsharded keys (cold), the next not.
      let now = connectedAt;
      const store = createDynamoStore(clients.lean, {
        tableName,
        indexName,
        lookup,
        connectionTtlSeconds: DEFAULT_CONNECTION_TTL_SECONDS,
        now: () => now,
      });
      now += LEGACY_KEY_GRACE_MS;
      const measure = async () => {
        perRequest.length = 0;
        const found = await collectSubscribers(store.findSubscribers(TOPIC));
        return {
          found: found.connectionIds.length,
          requests: perRequest.length,
          readUnits: found.readUnits,
          billedUnits: perRequest.reduce((sum, units) => sum + Math.max(MIN_BILLED_UNITS, units), 0),
        };
      };
      const cold = await measure();
      const warm = await measure();
      results.push({ lookup, rows, subscribers, ...warm, coldBilledUnits: cold.billedUnits });
    }
    return results;
  } finally {
    clients.destroy();
    await dynalite.stop();
  }
}

/** Benchmark 4: prints the fixed-subscriber table and whether the Query meets the targets. */
export async function printStoreCost(argv: readonly string[]): Promise<void> {
  const sizes = argv.includes('--full') ? FULL_ROWS : QUICK_ROWS;
  console.log(
    `read units for one publish to "${TOPIC}" (dynalite ${new Date().toISOString().slice(0, 10)})\n`,
  );
  console.log(
    '| lookup | rows | subscribers | found | requests | read units (dynalite) | billed on AWS (warm) | billed, runtime < 15 min |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  const query: StoreCostRow[] = [];
  for (const subscribers of SUBSCRIBER_COUNTS) {
    for (const rows of sizes) {
      for (const row of await measureStoreCost(rows, subscribers)) {
        if (row.lookup === 'query') query.push(row);
        const cells = [
          row.lookup,
          row.rows,
          row.subscribers,
          row.found,
          row.requests,
          row.readUnits,
          row.billedUnits,
          row.coldBilledUnits,
        ];
        console.log(`| ${cells.join(' | ')} |`);
      }
    }
  }
  for (const subscribers of SUBSCRIBER_COUNTS) {
    const units = query.filter((row) => row.subscribers === subscribers).map((row) => row.readUnits);
    const spread = Math.max(...units) / Math.max(Math.min(...units), Number.EPSILON) - 1;
    console.log(
      `\nQuery, ${subscribers} subscribers: read units ${units.join(' / ')} over ${sizes.join(' / ')} rows; ` +
        `max ≤ 0.5: ${Math.max(...units) <= 0.5 ? 'yes' : 'no'}; flat within 10%: ${spread <= 0.1 ? 'yes' : `no (${(spread * 100).toFixed(0)}%)`}`,
    );
  }
}

/**
 * `npx tsx bench/read-units.ts [--full] [rows]`: benchmark 4 (fixed subscribers, growing table), then the
 * mixed-filter comparison at `rows` (default 1,000; 10,000 with --full).
 */
export async function main(argv: readonly string[]): Promise<void> {
  await printStoreCost(argv);
  console.log('');
  await printMixed(argv);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}

/**
 * Records the ConsumedCapacity of every response the lean client gets, one entry per request, so that requests
 * can be counted and AWS's per-request minimum applied. The array is the caller's to reset between runs; pass
 * `options` when creating the clients.
 */
export function capacityRecorder(): { perRequest: number[]; options: Partial<DynamoHttpClientOptions> } {
  const perRequest: number[] = [];
  const onResponse = (_operation: string, output: Readonly<Record<string, unknown>>) => {
    const capacity = output.ConsumedCapacity as { CapacityUnits?: number } | undefined;
    if (capacity !== undefined) perRequest.push(capacity.CapacityUnits ?? 0);
  };
  return { perRequest, options: { onResponse } };
}
