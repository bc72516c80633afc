/**
 * The split at AWS's scale on a simulated clock: `$default` (the real deliver() with a hand-off) and one fan-out
 * worker per page (the real runFanOutJob, each with its own gateway object, so its own adaptive limit, as each
 * Lambda has) post to one simulated `@connections` endpoint with the account's throttle (token bucket 10,000/s,
 * burst 5,000, decided on arrival; 429 after the latency above it). Every wait (post latency, backoff, Lambda's
 * async invoke and start) passes on a virtual clock, so CPU costs nothing and 99 workers run at once, as on
 * AWS: what is measured is the fan-out's policy (adaptive limit, retries, hand-off), not this machine.
 * Not modelled: CPU time, timeouts, cold starts beyond a fixed start delay, other tenants of the account.
 * Run: `npx tsx bench/fan-out-simulated.ts [--subscribers=100000] [--latency=20] [--rate=10000] [--burst=5000]
 * [--invoke-ms=30] [--start-ms=30] [--head-start=0]`.
 */
import { loadavg } from 'node:os';
import {
  DEFAULT_FAN_OUT,
  DEFAULT_INVOCATION_SHARE,
  DEFAULT_WORKER_CHECKPOINT_POSTS,
  DEFAULT_WORKER_PAGE_SIZE,
} from '../cloud/src/config.js';
import type { FanOutDispatcher, FanOutJob } from '../cloud/src/core/fan-out-job.js';
import { runFanOutJob, type WorkerReport } from '../cloud/src/core/fan-out-worker.js';
import type { ConnectionGateway } from '../cloud/src/core/gateway.js';
import { deliver } from '../cloud/src/core/publish.js';
import type { SubscriberPage } from '../cloud/src/core/subscriptions.js';
import { ThrottledError } from '../cloud/src/errors.js';
import { silentLogger } from '../cloud/src/log.js';
import { VirtualClock } from '../cloud/tests/support/virtual-clock.js';
import { ACCOUNT_BURST, ACCOUNT_RATE, floorMs } from './fan-out-limit.js';

const arg = (name: string, fallback: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const SUBSCRIBERS = arg('subscribers', 100_000);
const LATENCY_MS = arg('latency', 20);
const RATE = arg('rate', ACCOUNT_RATE);
const BURST = arg('burst', ACCOUNT_BURST);
/** Lambda's answer (202) to an asynchronous Invoke, ms (assumed). */
const INVOKE_MS = arg('invoke-ms', 30);
/** From the 202 to the worker's handler running (a warm instance; assumed). */
const START_MS = arg('start-ms', 30);
const LOOKUP_PAGE = 1_000;
/**
 * --head-start=0 hands pages off at once, without `$default`'s head start (HANDOFF_HEAD_START_MS). The head
 * start's bound is a real timer, never reached here: pages wait for `$default`'s own posts.
 */
const HEAD_START_MS = process.argv.includes('--head-start=0') ? 0 : undefined;

const clock = new VirtualClock();
const now = () => clock.now;

// The endpoint: the account's token bucket, decided on arrival; the answer comes after the latency.
let tokens = BURST;
let refilledAt = 0;
let throttled = 0;
let lastAcceptedAt = 0;
const accepted = new Map<string, number>();
function take(): boolean {
  tokens = Math.min(BURST, tokens + ((clock.now - refilledAt) * RATE) / 1000);
  refilledAt = clock.now;
  if (tokens < 1) return false;
  tokens -= 1;
  return true;
}
/** A gateway object per poster: each gets its own adaptive limit (fan-out.ts keeps one per gateway). */
function posterGateway(): ConnectionGateway {
  return {
    async post(connectionId) {
      const ok = take();
      if (ok) {
        accepted.set(connectionId, (accepted.get(connectionId) ?? 0) + 1);
        lastAcceptedAt = clock.now;
      } else throttled++;
      await clock.sleep(LATENCY_MS);
      if (!ok) throw new ThrottledError(connectionId, 429);
    },
  };
}

const reports: WorkerReport[] = [];
const workers: Promise<void>[] = [];
const records = new Map<string, number>();
const progress = {
  settled: async (publishId: string, page: number) => records.get(`${publishId}/${page}`) ?? 0,
  record: async (publishId: string, page: number, count: number) =>
    void records.set(`${publishId}/${page}`, count),
};
const shared = {
  settings: DEFAULT_FAN_OUT,
  logger: silentLogger,
  now,
  sleep: clock.sleep,
  random: Math.random,
};
const store = { removeConnection: async () => 0 };
const dispatcher: FanOutDispatcher = {
  async dispatch(job: FanOutJob) {
    await clock.sleep(INVOKE_MS);
    workers.push(
      clock.sleep(START_MS).then(async () => {
        const report = await runFanOutJob(job, {
          ...shared,
          gateway: posterGateway(),
          store,
          progress,
          checkpointPosts: DEFAULT_WORKER_CHECKPOINT_POSTS,
        });
        reports.push(report);
      }),
    );
  },
};
const ids = Array.from({ length: SUBSCRIBERS }, (_, i) => `conn-${i}`);
async function* lookup(): AsyncIterable<SubscriberPage> {
  for (let start = 0; start < ids.length; start += LOOKUP_PAGE) {
    yield { connectionIds: ids.slice(start, start + LOOKUP_PAGE), readUnits: 0 };
  }
}

const realStart = performance.now();
let ackedAt = 0;
const publish = deliver('plant/3/sensor/13', '{"topic":"plant/3/sensor/13","data":1}', {
  ...shared,
  store: { findSubscribers: lookup, removeConnection: store.removeConnection },
  gateway: posterGateway(),
  handoff: {
    dispatcher,
    endpoint: 'https://simulated.execute-api.us-east-1.amazonaws.com/bridge',
    invocationShare: DEFAULT_INVOCATION_SHARE,
    pageSize: DEFAULT_WORKER_PAGE_SIZE,
    ...(HEAD_START_MS === undefined ? {} : { headStartMs: HEAD_START_MS }),
  },
}).then(async (ack) => {
  ackedAt = clock.now;
  // Every worker was pushed before its dispatch resolved, so the list is complete once the ack is.
  await Promise.all(workers);
  return ack;
});
await clock.run(publish);
const ack = await publish;
let duplicated = 0;
for (const count of accepted.values()) duplicated += count - 1;
const failed = ack.failed + reports.reduce((sum, report) => sum + report.failed, 0);
const floor = floorMs(SUBSCRIBERS, LATENCY_MS, RATE, BURST);
console.log(
  JSON.stringify({
    bench: 'fan-out-simulated',
    subscribers: SUBSCRIBERS,
    posters: 1 + reports.length,
    headStart: HEAD_START_MS === undefined,
    throttle: `${RATE}/s, burst ${BURST}`,
    latencyMs: LATENCY_MS,
    defaultAckMs: ackedAt,
    lastPostMs: Math.round(lastAcceptedAt + LATENCY_MS),
    floorMs: Math.round(floor),
    ratio: Number(((lastAcceptedAt + LATENCY_MS) / floor).toFixed(2)),
    delivered: accepted.size,
    lost: SUBSCRIBERS - accepted.size,
    duplicated,
    throttled,
    failed,
    failures: reports.reduce<Record<string, number>>(
      (all, report) => {
        for (const [code, n] of Object.entries(report.failures)) all[code] = (all[code] ?? 0) + (n ?? 0);
        return all;
      },
      { ...ack.failures },
    ),
    realSeconds: Number(((performance.now() - realStart) / 1000).toFixed(1)),
    load: Number(loadavg()[0]?.toFixed(1)),
  }),
);
