/**
 * End to end on this machine: one publisher at F frames/s to S WebSocket subscribers of one topic, through
 * (1) our local stack (serverless-offline running our serverless.yml, dynalite), (2) Debian's mosquitto with a
 * WebSocket listener, (3) a bare `ws` broadcast server (the upper bound), in one run with one harness. Each
 * frame carries its intended send time; latency is receipt minus that time (so a late publisher counts, no
 * coordinated omission), per subscriber, in an HDR histogram. A frame not received within DRAIN_MS of the last
 * publish is lost; one received twice is duplicated. CPU seconds are each server's own processes (the local
 * stack: serverless-offline with its in-process handlers; dynalite runs in the harness and is not counted).
 * Run: `npx tsx bench/end-to-end.ts [--full] [--only=ours|mosquitto|ws] [--log-level=info] [--loads=S:F:N,…]`. Results: docs/BENCHMARKS.md.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as hdr from 'hdr-histogram-js';
import mqtt, { type MqttClient } from 'mqtt';
import WebSocket from 'ws';
import { findFreePort } from '../cloud/local/free-port.js';
import { startLocalStack } from '../cloud/local/stack.js';

const FULL = process.argv.includes('--full');
const ONLY = process.argv.find((a) => a.startsWith('--only='))?.split('=')[1];
/** The handlers' LOG_LEVEL for our stack; a comma-separated list runs it once per level (before/after). */
const LOG_LEVELS = (process.argv.find((a) => a.startsWith('--log-level='))?.split('=')[1] ?? 'info').split(
  ',',
);
/**
 * `--handler-env=NAME=VALUE[,NAME=VALUE]`: extra handler environment for our stack (e.g. FAN_OUT_CONCURRENCY=16).
 * Given more than once, each one is a stack of its own, run one after another in the same pass (before/after
 * side by side); `--handler-env=` (empty) is the stack's defaults.
 */
const HANDLER_ENVS: Array<Record<string, string>> = process.argv
  .filter((a) => a.startsWith('--handler-env='))
  .map((arg) =>
    Object.fromEntries(
      arg
        .slice('--handler-env='.length)
        .split(',')
        .filter((pair) => pair.includes('='))
        .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
    ),
  );
if (HANDLER_ENVS.length === 0) HANDLER_ENVS.push({});
/** `--repeat=N`: runs the whole list of our stacks N times, alternating (A B A B), to show the spread. */
const REPEAT = Number(process.argv.find((a) => a.startsWith('--repeat='))?.split('=')[1] ?? 1);
const TOPIC = 'bench/e2e';
/** Debian's mosquitto (`apt-get install -y mosquitto`); skipped with a note when missing. */
const MOSQUITTO = '/usr/sbin/mosquitto';
/** How long after the last publish a frame may still arrive before it counts as lost (as in issue 10). */
const DRAIN_MS = 5_000;
/** Subscribers connect this many at a time (serverless-offline runs `$connect` for each). */
const CONNECT_BATCH = 50;
const CLOCK_TICKS_PER_SECOND = 100;
/** Between loads, the system counts as idle once it spends at most this much CPU in one SETTLE_WINDOW_MS. */
const SETTLE_IDLE_CPU_SECONDS = 0.02;
const SETTLE_WINDOW_MS = 500;
/** The longest wait for a system to go idle between loads. */
const SETTLE_MAX_MS = 60_000;

/** One load: subscribers, frames per second and how many frames. */
export interface Load {
  subscribers: number;
  rate: number;
  frames: number;
}

/** The quick pass: issue 10's case (100 × 20/s, 200 frames) and two smaller ones; --full: the whole grid. */
/** `--loads=S:F:N[,S:F:N]` replaces them (e.g. `--loads=100:20:200` for issue 10's case alone). */
const LOADS_ARG = process.argv.find((a) => a.startsWith('--loads='))?.split('=')[1];
const LOADS: Load[] = LOADS_ARG
  ? LOADS_ARG.split(',').map((spec) => {
      const [subscribers, rate, frames] = spec.split(':').map(Number);
      return { subscribers: subscribers ?? 100, rate: rate ?? 20, frames: frames ?? 200 };
    })
  : FULL
    ? [10, 100, 1_000].flatMap((subscribers) =>
        [1, 10, 100].map((rate) => ({ subscribers, rate, frames: Math.max(10, rate * 10) })),
      )
    : [
        { subscribers: 10, rate: 10, frames: 50 },
        { subscribers: 100, rate: 20, frames: 200 },
        { subscribers: 10, rate: 100, frames: 300 },
      ];

/** What one system needs to offer the harness. */
interface RunningSystem {
  name: string;
  /** Opens one subscriber; resolves when it is subscribed; `onFrame` gets each payload it receives. */
  subscriber(onFrame: (payload: string) => void): Promise<() => void>;
  /** Opens the publisher; `send(payload)` publishes one frame. */
  publisher(): Promise<{ send(payload: string): void; close(): void }>;
  /** Process group (or pid) whose CPU is the system's. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** One measured run. */
export interface EndToEndRow extends Load {
  system: string;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  deliveriesPerSecond: number;
  expected: number;
  received: number;
  lost: number;
  duplicated: number;
  cpuSeconds: number;
  /** CPU seconds of the harness itself: the subscribers, the publisher and (for ours) dynalite. */
  harnessCpuSeconds: number;
  load: number;
}

/** CPU seconds (user + system) of every live process in a process group, from /proc. */
function groupCpuSeconds(pgid: number): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // After the name: state(0) ppid(1) pgrp(2) … utime(11) stime(12)
      if (Number(fields[2]) === pgid || Number(entry) === pgid)
        ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The process ended while we read.
    }
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
}

