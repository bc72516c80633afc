/**
 * The local stack's cost per post on the server side: serverless-offline's CPU per `POST /@connections/{id}`
 * (the route, the WebSocket frame to the subscriber and the answer), with the local fast path in front of the
 * route (cloud/local/fast-connections-route.mjs) and without it (hapi's request lifecycle), side by side, A B A B.
 * Posts come from outside serverless-offline, over the handlers' own HTTP/1.1 client, so that only the server's
 * CPU is in the figure; every post must be answered 204 and every frame received.
 * Run: `npx tsx bench/connections-route.ts [posts=20000] [rounds=2]`. Results: docs/BENCHMARKS.md, "Local stack".
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import WebSocket from 'ws';
import { startLocalStack } from '../cloud/local/stack.js';
import { createConnectionPool } from '../cloud/src/aws/http1/index.js';

const POSTS = Number(process.argv[2] ?? 20_000);
const ROUNDS = Number(process.argv[3] ?? 2);
const SUBSCRIBERS = 20;
/** Posts in flight, as the local stack's fan-out starts with (LOCAL_FAN_OUT_CONCURRENCY is 16; 32 keeps the route busy). */
const IN_FLIGHT = 32;
const TOPIC = 'bench/route';
const SWITCH_ENV = 'TOPIC_BRIDGE_LOCAL_FAST_CONNECTIONS';
const CLOCK_TICKS_PER_SECOND = 100;
const RECEIVE_TIMEOUT_MS = 30_000;

/** User + system CPU seconds of one process, from /proc. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

interface Row {
  fastPath: 'on' | 'off';
  posts: number;
  answered204: number;
  received: number;
  wallMs: number;
  serverCpuUsPerPost: number;
  load: number;
}

async function measure(fastPath: 'on' | 'off'): Promise<Row> {
  const stack = await startLocalStack({ handlerEnv: { [SWITCH_ENV]: fastPath } });
  const sockets: WebSocket[] = [];
  const dynamo = new DynamoDBClient({
    endpoint: stack.dynamoEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const pool = createConnectionPool({
    origin: new URL(`http://127.0.0.1:${stack.wsPort}`),
    maxSockets: IN_FLIGHT,
    idleTimeoutMs: 4_000,
  });
  try {
    let received = 0;
    for (let i = 0; i < SUBSCRIBERS; i++) {
      const socket = new WebSocket(`${stack.wsUrl}?topicName=${encodeURIComponent(TOPIC)}`);
      socket.on('message', () => received++);
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      sockets.push(socket);
    }
    const scan = await dynamo.send(new ScanCommand({ TableName: stack.tableName, ConsistentRead: true }));
    const ids = [
      ...new Set((scan.Items ?? []).flatMap((item) => (item.connectionId?.S ? [item.connectionId.S] : []))),
    ];
    if (ids.length !== SUBSCRIBERS)
      throw new Error(`expected ${SUBSCRIBERS} connections, found ${ids.length}`);
    const paths = ids.map((id) => `/@connections/${encodeURIComponent(id)}`);
    const body = Buffer.from(JSON.stringify({ topic: TOPIC, message: { t: 21.5, unit: 'C' }, id: 'b1' }));
    const cpuBefore = cpuSeconds(stack.offlinePid);
    const started = performance.now();
    let next = 0;
    let answered204 = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < POSTS) {
          const path = paths[next++ % paths.length] as string;
          const answer = await pool.request({ method: 'POST', path, headers: {}, body, timeoutMs: 15_000 });
          if (answer.status === 204) answered204++;
        }
      }),
    );
    const wallMs = performance.now() - started;
    const cpu = cpuSeconds(stack.offlinePid) - cpuBefore;
    const deadline = performance.now() + RECEIVE_TIMEOUT_MS;
    while (received < POSTS && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return {
      fastPath,
      posts: POSTS,
      answered204,
      received,
      wallMs: Math.round(wallMs),
      serverCpuUsPerPost: Math.round((cpu * 1e6) / POSTS),
      load: Number(loadavg()[0]?.toFixed(1)),
    };
  } finally {
    pool.close();
    for (const socket of sockets) socket.terminate();
    dynamo.destroy();
    await stack.stop();
  }
}

const rows: Row[] = [];
for (let round = 0; round < ROUNDS; round++) {
  for (const fastPath of ['off', 'on'] as const) {
    const row = await measure(fastPath);
    rows.push(row);
    console.log(JSON.stringify({ bench: 'connections-route', ...row }));
  }
}
const perPost = (fastPath: 'on' | 'off') =>
  rows.filter((r) => r.fastPath === fastPath).map((r) => r.serverCpuUsPerPost);
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
console.table(rows);
console.log(
  `serverless-offline CPU per post, each round: hapi ${perPost('off').join(' / ')} µs, fast path ${perPost('on').join(' / ')} µs ` +
    `(${(sum(perPost('on')) / sum(perPost('off'))).toFixed(2)}× over all rounds)`,
);
const incomplete = rows.filter((r) => r.answered204 !== r.posts || r.received !== r.posts);
if (incomplete.length > 0) {
  console.error(`${incomplete.length} run(s) did not answer or deliver every post: see the table above`);
  process.exitCode = 1;
}
