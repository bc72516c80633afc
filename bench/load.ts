/**
 * Load run (issue 9, "Load"): N WebSocket connections (default 1,000) across T topics (default 100) with
 * exact and wildcard subscribers, P frames/s published (default 100) for S seconds (default 60; 300 is the
 * issue's 5 minutes), through the real local stack on 127.0.0.1. Counts every frame by id at every matching
 * subscriber (exactly once expected), error frames, delivery latency, and the memory of this process and
 * of serverless-offline every 5 s. Bounded: it stops by itself after S seconds plus a drain of at most 60 s.
 * Writes test-artifacts/load/<time>.json, a CSV of the memory curve and an SVG plot of it.
 * Run: npm run test:load -- [--connections 1000] [--topics 100] [--rate 100] [--seconds 60]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { startLocalStack } from '../cloud/local/stack.js';
import { FrameLedger } from '../cloud/tests/faults/support/ledger.js';
import { collectLine, type PublishLine, retriesIn } from '../cloud/tests/faults/support/stack-with-proxy.js';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '1000' },
    topics: { type: 'string', default: '100' },
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '60' },
  },
});
const CONNECTIONS = Number(values.connections);
const TOPICS = Number(values.topics);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
/** Topics are `load/<group>/<n>`, ten per group. */
const PER_GROUP = 10;
/** One subscriber in ten holds a wildcard: `load/<group>/+` (nine in ten of those) or `load/#`. */
const WILDCARD_EVERY = 10;
const CONNECT_WINDOW = 20;
const PUBLISHERS = 10;
const MEMORY_EVERY_MS = 5_000;
const DRAIN_MS = 60_000;
const OUT_DIR = path.resolve(import.meta.dirname, '../test-artifacts/load');
const CLOCK_TICKS_PER_SECOND = 100;

const topicOf = (n: number) =>
  `load/${Math.floor(n / PER_GROUP) % Math.ceil(TOPICS / PER_GROUP)}/${n % PER_GROUP}`;
const topics = Array.from({ length: TOPICS }, (_, n) => topicOf(n));

function filterOf(index: number): string {
  if (index % WILDCARD_EVERY !== WILDCARD_EVERY - 1) return topics[index % TOPICS] ?? 'load/0/0';
  const wildcardIndex = Math.floor(index / WILDCARD_EVERY);
  if (wildcardIndex % 10 === 9) return 'load/#';
  return `load/${wildcardIndex % Math.ceil(TOPICS / PER_GROUP)}/+`;
}

function matches(filter: string, topic: string): boolean {
  if (filter === 'load/#') return true;
  if (filter.endsWith('/+'))
    return topic.startsWith(filter.slice(0, -1)) && !topic.slice(filter.length - 1).includes('/');
  return filter === topic;
}

function rssOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** Every live process of a process group (serverless-offline leads its own, with esbuild's service in it). */
function groupPids(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === pgid) pids.push(Number(entry));
    } catch {
      // The process ended while we read.
    }
  }
  return pids;
}

/** CPU seconds (user + system) a process has used, from /proc. */
function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

const started = Date.now();
const publishLines: PublishLine[] = [];
const problems: string[] = [];
const stack = await startLocalStack({
  logLevel: 'info',
  log: (line) => collectLine(line, publishLines, problems),
});
const ledger = new FrameLedger('load');
const sockets: WebSocket[] = [];
const latencies: number[] = [];
const errorFrames: string[] = [];
/**
 * One sample: the load process (the subscribers, the publishers and dynalite, which runs in it) and every process
 * of serverless-offline's group (serverless with the handlers in it; esbuild's service when it is still up).
 */