function wsOpen(url: string, onFrame?: (payload: string) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
    if (onFrame) socket.on('message', (data) => onFrame(data.toString()));
  });
}

async function ours(logLevel: string, handlerEnv: Record<string, string>): Promise<RunningSystem> {
  const stack = await startLocalStack({ logLevel, handlerEnv });
  return {
    name: `ours (local stack, LOG_LEVEL=${logLevel}${Object.entries(handlerEnv)
      .map(([name, value]) => `, ${name}=${value}`)
      .join('')})`,
    async subscriber(onFrame) {
      const socket = await wsOpen(`${stack.wsUrl}?topicName=${encodeURIComponent(TOPIC)}`, (payload) => {
        // Published frames carry `message`; the bridge's own replies never do (PROTOCOL.md).
        if (payload.includes('"message"')) onFrame(payload);
      });
      return () => socket.terminate();
    },
    async publisher() {
      const socket = await wsOpen(stack.wsUrl);
      return { send: (payload) => socket.send(payload), close: () => socket.terminate() };
    },
    cpuSeconds: () => groupCpuSeconds(stack.offlinePid),
    stop: () => stack.stop(),
  };
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

function mqttOpen(url: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { reconnectPeriod: 0, protocolVersion: 5 });
    client.once('connect', () => resolve(client));
    client.once('error', reject);
  });
}

async function mosquitto(): Promise<RunningSystem> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-mosquitto-'));
  const [mqttPort, wsPort] = [await findFreePort(), await findFreePort()];
  const conf = path.join(dir, 'mosquitto.conf');
  // 2.0.11 quirks (FACTS.md): `socket_domain ipv4` or the WebSocket listener binds every interface, and a
  // plain listener must exist too, else it exits with "Unable to start any listening sockets".
  await writeFile(
    conf,
    [
      'user root',
      'persistence false',
      'log_dest stderr',
      'log_type error',
      'allow_anonymous true',
      'max_queued_messages 100000',
      `listener ${mqttPort} 127.0.0.1`,
      `listener ${wsPort} 127.0.0.1`,
      'protocol websockets',
      'socket_domain ipv4',
      '',
    ].join('\n'),
  );
  const child = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  const deadline = Date.now() + 10_000;
  while (!(await portOpen(wsPort))) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error('mosquitto did not start: is it installed?');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const url = `ws://127.0.0.1:${wsPort}`;
  return {
    name: 'mosquitto 2.0 over WebSocket',
    async subscriber(onFrame) {
      const client = await mqttOpen(url);
      client.on('message', (_topic, payload) => onFrame(payload.toString()));
      await client.subscribeAsync(TOPIC, { qos: 0 });
      return () => client.end(true);
    },
    async publisher() {
      const client = await mqttOpen(url);
      return { send: (payload) => client.publish(TOPIC, payload, { qos: 0 }), close: () => client.end(true) };
    },
    cpuSeconds: () => groupCpuSeconds(child.pid ?? -1),
    async stop() {
      child.kill('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function bareWs(): Promise<RunningSystem> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./support/ws-broadcast.mjs', import.meta.url)));
  const { port } = await new Promise<{ port: number }>((resolve) =>
    child.once('message', (m) => resolve(m as { port: number })),
  );
  const url = `ws://127.0.0.1:${port}`;
  return {
    name: 'bare ws broadcast',
    async subscriber(onFrame) {
      const socket = await wsOpen(url, onFrame);
      return () => socket.terminate();
    },
    async publisher() {
      const socket = await wsOpen(url);
      return { send: (payload) => socket.send(payload), close: () => socket.terminate() };
    },
    cpuSeconds: () => groupCpuSeconds(child.pid ?? -1),
    async stop() {
      child.kill();
    },
  };
}

