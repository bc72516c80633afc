/**
 * One fan-out worker for bench/fan-out-split.ts, in its own process as each worker is its own Lambda on AWS:
 * it takes pages (FanOutEvents, over IPC as JSON, as Lambda hands them) one after another, like one Lambda
 * instance, and runs each through the worker's own core (parseFanOutJob, runFanOutJob) over the lean post path to
 * the stand-in endpoint. Its page progress is kept in memory (the bench measures posting, not DynamoDB).
 * IPC in: { endpoint } once, then 'warm' (an unmeasured fan-out opening its sockets), { event } per page,
 * 'cpu'. Out: { ready }, { warmed }, { queued } (the page is accepted, as Lambda's 202), { report }, { cpuSeconds }.
 */
import { createHttpConnectionsGateway } from '../../cloud/src/aws/connections-http.js';
import { LOCAL_SIGNING_CREDENTIALS } from '../../cloud/src/aws/credentials.js';
import { DEFAULT_FAN_OUT, DEFAULT_WORKER_CHECKPOINT_POSTS } from '../../cloud/src/config.js';
import { fanOut } from '../../cloud/src/core/fan-out.js';
import type { PageProgress } from '../../cloud/src/core/fan-out-job.js';
import { parseFanOutJob } from '../../cloud/src/core/fan-out-job.js';
import { runFanOutJob } from '../../cloud/src/core/fan-out-worker.js';
import type { ConnectionGateway } from '../../cloud/src/core/gateway.js';
import { silentLogger } from '../../cloud/src/log.js';

type Message = { endpoint: string } | { event: unknown } | 'warm' | 'cpu';

const send = (message: unknown) => process.send?.(message);
/** argv[2]: posts between progress records (default: the worker's own default). */
const CHECKPOINT_POSTS = Number(process.argv[2] ?? DEFAULT_WORKER_CHECKPOINT_POSTS);
/** The store's one call a fan-out makes: deleting gone connections (the stand-in never answers 410). */
const noStore = { removeConnection: async () => 0 };
const records = new Map<string, number>();
const progress: PageProgress = {
  settled: async (publishId, page) => records.get(`${publishId}/${page}`) ?? 0,
  record: async (publishId, page, count) => void records.set(`${publishId}/${page}`, count),
};
let gateway: (ConnectionGateway & { close(): void }) | undefined;
// Pages run one after another, as one Lambda instance runs one event at a time.
let running: Promise<void> = Promise.resolve();

process.on('message', (message: Message) => {
  if (message === 'cpu') {
    const { user, system } = process.cpuUsage();
    send({ cpuSeconds: (user + system) / 1e6 });
  } else if (message === 'warm') {
    const ids = Array.from({ length: 1_000 }, (_, i) => `warm-${process.pid}-${i}`);
    const post = gateway as ConnectionGateway;
    void fanOut(ids, '{}', {
      gateway: post,
      settings: DEFAULT_FAN_OUT,
      store: noStore,
      logger: silentLogger,
    }).then(() => send({ warmed: true }));
  } else if ('endpoint' in message) {
    gateway = createHttpConnectionsGateway({
      endpoint: message.endpoint,
      region: 'us-east-1',
      credentials: async () => LOCAL_SIGNING_CREDENTIALS,
    });
    send({ ready: true });
  } else {
    const job = parseFanOutJob(message.event);
    if (!job.ok) throw new Error(`the bench sent a malformed page: ${job.error.reason}`);
    send({ queued: job.value.page });
    running = running.then(async () => {
      const report = await runFanOutJob(job.value, {
        gateway: gateway as ConnectionGateway,
        settings: DEFAULT_FAN_OUT,
        store: noStore,
        logger: silentLogger,
        progress,
        checkpointPosts: CHECKPOINT_POSTS,
      });
      send({ report });
    });
  }
});
process.on('disconnect', () => {
  gateway?.close();
  process.exit(0);
});
