/**
 * Bench: the agent's resident memory (RSS) idle and under load, in its own process against the local stack.
 * Idle: connected, no readings, after settling. Load: readings at a fixed rate for a while, faster than the
 * local stack drains them, so the disk backlog grows; the peak RSS is reported with the backlog reached.
 * Run: npx tsx bench/agent-rss.ts [readingsPerSecond] [seconds]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startLocalStack } from '../cloud/local/stack.js';
import { agentConfig, testAgent } from '../device-agent/tests/support/agent-harness.js';

const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

if (process.argv[2] === 'child') {
  const [, , , url, dir, rateText, secondsText] = process.argv;
  const agent = testAgent(
    await agentConfig({ 'bridge-url': url as string, 'state-dir': dir as string, 'device-id': 'rss' }),
  );
  await agent.start();
  await sleep(5000);
  global.gc?.();
  const idleRss = process.memoryUsage().rss;
  const rate = Number(rateText);
  let peakRss = idleRss;
  let emitted = 0;
  const end = Date.now() + Number(secondsText) * 1000;
  while (Date.now() < end) {
    const tick = Date.now();
    const batch = Array.from({ length: rate / 10 }, () =>
      agent.emit({ topic: 'bench/rss', message: { n: emitted++, v: Math.random(), unit: '°C' } }),
    );
    await Promise.all(batch);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    await sleep(Math.max(0, 100 - (Date.now() - tick)));
  }
  const snapshot = agent.snapshot();
  console.log(
    JSON.stringify({
      idleRssMB: +(idleRss / MB).toFixed(1),
      loadPeakRssMB: +(peakRss / MB).toFixed(1),
      emitted,
      acked: snapshot.counters.acked,
      backlog: snapshot.queue.depth,
      backlogMB: +(snapshot.queue.bytes / MB).toFixed(1),
    }),
  );
  await agent.stop();
  process.exit(0);
}

const rate = process.argv[2] ?? '500';
const seconds = process.argv[3] ?? '30';
const dir = await mkdtemp(path.join(tmpdir(), 'agent-rss-'));
const stack = await startLocalStack({ logLevel: 'warn' });
try {
  const child = spawn(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', import.meta.filename, 'child', stack.wsUrl, dir, rate, seconds],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  await new Promise((resolve) => child.once('exit', resolve));
  console.log(
    JSON.stringify({
      bench: 'agent-rss',
      readingsPerSecond: Number(rate),
      seconds: Number(seconds),
      ...JSON.parse(output.trim().split('\n').at(-1) as string),
    }),
  );
} finally {
  await stack.stop();
  await rm(dir, { recursive: true, force: true });
}
