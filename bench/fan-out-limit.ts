/**
 * Fan-out at the platform's limit: time from the start of one fan-out to its last post settled, against a
 * stand-in `@connections` endpoint with AWS's account throttle (token bucket 10,000/s, burst 5,000; 429 above)
 * and a post latency (default 20 ms), for 100, 1,000, 10,000 (and with --full 100,000) subscribers, next to the
 * floor max(latency, (N − burst)/rate + latency). Variants, in one run: today's fanOut (adaptive concurrency
 * over the lean post path), the previous fixed concurrency of 32, and the original design's posts one after
 * another with no retry (at 100 and 1,000 only: it needs N × latency). The endpoint counts what it accepted per
 * connection id, so lost and duplicated posts are exact, and reports its own CPU per request. Run:
 * `npx tsx bench/fan-out-limit.ts [--full] [--latency=20] [--endpoint=raw|node-http|both] [--sizes=1000,10000]
 * [--variants=fanOut] [--account-only|--scaled-only] [--json=out.json]`. Results: docs/BENCHMARKS.md (the plot
 * is written by bench/plot-fan-out.ts).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createHttpConnectionsGateway } from '../cloud/src/aws/connections-http.js';
import { LOCAL_SIGNING_CREDENTIALS } from '../cloud/src/aws/credentials.js';
import { DEFAULT_FAN_OUT } from '../cloud/src/config.js';
import { fanOut } from '../cloud/src/core/fan-out.js';
import type { ConnectionGateway } from '../cloud/src/core/gateway.js';
import { postWithRetry } from '../cloud/src/core/post-with-retry.js';
import { runBounded } from '../cloud/src/core/run-bounded.js';
import type { Logger } from '../cloud/src/log.js';
import type { ThrottledEndpointStats } from './support/throttled-endpoint-stats.js';

/** AWS's account-wide throttle for `@connections` calls (FACTS.md): requests per second and burst. */
export const ACCOUNT_RATE = 10_000;
export const ACCOUNT_BURST = 5_000;
const FULL = process.argv.includes('--full');
const LATENCY_MS = Number(process.argv.find((a) => a.startsWith('--latency='))?.split('=')[1] ?? 20);
const SIZES_ARG = process.argv.find((a) => a.startsWith('--sizes='))?.split('=')[1];
const SIZES = SIZES_ARG
  ? SIZES_ARG.split(',').map(Number)
  : FULL
    ? [100, 1_000, 10_000, 100_000]
    : [100, 1_000, 10_000];
/**
 * The stand-in endpoint's server: `raw` (a bare `net` server parsing the one request shape: the default) or
 * `node-http` (Node's `http` server, the endpoint of the runs before 2026-12-01 16:30 UTC), or both in turn.
 */
const ENDPOINT_ARG = process.argv.find((a) => a.startsWith('--endpoint='))?.split('=')[1] ?? 'raw';
const ENDPOINT_MODES = ENDPOINT_ARG === 'both' ? ['raw', 'node-http'] : [ENDPOINT_ARG];
/** Variants by name prefix (`--variants=fanOut`): the adaptive fanOut alone, say, for a quick pass. */
const VARIANTS_ARG = process.argv.find((a) => a.startsWith('--variants='))?.split('=')[1];
/** The original design posts one after another: only sizes it finishes in reasonable time. */
const ORIGINAL_SIZES = [100, 1_000];
/** The fixed concurrency fanOut had before the adaptive limit. */
const PREVIOUS_CONCURRENCY = 32;
const WARM_UP_IDS = Array.from({ length: 2_000 }, (_, i) => `warm-${i}`);
const FRAME = JSON.stringify({ topic: 'plant/3/sensor/13', data: { t: 21.5, seq: 1 } });

/**
 * The same throttle scaled down tenfold, so that this 2-core machine (which cannot post 10,000/s itself) meets
 * the throttle and the 429 handling is measured too.
 */
export const SCALED_RATE = 1_000;
export const SCALED_BURST = 500;
const SCALED_SIZES = [1_000, 5_000];

