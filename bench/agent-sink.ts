/**
 * Bench (issue 10, benchmark 6): the agent itself, against a sink that costs nothing. The agent runs as a
 * gateway runs it (the single-file bundle, `node device-agent.mjs run --config …`, in its own process); aedes
 * runs in a second process (bench/agent-broker.ts); the publisher in this one writes pre-encoded PUBLISH packets
 * to a raw socket (bench/agent-publisher.ts, next to no CPU); the "bridge" is bench/support/ack-sink.mjs, a bare
 * `ws` server in a fourth process that acks every frame at once. Each process's CPU per frame is printed, so
 * the reader sees what bounds the figure. Four figures, one run:
 * - idle RSS: connected to the sink and subscribed to the broker, nothing flowing;
 * - throughput: N QoS 1 messages published as fast as the broker takes them, timed from the first publish to
 *   the sink holding all N distinct ids (so MQTT → disk queue with its fsync → dispatcher → WebSocket);
 * - RSS at 1,000 frames/s for a few seconds (peak of samples every 100 ms), all delivered;
 * - drain: a 10,000-frame backlog queued while the bridge was unreachable, then a fresh agent on that queue
 *   pointed at the sink: time from its start, and from its first frame, to the sink holding all 10,000.
 * The agent's delivery pace is 0 (unlimited): its default of 100 frames/s is a deliberate cap, which would
 * measure the setting, not the agent. Other settings are the defaults unless given here.
 * Run: npx tsx bench/agent-sink.ts [--full] [--window=32] [--max-in-flight=500] [--qos=1] [--cpu-prof=DIR]
 *   [--agent-node-args='--max-semi-space-size=1'] [--messages=N] [--load-seconds=S] [--backlog=N]
 *   [--agent-env='MALLOC_TRIM_THRESHOLD_=131072 MALLOC_MMAP_THRESHOLD_=32768'] [--bundle=FILE] [--fsync-interval-ms=N]
 *   [--agent-stdout=FILE] [--cpu-prof-phase=load] [--load-rate=1000]
 * (--bundle runs a bundle built before, e.g. from another commit, instead of building this tree's: that is how
 * bench/agent-compare.ts puts two versions side by side.)
 * (--cpu-prof writes the agent's CPU profile to DIR; open it in Chrome DevTools. With --cpu-prof-phase=load the
 * bench stops the agent right after the steady 1,000 frames/s phase, so the profile ends with it, and prints that
 * phase's start and end on the monotonic clock the profile's timestamps use, to cut the profile to it.)
 */