/** Runs one load through one system: subscribe all, publish on schedule, wait, count. */
async function runLoad(system: RunningSystem, load: Load): Promise<EndToEndRow> {
  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
  });
  const seen = Array.from({ length: load.subscribers }, () => new Uint8Array(load.frames));
  let received = 0;
  let duplicated = 0;
  let lastReceipt = 0;
  const closers: Array<() => void> = [];
  for (let start = 0; start < load.subscribers; start += CONNECT_BATCH) {
    const batch = Array.from(
      { length: Math.min(CONNECT_BATCH, load.subscribers - start) },
      (_, k) => start + k,
    );
    closers.push(
      ...(await Promise.all(
        batch.map((index) =>
          system.subscriber((payload) => {
            const now = performance.now();
            const frame = JSON.parse(payload) as { message: { seq: number; t: number } };
            const { seq, t } = frame.message;
            const marks = seen[index] as Uint8Array;
            if (marks[seq] === 1) {
              duplicated++;
              return;
            }
            marks[seq] = 1;
            received++;
            lastReceipt = now;
            histogram.recordValue(Math.max(1, Math.round((now - t) * 1000)));
          }),
        ),
      )),
    );
  }
  const publisher = await system.publisher();
  const expected = load.subscribers * load.frames;
  const cpuBefore = system.cpuSeconds();
  const harnessCpuBefore = process.cpuUsage();
  const interval = 1000 / load.rate;
  const start = performance.now() + 100;
  for (let seq = 0; seq < load.frames; seq++) {
    const intended = start + seq * interval;
    const wait = intended - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    publisher.send(JSON.stringify({ topic: TOPIC, message: { seq, t: intended } }));
  }
  const lastIntended = start + (load.frames - 1) * interval;
  while (received < expected && performance.now() < lastIntended + DRAIN_MS) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const cpuSeconds = system.cpuSeconds() - cpuBefore;
  const harnessCpu = process.cpuUsage(harnessCpuBefore);
  publisher.close();
  for (const close of closers) close();
  const ms = (value: number) => Number((value / 1000).toFixed(1));
  const row: EndToEndRow = {
    system: system.name,
    ...load,
    p50Ms: ms(histogram.getValueAtPercentile(50)),
    p99Ms: ms(histogram.getValueAtPercentile(99)),
    maxMs: ms(histogram.maxValue),
    deliveriesPerSecond: Math.round(received / ((Math.max(lastReceipt, lastIntended) - start) / 1000)),
    expected,
    received,
    lost: expected - received,
    duplicated,
    cpuSeconds: Number(cpuSeconds.toFixed(2)),
    harnessCpuSeconds: Number(((harnessCpu.user + harnessCpu.system) / 1e6).toFixed(2)),
    load: Number(loadavg()[0]?.toFixed(1)),
  };
  histogram.destroy();
  await waitUntilIdle(system);
  return row;
}

/**
 * Waits until the system's CPU stops growing, so that the closed subscribers' `$disconnect`s (1,000 of them take
 * serverless-offline several seconds) do not run into the next load; at most SETTLE_MAX_MS.
 */
async function waitUntilIdle(system: RunningSystem): Promise<void> {
  const deadline = performance.now() + SETTLE_MAX_MS;
  let before = system.cpuSeconds();
  while (performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_WINDOW_MS));
    const now = system.cpuSeconds();
    if (now - before <= SETTLE_IDLE_CPU_SECONDS) return;
    before = now;
  }
}

const SYSTEMS: Array<[string, () => Promise<RunningSystem>]> = [
  ...Array.from({ length: REPEAT }).flatMap(() =>
    LOG_LEVELS.flatMap((level) =>
      HANDLER_ENVS.map((env): [string, () => Promise<RunningSystem>] => ['ours', () => ours(level, env)]),
    ),
  ),
  ['mosquitto', mosquitto],
  ['ws', bareWs],
];

/** Runs every load through every system (or `only` one); returns the rows. */
export async function measureEndToEnd(only = ONLY): Promise<EndToEndRow[]> {
  const rows: EndToEndRow[] = [];
  for (const [key, start] of SYSTEMS) {
    if (only !== undefined && only !== key) continue;
    if (key === 'mosquitto' && !existsSync(MOSQUITTO)) {
      console.log(`mosquitto is not installed (${MOSQUITTO}): apt-get install -y mosquitto; skipping it`);
      continue;
    }
    const system = await start();
    try {
      for (const load of LOADS) {
        const row = await runLoad(system, load);
        rows.push(row);
        console.log(JSON.stringify({ bench: 'end-to-end', ...row }));
      }
    } finally {
      await system.stop();
    }
  }
  return rows;
}

/** Each row next to ours for the same load: latency and CPU as multiples of ours, deliveries/s as a fraction. */
export function ratiosToOurs(rows: EndToEndRow[]) {
  return rows.map((row) => {
    // The first of our runs is the base (with several log levels, the first one given).
    const base = rows.find(
      (r) => r.system.startsWith('ours') && r.subscribers === row.subscribers && r.rate === row.rate,
    );
    const ratio = (a: number, b: number | undefined) => (b ? Number((a / b).toFixed(3)) : null);
    return {
      system: row.system.replace('local stack, ', '').slice(0, 24),
      subs: row.subscribers,
      rate: row.rate,
      p50Ms: row.p50Ms,
      p99Ms: row.p99Ms,
      maxMs: row.maxMs,
      perS: row.deliveriesPerSecond,
      lost: row.lost,
      dup: row.duplicated,
      cpuS: row.cpuSeconds,
      'p50/ours': ratio(row.p50Ms, base?.p50Ms),
      'perS/ours': ratio(row.deliveriesPerSecond, base?.deliveriesPerSecond),
      'cpu/ours': ratio(row.cpuSeconds, base?.cpuSeconds),
    };
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await measureEndToEnd();
  console.log('End to end, one topic (latency from intended send time to receipt)');
  console.table(ratiosToOurs(rows));
}
