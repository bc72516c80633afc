/**
 * DynamoDB read units one publish consumes, Scan against Query, measured on dynalite with
 * ReturnConsumedCapacity (TOTAL for the Scan, INDEXES for the topic-index Queries) through the very lookup
 * code the Lambda runs. Run: `npx tsx bench/read-units.ts [rows]` (default 1000). Results: docs/BENCHMARKS.md.
 */
import { pathToFileURL } from 'node:url';
import { createDynamoClients } from '../cloud/src/aws/clients.js';
import { createDynamoStore } from '../cloud/src/aws/dynamodb-store.js';
import { ensureTable } from '../cloud/src/aws/ensure-table.js';
import type { LookupStrategy } from '../cloud/src/aws/find-subscribers.js';
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
  const clients = createDynamoClients(dynalite.endpoint);
  try {
    const tableName = 'WSConnections';
    await ensureTable(clients.dynamo, { tableName, indexName: 'TopicNameIndex' });
    const store = (lookup: LookupStrategy) =>
      createDynamoStore(clients.doc, {
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
    // Records the ConsumedCapacity of every response, to count requests and apply AWS's per-request minimum.
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
    clients.dynamo.destroy();
    await dynalite.stop();
  }
}

/** Prints the comparison as a Markdown table. */
export async function main(argv: readonly string[]): Promise<void> {
  const rows = Number(argv[0] ?? 1000);
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

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