import { type ChildProcess, fork, spawn, spawnSync } from 'node:child_process';
import { openSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { findFreePort } from '../cloud/local/free-port.js';
import { connectRawPublisher, publishPacket } from './agent-publisher.js';

const arg = (name: string): string | undefined =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const full = process.argv.includes('--full');
const throughputMessages = Number(arg('messages') ?? (full ? 100_000 : 20_000));
/** The steady phase's rate, frames per second (a gateway's everyday trickle; RSS and CPU per frame there). */
const loadRate = Number(arg('load-rate') ?? 1000);
const loadSeconds = Number(arg('load-seconds') ?? (full ? 30 : 4));
const backlog = Number(arg('backlog') ?? 10_000);
const window = arg('window');
const maxInFlight = arg('max-in-flight');
const qos = Number(arg('qos') ?? 1) as 0 | 1;
const cpuProfDir = arg('cpu-prof');
/** `load`: the profile is of the steady phase (the bench stops there); default: the agent's whole life. */
const cpuProfPhase = arg('cpu-prof-phase');
if (cpuProfPhase !== undefined && cpuProfPhase !== 'load')
  throw new Error(`--cpu-prof-phase=${cpuProfPhase}: the only phase to stop after is "load"`);
/** Thrown to skip the phases after the steady one when only its profile is wanted. */
const STOP_AFTER_LOAD = Symbol('stop after the steady phase');
/** Microseconds on CLOCK_MONOTONIC, the clock of a .cpuprofile's startTime and endTime (system-wide). */
const monotonicMicros = () => Number(process.hrtime.bigint() / 1000n);
const prebuilt = arg('bundle');
const fsyncIntervalMs = arg('fsync-interval-ms');
/** Appends the agents' stdout to this file (e.g. with `--agent-node-args='… --trace-gc'`); default: dropped. */
const agentStdout = arg('agent-stdout');
/** Node's flags in device-agent/deploy/device-agent.service: the agent is measured as a gateway runs it. */
const GATEWAY_NODE_ARGS = ['--max-semi-space-size=1'];
/** Node flags for the agent's process instead (`--agent-node-args=` alone: node's own defaults). */
const agentNodeArgs = (arg('agent-node-args') ?? GATEWAY_NODE_ARGS.join(' ')).split(' ').filter(Boolean);
/** The unit's environment for node and glibc (`--agent-env=` alone: none), as NAME=VALUE separated by spaces. */
const GATEWAY_ENV = 'MALLOC_TRIM_THRESHOLD_=131072 MALLOC_MMAP_THRESHOLD_=32768';
const agentEnv = Object.fromEntries(
  (arg('agent-env') ?? GATEWAY_ENV)
    .split(' ')
    .filter(Boolean)
    .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
);
/** Messages the publisher keeps unacknowledged at most. */
const PUBLISHER_IN_FLIGHT = 2000;
/** The idle reading is taken this long after the agent connected and subscribed. */
const IDLE_SETTLE_MS = 2000;

const root = path.resolve(import.meta.dirname, '..');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const nowMs = () => performance.timeOrigin + performance.now();

/** VmRSS and RssAnon (private memory, without the node binary's shared file-backed pages), in MB. */
async function memoryOf(pid: number): Promise<{ rss: number; anon: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kB = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1]) / 1024;
  return { rss: kB('VmRSS'), anon: kB('RssAnon') };
}
/** CPU seconds (user + system) the process has used so far. */
async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
/**
 * CPU seconds per thread of a process, user and system apart: the main thread (JavaScript, system calls,
 * wake-ups) against the rest (libuv's pool, which runs the fsyncs and file writes; V8's GC and compiler helpers).
 */
async function threadCpuOf(pid: number): Promise<Record<string, { user: number; system: number }>> {
  const byName: Record<string, { user: number; system: number }> = {};
  for (const tid of await readdir(`/proc/${pid}/task`).catch(() => [])) {
    const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8').catch(() => '');
    if (!stat) continue;
    // Node 20's libuv and V8 threads are all called `node`: the main thread is the one whose id is the pid's.
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const name = tid === String(pid) ? 'main' : comm === 'node' ? 'other threads' : comm;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const entry = byName[name] ?? { user: 0, system: 0 };
    entry.user += Number(fields[11]) / 100;
    entry.system += Number(fields[12]) / 100;
    byName[name] = entry;
  }
  return byName;
}
/** Microseconds per frame spent by each thread name between two `threadCpuOf` readings, user/system. */
function threadCpuPerFrame(
  before: Record<string, { user: number; system: number }>,
  after: Record<string, { user: number; system: number }>,
  frames: number,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, { user, system }] of Object.entries(after)) {
    const was = before[name] ?? { user: 0, system: 0 };
    const micros = (seconds: number) => Math.round((seconds * 1e6) / frames);
    out[name] = `${micros(user - was.user)}/${micros(system - was.system)}`;
  }
  return out;
}
async function metric(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
}
async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

// The bundle, built fresh so that what is measured is the code in this tree.
const dir = await mkdtemp(path.join(tmpdir(), 'agent-sink-'));
const bundle = prebuilt ? path.resolve(prebuilt) : path.join(dir, 'device-agent.mjs');
if (!prebuilt) {
  const built = spawnSync(
    process.execPath,
    [path.join(root, 'device-agent/deploy/build.mjs'), bundle, ...(cpuProfDir ? ['--no-minify'] : [])],
    { encoding: 'utf8' },
  );
  if (built.status !== 0) throw new Error(`cannot build the agent bundle: ${built.stderr}`);
}

