import { MAX_FRAME_BYTES } from '@topic-bridge/shared-types';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LookupStrategy } from '../../src/aws/find-subscribers.js';
import { createPageProgress } from '../../src/aws/page-progress.js';
import type { DynamoClients } from '../../src/aws/sdk-clients.js';
import {
  FAN_OUT_JOB_KIND,
  type FanOutJob,
  MAX_ASYNC_EVENT_BYTES,
  type PageProgress,
  pageCapacity,
  parseFanOutJob,
  toFanOutEvent,
} from '../../src/core/fan-out-job.js';
import { runFanOutJob } from '../../src/core/fan-out-worker.js';
import type { ConnectionGateway } from '../../src/core/gateway.js';
import { deliver } from '../../src/core/publish.js';
import { silentLogger } from '../../src/log.js';
import { type ConnectionsServer, startConnectionsServer } from './support/connections-server.js';
import { type RunningDynalite, startDynalite } from './support/dynalite.js';
import {
  dynamoClients,
  freshTable,
  gatewayFor,
  HUNG_POST_TIMEOUT_MS,
  storeFor,
  TEST_FAN_OUT,
} from './support/fixture.js';

let dynalite: RunningDynalite;
let clients: DynamoClients;
let server: ConnectionsServer;

beforeAll(async () => {
  dynalite = await startDynalite();
  clients = dynamoClients(dynalite.endpoint);
  server = await startConnectionsServer();
});

afterAll(async () => {
  clients?.destroy();
  await server?.stop();
  await dynalite?.stop();
});

afterEach(() => server.reset());

const sorted = (ids: readonly string[]) => [...ids].sort();
const postedIds = () => server.posts.filter((post) => post.status === 200).map((post) => post.connectionId);

describe.each<LookupStrategy>(['scan', 'query'])('deliver split past the share (%s lookup)', (lookup) => {
  it('posts the share itself and hands every other subscriber to the worker once, in full pages', async () => {
    const store = storeFor(clients, await freshTable(clients), lookup, { pageSize: 2 });
    const ids = Array.from({ length: 25 }, (_, i) => `sub-${String(i).padStart(2, '0')}`);
    // Some connections match through two filters, possibly read in different store pages.
    for (const [i, id] of ids.entries()) {
      await store.addConnection(id, i % 3 === 0 ? ['s/t', 's/#'] : ['s/t'], Date.now());
    }
    const jobs: FanOutJob[] = [];
    const report = await deliver('s/t', 'frame', {
      store,
      gateway: gatewayFor(server.endpoint),
      settings: TEST_FAN_OUT,
      logger: silentLogger,
      handoff: {
        dispatcher: { dispatch: async (job) => void jobs.push(job) },
        endpoint: 'http://127.0.0.1:1',
        invocationShare: 5,
        pageSize: 7,
        newPublishId: () => 'pub-1',
      },
    });
    expect(report).toMatchObject({ subscribers: 25, delivered: 5, queued: 20, pages: 3, failed: 0 });
    expect(jobs.map((job) => [job.page, job.connectionIds.length])).toEqual([
      [1, 7],
      [2, 7],
      [3, 6],
    ]);
    for (const job of jobs) {
      expect(job).toMatchObject({ kind: FAN_OUT_JOB_KIND, publishId: 'pub-1', topic: 's/t', data: 'frame' });
      expect(parseFanOutJob(JSON.parse(JSON.stringify(toFanOutEvent(job))))).toEqual({
        ok: true,
        value: job,
      });
    }
    const own = postedIds();
    const handedOff = jobs.flatMap((job) => job.connectionIds);
    expect(own).toHaveLength(5);
    expect(sorted([...own, ...handedOff])).toEqual(ids);
  });
});

/** The real gateway, counting the posts that have not settled yet. */
function countingGateway(): ConnectionGateway & { pending: () => number } {
  const gateway = gatewayFor(server.endpoint);
  let pending = 0;
  return {
    pending: () => pending,
    async post(...args) {
      pending++;
      try {
        await gateway.post(...args);
      } finally {
        pending--;
      }
    },
  };
}

