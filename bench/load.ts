/**
 * Load run (issue 9, "Load"): N WebSocket connections (default 1,000) across T topics (default 100) with
 * exact and wildcard subscribers, P frames/s published (default 100) for S seconds (default 60; 300 is the
 * issue's 5 minutes), through the real local stack on 127.0.0.1. Counts every frame by id at every matching
 * subscriber (exactly once expected), error frames, delivery latency, and the memory and CPU of every process
 * every 5 s. Bounded: it stops by itself after S seconds plus a drain of at most 60 s.
 *
 * The harness is spread over processes so that none of its threads is the bottleneck: this coordinator runs
 * the local stack's dynalite (so its CPU is dynalite's, plus a little IPC) and starts serverless-offline; the
 * subscribers live in `--subscriber-processes` child processes (bench/support/load-subscribers.ts), each with
 * an exact FrameLedger of its own subscribers; the publishers in one more (bench/support/load-publisher.ts).
 * Writes test-artifacts/load/<time>.json, a CSV of the memory and CPU curves and an SVG plot of the memory.
 * Run: npm run test:load -- [--connections 1000] [--topics 100] [--rate 100] [--seconds 60]
 *      [--subscriber-processes 4] [--log-level info|warn]
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { topicMatches } from '@topic-bridge/shared-types';
import { startLocalStack } from '../cloud/local/stack.js';
import { collectLine, type PublishLine, retriesIn } from '../cloud/tests/faults/support/stack-with-proxy.js';
import {
  type DeliveryCounts,
  filterOf,
  frameOf,
  type PublisherCommand,
  type PublisherReport,
  type SubscriberCommand,
  type SubscriberReport,
  topicsOf,
} from './support/load-plan.js';
import { memoryPlot, type PlotSeries } from './support/load-plot.js';
import { cpuSecondsOf, groupPids, loadAverage, machineBusySeconds, rssOf } from './support/proc-stats.js';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '1000' },
    topics: { type: 'string', default: '100' },
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '60' },
    'subscriber-processes': { type: 'string', default: '4' },
    /** The handlers' LOG_LEVEL: info (npm start's default) logs a line per publish, warn only problems. */
    'log-level': { type: 'string', default: 'info' },
  },
});
const shape = { connections: Number(values.connections), topics: Number(values.topics) };
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const SUBSCRIBER_PROCESSES = Number(values['subscriber-processes']);
/** Connections each subscriber process opens at once. */
const CONNECT_WINDOW = 20;
const PUBLISHERS = 10;
const MEMORY_EVERY_MS = 5_000;
const DRAIN_MS = 60_000;
/** Longest wait for the children to connect, or to answer `finish`. */
const CHILD_TIMEOUT_MS = 180_000;
const OUT_DIR = path.resolve(import.meta.dirname, '../test-artifacts/load');
const SUBSCRIBERS_FILE = path.resolve(import.meta.dirname, 'support/load-subscribers.ts');
const PUBLISHER_FILE = path.resolve(import.meta.dirname, 'support/load-publisher.ts');

for (const [name, value] of Object.entries({ ...shape, RATE, SECONDS, SUBSCRIBER_PROCESSES })) {
  if (!Number.isInteger(value) || value < 1) {
    console.error(`load: ${name} must be a whole number from 1 up, got ${value}`);
    process.exit(2);
  }
}

/** Plot colours of the processes that are always there; subscriber processes get the default. */
const COLORS: Record<string, string> = {
  'serverless-offline': '#1f77b4',
  'esbuild (offline group)': '#2ca02c',
  'dynalite+coordinator': '#ff7f0e',
  publisher: '#d62728',
};

const topics = topicsOf(shape);
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

