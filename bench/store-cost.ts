/**
 * Benchmark 4, store cost: DynamoDB read units one publish spends finding its subscribers, with a fixed
 * number of exact subscribers on the published topic while the table grows (1k, 10k and, with --full,
 * 100k rows), Query against Scan. Measured on dynalite with ReturnConsumedCapacity through the very lookup
 * code the Lambda runs; a middleware records every response's ConsumedCapacity, so requests are counted
 * and AWS's minimum of 0.5 unit per request can be applied ("billed").
 * Run: `npx tsx bench/store-cost.ts` (quick: 1k and 10k rows, about 30 s) or `-- --full` (adds 100k).
 */
import { pathToFileURL } from 'node:url';
import { batchWrite } from '../cloud/src/aws/batch-write.js';
import { createDynamoClients } from '../cloud/src/aws/clients.js';
import { createDynamoStore } from '../cloud/src/aws/dynamodb-store.js';
import { ensureTable } from '../cloud/src/aws/ensure-table.js';
import { LEGACY_KEY_GRACE_MS, type LookupStrategy } from '../cloud/src/aws/find-subscribers.js';
import { subscriptionRow } from '../cloud/src/aws/subscription-rows.js';
import { DEFAULT_CONNECTION_TTL_SECONDS } from '../cloud/src/config.js';
import { collectSubscribers } from '../cloud/src/core/subscriptions.js';
import { startDynalite } from '../cloud/tests/store/support/dynalite.js';

/** DynamoDB's smallest charge for one eventually consistent read request. */
export const MIN_BILLED_UNITS = 0.5;

/** The topic every measured publish goes to. */
export const TOPIC = 'plant/3/sensor/13';

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
  const clients = createDynamoClients(dynalite.endpoint);
  try {
    const tableName = 'WSConnections';
    const indexName = 'TopicNameIndex';
    await ensureTable(clients.dynamo, { tableName, indexName });
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
      await Promise.all(slices.filter((s) => s.length > 0).map((s) => batchWrite(clients.doc, tableName, s)));
    }
    const perRequest: number[] = [];
    clients.doc.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        const capacity = (result.output as { ConsumedCapacity?: { CapacityUnits?: number } })
          .ConsumedCapacity;
        if (capacity !== undefined) perRequest.push(capacity.CapacityUnits ?? 0);
        return result;
      },
      { step: 'initialize', name: 'recordConsumedCapacity' },
    );
    const results: StoreCostRow[] = [];
    for (const lookup of ['scan', 'query'] as const) {
      // A runtime past the grace period: its first lookup still reads the unsharded keys (cold), the next not.
      let now = connectedAt;
      const store = createDynamoStore(clients.doc, {
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
    clients.dynamo.destroy();
    await dynalite.stop();
  }
}

/** Prints the comparison as a Markdown table, and whether the Query meets the targets. */
export async function main(argv: readonly string[]): Promise<void> {
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

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