describe('deliver split: its own share goes out first', () => {
  it('hands pages off only once its own posts have settled', async () => {
    const store = storeFor(clients, await freshTable(clients), 'query', { pageSize: 3 });
    for (let i = 0; i < 9; i++) await store.addConnection(`c${i}`, ['x'], Date.now());
    // The share's posts are slow (each answered after a reset and a retry), so a dispatch made alongside them
    // would meet some still pending.
    for (let i = 0; i < 9; i++) server.script(`c${i}`, ['reset']);
    const gateway = countingGateway();
    const pendingAtDispatch: number[] = [];
    const report = await deliver('x', 'frame', {
      store,
      gateway,
      settings: TEST_FAN_OUT,
      logger: silentLogger,
      handoff: {
        dispatcher: { dispatch: async () => void pendingAtDispatch.push(gateway.pending()) },
        endpoint: 'http://127.0.0.1:1',
        invocationShare: 4,
        pageSize: 2,
        headStartMs: 60_000,
      },
    });
    expect(report).toMatchObject({ subscribers: 9, delivered: 4, queued: 5, pages: 3, failed: 0 });
    expect(pendingAtDispatch).toEqual([0, 0, 0]);
  });

  it('does not hold the hand-off past its head start when its own posts hang', async () => {
    const store = storeFor(clients, await freshTable(clients), 'query');
    for (let i = 0; i < 4; i++) await store.addConnection(`c${i}`, ['x'], Date.now());
    for (let i = 0; i < 4; i++) server.script(`c${i}`, ['hang']);
    const gateway = countingGateway();
    const pendingAtDispatch: number[] = [];
    const report = await deliver('x', 'frame', {
      store,
      gateway,
      settings: { ...TEST_FAN_OUT, postTimeoutMs: HUNG_POST_TIMEOUT_MS, retries: 0 },
      logger: silentLogger,
      handoff: {
        dispatcher: { dispatch: async () => void pendingAtDispatch.push(gateway.pending()) },
        endpoint: 'http://127.0.0.1:1',
        invocationShare: 2,
        pageSize: 2,
        headStartMs: 1,
      },
    });
    // Both hung posts of the share were still in flight when the page went: the head start had passed.
    expect(pendingAtDispatch).toEqual([2]);
    expect(report).toMatchObject({ subscribers: 4, delivered: 0, failed: 2, queued: 2, pages: 1 });
  });
});

describe('deliver split: failures and limits', () => {
  it('counts the connections of a page Lambda refused as handoffFailed, neither posted nor queued', async () => {
    const store = storeFor(clients, await freshTable(clients), 'query');
    for (let i = 0; i < 6; i++) await store.addConnection(`c${i}`, ['x'], Date.now());
    let calls = 0;
    const report = await deliver('x', 'frame', {
      store,
      gateway: gatewayFor(server.endpoint),
      settings: TEST_FAN_OUT,
      logger: silentLogger,
      handoff: {
        dispatcher: {
          dispatch: async () => {
            calls++;
            if (calls === 2) throw new Error('TooManyRequestsException');
          },
        },
        endpoint: 'http://127.0.0.1:1',
        invocationShare: 2,
        pageSize: 2,
      },
    });
    expect(report).toMatchObject({
      subscribers: 6,
      delivered: 2,
      queued: 2,
      pages: 2,
      handoffFailed: 2,
      failed: 0,
    });
  });

  it('makes pages of large frames smaller, so that every event fits an asynchronous invocation', () => {
    const topic = 't'.repeat(100);
    // Quotes are escaped once in the frame and would be escaped again in a JSON event: base64 keeps it at 4/3.
    const frame = JSON.stringify({ topic, message: '"'.repeat(MAX_FRAME_BYTES / 2 - 200) });
    const capacity = pageCapacity(topic, frame, 5_000);
    expect(capacity).toBeLessThan(5_000);
    expect(capacity).toBeGreaterThan(100);
    const job: FanOutJob = {
      kind: FAN_OUT_JOB_KIND,
      publishId: crypto.randomUUID(),
      page: 99_999,
      topic,
      endpoint: 'https://abcdefghij.execute-api.eu-central-1.amazonaws.com/bridge',
      data: frame,
      connectionIds: Array.from({ length: capacity }, (_, i) => `${i}`.padStart(64, 'x')),
    };
    expect(Buffer.byteLength(JSON.stringify(toFanOutEvent(job)))).toBeLessThanOrEqual(MAX_ASYNC_EVENT_BYTES);
    expect(pageCapacity('t', 'small', 1_000)).toBe(1_000);
    expect(pageCapacity('t', 'small', 5_000)).toBeGreaterThan(capacity);
  });

  it('refuses events that are not pages, saying why', () => {
    const good = {
      kind: FAN_OUT_JOB_KIND,
      publishId: 'p',
      page: 1,
      topic: 't',
      endpoint: 'http://127.0.0.1:1',
      dataBase64: Buffer.from('{"topic":"t","message":"é"}').toString('base64'),
      connectionIds: ['a'],
    };
    const parsed = parseFanOutJob(good);
    expect(parsed.ok && parsed.value.data).toBe('{"topic":"t","message":"é"}');
    const reasons = [null, { ...good, kind: 'other' }, { ...good, page: 0 }, { ...good, connectionIds: [''] }]
      .map((event) => parseFanOutJob(event))
      .map((result) => (result.ok ? 'accepted' : result.error.reason));
    expect(reasons).toEqual([
      'the event is not an object',
      `the event's kind is not "${FAN_OUT_JOB_KIND}"`,
      '"page" must be a whole number ≥ 1',
      '"connectionIds" must be an array of connection ids',
    ]);
  });
});