/** The fastest any client can be: the burst goes at once, the rest at the rate, plus one latency. */
export function floorMs(
  subscribers: number,
  latencyMs: number,
  rate = ACCOUNT_RATE,
  burst = ACCOUNT_BURST,
): number {
  return Math.max(latencyMs, ((subscribers - burst) / rate) * 1000 + latencyMs);
}

/** One measured fan-out. */
export interface FanOutRow {
  variant: string;
  /** The endpoint's throttle: requests per second / burst. */
  throttle: string;
  subscribers: number;
  ms: number;
  floorMs: number;
  ratio: number;
  /** Posts the endpoint accepted, each connection counted once. */
  delivered: number;
  lost: number;
  duplicated: number;
  /** 429 answers the endpoint gave (each one a request the throttle refused, retried or not). */
  throttled: number;
  clientCpuSeconds: number;
  /** The stand-in endpoint's server (`raw` or `node-http`) and its own CPU per request it answered, µs. */
  endpoint: string;
  endpointCpuMicrosPerRequest: number;
  /** The part of it spent in the kernel (loopback TCP: its reads, its writes and the client's receive side). */
  endpointSystemMicrosPerRequest: number;
  /** The machine's 1-minute load average when the run ended (2 cores; other work shares them). */
  load: number;
}

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

function ask<T>(child: ChildProcess, message: string): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (answer) => resolve(answer as T));
    child.send(message);
  });
}

type Variant = {
  name: string;
  sizes: number[];
  /** Posts of the unmeasured fan-out that opens the variant's sockets. */
  warmUp: number;
  run(ids: string[], gateway: ConnectionGateway): Promise<void>;
};

const VARIANTS: Variant[] = [
  {
    name: 'fanOut: adaptive concurrency, lean path',
    sizes: SIZES,
    warmUp: 1_000,
    run: async (ids, gateway) => {
      await fanOut(ids, FRAME, {
        gateway,
        settings: DEFAULT_FAN_OUT,
        store: { removeConnection: async () => 0 },
        logger: quiet,
      });
    },
  },
  {
    name: `fixed concurrency ${PREVIOUS_CONCURRENCY} (before), lean path`,
    sizes: SIZES.filter((n) => n <= 10_000),
    warmUp: 1_000,
    run: (ids, gateway) => {
      const deadline = Date.now() + DEFAULT_FAN_OUT.publishBudgetMs;
      return runBounded(ids, PREVIOUS_CONCURRENCY, async (id) => {
        await postWithRetry(id, FRAME, { gateway, settings: DEFAULT_FAN_OUT }, deadline);
      });
    },
  },
  {
    name: 'original design: one after another, no retry',
    sizes: ORIGINAL_SIZES,
    warmUp: 10,
    run: async (ids, gateway) => {
      for (const id of ids) await gateway.post(id, FRAME, DEFAULT_FAN_OUT.postTimeoutMs).catch(() => {});
    },
  },
];