// The broker, in its own process.
const brokerProcess = fork(path.join(root, 'bench/agent-broker.ts'), [], {
  execArgv: ['--import', 'tsx'],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const brokerPort = await new Promise<number>((resolve) =>
  brokerProcess.on('message', (m: { port?: number }) => m.port && resolve(m.port)),
);
const brokerUrl = `mqtt://127.0.0.1:${brokerPort}`;
const subscribed = new Set<string>();
brokerProcess.on('message', (m: { subscribed?: string }) => {
  if (m.subscribed) subscribed.add(m.subscribed);
});

// The sink, in its own process.
type SinkDone = {
  done: true;
  unique: number;
  frames: number;
  firstAt: number;
  lastAt: number;
  /** The sink's own CPU seconds so far. */
  cpuSeconds: number;
};
const sink = fork(path.join(root, 'bench/support/ack-sink.mjs'), [], {
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const sinkPort = await new Promise<number>((resolve) =>
  sink.on('message', (m: { port?: number }) => m.port && resolve(m.port)),
);
let sinkConnections = 0;
sink.on('message', (m: { connections?: number }) => {
  if (m.connections) sinkConnections = m.connections;
});
/** Resolves once the sink has seen `count` distinct ids since the last reset. */
function sinkReceives(count: number, reset: boolean): Promise<SinkDone> {
  const done = new Promise<SinkDone>((resolve) => {
    const onMessage = (m: Partial<SinkDone>) => {
      if (!m.done) return;
      sink.off('message', onMessage);
      resolve(m as SinkDone);
    };
    sink.on('message', onMessage);
  });
  sink.send({ reset, expect: count });
  return done;
}

/** A helper process's CPU seconds so far (the sink and the broker both answer `{stats: true}`). */
function cpuSecondsOfHelper(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const onMessage = (m: { stats?: boolean; cpuSeconds?: number }) => {
      if (!m.stats) return;
      child.off('message', onMessage);
      resolve(Number(m.cpuSeconds));
    };
    child.on('message', onMessage);
    child.send({ stats: true });
  });
}

interface RunningAgent {
  child: ChildProcess;
  healthPort: number;
  stderr: string[];
  stop(): Promise<void>;
}

/** Starts the bundled agent with its health endpoint on, logging warnings and errors to `stderr`. */
async function startAgent(name: string, bridgeUrl: string, withInput: boolean, nodeArgs: string[] = []) {
  const healthPort = await findFreePort();
  const config = path.join(dir, `${name}.yaml`);
  const input = [
    'inputs:',
    '  - type: mqtt',
    `    url: ${brokerUrl}`,
    `    clientId: bench-${name}`,
    '    protocolVersion: 4', // aedes speaks 3.1.1 only
    ...(maxInFlight ? [`    maxInFlight: ${maxInFlight}`] : []),
    '    subscriptions:',
    `      - filter: bench/#`,
    `        qos: ${qos}`,
  ];
  await writeFile(
    config,
    [
      `bridge:\n  url: ${bridgeUrl}`,
      `state:\n  dir: ${path.join(dir, 'state')}`,
      ...(fsyncIntervalMs ? [`queue:\n  fsyncIntervalMs: ${fsyncIntervalMs}`] : []),
      'log:\n  level: warn',
      `health:\n  enabled: true\n  port: ${healthPort}`,
      `delivery:\n  paceFramesPerSecond: 0${window ? `\n  window: ${window}` : ''}`,
      ...(withInput ? input : ['inputs: []']),
      '',
    ].join('\n'),
  );
  const child = spawn(process.execPath, [...nodeArgs, bundle, 'run', '--config', config], {
    stdio: ['ignore', agentStdout === undefined ? 'ignore' : openSync(agentStdout, 'a'), 'pipe'],
    env: { ...process.env, ...agentEnv },
  });
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const agent: RunningAgent = {
    child,
    healthPort,
    stderr,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
  await until(`the agent's health endpoint (${stderr.join('')})`, () =>
    fetch(`http://127.0.0.1:${healthPort}/metrics`).then(
      () => true,
      () => child.exitCode !== null && Promise.reject(new Error(`the agent exited: ${stderr.join('')}`)),
    ),
  );
  return agent;
}

let nextPacketId = 0;
/** PUBLISH packets for messages `first`…`first + count - 1` on bench/<i % 10>/temp, encoded ahead of time. */
function encodeMessages(count: number, first: number): Buffer[] {
  return Array.from({ length: count }, (_, k) => {
    const i = first + k;
    nextPacketId = (nextPacketId % 65_535) + 1;
    return publishPacket(`bench/${i % 10}/temp`, JSON.stringify({ i, c: 20 + (i % 7) }), qos, nextPacketId);
  });
}

/** Sends the packets at `ratePerSecond` (0 = as fast as the broker acks them), in slices of PACE_SLICE_MS. */
async function publish(packets: Buffer[], ratePerSecond: number) {
  if (ratePerSecond === 0) return publisher.send(packets, qos);
  const started = performance.now();
  for (let sent = 0; sent < packets.length; ) {
    const due = Math.min(
      packets.length,
      Math.floor(((performance.now() - started) * ratePerSecond) / 1000) + 1,
    );
    if (due > sent) {
      await publisher.send(packets.slice(sent, due), qos);
      sent = due;
    }
    await sleep(PACE_SLICE_MS);
  }
}
/** The paced publisher sends what is due every this many milliseconds. */
const PACE_SLICE_MS = 10;

const result: Record<string, unknown> = {
  bench: 'agent-sink',
  agentNodeArgs: agentNodeArgs.join(' '),
  agentEnv: Object.entries(agentEnv)
    .map(([name, value]) => `${name}=${value}`)
    .join(' '),
  qos,
  window: Number(window ?? 32),
  maxInFlight: Number(maxInFlight ?? 500),
  pace: 0,
  fsyncIntervalMs: fsyncIntervalMs === undefined ? 'default' : Number(fsyncIntervalMs),
  bundle: prebuilt ?? 'this tree',
  load: Number(loadavg()[0]?.toFixed(1)),
};
const publisher = await connectRawPublisher('127.0.0.1', brokerPort, 'bench-publisher', PUBLISHER_IN_FLIGHT);
try {
  // 1. Idle.
  const profile = [
    ...agentNodeArgs,
    ...(cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(cpuProfDir)}`] : []),
  ];
  if (cpuProfDir) await mkdir(cpuProfDir, { recursive: true });
  const live = await startAgent('live', `ws://127.0.0.1:${sinkPort}`, true, profile);
  await until(
    'the agent to connect and subscribe',
    () => sinkConnections > 0 && subscribed.has('bench-live'),
  );
  await sleep(IDLE_SETTLE_MS);
  const idle = await memoryOf(live.child.pid as number);
  Object.assign(result, { idleRssMB: +idle.rss.toFixed(1), idleAnonMB: +idle.anon.toFixed(1) });

  // 2. RSS at 1,000 frames/s (every frame delivered; the peak over the run), before the burst inflates the heap.
  const loadDone = sinkReceives(loadRate * loadSeconds, true);
  const loadCpuBefore = await cpuSecondsOf(live.child.pid as number);
  const loadThreadsBefore = await threadCpuOf(live.child.pid as number);
  const loadStartedMicros = monotonicMicros();
  let loadPeak = { rss: 0, anon: 0 };
  let sampling = true;
  const loadSampler = (async () => {
    while (sampling) {
      const now = await memoryOf(live.child.pid as number);
      loadPeak = { rss: Math.max(loadPeak.rss, now.rss), anon: Math.max(loadPeak.anon, now.anon) };
      await sleep(100);
    }
  })();
  // The agent's CPU second by second: the first seconds of traffic also pay for V8 compiling the hot path.
  const loadCpuEachSecond: number[] = [];
  let warmThreadsBefore: Awaited<ReturnType<typeof threadCpuOf>> | undefined;
  let warmStartedAt = 0;
  const cpuSampler = (async () => {
    let last = loadCpuBefore;
    while (sampling) {
      await sleep(1000);
      const now = await cpuSecondsOf(live.child.pid as number);
      if (!sampling) break;
      loadCpuEachSecond.push(Math.round(((now - last) * 1e6) / loadRate));
      last = now;
      if (loadCpuEachSecond.length === Math.floor(loadSeconds / 2)) {
        warmThreadsBefore = await threadCpuOf(live.child.pid as number);
        warmStartedAt = performance.now();
      }
    }
  })();
  await publish(encodeMessages(loadRate * loadSeconds, 10_000_000), loadRate);
  await loadDone;
  const loadCpu = (await cpuSecondsOf(live.child.pid as number)) - loadCpuBefore;
  const loadThreadsAfter = await threadCpuOf(live.child.pid as number);
  const loadThreads = threadCpuPerFrame(loadThreadsBefore, loadThreadsAfter, loadRate * loadSeconds);
  const warmThreads =
    warmThreadsBefore &&
    threadCpuPerFrame(
      warmThreadsBefore,
      loadThreadsAfter,
      Math.round(((performance.now() - warmStartedAt) * loadRate) / 1000),
    );
  sampling = false;
  await loadSampler;
  await cpuSampler;
  const secondHalf = loadCpuEachSecond.slice(Math.floor(loadCpuEachSecond.length / 2));
  Object.assign(result, {
    loadFramesPerSecond: loadRate,
    loadSeconds,
    loadPeakRssMB: +loadPeak.rss.toFixed(1),
    loadPeakAnonMB: +loadPeak.anon.toFixed(1),
    // At a steady trickle the agent waits for each reading: a cost the burst below does not show.
    loadAgentCpuMicrosPerFrame: Math.round((loadCpu * 1e6) / (loadRate * loadSeconds)),
    // The same by thread name, "user/system" µs per frame: where a steady rate's CPU goes.
    loadAgentThreadMicrosPerFrame: loadThreads,
    // Each second's agent CPU per frame, and the mean of the second half (warm: past V8's tier-up).
    loadAgentCpuMicrosPerFrameEachSecond: loadCpuEachSecond,
    loadAgentThreadMicrosPerFrameSecondHalf: warmThreads,
    loadAgentCpuMicrosPerFrameSecondHalf: Math.round(
      secondHalf.reduce((sum, value) => sum + value, 0) / Math.max(1, secondHalf.length),
    ),
  });
  if (cpuProfPhase === 'load') {
    const loadEndedMicros = monotonicMicros();
    await live.stop();
    Object.assign(result, { loadStartedMicros, loadEndedMicros });
    throw STOP_AFTER_LOAD;
  }
  // 3. Throughput: as fast as the broker takes them.
  const packets = encodeMessages(throughputMessages, 0);
  const sinkCpuBefore = await cpuSecondsOfHelper(sink);
  const brokerCpuBefore = await cpuSecondsOfHelper(brokerProcess);
  const all = sinkReceives(throughputMessages, true);
  const cpuBefore = await cpuSecondsOf(live.child.pid as number);
  const threadsBefore = await threadCpuOf(live.child.pid as number);
  const benchCpuBefore = process.cpuUsage();
  const started = nowMs();
  let peakRss = idle.rss;
  sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peakRss = Math.max(peakRss, (await memoryOf(live.child.pid as number)).rss);
      await sleep(100);
    }
  })();
  await publish(packets, 0);
  const publishedAt = nowMs();
  const received = await all;
  sampling = false;
  await sampler;
  const cpu = (await cpuSecondsOf(live.child.pid as number)) - cpuBefore;
  const threads = threadCpuPerFrame(
    threadsBefore,
    await threadCpuOf(live.child.pid as number),
    throughputMessages,
  );
  const benchCpu = process.cpuUsage(benchCpuBefore);
  const publisherCpuSeconds = (benchCpu.user + benchCpu.system) / 1e6;
  const brokerCpuSeconds = (await cpuSecondsOfHelper(brokerProcess)) - brokerCpuBefore;
  const perFrame = (cpuSeconds: number) => Math.round((cpuSeconds * 1e6) / throughputMessages);
  const seconds = (received.lastAt - started) / 1000;
  Object.assign(result, {
    messages: throughputMessages,
    framesPerSecond: Math.round(throughputMessages / seconds),
    seconds: +seconds.toFixed(2),
    publishSeconds: +((publishedAt - started) / 1000).toFixed(2),
    agentCpuSeconds: +cpu.toFixed(2),
    agentCpuMicrosPerFrame: perFrame(cpu),
    agentThreadMicrosPerFrame: threads,
    // The rest of the machine's work per frame: aedes, the publisher (this process) and the sink.
    brokerCpuMicrosPerFrame: perFrame(brokerCpuSeconds),
    publisherCpuMicrosPerFrame: perFrame(publisherCpuSeconds),
    brokerAndPublisherCpuMicrosPerFrame: perFrame(brokerCpuSeconds + publisherCpuSeconds),
    sinkCpuMicrosPerFrame: perFrame(received.cpuSeconds - sinkCpuBefore),
    // What the agent alone could carry on one core at this CPU per frame.
    agentFramesPerCoreSecond: Math.round(throughputMessages / cpu),
    throughputPeakRssMB: +peakRss.toFixed(1),
    sinkFrames: received.frames,
  });

  await live.stop();
  if (cpuProfDir) console.log(`agent CPU profile written to ${cpuProfDir}`);

  // 4. Drain: queue a backlog with the bridge unreachable (a port nobody listens on), then drain it.
  await rm(path.join(dir, 'state'), { recursive: true, force: true });
  const offline = await startAgent('offline', `ws://127.0.0.1:${await findFreePort()}`, true, agentNodeArgs);
  await until('the offline agent to subscribe', () => subscribed.has('bench-offline'));
  await publish(encodeMessages(backlog, 1_000_000), 0);
  await until('the backlog to be queued', async () => {
    return (await metric(offline.healthPort, 'device_agent_queue_depth')) === backlog;
  });
  await offline.stop();
  const drained = sinkReceives(backlog, true);
  const drainStarted = nowMs();
  const drainer = await startAgent('drain', `ws://127.0.0.1:${sinkPort}`, false, agentNodeArgs);
  const done = await drained;
  await until('the queue to empty', async () => {
    return (await metric(drainer.healthPort, 'device_agent_queue_depth')) === 0;
  });
  await drainer.stop();
  Object.assign(result, {
    backlog,
    drainSecondsFromStart: +((done.lastAt - drainStarted) / 1000).toFixed(2),
    drainSecondsFromFirstFrame: +((done.lastAt - done.firstAt) / 1000).toFixed(2),
    drainFramesPerSecond: Math.round(backlog / ((done.lastAt - done.firstAt) / 1000)),
  });
} catch (error) {
  if (error !== STOP_AFTER_LOAD) throw error;
} finally {
  await publisher.end();
  sink.disconnect();
  const brokerExited = new Promise((resolve) => brokerProcess.once('exit', resolve));
  brokerProcess.disconnect();
  await brokerExited;
  await rm(dir, { recursive: true, force: true });
}

if (cpuProfPhase === 'load') {
  console.log(
    `agent CPU profile written to ${cpuProfDir}; the steady phase is ${result.loadStartedMicros}..${result.loadEndedMicros} µs (monotonic); agent CPU ${result.loadAgentCpuMicrosPerFrame} µs/frame`,
  );
  console.log(JSON.stringify(result));
  process.exit(0);
}
const target = (ok: boolean) => (ok ? 'meets' : 'MISSES');
console.log(`
agent against a local acking sink (qos ${qos}, window ${result.window}, MQTT maxInFlight ${result.maxInFlight}, pace unlimited)
  throughput       ${result.framesPerSecond} frames/s (${throughputMessages} in ${result.seconds} s; agent CPU ${result.agentCpuMicrosPerFrame} µs/frame, by thread ${JSON.stringify(result.agentThreadMicrosPerFrame)})  target ≥ 20,000: ${target(Number(result.framesPerSecond) >= 20_000)}
  agent ceiling    ${result.agentFramesPerCoreSecond} frames/s per core of agent CPU
  CPU elsewhere    aedes ${result.brokerCpuMicrosPerFrame} µs/frame, publisher ${result.publisherCpuMicrosPerFrame} µs/frame, sink ${result.sinkCpuMicrosPerFrame} µs/frame (load average ${result.load})
  RSS idle         ${result.idleRssMB} MB (anon ${result.idleAnonMB})  target ≤ 60: ${target(Number(result.idleRssMB) <= 60)}
  RSS at ${loadRate}/s   ${result.loadPeakRssMB} MB peak (anon ${result.loadPeakAnonMB})  target ≤ 60: ${target(Number(result.loadPeakRssMB) <= 60)}; agent CPU ${result.loadAgentCpuMicrosPerFrame} µs/frame (second half ${result.loadAgentCpuMicrosPerFrameSecondHalf}; each second ${JSON.stringify(result.loadAgentCpuMicrosPerFrameEachSecond)}; by thread, user/system µs: ${JSON.stringify(result.loadAgentThreadMicrosPerFrame)}, second half ${JSON.stringify(result.loadAgentThreadMicrosPerFrameSecondHalf)})
  drain ${backlog}    ${result.drainSecondsFromStart} s from start, ${result.drainSecondsFromFirstFrame} s from the first frame (${result.drainFramesPerSecond} frames/s)`);
console.log(JSON.stringify(result));
