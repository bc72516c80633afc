import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FanOutSettings } from '../../src/config.js';
import { fullJitterDelay } from '../../src/core/backoff.js';
import type { ConnectionGateway } from '../../src/core/gateway.js';
import { type PostDeps, postWithRetry } from '../../src/core/post-with-retry.js';
import { RETRY_COST, RetryQuota, TIMEOUT_RETRY_COST } from '../../src/core/retry-quota.js';
import { type ConnectionsServer, startConnectionsServer } from './support/connections-server.js';
import { gatewayFor, HUNG_POST_TIMEOUT_MS, TEST_FAN_OUT } from './support/fixture.js';

// The real SDK client against a real HTTP server that resets sockets, answers 5xx or hangs, as scripted.
let server: ConnectionsServer;
let gateway: ConnectionGateway;

beforeAll(async () => {
  server = await startConnectionsServer();
  gateway = gatewayFor(server.endpoint);
});

afterAll(() => server?.stop());
afterEach(() => server.reset());

const SETTINGS: FanOutSettings = { ...TEST_FAN_OUT, retries: 6, backoffBaseMs: 100, backoffCapMs: 1_000 };
const RANDOM = 0.5;

/** A fake clock moved only by the injected sleep, which records every wait asked for. */
function fakeTime(settings = SETTINGS): PostDeps & { waits: number[]; clock: { now: number } } {
  const clock = { now: 1_000_000 };
  const waits: number[] = [];
  return {
    gateway,
    settings,
    clock,
    waits,
    now: () => clock.now,
    random: () => RANDOM,
    sleep: async (ms) => {
      waits.push(ms);
      clock.now += ms;
    },
  };
}

const FAR = Number.MAX_SAFE_INTEGER;
const delay = (attempt: number) =>
  fullJitterDelay(attempt, SETTINGS.backoffBaseMs, SETTINGS.backoffCapMs, () => RANDOM);

describe('postWithRetry through the SDK client to a real HTTP server', () => {
  it('retries a post that failed without a response on a fresh socket, then delivers it once', async () => {
    // A first post leaves a keep-alive socket in the pool; the server then kills that socket mid-post.
    const deps = fakeTime();
    expect(await postWithRetry('warm', 'w', deps, FAR)).toMatchObject({ outcome: 'delivered', attempts: 1 });
    server.script('c', ['reset']);
    const outcome = await postWithRetry('c', 'frame', deps, FAR);
    expect(outcome).toEqual({ outcome: 'delivered', attempts: 2, retried: ['reset'] });
    expect(deps.waits).toEqual([delay(0)]);
    const [warm, reset, retry] = server.posts;
    expect(reset?.socket).toBe(warm?.socket);
    expect(warm?.connectionHeader).toBe('keep-alive');
    expect(retry?.socket).not.toBe(reset?.socket);
    expect(retry?.connectionHeader).toBe('close');
    expect(server.deliveredTo('c')).toEqual(['frame']);
  });

  it('retries 500 and 503 with growing full-jitter waits, on pooled sockets', async () => {
    const deps = fakeTime();
    server.script('c', [500, 503, 500]);
    expect(await postWithRetry('c', 'frame', deps, FAR)).toEqual({
      outcome: 'delivered',
      attempts: 4,
      retried: ['server_error', 'server_error', 'server_error'],
    });
    expect(deps.waits).toEqual([delay(0), delay(1), delay(2)]);
    expect(server.posts.map((post) => post.connectionHeader)).toEqual(Array(4).fill('keep-alive'));
    expect(server.deliveredTo('c')).toEqual(['frame']);
  });

  it('retries a hung post after its timeout (the frame may then arrive twice: at least once)', async () => {
    // The retry must answer within the same timeout: HUNG_POST_TIMEOUT_MS, not a few hundred ms a loaded
    // machine can overrun (a third attempt).
    const deps = fakeTime({ ...SETTINGS, postTimeoutMs: HUNG_POST_TIMEOUT_MS });
    server.script('c', ['hang']);
    expect(await postWithRetry('c', 'frame', deps, FAR)).toEqual({
      outcome: 'delivered',
      attempts: 2,
      retried: ['timeout'],
    });
  });

  it('gives up after the configured retries and names the last cause', async () => {
    const deps = fakeTime({ ...SETTINGS, retries: 2 });
    server.script('c', [], 'reset');
    const outcome = await postWithRetry('c', 'frame', deps, FAR);
    expect(outcome).toMatchObject({
      outcome: 'failed',
      attempts: 3,
      code: 'reset',
      retried: ['reset', 'reset'],
    });
    expect(server.posts).toHaveLength(3);
  });

  it('starts no retry that would end past the deadline', async () => {
    // Waits of 5, 10, 20 s on the fake clock (random 0.5): the third would end at 35 s + 50 ms of attempt > 30 s.
    // Seconds, not milliseconds: each attempt's real timeout is cut to what remains of the (fake) budget, and a
    // budget of a few hundred ms is one a loaded machine overruns (a timeout instead of the 500).
    const settings = { ...SETTINGS, backoffBaseMs: 10_000, backoffCapMs: 100_000 };
    const deps = fakeTime(settings);
    server.script('c', [], 500);
    const outcome = await postWithRetry('c', 'frame', deps, deps.clock.now + 30_000);
    expect(outcome).toMatchObject({ outcome: 'failed', attempts: 3, code: 'server_error' });
    expect(deps.waits).toEqual([5_000, 10_000]);
  });

  it('does not retry 410 (gone) nor another 4xx (rejected)', async () => {
    const deps = fakeTime();
    server.script('gone', [410]);
    server.script('bad', [400]);
    expect(await postWithRetry('gone', 'f', deps, FAR)).toEqual({
      outcome: 'gone',
      attempts: 1,
      retried: [],
    });
    expect(await postWithRetry('bad', 'f', deps, FAR)).toMatchObject({
      outcome: 'failed',
      attempts: 1,
      code: 'rejected',
      retried: [],
    });
    expect(deps.waits).toEqual([]);
    expect(server.posts).toHaveLength(2);
  });

  it('stops retrying when the shared retry quota is spent, and says so', async () => {
    // Room for exactly one timeout retry: the second timeout of the post is not retried.
    const retryQuota = new RetryQuota(TIMEOUT_RETRY_COST + RETRY_COST - 1);
    const deps = { ...fakeTime({ ...SETTINGS, postTimeoutMs: 100 }), retryQuota };
    server.script('c', [], 'hang');
    expect(await postWithRetry('c', 'frame', deps, FAR)).toMatchObject({
      outcome: 'failed',
      attempts: 2,
      code: 'timeout',
      retried: ['timeout'],
      quotaSpent: true,
    });
    expect(retryQuota.tokens).toBe(RETRY_COST - 1);
  });

  it('gives the quota back what a delivered post cost, and one token for a first-try success', async () => {
    const retryQuota = new RetryQuota(100);
    const deps = { ...fakeTime(), retryQuota };
    server.script('c', [500, 'reset']);
    await postWithRetry('c', 'frame', deps, FAR);
    expect(retryQuota.tokens).toBe(100);
    retryQuota.tryAcquire('reset');
    await postWithRetry('d', 'frame', deps, FAR);
    expect(retryQuota.tokens).toBe(100 - RETRY_COST + 1);
  });
});