describe('the fan-out worker', () => {
  const jobFor = (publishId: string, connectionIds: string[]): FanOutJob => ({
    kind: FAN_OUT_JOB_KIND,
    publishId,
    page: 1,
    topic: 'w',
    endpoint: server.endpoint,
    data: 'frame',
    connectionIds,
  });
  const workerDeps = async (progress?: PageProgress) => {
    const tableName = await freshTable(clients);
    return {
      store: storeFor(clients, tableName, 'query'),
      gateway: gatewayFor(server.endpoint),
      settings: TEST_FAN_OUT,
      logger: silentLogger,
      progress: progress ?? createPageProgress(clients.lean, { tableName, ttlSeconds: 3600 }),
      checkpointPosts: 3,
      tableName,
    };
  };

  it('posts a page once: a duplicate event (or a retry of a completed page) posts nothing', async () => {
    const deps = await workerDeps();
    const ids = Array.from({ length: 8 }, (_, i) => `w${i}`);
    const first = await runFanOutJob(jobFor('dup', ids), deps);
    const again = await runFanOutJob(jobFor('dup', ids), deps);
    expect(first).toMatchObject({ connections: 8, alreadySettled: 0, delivered: 8 });
    expect(again).toMatchObject({ connections: 8, alreadySettled: 8, delivered: 0 });
    expect(sorted(postedIds())).toEqual(ids);
  });

  it('resumes a failed page from its last progress record, repeating at most one step', async () => {
    const deps = await workerDeps();
    const real = deps.progress;
    let records = 0;
    const failing: PageProgress = {
      settled: (publishId, page) => real.settled(publishId, page),
      record: async (publishId, page, count) => {
        records++;
        // The second record fails (DynamoDB unavailable): the run stops and Lambda would retry it.
        if (records === 2) throw new Error('store unavailable');
        await real.record(publishId, page, count);
      },
    };
    const ids = Array.from({ length: 8 }, (_, i) => `r${i}`);
    await expect(runFanOutJob(jobFor('retry', ids), { ...deps, progress: failing })).rejects.toThrow(
      'store unavailable',
    );
    expect(postedIds()).toHaveLength(6);
    const retry = await runFanOutJob(jobFor('retry', ids), deps);
    expect(retry).toMatchObject({ alreadySettled: 3, delivered: 5 });
    const posted = postedIds();
    expect(sorted([...new Set(posted)])).toEqual(ids);
    // Only the step whose record failed (connections 3 to 5) was posted twice.
    expect(sorted(posted.filter((id, i) => posted.indexOf(id) !== i))).toEqual(['r3', 'r4', 'r5']);
  });
});