/** Runs the variants at their sizes against one endpoint process with the given throttle; returns the rows. */
export async function measureFanOut(
  latencyMs: number,
  rate: number,
  burst: number,
  variants: Variant[],
  sizes?: number[],
  endpointMode = 'raw',
): Promise<FanOutRow[]> {
  const endpoint = fork(fileURLToPath(new URL('./support/throttled-endpoint.mjs', import.meta.url)), [
    String(latencyMs),
    String(rate),
    String(burst),
    endpointMode,
  ]);
  const rows: FanOutRow[] = [];
  try {
    const { port } = await new Promise<{ port: number }>((resolve) =>
      endpoint.once('message', (m) => resolve(m as { port: number })),
    );
    const url = `http://127.0.0.1:${port}`;
    // Warm the JIT with an unmeasured fan-out, as a warm Lambda is (else the first variant pays for it).
    const warm = createHttpConnectionsGateway({
      endpoint: url,
      region: 'us-east-1',
      credentials: async () => LOCAL_SIGNING_CREDENTIALS,
    });
    for (const variant of variants.slice(0, 2)) await variant.run(WARM_UP_IDS, warm);
    warm.close();
    for (const variant of variants) {
      // One gateway per variant, its sockets opened by an unmeasured first fan-out: a warm Lambda's agent
      // keeps its sockets between publishes (the first publish after a cold start also opens them).
      const gateway = createHttpConnectionsGateway({
        endpoint: url,
        region: 'us-east-1',
        credentials: async () => LOCAL_SIGNING_CREDENTIALS,
      });
      await ask(endpoint, 'reset');
      await variant.run(WARM_UP_IDS.slice(0, variant.warmUp), gateway);
      await new Promise((resolve) => setTimeout(resolve, 600));
      for (const subscribers of sizes ?? variant.sizes) {
        const ids = Array.from({ length: subscribers }, (_, i) => `conn-${i}`);
        await ask(endpoint, 'reset');
        const cpuBefore = process.cpuUsage();
        const started = performance.now();
        await variant.run(ids, gateway);
        const ms = performance.now() - started;
        const cpu = process.cpuUsage(cpuBefore);
        const stats = await ask<ThrottledEndpointStats>(endpoint, 'stats');
        if (stats.malformed > 0)
          throw new Error(`the stand-in endpoint refused ${stats.malformed} requests as malformed posts`);
        const floor = floorMs(subscribers, latencyMs, rate, burst);
        const row: FanOutRow = {
          variant: variant.name,
          throttle: `${rate}/s, burst ${burst}`,
          subscribers,
          ms: Math.round(ms),
          floorMs: Math.round(floor),
          ratio: Number((ms / floor).toFixed(2)),
          delivered: stats.distinct,
          lost: subscribers - stats.distinct,
          duplicated: stats.duplicates,
          throttled: stats.throttled,
          clientCpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
          endpoint: endpointMode,
          endpointCpuMicrosPerRequest: Math.round((stats.cpuSeconds * 1e6) / Math.max(1, stats.requests)),
          endpointSystemMicrosPerRequest: Math.round(
            (stats.systemSeconds * 1e6) / Math.max(1, stats.requests),
          ),
          load: Number(loadavg()[0]?.toFixed(1)),
        };
        rows.push(row);
        console.log(JSON.stringify({ bench: 'fan-out-limit', latencyMs, ...row }));
        // Let the bucket refill before the next run.
        await new Promise((resolve) => setTimeout(resolve, 600));
      }
      gateway.close();
    }
  } finally {
    endpoint.kill();
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const only = process.argv.includes('--scaled-only');
  const scaled = !process.argv.includes('--account-only');
  const chosen = VARIANTS_ARG ? VARIANTS.filter((v) => v.name.startsWith(VARIANTS_ARG)) : VARIANTS;
  const rows: FanOutRow[] = [];
  for (const mode of ENDPOINT_MODES) {
    if (!only)
      rows.push(...(await measureFanOut(LATENCY_MS, ACCOUNT_RATE, ACCOUNT_BURST, chosen, undefined, mode)));
    if (scaled)
      rows.push(
        ...(await measureFanOut(
          LATENCY_MS,
          SCALED_RATE,
          SCALED_BURST,
          chosen.slice(0, 2),
          SCALED_SIZES,
          mode,
        )),
      );
  }
  console.log(`Fan-out at the account's limit (latency ${LATENCY_MS} ms), and at a tenth of it`);
  console.table(
    rows.map(
      ({
        throttle,
        variant,
        subscribers,
        ms,
        floorMs,
        ratio,
        delivered,
        lost,
        duplicated,
        throttled,
        clientCpuSeconds,
        endpoint,
        endpointCpuMicrosPerRequest,
        endpointSystemMicrosPerRequest,
      }) => ({
        endpoint,
        throttle,
        variant: variant.slice(0, 28),
        subscribers,
        ms,
        floorMs,
        ratio,
        delivered,
        lost,
        duplicated,
        throttled,
        cpuS: clientCpuSeconds,
        endpointUs: endpointCpuMicrosPerRequest,
        endpointSysUs: endpointSystemMicrosPerRequest,
      }),
    ),
  );
  const out = process.argv.find((a) => a.startsWith('--json='))?.split('=')[1];
  if (out) writeFileSync(out, `${JSON.stringify({ latencyMs: LATENCY_MS, rows }, null, 2)}\n`);
}