function forkChild(file: string, settings: unknown): ChildProcess {
  return fork(file, [JSON.stringify(settings)], {
    execArgv: ['--import', 'tsx'],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** The next message of `type` from a child; rejects if the child exits first or `timeoutMs` passes. */
function nextMessage<T extends { type: string }, K extends T['type']>(
  child: ChildProcess,
  type: K,
  timeoutMs = CHILD_TIMEOUT_MS,
): Promise<Extract<T, { type: K }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => done(new Error(`no "${type}" from child ${child.pid} in ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onMessage = (message: T) => {
      if (message.type === type) done(undefined, message as Extract<T, { type: K }>);
    };
    const onExit = (code: number | null) =>
      done(new Error(`child ${child.pid} exited (${code}) before "${type}"`));
    function done(error?: Error, message?: Extract<T, { type: K }>) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(message as Extract<T, { type: K }>);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** One sample: RSS and cumulative CPU seconds of every process, and the machine's load. */
interface Sample {
  atS: number;
  load1: number;
  machineBusyS: number;
  rss: Record<string, number>;
  cpuS: Record<string, number>;
}

const started = Date.now();
const publishLines: PublishLine[] = [];
const problems: string[] = [];
const LOG_LEVEL = values['log-level'] ?? 'info';
const stack = await startLocalStack({
  logLevel: LOG_LEVEL,
  log: (line) => collectLine(line, publishLines, problems),
});
const children: ChildProcess[] = [];
const samples: Sample[] = [];
let sampleTimer: NodeJS.Timeout | undefined;
try {
  console.log(
    `stack up in ${Date.now() - started} ms; opening ${shape.connections} connections from ${SUBSCRIBER_PROCESSES} processes (load ${loadAverage()})`,
  );
  const subscriberProcesses = Array.from({ length: SUBSCRIBER_PROCESSES }, (_, first) =>
    forkChild(SUBSCRIBERS_FILE, {
      wsUrl: stack.wsUrl,
      shape,
      first,
      step: SUBSCRIBER_PROCESSES,
      connectWindow: CONNECT_WINDOW,
    }),
  );
  children.push(...subscriberProcesses);
  const connected = await Promise.all(
    subscriberProcesses.map((child) => nextMessage<SubscriberReport, 'connected'>(child, 'connected')),
  );
  const connectMs = Math.max(...connected.map((c) => c.connectMs));
  const publisher = forkChild(PUBLISHER_FILE, {
    wsUrl: stack.wsUrl,
    shape,
    rate: RATE,
    seconds: SECONDS,
    publishers: PUBLISHERS,
  });
  children.push(publisher);
  await nextMessage<PublisherReport, 'ready'>(publisher, 'ready');
  console.log(
    `${connected.reduce((n, c) => n + c.connections, 0)} connections open in ${connectMs} ms; publishing ${RATE} frames/s for ${SECONDS} s (load ${loadAverage()})`,
  );

  const processes = (): Record<string, number> => ({
    'dynalite+coordinator': process.pid,
    'serverless-offline': stack.offlinePid,
    publisher: publisher.pid ?? 0,
    ...Object.fromEntries(subscriberProcesses.map((child, n) => [`subscribers-${n}`, child.pid ?? 0])),
  });
  const publishStarted = Date.now();
  const sample = () => {
    const rss: Record<string, number> = {};
    const cpuS: Record<string, number> = {};
    for (const [name, pid] of Object.entries(processes())) {
      rss[name] = rssOf(pid);
      cpuS[name] = cpuSecondsOf(pid);
    }
    // The other processes of serverless-offline's group: esbuild's service (while it is up).
    const others = groupPids(stack.offlinePid).filter((pid) => pid !== stack.offlinePid);
    rss['esbuild (offline group)'] = others.reduce((sum, pid) => sum + rssOf(pid), 0);
    cpuS['esbuild (offline group)'] = others.reduce((sum, pid) => sum + cpuSecondsOf(pid), 0);
    samples.push({
      atS: Math.round((Date.now() - publishStarted) / 1000),
      load1: loadAverage(),
      machineBusyS: machineBusySeconds(),
      rss,
      cpuS,
    });
  };
  const operationsAtStart = stack.storeOperationCounts();
  sample();
  sampleTimer = setInterval(sample, MEMORY_EVERY_MS);
  publisher.send({ type: 'go' } satisfies PublisherCommand);
  const sent = await nextMessage<PublisherReport, 'sent'>(
    publisher,
    'sent',
    SECONDS * 1000 + CHILD_TIMEOUT_MS,
  );
  sample();
  const atPublishEnd = samples.at(-1) as Sample;
  console.log(
    `${sent.sent} frames sent in ${sent.publishMs} ms (at most ${sent.maxBehindMs} ms behind schedule); draining`,
  );

  // The drain: every subscriber process now knows every frame sent, and reports how many expected pairs arrived.
  const progress = new Map<ChildProcess, { delivered: number; expected: number }>();
  for (const child of subscriberProcesses) {
    child.on('message', (message: SubscriberReport) => {
      if (message.type === 'progress') progress.set(child, message);
    });
    child.send({ type: 'expect', total: sent.sent } satisfies SubscriberCommand);
  }
  const drainStarted = Date.now();
  const drained = () =>
    progress.size === subscriberProcesses.length &&
    [...progress.values()].every((p) => p.delivered >= p.expected);
  while (!drained() && Date.now() - drainStarted < DRAIN_MS)
    await new Promise((resolve) => setTimeout(resolve, 250));
  const drainMs = Date.now() - drainStarted;
  clearInterval(sampleTimer);
  sample();

  const finals = await Promise.all(
    subscriberProcesses.map((child) => {
      const final = nextMessage<SubscriberReport, 'final'>(child, 'final');
      child.send({ type: 'finish' } satisfies SubscriberCommand);
      return final;
    }),
  );
  const publisherFinal = nextMessage<PublisherReport, 'final'>(publisher, 'final');
  publisher.send({ type: 'finish' } satisfies PublisherCommand);
  const published = await publisherFinal;
  const operations = Object.fromEntries(
    Object.entries(stack.storeOperationCounts()).map(([op, n]) => [op, n - (operationsAtStart[op] ?? 0)]),
  );

  const counts = finals.reduce<DeliveryCounts>(
    (sum, f) => ({
      expected: sum.expected + f.counts.expected,
      delivered: sum.delivered + f.counts.delivered,
      lost: sum.lost + f.counts.lost,
      duplicated: sum.duplicated + f.counts.duplicated,
      unexpected: sum.unexpected + f.counts.unexpected,
    }),
    { expected: 0, delivered: 0, lost: 0, duplicated: 0, unexpected: 0 },
  );
  const latencies = finals.flatMap((f) => f.latencies).sort((a, b) => a - b);
  const errorFrames = finals.reduce((n, f) => n + f.errorFrames, published.errorFrames);
  const closedEarly = finals.reduce((n, f) => n + f.closedEarly, 0);
  const first = samples[0] as Sample;
  const last = samples.at(-1) as Sample;
  const cpuBetween = (from: Sample, to: Sample) =>
    Object.fromEntries(
      Object.keys(to.cpuS).map((name) => {
        const seconds = (to.cpuS[name] ?? 0) - (from.cpuS[name] ?? 0);
        return [
          name,
          { seconds: round(seconds, 1), cores: round(seconds / Math.max(1, to.atS - from.atS), 2) },
        ];
      }),
    );
  const dynaliteCpuS = (last.cpuS['dynalite+coordinator'] ?? 0) - (first.cpuS['dynalite+coordinator'] ?? 0);
  const offlineCpuS = (last.cpuS['serverless-offline'] ?? 0) - (first.cpuS['serverless-offline'] ?? 0);
  const queries = operations.Query ?? 0;
  const storeCalls = Object.values(operations).reduce((n, c) => n + c, 0);
  const mb = (bytes: number) => Math.round(bytes / 1e6);
  const result = {
    connections: shape.connections,
    topics: shape.topics,
    wildcardSubscribers: Array.from({ length: shape.connections }, (_, i) =>
      filterOf(shape, topics, i),
    ).filter((f) => f.includes('+') || f.includes('#')).length,
    matchingSubscribersPerFrame: matchingPerFrame(),
    targetRate: RATE,
    seconds: SECONDS,
    subscriberProcesses: SUBSCRIBER_PROCESSES,
    handlerLogLevel: LOG_LEVEL,
    connectMs,
    publishMs: sent.publishMs,
    publisherMaxBehindMs: sent.maxBehindMs,
    drainMs,
    framesSent: sent.sent,
    acks: published.acks,
    expectedDeliveries: counts.expected,
    delivered: counts.delivered,
    lost: counts.lost,
    duplicated: counts.duplicated,
    unexpected: counts.unexpected,
    closedEarly,
    deliveriesPerSecond: Math.round(counts.delivered / ((sent.publishMs + drainMs) / 1000)),
    latencyMs: {
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      max: latencies.at(-1) ?? 0,
    },
    loadAverage1m: { first: first.load1, max: Math.max(...samples.map((s) => s.load1)), last: last.load1 },
    /** CPU seconds and cores (seconds per second) of each process: while publishing, and over the whole run. */
    cpu: {
      whilePublishing: cpuBetween(first, atPublishEnd),
      wholeRun: cpuBetween(first, last),
      machineBusyCores: round(
        (last.machineBusyS - first.machineBusyS) / Math.max(1, last.atS - first.atS),
        2,
      ),
    },
    /** dynalite's CPU (the coordinator's, which is dynalite plus a little IPC) per publish and per store call. */
    dynalite: {
      operations,
      cpuMsPerPublish: round((dynaliteCpuS * 1000) / sent.sent, 2),
      cpuMsPerStoreCall: round((dynaliteCpuS * 1000) / Math.max(1, storeCalls), 3),
      queriesPerPublish: round(queries / sent.sent, 2),
    },
    offlineCpuMsPerDelivery: round((offlineCpuS * 1000) / Math.max(1, counts.delivered), 3),
    rssMb: Object.fromEntries(
      Object.keys(last.rss).map((name) => [
        name,
        {
          first: mb(first.rss[name] ?? 0),
          max: mb(Math.max(...samples.map((s) => s.rss[name] ?? 0))),
          last: mb(last.rss[name] ?? 0),
        },
      ]),
    ),
    handlerPosts: retriesIn(publishLines),
    handlerProblems: problems.length,
    firstProblems: problems.slice(0, 3),
    errorFrames,
    firstErrorFrames: [...published.firstErrorFrames, ...finals.flatMap((f) => f.firstErrorFrames)].slice(
      0,
      3,
    ),
    samples,
  };
  console.log(JSON.stringify({ ...result, samples: undefined }));
  await mkdir(OUT_DIR, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  await writeFile(path.join(OUT_DIR, `${stamp}.json`), `${JSON.stringify(result, null, 2)}\n`);
  const names = Object.keys(last.rss);
  await writeFile(
    path.join(OUT_DIR, `${stamp}.samples.csv`),
    `seconds,load1,${names.map((n) => `rss_bytes ${n}`).join(',')},${names.map((n) => `cpu_seconds ${n}`).join(',')}\n${samples
      .map((s) =>
        [s.atS, s.load1, ...names.map((n) => s.rss[n] ?? 0), ...names.map((n) => s.cpuS[n] ?? 0)].join(','),
      )
      .join('\n')}\n`,
  );
  await writeFile(
    path.join(OUT_DIR, `${stamp}.memory.svg`),
    memoryPlot(
      `RSS every ${MEMORY_EVERY_MS / 1000} s: ${shape.connections} connections, ${RATE} frames/s for ${SECONDS} s, then the drain`,
      samples.map((s) => s.atS),
      plotSeries(samples),
    ),
  );
  console.log(`report, samples and memory plot written to ${OUT_DIR}/${stamp}.*`);
  const clean = counts.lost === 0 && counts.duplicated === 0 && counts.unexpected === 0;
  process.exitCode = clean && errorFrames === 0 && closedEarly === 0 ? 0 : 1;
} finally {
  clearInterval(sampleTimer);
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill();
  await stack.stop();
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}

/** Matching subscribers of each topic, averaged over the frames (28 at 1,000 connections and 100 topics). */
function matchingPerFrame(): number {
  const filters = Array.from({ length: shape.connections }, (_, i) => filterOf(shape, topics, i));
  const perTopic = new Map(topics.map((t) => [t, filters.filter((f) => topicMatches(f, t)).length]));
  let total = 0;
  for (let k = 0; k < topics.length; k++) total += perTopic.get(frameOf(topics, k).topic) ?? 0;
  return round(total / topics.length, 1);
}

function plotSeries(points: readonly Sample[]): PlotSeries[] {
  const names = Object.keys(points.at(-1)?.rss ?? {});
  return names.map((name) => ({
    label: name,
    color: COLORS[name] ?? '#9467bd',
    values: points.map((p) => p.rss[name] ?? 0),
  }));
}
