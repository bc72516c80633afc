/**
 * Benchmark 7, cost model: US dollars per million published frames at 10, 100 and 1,000 subscribers per
 * topic, for this design and for the original's (unpaged Scan, posts one after another), with 10,000
 * connections in the table; and the memory size of each function chosen from the same model (item 6).
 *
 * Measured here: the CPU time one invocation spends (our process only: dynalite and the `@connections` sink
 * run in a child process) for a publish to N subscribers through the real lookup and the lean post path
 * (aws/http1/), a worker page, and a `$connect`. Modelled: Lambda duration at memory M as lookup + max(CPU × 1,769 / M,
 * posts' network wait at the fan-out's starting concurrency), since Lambda gives a full vCPU at 1,769 MB and a proportional share below (this
 * machine's core stands in for one vCPU); read units from benchmark 4's billing rule; API Gateway messages
 * and connection minutes from the protocol. Prices: see PRICES. Run: `npx tsx bench/cost-model.ts` (~1 min).
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startDynamoServer } from '../cloud/local/dynamo-server.js';
import { createDynamoStore } from '../cloud/src/aws/dynamodb-store.js';
import { ensureTable } from '../cloud/src/aws/ensure-table.js';
import { createDynamoClients } from '../cloud/src/aws/sdk-clients.js';
import {
  DEFAULT_CONNECTION_TTL_SECONDS,
  DEFAULT_FAN_OUT,
  DEFAULT_INVOCATION_SHARE,
} from '../cloud/src/config.js';
import { FAN_OUT_JOB_KIND } from '../cloud/src/core/fan-out-job.js';
import { runFanOutJob } from '../cloud/src/core/fan-out-worker.js';
import { deliver } from '../cloud/src/core/publish.js';
import { silentLogger } from '../cloud/src/log.js';
import { gatewayFor } from '../cloud/tests/store/support/fixture.js';

/**
 * AWS list prices, us-east-1, as assumptions (no internet here): read from public pages through the docs
 * search on 2026-12-01 — API Gateway WebSocket $1.00 per million messages (first billion; awsforengineers.com,
 * 2025-05-19, quoting aws.amazon.com/api-gateway/pricing), connection minutes $0.25 per million (AWS's pricing
 * page as last known; not confirmed by the search), Lambda arm64 $0.0000133334 per GB-s and $0.20 per million
 * requests, x86_64 $0.0000166667 per GB-s (AWS's Lambda pricing page as quoted in 2026), DynamoDB on demand
 * $0.125 per million read request units and $0.625 per million write units since the 50% cut of
 * 2024-11-01 (airbyte.com, 2025-07-21). Free tiers ignored.
 */
export const PRICES = {
  apiGatewayPerMillionMessages: 1.0,
  apiGatewayPerMillionConnectionMinutes: 0.25,
  lambdaArmPerGbSecond: 0.0000133334,
  lambdaX86PerGbSecond: 0.0000166667,
  lambdaPerMillionRequests: 0.2,
  dynamoPerMillionReadUnits: 0.125,
  dynamoPerMillionWriteUnits: 0.625,
} as const;

/** Memory at which Lambda gives one full vCPU (AWS documentation). */
export const FULL_VCPU_MB = 1_769;
/** Round trip of one post to `@connections` inside a Region, assumed (FACTS.md's stand-in uses 20 ms). */
export const POST_LATENCY_MS = 20;
/** Round trip of one DynamoDB request inside a Region, assumed. */
export const DYNAMO_LATENCY_MS = 5;
/** One publisher sending 1 frame/s to the topic: how long subscribers stay connected per frame (connection minutes). */
export const FRAMES_PER_SECOND = 1;
/** Connections in the table, as the issue asks (the original's unpaged Scan reads only its first 1 MB). */
export const TABLE_CONNECTIONS = 10_000;
/** An index entry (KEYS_ONLY: connection id, filter, key, expiresAt), bytes, from benchmark 4's units. */
const INDEX_ENTRY_BYTES = 94;
/** A table row as the Scan reads it, bytes (benchmark 4: 10,000 rows ≈ 1.1 MB). */
const TABLE_ROW_BYTES = 113;
const MEMORY_SIZES = [128, 256, 512, 1024, 1769] as const;

