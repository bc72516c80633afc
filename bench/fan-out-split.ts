/**
 * A publish past one invocation (benchmark 2, the split): `$default` (deliver() with a handoff, in this process)
 * posts its share (FAN_OUT_INVOCATION_SHARE) itself and hands the rest, as pages of connection ids, to fan-out
 * workers, each in its own process (each is its own Lambda on AWS; here they share this machine's 2 cores with
 * `$default` and the stand-in endpoint, so the total time is CPU-bound, not what AWS would show). Subscribers are
 * synthetic connection ids, looked up from a pre-built page list (pages of LOOKUP_PAGE ids, as a DynamoDB Query
 * page holds), not dynalite: this measures posting and handing off, not the store. The stand-in endpoint
 * (support/throttled-endpoint.mjs: 20 ms, token bucket 10,000/s, burst 5,000) counts every accepted post per id.
 * Measured: `$default`'s time to return (target < 2 s), the time to the last post settled (by the last worker's
 * report) against the floor, exact counts (none twice, none skipped) and the 429s.
 * Run: `npx tsx bench/fan-out-split.ts [--full] [--workers=4] [--subscribers=N] [--equal-priority] [--checkpoint=250]
 * [--rate=10000 --burst=5000] [--json=FILE]` (quick: 20,000 subscribers; full: 100,000).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { loadavg, setPriority } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createHttpConnectionsGateway } from '../cloud/src/aws/connections-http.js';
import { LOCAL_SIGNING_CREDENTIALS } from '../cloud/src/aws/credentials.js';
import {
  DEFAULT_FAN_OUT,
  DEFAULT_INVOCATION_SHARE,
  DEFAULT_WORKER_CHECKPOINT_POSTS,
  DEFAULT_WORKER_PAGE_SIZE,
} from '../cloud/src/config.js';
import { fanOut } from '../cloud/src/core/fan-out.js';
import { type FanOutDispatcher, toFanOutEvent } from '../cloud/src/core/fan-out-job.js';
import type { WorkerReport } from '../cloud/src/core/fan-out-worker.js';
import { deliver } from '../cloud/src/core/publish.js';
import type { SubscriberPage } from '../cloud/src/core/subscriptions.js';
import { silentLogger } from '../cloud/src/log.js';
import { ACCOUNT_BURST, ACCOUNT_RATE, floorMs } from './fan-out-limit.js';
import type { ThrottledEndpointStats } from './support/throttled-endpoint-stats.js';

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const FULL = process.argv.includes('--full');
const SUBSCRIBERS = Number(arg('subscribers') ?? (FULL ? 100_000 : 20_000));
const WORKERS = Number(arg('workers') ?? 4);
const LATENCY_MS = Number(arg('latency') ?? 20);
const RATE = Number(arg('rate') ?? ACCOUNT_RATE);
const BURST = Number(arg('burst') ?? ACCOUNT_BURST);
/**
 * Workers run at a lower CPU priority (nice 10) unless --equal-priority: on AWS each worker is its own Lambda with
 * its own CPU, so `$default`'s time to return must not pay for the workers' posts, as it would on 2 shared cores.
 */
const NICE_WORKERS = !process.argv.includes('--equal-priority');
const WORKER_NICENESS = 10;
const CHECKPOINT_POSTS = Number(arg('checkpoint') ?? DEFAULT_WORKER_CHECKPOINT_POSTS);
/** Ids per lookup page: a DynamoDB Query page (1 MB) of index rows holds several thousand; 1,000 is cautious. */
const LOOKUP_PAGE = 1_000;
/** The time `$default` may take to answer (issue 10's target). */
const DEFAULT_RETURN_TARGET_MS = 2_000;
const FRAME = JSON.stringify({ topic: 'plant/3/sensor/13', data: { t: 21.5, seq: 1 } });

function nextMessage<T>(child: ChildProcess, accept: (message: unknown) => T | undefined): Promise<T> {
  return new Promise((resolve) => {
    const listener = (message: unknown) => {
      const value = accept(message);
      if (value === undefined) return;
      child.off('message', listener);
      resolve(value);
    };
    child.on('message', listener);
  });
}

function ask<T>(
  child: ChildProcess,
  message: unknown,
  accept: (message: unknown) => T | undefined,
): Promise<T> {
  const answer = nextMessage(child, accept);
  child.send(message as object);
  return answer;
}

