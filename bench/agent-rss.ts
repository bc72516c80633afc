/**
 * Bench: the agent's resident memory (RSS) idle and under load, measured on the single-file bundle exactly as a
 * gateway runs it (`node dist/device-agent.mjs run`), against the local stack. Readings come in through the
 * agent's stdin input at a fixed rate, faster than the local stack drains them, so the disk backlog grows.
 * RSS is read from /proc/<pid>/status; counters from the agent's own /metrics.
 * Run: npm run build -w device-agent && npx tsx bench/agent-rss.ts [readingsPerSecond] [seconds]
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findFreePort as freePort } from '../cloud/local/free-port.js';
import { startLocalStack } from '../cloud/local/stack.js';

const rate = Number(process.argv[2] ?? 500);
const seconds = Number(process.argv[3] ?? 30);
const bundle = path.resolve(import.meta.dirname, '../device-agent/dist/device-agent.mjs');
if (!existsSync(bundle)) throw new Error('build the bundle first: npm run build -w device-agent');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** VmRSS, and RssAnon: the process's private memory, without the node binary's file-backed (shared) pages. */
async function rssMB(pid: number): Promise<{ rss: number; anon: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kB = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1]) / 1024;
  return { rss: kB('VmRSS'), anon: kB('RssAnon') };
}
async function metric(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
}

const dir = await mkdtemp(path.join(tmpdir(), 'agent-rss-'));
const stack = await startLocalStack({ logLevel: 'warn' });
try {
  const healthPort = await freePort();
  const config = path.join(dir, 'agent.yaml');
  await writeFile(
    config,
    `bridge:\n  url: ${stack.wsUrl}\nstate:\n  dir: ${dir}/state\nlog:\n  level: warn\nhealth:\n  enabled: true\n  port: ${healthPort}\ninputs:\n  - type: stdin\n    topic: bench/rss\n`,
  );
  const child = spawn(process.execPath, [bundle, 'run', '--config', config], {
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  await sleep(5000);
  const idle = await rssMB(child.pid as number);
  const peak = { ...idle };
  let sent = 0;
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    const tick = Date.now();
    let lines = '';
    for (let i = 0; i < rate / 10; i++)
      lines += `${JSON.stringify({ topic: 'bench/rss', message: { n: sent++, v: Math.random(), unit: '°C' } })}\n`;
    child.stdin.write(lines);
    const now = await rssMB(child.pid as number);
    peak.rss = Math.max(peak.rss, now.rss);
    peak.anon = Math.max(peak.anon, now.anon);
    await sleep(Math.max(0, 100 - (Date.now() - tick)));
  }
  await sleep(1000);
  const read = await metric(healthPort, 'device_agent_readings_read_total');
  const acked = await metric(healthPort, 'device_agent_frames_acked_total');
  const backlog = await metric(healthPort, 'device_agent_queue_depth');
  const backlogBytes = await metric(healthPort, 'device_agent_queue_bytes');
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  console.log(
    JSON.stringify({
      bench: 'agent-rss',
      readingsPerSecond: rate,
      seconds,
      idleRssMB: +idle.rss.toFixed(1),
      idleAnonMB: +idle.anon.toFixed(1),
      loadPeakRssMB: +peak.rss.toFixed(1),
      loadPeakAnonMB: +peak.anon.toFixed(1),
      written: sent,
      read,
      acked,
      backlog,
      backlogMB: +(backlogBytes / 1048576).toFixed(2),
    }),
  );
} finally {
  await stack.stop();
  await rm(dir, { recursive: true, force: true });
}