// ---- the child process: dynalite and a sink that answers every post at once, off our CPU clock ----
async function serveChild(): Promise<void> {
  const dynamo = await startDynamoServer();
  const sink = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(204).end());
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', () => resolve()));
  const { port } = sink.address() as AddressInfo;
  console.log(JSON.stringify({ dynamo: dynamo.endpoint, sink: `http://127.0.0.1:${port}` }));
}

async function startChild() {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--serve'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve) =>
    createInterface({ input: child.stdout }).once('line', resolve),
  );
  return { ...(JSON.parse(line) as { dynamo: string; sink: string }), stop: () => child.kill() };
}

function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** CPU ms per call of `work`, after one warm-up call. */
async function measure(runs: number, work: () => Promise<unknown>): Promise<number> {
  await work();
  const start = cpuMs();
  for (let i = 0; i < runs; i++) await work();
  return (cpuMs() - start) / runs;
}

/** What was measured on this machine. */
export interface Measured {
  publishCpuMs: Record<number, number>;
  workerPageCpuMs: number;
  connectCpuMs: number;
}

/** Measures CPU per publish (10, 100, 1,000 subscribers), per worker page of 1,000, per `$connect`. */
export async function measureCpu(): Promise<Measured> {
  const servers = await startChild();
  const clients = createDynamoClients(servers.dynamo);
  try {
    const tableName = 'WSConnections';
    await ensureTable(clients.lean, { tableName, indexName: 'TopicNameIndex' });
    const store = createDynamoStore(clients.lean, {
      tableName,
      indexName: 'TopicNameIndex',
      lookup: 'query',
      connectionTtlSeconds: DEFAULT_CONNECTION_TTL_SECONDS,
    });
    const gateway = gatewayFor(servers.sink);
    const deps = { store, gateway, settings: DEFAULT_FAN_OUT, logger: silentLogger };
    const publishCpuMs: Record<number, number> = {};
    for (const n of [10, 100, 1_000]) {
      const topic = `cost/${n}`;
      for (let i = 0; i < n; i += 50) {
        await Promise.all(
          Array.from({ length: Math.min(50, n - i) }, (_, k) =>
            store.addConnection(`c${n}-${i + k}-AbCdEfGh=`, [topic], Date.now()),
          ),
        );
      }
      const frame = JSON.stringify({ topic, message: { temperature: 21.5 }, id: 'x' });
      publishCpuMs[n] = await measure(n >= 1_000 ? 5 : 20, () => deliver(topic, frame, deps));
    }
    let page = 0;
    const ids = Array.from({ length: 1_000 }, (_, i) => `w-${i}-AbCdEfGh=`);
    const memoryProgress = { settled: async () => 0, record: async () => undefined };
    const workerPageCpuMs = await measure(5, () =>
      runFanOutJob(
        {
          kind: FAN_OUT_JOB_KIND,
          publishId: 'bench',
          page: ++page,
          topic: 't',
          endpoint: servers.sink,
          data: '{"topic":"t","message":1}',
          connectionIds: ids,
        },
        { ...deps, progress: memoryProgress, checkpointPosts: 250 },
      ),
    );
    let connection = 0;
    const connectCpuMs = await measure(100, () =>
      store.addConnection(`new-${++connection}`, ['a/b'], Date.now()),
    );
    return { publishCpuMs, workerPageCpuMs, connectCpuMs };
  } finally {
    clients.destroy();
    servers.stop();
  }
}

/** Lambda duration in ms at `memoryMb` for work that needs `cpuMs` of one vCPU and waits `waitMs` on the network. */
export function durationMs(cpuMs: number, waitMs: number, memoryMb: number): number {
  return Math.max((cpuMs * FULL_VCPU_MB) / Math.min(memoryMb, FULL_VCPU_MB), waitMs);
}

function lambdaDollars(
  ms: number,
  memoryMb: number,
  perGbSecond: number = PRICES.lambdaArmPerGbSecond,
): number {
  return (memoryMb / 1024) * (ms / 1000) * perGbSecond + PRICES.lambdaPerMillionRequests / 1e6;
}