const memory: Array<{
  atS: number;
  benchRss: number;
  /** serverless-offline itself (the group's leader). */
  offlineRss: number;
  /** The group's other processes together (esbuild's service). */
  offlineOthersRss: number;
  offlineProcesses: number;
}> = [];
const filters: string[] = [];
let memoryTimer: NodeJS.Timeout | undefined;
try {
  console.log(`stack up in ${Date.now() - started} ms; opening ${CONNECTIONS} connections`);
  const connectStarted = Date.now();
  for (let i = 0; i < CONNECTIONS; i += CONNECT_WINDOW) {
    await Promise.all(
      Array.from({ length: Math.min(CONNECT_WINDOW, CONNECTIONS - i) }, async (_, k) => {
        const index = i + k;
        const filter = filterOf(index);
        filters[index] = filter;
        const socket = await open(`${stack.wsUrl}?topicName=${encodeURIComponent(filter)}`);
        const name = `sub-${index}`;
        socket.on('message', (data) => {
          const frame = JSON.parse(String(data)) as Record<string, unknown>;
          if (frame.type === 'error') errorFrames.push(String(data));
          if (typeof frame.id !== 'string' || frame.type !== undefined) return;
          ledger.receive(name, frame.id);
          const sentAt = (frame.message as { sentAt?: number } | undefined)?.sentAt;
          if (typeof sentAt === 'number') latencies.push(Date.now() - sentAt);
        });
        sockets.push(socket);
      }),
    );
  }
  const connectMs = Date.now() - connectStarted;
  console.log(
    `${CONNECTIONS} connections open in ${connectMs} ms; publishing ${RATE} frames/s for ${SECONDS} s`,
  );
  const subscribersOf = new Map(
    topics.map((topic) => [
      topic,
      filters.flatMap((filter, index) => (matches(filter, topic) ? [`sub-${index}`] : [])),
    ]),
  );

  const publishers = await Promise.all(Array.from({ length: PUBLISHERS }, () => open(stack.wsUrl)));
  let acks = 0;
  for (const publisher of publishers) {
    publisher.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Record<string, unknown>;
      if (frame.type === 'ack') acks++;
      else if (frame.type === 'error') errorFrames.push(String(data));
    });
  }
  const publishStarted = Date.now();
  const sample = () => {
    const pids = groupPids(stack.offlinePid);
    memory.push({
      atS: Math.round((Date.now() - publishStarted) / 1000),
      benchRss: process.memoryUsage().rss,
      offlineRss: rssOf(stack.offlinePid),
      offlineOthersRss: pids
        .filter((pid) => pid !== stack.offlinePid)
        .reduce((sum, pid) => sum + rssOf(pid), 0),
      offlineProcesses: pids.length,
    });
  };
  const cpuAtStart = { bench: process.cpuUsage(), offline: cpuSecondsOf(stack.offlinePid) };
  sample();
  memoryTimer = setInterval(sample, MEMORY_EVERY_MS);
  // Frame k goes out at publishStarted + k / RATE s, round-robin over the publishers and the topics.
  const total = RATE * SECONDS;
  for (let k = 0; k < total; k++) {
    const due = publishStarted + (k * 1000) / RATE;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const topic = topics[(k * 7) % TOPICS] ?? 'load/0/0';
    const id = `load-${k}`;
    ledger.expect(id, subscribersOf.get(topic) ?? []);
    publishers[k % PUBLISHERS]?.send(JSON.stringify({ topic, id, message: { k, sentAt: Date.now() } }));
  }
  const publishMs = Date.now() - publishStarted;
  const drainStarted = Date.now();
  while (ledger.deliveredPairs() < ledger.expectedPairs() && Date.now() - drainStarted < DRAIN_MS) {
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  clearInterval(memoryTimer);
  sample();
  const benchCpu = process.cpuUsage(cpuAtStart.bench);
  const cpuSeconds = {
    offline: Number((cpuSecondsOf(stack.offlinePid) - cpuAtStart.offline).toFixed(1)),
    load: Number(((benchCpu.user + benchCpu.system) / 1e6).toFixed(1)),
  };
  const report = ledger.report(null);
  const sorted = [...latencies].sort((a, b) => a - b);
  const result = {
    connections: CONNECTIONS,
    topics: TOPICS,
    wildcardSubscribers: filters.filter((filter) => filter.includes('+') || filter.includes('#')).length,
    targetRate: RATE,
    seconds: SECONDS,
    connectMs,
    publishMs,
    drainMs: Date.now() - drainStarted,
    framesSent: report.sent,
    acks,
    expectedDeliveries: report.expected,
    delivered: report.delivered,
    lost: report.lost,
    duplicated: report.duplicated,
    unexpected: report.unexpected,
    deliveriesPerSecond: Math.round(report.delivered / ((publishMs + Date.now() - drainStarted) / 1000)),
    latencyMs: { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.at(-1) ?? 0 },
    cpuSeconds,
    rssMb: {
      othersInOfflineGroupMax: Math.round(Math.max(...memory.map((m) => m.offlineOthersRss)) / 1e6),
      offlineFirst: Math.round((memory[0]?.offlineRss ?? 0) / 1e6),
      offlineMax: Math.round(Math.max(...memory.map((m) => m.offlineRss)) / 1e6),
      offlineLast: Math.round((memory.at(-1)?.offlineRss ?? 0) / 1e6),
      loadFirst: Math.round((memory[0]?.benchRss ?? 0) / 1e6),
      loadMax: Math.round(Math.max(...memory.map((m) => m.benchRss)) / 1e6),
      loadLast: Math.round((memory.at(-1)?.benchRss ?? 0) / 1e6),
    },
    handlerPosts: retriesIn(publishLines),
    handlerProblems: problems.length,
    firstProblems: problems.slice(0, 3),
    errorFrames: errorFrames.length,
    firstErrorFrames: errorFrames.slice(0, 3),
    memory,
  };
  console.log(JSON.stringify({ ...result, memory: undefined }));
  await mkdir(OUT_DIR, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  await writeFile(path.join(OUT_DIR, `${stamp}.json`), `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(
    path.join(OUT_DIR, `${stamp}.memory.csv`),
    `seconds,load_process_rss_bytes,offline_rss_bytes,offline_group_others_rss_bytes,offline_group_processes\n${memory.map((m) => `${m.atS},${m.benchRss},${m.offlineRss},${m.offlineOthersRss},${m.offlineProcesses}`).join('\n')}\n`,
  );
  await writeFile(path.join(OUT_DIR, `${stamp}.memory.svg`), memoryPlot(memory));
  console.log(`report and memory curve written to ${OUT_DIR}/${stamp}.*`);
  process.exitCode = report.lost === 0 && report.duplicated === 0 && errorFrames.length === 0 ? 0 : 1;
} finally {
  clearInterval(memoryTimer);
  for (const socket of sockets) socket.terminate();
  await stack.stop();
}

/**
 * An SVG line plot of the RSS curves (MB over seconds since the first publish, with the axes labelled), so the
 * curve can go into a doc as is: serverless-offline, the other processes of its group (esbuild's service), and
 * the load process (the subscribers, the publishers and dynalite).
 */
function memoryPlot(points: typeof memory): string {
  const width = 680;
  const height = 280;
  const left = 56;
  const right = 20;
  const top = 40;
  const bottom = 40;
  const maxS = Math.max(1, ...points.map((p) => p.atS));
  const peakMb = Math.max(1, ...points.flatMap((p) => [p.benchRss, p.offlineRss, p.offlineOthersRss])) / 1e6;
  const stepMb = peakMb > 1_000 ? 500 : peakMb > 400 ? 200 : 100;
  const maxMb = Math.ceil(peakMb / stepMb) * stepMb;
  const stepS = maxS > 600 ? 120 : maxS > 120 ? 60 : maxS > 40 ? 10 : 5;
  const x = (s: number) => left + (s / maxS) * (width - left - right);
  const y = (mb: number) => height - bottom - (mb / maxMb) * (height - top - bottom);
  const line = (pick: (p: (typeof points)[number]) => number) =>
    points.map((p) => `${x(p.atS).toFixed(1)},${y(pick(p) / 1e6).toFixed(1)}`).join(' ');
  const yTicks = Array.from({ length: maxMb / stepMb + 1 }, (_, k) => k * stepMb)
    .map(
      (mb) =>
        `<line x1="${left - 4}" y1="${y(mb)}" x2="${width - right}" y2="${y(mb)}" stroke="#ddd"/><text x="${left - 8}" y="${y(mb) + 4}" text-anchor="end">${mb}</text>`,
    )
    .join('\n');
  const xTicks = Array.from({ length: Math.floor(maxS / stepS) + 1 }, (_, k) => k * stepS)
    .map((s) => `<text x="${x(s)}" y="${height - bottom + 16}" text-anchor="middle">${s}</text>`)
    .join('\n');
  const legend = [
    ['#1f77b4', 'serverless-offline (handlers in-process)'],
    ['#2ca02c', "its group's other processes (esbuild)"],
    ['#ff7f0e', 'load process (clients, publishers, dynalite)'],
  ]
    .map(
      ([color, label], k) =>
        `<rect x="${left + k * 205}" y="22" width="10" height="10" fill="${color}"/><text x="${left + 14 + k * 205}" y="31">${label}</text>`,
    )
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">
<title>Memory (RSS) of every process during the load run</title>
<rect width="100%" height="100%" fill="white"/>
<text x="${left}" y="14">RSS in MB, every ${MEMORY_EVERY_MS / 1000} s, against seconds since the first publish (${CONNECTIONS} connections, ${RATE} frames/s for ${SECONDS} s)</text>
${legend}
${yTicks}
${xTicks}
<line x1="${left}" y1="${height - bottom}" x2="${width - right}" y2="${height - bottom}" stroke="black"/>
<line x1="${left}" y1="${top}" x2="${left}" y2="${height - bottom}" stroke="black"/>
<text x="${(left + width - right) / 2}" y="${height - 6}" text-anchor="middle">seconds</text>
<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="${line((p) => p.offlineRss)}"/>
<polyline fill="none" stroke="#2ca02c" stroke-width="2" points="${line((p) => p.offlineOthersRss)}"/>
<polyline fill="none" stroke="#ff7f0e" stroke-width="2" points="${line((p) => p.benchRss)}"/>
</svg>
`;
}