const field =
  <T>(name: string) =>
  (message: unknown): T | undefined =>
    typeof message === 'object' && message !== null && name in message
      ? ((message as Record<string, unknown>)[name] as T)
      : undefined;

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const endpoint = fork(here('./support/throttled-endpoint.mjs'), [
  String(LATENCY_MS),
  String(RATE),
  String(BURST),
]);
const workers = Array.from({ length: WORKERS }, () =>
  fork(here('./support/fan-out-worker-process.ts'), [String(CHECKPOINT_POSTS)]),
);
if (NICE_WORKERS) for (const worker of workers) setPriority(worker.pid as number, WORKER_NICENESS);
try {
  const { port } = await nextMessage(endpoint, (m) => m as { port: number });
  const url = `http://127.0.0.1:${port}`;
  await Promise.all(workers.map((worker) => ask(worker, { endpoint: url }, field('ready'))));
  // Warm every process as a warm Lambda is (JIT, open keep-alive sockets); `$default`'s gateway too.
  const gateway = createHttpConnectionsGateway({
    endpoint: url,
    region: 'us-east-1',
    credentials: async () => LOCAL_SIGNING_CREDENTIALS,
  });
  const store = { removeConnection: async () => 0 };
  const warmIds = Array.from({ length: 2_000 }, (_, i) => `warm-${i}`);
  await fanOut(warmIds, '{}', { gateway, settings: DEFAULT_FAN_OUT, store, logger: silentLogger });
  for (const worker of workers) await ask(worker, 'warm', field('warmed'));
  await new Promise((resolve) => setTimeout(resolve, 600));
  await ask(endpoint, 'reset', field('reset'));

  // Pages go to the workers in turn; a dispatch resolves when the worker has taken the page (Lambda's 202).
  let turn = 0;
  let lastReportAt = 0;
  const reports: WorkerReport[] = [];
  const dispatcher: FanOutDispatcher = {
    dispatch: async (job) => {
      const worker = workers[turn++ % workers.length] as ChildProcess;
      const event = JSON.parse(JSON.stringify(toFanOutEvent(job)));
      await ask(worker, { event }, (m) => (field<number>('queued')(m) === job.page ? true : undefined));
    },
  };
  const allReported = new Promise<void>((resolve) => {
    for (const worker of workers) {
      worker.on('message', (message) => {
        const report = field<WorkerReport>('report')(message);
        if (report === undefined) return;
        reports.push(report);
        lastReportAt = performance.now();
        if (reports.length === expectedPages) resolve();
      });
    }
  });
  const ids = Array.from({ length: SUBSCRIBERS }, (_, i) => `conn-${i}`);
  async function* lookup(): AsyncIterable<SubscriberPage> {
    for (let start = 0; start < ids.length; start += LOOKUP_PAGE) {
      yield { connectionIds: ids.slice(start, start + LOOKUP_PAGE), readUnits: 0 };
    }
  }
  const expectedPages = Math.ceil(
    Math.max(0, SUBSCRIBERS - DEFAULT_INVOCATION_SHARE) / DEFAULT_WORKER_PAGE_SIZE,
  );
  const cpuBefore = process.cpuUsage();
  const workerCpuBefore = await Promise.all(workers.map((w) => ask(w, 'cpu', field<number>('cpuSeconds'))));
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const started = performance.now();
  const ack = await deliver('plant/3/sensor/13', FRAME, {
    store: { findSubscribers: lookup, removeConnection: store.removeConnection },
    gateway,
    settings: DEFAULT_FAN_OUT,
    logger: silentLogger,
    handoff: {
      dispatcher,
      endpoint: url,
      invocationShare: DEFAULT_INVOCATION_SHARE,
      pageSize: DEFAULT_WORKER_PAGE_SIZE,
    },
  });
  const returnedMs = performance.now() - started;
  loopDelay.disable();
  const defaultCpu = process.cpuUsage(cpuBefore);
  if (expectedPages > 0) await allReported;
  const totalMs = (expectedPages > 0 ? lastReportAt : performance.now()) - started;
  const workerCpuAfter = await Promise.all(workers.map((w) => ask(w, 'cpu', field<number>('cpuSeconds'))));
  const stats = await ask(endpoint, 'stats', (m) =>
    field('distinct')(m) === undefined ? undefined : (m as ThrottledEndpointStats),
  );
  const workerDelivered = reports.reduce((sum, report) => sum + report.delivered, 0);
  const workerFailed = reports.reduce((sum, report) => sum + report.failed, 0);
  const floor = floorMs(SUBSCRIBERS, LATENCY_MS, RATE, BURST);
  const row = {
    bench: 'fan-out-split',
    subscribers: SUBSCRIBERS,
    workers: WORKERS,
    checkpointPosts: CHECKPOINT_POSTS,
    workerNiceness: NICE_WORKERS ? WORKER_NICENESS : 0,
    throttle: `${RATE}/s, burst ${BURST}`,
    latencyMs: LATENCY_MS,
    defaultReturnedMs: Math.round(returnedMs),
    defaultTargetMet: returnedMs < DEFAULT_RETURN_TARGET_MS,
    ack: { delivered: ack.delivered, subscribers: ack.subscribers, queued: ack.queued, failed: ack.failed },
    pages: ack.pages,
    totalMs: Math.round(totalMs),
    floorMs: Math.round(floor),
    ratio: Number((totalMs / floor).toFixed(2)),
    delivered: stats.distinct,
    lost: SUBSCRIBERS - stats.distinct,
    duplicated: stats.duplicates,
    throttled: stats.throttled,
    reportedDelivered: ack.delivered + workerDelivered,
    reportedFailed: ack.failed + workerFailed,
    // The lost posts by cause, as `$default` and the workers reported them (timeouts on an overloaded machine).
    failures: [ack, ...reports].reduce<Record<string, number>>((all, report) => {
      for (const [code, n] of Object.entries(report.failures)) all[code] = (all[code] ?? 0) + (n ?? 0);
      return all;
    }, {}),
    cpuSeconds: {
      default: Number(((defaultCpu.user + defaultCpu.system) / 1e6).toFixed(2)),
      workers: Number(workerCpuAfter.reduce((s, c, i) => s + c - (workerCpuBefore[i] ?? 0), 0).toFixed(2)),
      endpoint: stats.cpuSeconds,
    },
    defaultLoopDelayMaxMs: Math.round(loopDelay.max / 1e6),
    load: Number(loadavg()[0]?.toFixed(1)),
  };
  console.log(JSON.stringify(row));
  // --json=FILE appends the row (one JSON object a line), so the quick, full and throttled runs gather in one file.
  const out = arg('json');
  if (out) appendFileSync(out, `${JSON.stringify(row)}\n`);
  gateway.close();
} finally {
  for (const worker of workers) worker.disconnect();
  endpoint.kill();
}