/** Read units billed for one Query lookup of n exact subscribers: 9 Queries of at least 0.5 unit each. */
export function queryReadUnits(n: number): number {
  return 8 * 0.5 + Math.max(0.5, Math.ceil((n * INDEX_ENTRY_BYTES) / 4096) * 0.5);
}

/** One row of the cost table: dollars per million published frames, by component. */
export interface CostRow {
  design: 'this' | 'original';
  subscribers: number;
  apiGatewayMessages: number;
  connectionMinutes: number;
  lambda: number;
  dynamo: number;
  total: number;
  /** Publish to ack (this design) or to the last post (the original), ms. */
  latencyMs: number;
}

/** Dollars per million frames for this design (memory `memoryMb` for `$default` and the worker). */
export function costThisDesign(n: number, measured: Measured, memoryMb: number): CostRow {
  const million = 1e6;
  const messages = (1 + n + 1) * PRICES.apiGatewayPerMillionMessages; // publish in, n posts out, ack out
  const minutes =
    (((n + 1) / FRAMES_PER_SECOND / 60) * million * PRICES.apiGatewayPerMillionConnectionMinutes) / million;
  const own = Math.min(n, DEFAULT_INVOCATION_SHARE);
  const cpuPerPost = (measured.publishCpuMs[1_000] ?? 0) / 1_000;
  const cpu = measured.publishCpuMs[n] ?? cpuPerPost * own;
  const wait = DYNAMO_LATENCY_MS + rounds(own) * POST_LATENCY_MS;
  const ms = durationMs(cpu, wait, memoryMb);
  const workerPages = Math.ceil(Math.max(0, n - own) / 1_000);
  const workerMs = durationMs(
    measured.workerPageCpuMs,
    Math.ceil(1_000 / DEFAULT_FAN_OUT.concurrency) * POST_LATENCY_MS,
    memoryMb,
  );
  const lambda = (lambdaDollars(ms, memoryMb) + workerPages * lambdaDollars(workerMs, memoryMb)) * million;
  const dynamo =
    queryReadUnits(n) * PRICES.dynamoPerMillionReadUnits +
    workerPages * 4 * PRICES.dynamoPerMillionWriteUnits;
  const total = messages + minutes + lambda + dynamo;
  return {
    design: 'this',
    subscribers: n,
    apiGatewayMessages: messages,
    connectionMinutes: minutes,
    lambda,
    dynamo,
    total,
    latencyMs: ms,
  };
}

/**
 * The original: one unpaged Scan of the table (its first 1 MB page: 128 read units at 10,000 connections,
 * and the connections past it never reached), posts one after another with aws-sdk v2, 128 MB x86_64 (the
 * Lambda console's default; the walkthrough sets none), no ack frame (it answers "Published to N").
 */
export function costOriginal(n: number, measured: Measured): CostRow {
  const million = 1e6;
  const memoryMb = 128;
  const messages = (1 + n) * PRICES.apiGatewayPerMillionMessages;
  const minutes =
    (((n + 1) / FRAMES_PER_SECOND / 60) * million * PRICES.apiGatewayPerMillionConnectionMinutes) / million;
  const scanBytes = Math.min(TABLE_CONNECTIONS * TABLE_ROW_BYTES, 1024 * 1024);
  const readUnits = Math.ceil(scanBytes / 4096) * 0.5;
  const cpuPerPost = (measured.publishCpuMs[1_000] ?? 0) / 1_000;
  // Sequential posts: every post's latency adds up; its CPU (the same SDK work) at 128 MB's share, too.
  const ms = DYNAMO_LATENCY_MS * 2 + n * POST_LATENCY_MS + (cpuPerPost * n * FULL_VCPU_MB) / memoryMb;
  const lambda = lambdaDollars(Math.min(ms, 29_000), memoryMb, PRICES.lambdaX86PerGbSecond) * million;
  const dynamo = readUnits * PRICES.dynamoPerMillionReadUnits;
  const total = messages + minutes + lambda + dynamo;
  return {
    design: 'original',
    subscribers: n,
    apiGatewayMessages: messages,
    connectionMinutes: minutes,
    lambda,
    dynamo,
    total,
    latencyMs: ms,
  };
}

