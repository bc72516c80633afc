/**
 * dynalite's CPU per publish lookup and per Query (issue 9's load run: is the local store the bottleneck?).
 * dynalite runs in a child process of its own (its CPU read from /proc); this process writes the load run's
 * 1,000 subscription rows (bench/support/load-plan.ts: 100 topics, one subscriber in ten on a wildcard) with
 * the handlers' own row builder, then runs the handlers' own lookup (findSubscribers, the local stack's
 * settings: 1 shard, no legacy keys) for the load run's topic sequence, and prints dynalite's CPU per lookup
 * and per Query, with the load average. Variants run side by side, A B A B.
 * Run: npx tsx bench/dynalite-cpu.ts [--lookups 2000] [--rounds 2]
 */
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { DynamoServerOptions } from '../cloud/local/dynamo-server.js';
import { LOCAL_REGION } from '../cloud/src/aws/clients.js';
import { LOCAL_SIGNING_CREDENTIALS } from '../cloud/src/aws/credentials.js';
import { createDynamoHttpClient } from '../cloud/src/aws/dynamodb-http/client.js';
import { ensureTable } from '../cloud/src/aws/ensure-table.js';
import { findSubscribers } from '../cloud/src/aws/find-subscribers.js';
import { subscriptionRow } from '../cloud/src/aws/subscription-rows.js';
import {
  DEFAULT_CONNECTION_TTL_SECONDS,
  DEFAULT_EXACT_INDEX_NAME,
  DEFAULT_TABLE_NAME,
  DEFAULT_TOPIC_INDEX_NAME,
} from '../cloud/src/config.js';
import { filterOf, frameOf, topicsOf } from './support/load-plan.js';
import { cpuSecondsOf, loadAverage } from './support/proc-stats.js';

const { values } = parseArgs({
  options: {
    lookups: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '1000' },
  },
});
const LOOKUPS = Number(values.lookups);
const ROUNDS = Number(values.rounds);
const shape = { connections: Number(values.connections), topics: 100 };
/** Lookups before the measured ones, so that both sides are warm (JIT). */
const WARM_UP = 300;
/** Lookups in flight at once (a publish's 3 Queries go out together; several publishes overlap). */
const IN_FLIGHT = 8;

/** The variants compared: the options given to startDynamoServer. */
const VARIANTS: Record<string, DynamoServerOptions> = {
  'dynalite as is': { replayReads: false },
  'local stack (read replay)': {},
};

async function startChild(options: DynamoServerOptions): Promise<{ child: ChildProcess; endpoint: string }> {
  const child = fork(
    path.resolve(import.meta.dirname, 'support/dynalite-child.ts'),
    [JSON.stringify(options)],
    {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const endpoint = await new Promise<string>((resolve, reject) => {
    child.once('message', (message: { endpoint: string }) => resolve(message.endpoint));
    child.once('exit', (code) => reject(new Error(`dynalite child exited (${code})`)));
  });
  return { child, endpoint };
}

async function measure(name: string, options: DynamoServerOptions) {
  const { child, endpoint } = await startChild(options);
  const dynamo = createDynamoHttpClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: async () => LOCAL_SIGNING_CREDENTIALS,
  });
  let queries = 0;
  const counting = new Proxy(dynamo, {
    get(target, property, receiver) {
      if (property !== 'query') return Reflect.get(target, property, receiver);
      return (input: Parameters<typeof dynamo.query>[0]) => {
        queries++;
        return target.query(input);
      };
    },
  });
  try {
    await ensureTable(dynamo, { tableName: DEFAULT_TABLE_NAME, indexName: DEFAULT_TOPIC_INDEX_NAME });
    const topics = topicsOf(shape);
    const now = Date.now();
    for (let index = 0; index < shape.connections; index++) {
      const row = subscriptionRow(
        `conn-${index}`,
        filterOf(shape, topics, index),
        now,
        DEFAULT_CONNECTION_TTL_SECONDS,
        1,
      );
      await dynamo.putItem({ TableName: DEFAULT_TABLE_NAME, Item: { ...row } });
    }
    let found = 0;
    const lookup = async (k: number) => {
      for await (const page of findSubscribers(counting, 'query', frameOf(topics, k).topic, {
        tableName: DEFAULT_TABLE_NAME,
        indexName: DEFAULT_TOPIC_INDEX_NAME,
        exactIndexName: DEFAULT_EXACT_INDEX_NAME,
        connectionTtlSeconds: DEFAULT_CONNECTION_TTL_SECONDS,
        nowMs: Date.now(),
        indexShards: 1,
        legacyWildcardKeys: 'skip',
      }))
        found += page.connectionIds.length;
    };
    const run = async (from: number, count: number) => {
      let next = from;
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (next < from + count) await lookup(next++);
        }),
      );
    };
    await run(0, WARM_UP);
    queries = 0;
    found = 0;
    const cpuBefore = cpuSecondsOf(child.pid ?? 0);
    const started = Date.now();
    await run(WARM_UP, LOOKUPS);
    const cpuMs = (cpuSecondsOf(child.pid ?? 0) - cpuBefore) * 1000;
    child.send('stats');
    const cache = await new Promise<{ hits: number; misses: number }>((resolve) =>
      child.once('message', (stats: { hits: number; misses: number }) => resolve(stats)),
    );
    return {
      variant: name,
      lookups: LOOKUPS,
      queries,
      subscribersPerLookup: Number((found / LOOKUPS).toFixed(1)),
      dynaliteCpuMsPerLookup: Number((cpuMs / LOOKUPS).toFixed(2)),
      dynaliteCpuMsPerQuery: Number((cpuMs / queries).toFixed(2)),
      readCache: cache,
      lookupsPerSecond: Math.round(LOOKUPS / ((Date.now() - started) / 1000)),
      load1: loadAverage(),
    };
  } finally {
    dynamo.close();
    child.disconnect();
  }
}

for (let round = 0; round < ROUNDS; round++) {
  for (const [name, options] of Object.entries(VARIANTS))
    console.log(JSON.stringify(await measure(name, options)));
}
