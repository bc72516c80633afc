import { describe, expect, it } from 'vitest';
import { DEFAULT_FAN_OUT } from '../../src/config.js';
import type { FanOutDispatcher } from '../../src/core/fan-out-job.js';
import { runFanOutJob, type WorkerReport } from '../../src/core/fan-out-worker.js';
import type { ConnectionGateway } from '../../src/core/gateway.js';
import { deliver } from '../../src/core/publish.js';
import type { SubscriberPage } from '../../src/core/subscriptions.js';
import { ThrottledError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { seededRandom } from '../support/seeded-random.js';
import { VirtualClock } from '../support/virtual-clock.js';

/** The account's throttle scaled down (token bucket), the post latency, and Lambda's Invoke and start delays. */
const RATE = 1_000;
const BURST = 500;
const LATENCY_MS = 20;
const INVOKE_MS = 10;
const START_MS = 10;

/**
 * A publish split over `$default` and its workers, every wait on a virtual clock, against a simulated
 * `@connections` endpoint with a token bucket (no local server has the account's throttle; the same model as
 * bench/fan-out-simulated.ts). Returns what the endpoint accepted, when and from whom.
 */
async function simulate(subscribers: number, share: number, pageSize: number, headStartMs?: number) {
  const clock = new VirtualClock();
  let tokens = BURST;
  let refilledAt = 0;
  const stats = { throttled: 0, accepted: new Map<string, number>(), firstWorkerArrival: Number.NaN };
  let lastDefaultAcceptedAt = 0;
  const gatewayOf = (poster: 'default' | 'worker'): ConnectionGateway => ({
    async post(connectionId) {
      if (poster === 'worker' && Number.isNaN(stats.firstWorkerArrival)) stats.firstWorkerArrival = clock.now;
      tokens = Math.min(BURST, tokens + ((clock.now - refilledAt) * RATE) / 1000);
      refilledAt = clock.now;
      const ok = tokens >= 1;
      if (ok) {
        tokens -= 1;
        stats.accepted.set(connectionId, (stats.accepted.get(connectionId) ?? 0) + 1);
        if (poster === 'default') lastDefaultAcceptedAt = clock.now;
      } else stats.throttled++;
      await clock.sleep(LATENCY_MS);
      if (!ok) throw new ThrottledError(connectionId, 429);
    },
  });
  const common = {
    settings: DEFAULT_FAN_OUT,
    logger: silentLogger,
    now: () => clock.now,
    sleep: clock.sleep,
    random: seededRandom(7),
  };
  const records = new Map<string, number>();
  const reports: WorkerReport[] = [];
  const workers: Promise<void>[] = [];
  const dispatcher: FanOutDispatcher = {
    async dispatch(job) {
      await clock.sleep(INVOKE_MS);
      const run = async () => {
        await clock.sleep(START_MS);
        const report = await runFanOutJob(job, {
          ...common,
          gateway: gatewayOf('worker'),
          store: { removeConnection: async () => 0 },
          checkpointPosts: 250,
          progress: {
            settled: async (id, page) => records.get(`${id}/${page}`) ?? 0,
            record: async (id, page, count) => void records.set(`${id}/${page}`, count),
          },
        });
        reports.push(report);
      };
      workers.push(run());
    },
  };
  const ids = Array.from({ length: subscribers }, (_, i) => `c${i}`);
  async function* lookup(): AsyncIterable<SubscriberPage> {
    for (let start = 0; start < ids.length; start += 1_000) {
      yield { connectionIds: ids.slice(start, start + 1_000), readUnits: 0 };
    }
  }
  let ackedAt = 0;
  const publish = deliver('t', 'frame', {
    ...common,
    store: { findSubscribers: lookup, removeConnection: async () => 0 },
    gateway: gatewayOf('default'),
    handoff: {
      dispatcher,
      endpoint: 'https://simulated.example/bridge',
      invocationShare: share,
      pageSize,
      ...(headStartMs === undefined ? {} : { headStartMs }),
    },
  }).then(async (ack) => {
    ackedAt = clock.now;
    await Promise.all(workers);
    return ack;
  });
  await clock.run(publish);
  return { ack: await publish, reports, stats, ackedAt, lastDefaultAcceptedAt };
}

describe('a publish split over $default and 4 workers under the account throttle (simulated endpoint, virtual clock)', () => {
  it('reaches every subscriber exactly once, none lost to the many 429s', async () => {
    const { ack, reports, stats } = await simulate(5_000, 1_000, 1_000);
    expect(ack).toMatchObject({ subscribers: 5_000, delivered: 1_000, queued: 4_000, pages: 4, failed: 0 });
    expect(reports.map((report) => [report.page, report.delivered, report.failed])).toEqual(
      expect.arrayContaining([1, 2, 3, 4].map((page) => [page, 1_000, 0])),
    );
    expect(stats.accepted.size).toBe(5_000);
    expect([...stats.accepted.values()].every((count) => count === 1)).toBe(true);
    // The scenario does throttle: 5 posters starting at 256 in flight each against a burst of 500.
    expect(stats.throttled).toBeGreaterThan(1_000);
  });

  it("posts $default's share before any worker posts, so its ack does not wait behind theirs", async () => {
    const { stats, ackedAt, lastDefaultAcceptedAt } = await simulate(5_000, 500, 1_000);
    // The share fits in the burst: all of it was accepted before the first worker's first post arrived.
    expect(lastDefaultAcceptedAt).toBeLessThan(stats.firstWorkerArrival);
    expect(ackedAt).toBeLessThanOrEqual(stats.firstWorkerArrival);
  });

  it('without the head start, the workers post while $default is still posting its share', async () => {
    const { stats, lastDefaultAcceptedAt } = await simulate(5_000, 500, 1_000, 0);
    expect(stats.firstWorkerArrival).toBeLessThan(lastDefaultAcceptedAt);
  });
});