/**
 * The memory rule (item 6): the cheapest size, and among sizes within 2% of the cheapest the fastest.
 * CPU-bound work costs the same GB-seconds at any size up to one vCPU (twice the memory, half the duration),
 * so it gets the fastest size at that cost; network-bound work gets the size at which it stops being
 * CPU-bound, since more memory only makes the wait dearer. Never past 1,769 MB: a second vCPU is of no use
 * to one Node thread.
 */
export function chooseMemory(cpuMs: number, waitMs: number): number {
  const priced = MEMORY_SIZES.map((memory) => {
    const ms = durationMs(cpuMs, waitMs, memory);
    return { memory, ms, dollars: lambdaDollars(ms, memory) };
  });
  const cheapest = Math.min(...priced.map((each) => each.dollars));
  const nearCheapest = priced.filter((each) => each.dollars <= cheapest * 1.02);
  return nearCheapest.reduce((best, each) => (each.ms < best.ms ? each : best)).memory;
}

/** Round trips of posts for n connections at the fan-out's starting concurrency. */
function rounds(n: number): number {
  return Math.ceil(n / DEFAULT_FAN_OUT.concurrency);
}

/** Prints what was measured, the memory choice and the cost table. */
export async function main(): Promise<void> {
  const measured = await measureCpu();
  const fmt = (value: number, digits = 2) => value.toFixed(digits);
  console.log('CPU measured on this machine (ms of one core per invocation):');
  console.log(
    `  publish to 10 / 100 / 1,000 subscribers: ${[10, 100, 1_000].map((n) => fmt(measured.publishCpuMs[n] ?? 0)).join(' / ')}; ` +
      `worker page of 1,000: ${fmt(measured.workerPageCpuMs)}; $connect: ${fmt(measured.connectCpuMs)}\n`,
  );
  console.log('Memory size: Lambda duration (ms) and cost per million invocations ($, arm64) by memory');
  console.log('| function, work | 128 MB | 256 MB | 512 MB | 1024 MB | 1769 MB | chosen |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  const cases: Array<[string, number, number]> = [
    ['$connect / $disconnect (1 batch write)', measured.connectCpuMs, DYNAMO_LATENCY_MS],
    ['$default, 10 subscribers', measured.publishCpuMs[10] ?? 0, DYNAMO_LATENCY_MS + POST_LATENCY_MS],
    [
      '$default, 1,000 subscribers (its whole share)',
      measured.publishCpuMs[1_000] ?? 0,
      DYNAMO_LATENCY_MS + rounds(1_000) * POST_LATENCY_MS,
    ],
    ['fanOutWorker, page of 1,000', measured.workerPageCpuMs, rounds(1_000) * POST_LATENCY_MS],
  ];
  for (const [label, cpu, wait] of cases) {
    const cells = MEMORY_SIZES.map((memory) => {
      const ms = durationMs(cpu, wait, memory);
      return `${fmt(ms, 0)} ms, $${fmt(lambdaDollars(ms, memory) * 1e6)}`;
    });
    console.log(`| ${label} | ${cells.join(' | ')} | ${chooseMemory(cpu, wait)} MB |`);
  }
  console.log(
    `\nDollars per million published frames (${TABLE_CONNECTIONS.toLocaleString('en')} connections in the table; $default and worker at 1,769 MB arm64)`,
  );
  console.log(
    '| design | subscribers | API GW messages | connection minutes | Lambda | DynamoDB | total | publish → ack / last post |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const n of [10, 100, 1_000]) {
    for (const row of [costThisDesign(n, measured, FULL_VCPU_MB), costOriginal(n, measured)]) {
      console.log(
        `| ${row.design} | ${n} | ${fmt(row.apiGatewayMessages)} | ${fmt(row.connectionMinutes)} | ${fmt(row.lambda)} | ${fmt(row.dynamo)} | **${fmt(row.total)}** | ${fmt(row.latencyMs, 0)} ms |`,
      );
    }
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const run = process.argv.includes('--serve') ? serveChild() : main();
  run.catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
