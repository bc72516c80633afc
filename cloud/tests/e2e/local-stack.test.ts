import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT_BAD_SETTINGS, main } from '../../../scripts/start.js';
import { findFreePortForLater, isPortFree } from '../../local/free-port.js';
import { SERVICE_DIR } from '../../local/service-copy.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { STACK_START_TIMEOUT_MS } from './support/bridge-context.js';
import { tableAccess } from './support/table.js';
import { openClient, type TestClient } from './support/test-client.js';

/**
 * Runs a printed `curl …` command through the shell, as pasted; where curl is not installed, makes the same
 * request with fetch from the command's URL, headers and body (single-quoted, as printed). Returns the JSON answer.
 */
async function runPrinted(command: string): Promise<unknown> {
  if (await hasCurl()) {
    const { stdout } = await promisify(execFile)('sh', ['-c', command]);
    return JSON.parse(stdout);
  }
  const url = /^curl -sS (\S+)/.exec(command)?.[1] ?? '';
  const headers = [...command.matchAll(/-H '([^':]+): ([^']*)'/g)].map(([, name, value]) => [
    name ?? '',
    value ?? '',
  ]);
  const body = /-d '([^']*)'$/.exec(command)?.[1];
  const answer = await fetch(url, { method: 'POST', headers: Object.fromEntries(headers), body });
  return answer.json();
}

function hasCurl(): Promise<boolean> {
  return promisify(execFile)('sh', ['-c', 'command -v curl']).then(
    () => true,
    () => false,
  );
}

const processIsGone = (pid: number) => {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
};

describe('the local stack', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  it(
    'restarts on the same port with its data kept on disk; the next publish removes rows of lost connections',
    async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'topic-bridge-data-'));
      cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
      // Outside the OS's ephemeral range, so that nothing else can take it while the stack is down.
      const wsPort = await findFreePortForLater();
      const topic = `outage-${wsPort}`;

      const first: LocalStack = await startLocalStack({ wsPort, dataDir });
      cleanups.push(() => first.stop());
      const lost: TestClient = await openClient(`${first.wsUrl}?topicName=${topic}`);
      cleanups.push(() => lost.close());
      await first.stop();
      expect(processIsGone(first.offlinePid)).toBe(true);
      expect(await isPortFree(wsPort)).toBe(true);

      const second = await startLocalStack({ wsPort, dataDir });
      cleanups.push(() => second.stop());
      expect(second.wsUrl).toBe(first.wsUrl);
      const table = tableAccess(second);
      cleanups.push(async () => table.close());
      const [lostRow] = await table.rowsWithFilters(topic);
      expect(lostRow?.topicFilter).toBe(topic);

      const subscriber = await openClient(`${second.wsUrl}?topicName=${topic}`);
      cleanups.push(() => subscriber.close());
      const raw = JSON.stringify({ topic, message: 'after the outage', id: 'o1' });
      expect(await subscriber.request(raw)).toEqual(JSON.parse(raw));
      await subscriber.waitForFrames(2);
      expect(JSON.parse(subscriber.frames[1] ?? '')).toEqual({
        type: 'ack',
        id: 'o1',
        delivered: 1,
        // The lost connection's row is found too (then answered 410 and deleted): two subscribers.
        subscribers: 2,
        queued: 0,
      });
      expect(await table.rowsOf(lostRow?.connectionId ?? '')).toEqual([]);
    },
    2 * STACK_START_TIMEOUT_MS,
  );

  it('npm start: refuses a bad setting with a message naming it and exit code 2', async () => {
    const errors: string[] = [];
    const out = { info: () => undefined, error: (line: string) => errors.push(line) };
    expect(await main({ TOPIC_BRIDGE_WS_PORT: '70000' }, out)).toBe(EXIT_BAD_SETTINGS);
    expect(await main({ TOPIC_BRIDGE_ON_MESSAGE: 'fast' }, out)).toBe(EXIT_BAD_SETTINGS);
    expect(errors).toEqual([
      'npm start: TOPIC_BRIDGE_WS_PORT must be a port number from 1 to 65535; got "70000".',
      'npm start: TOPIC_BRIDGE_ON_MESSAGE must be "query" (topic index) or "scan" (whole table); got "fast".',
    ]);
  });

  it(
    'npm start: prints a ready block then summaries (no per-publish line at info), serves the bridge, the dashboard and live demo data, and stops cleanly on SIGINT with the ports released',
    async () => {
      const wsPort = await findFreePortForLater();
      const dashboardPort = await findFreePortForLater();
      const httpPort = await findFreePortForLater();
      const secretDir = await mkdtemp(join(tmpdir(), 'topic-bridge-secret-'));
      cleanups.push(() => rm(secretDir, { recursive: true, force: true }));
      const secretFile = join(secretDir, 'dev-secret');
      const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
        cwd: SERVICE_DIR,
        env: {
          ...process.env,
          TOPIC_BRIDGE_WS_PORT: String(wsPort),
          TOPIC_BRIDGE_DASHBOARD_PORT: String(dashboardPort),
          TOPIC_BRIDGE_HTTP_PORT: String(httpPort),
          TOPIC_BRIDGE_ON_MESSAGE: 'scan',
          TOPIC_BRIDGE_SECRET_FILE: secretFile,
          // A summary every second instead of every minute, so that one shows up during the test.
          TOPIC_BRIDGE_SUMMARY_SECONDS: '1',
          TOPIC_BRIDGE_LOG_LEVEL: '',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const exited = once(child, 'exit');
      cleanups.push(async () => {
        if (child.exitCode === null) child.kill('SIGKILL');
      });
      let stdout = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
      });
      const url = `ws://127.0.0.1:${wsPort}`;
      await expect
        .poll(() => stdout, { timeout: STACK_START_TIMEOUT_MS, interval: 200 })
        .toContain('ready on');
      await expect.poll(() => stdout, { timeout: 5_000, interval: 100 }).toContain('From now on:');
      const lines = stdout.split('\n');
      expect(lines.slice(0, 2)).toEqual([
        `topic-bridge: created a development secret in ${secretFile} (kept and reused; delete it to revoke every local token)`,
        'topic-bridge: the development token below grants everything for 30 days; narrower ones: npm run -s token -- --help',
      ]);
      const token = /^ {2}token +(\S+)$/.exec(lines[4] ?? '')?.[1] ?? '';
      expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      const publishUrl = `http://127.0.0.1:${httpPort}/publish`;
      expect(lines.slice(2, 10)).toEqual([
        `topic-bridge ready on ${url} (onMessage=scan, DynamoDB in memory, simulated sensors publishing under demo/)`,
        `  bridge        ${url}`,
        `  token         ${token}`,
        `  dashboard     http://127.0.0.1:${dashboardPort}/?token=${token}`,
        `  try it        connect any WebSocket client to ${url}/?topicName=demo&token=${token} and send {"topic":"demo","message":"hello","id":"1"}`,
        `  http publish  curl -sS ${publishUrl} -H 'Authorization: Bearer ${token}' -H 'Content-Type: application/json' -d '{"topic":"demo","message":"hello over HTTP","id":"2"}'`,
        '  stop          Ctrl-C',
        'From now on: a summary every 1 s and every warning or error as it happens (TOPIC_BRIDGE_LOG_LEVEL=debug shows every publish).',
      ]);
      expect((await stat(secretFile)).mode & 0o777).toBe(0o600);
      // Without the token, the bridge refuses the handshake (401).
      await expect(openClient(`${url}?topicName=demo`)).rejects.toThrow(/401/);

      const page = await fetch(`http://127.0.0.1:${dashboardPort}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>');
      const config = await (await fetch(`http://127.0.0.1:${dashboardPort}/config.json`)).json();
      expect(config).toEqual({ bridgeUrl: url, topics: ['demo/#'] });

      // The simulated agent publishes under demo/ once a second per sensor, stamped with its device id.
      const watcher = await openClient(
        `${url}?topicName=${encodeURIComponent('demo/+/temperature')}&token=${token}`,
      );
      const [first] = await watcher.waitForFrames(1);
      const reading = JSON.parse(first ?? 'null') as Record<string, unknown>;
      expect(reading.topic).toMatch(/^demo\/(greenhouse|office)\/temperature$/);
      expect(reading.device).toBe('demo-gateway');
      expect(reading.message).toEqual({ value: expect.any(Number), unit: '°C' });
      await watcher.close();

      const client = await openClient(`${url}?topicName=demo&token=${token}`);
      const frame = '{"topic":"demo","message":"hello","id":"1"}';
      expect(await client.request(frame)).toEqual(JSON.parse(frame));
      await client.waitForFrames(2);

      // The printed curl command, as a person would paste it: the subscriber receives its frame.
      const curl = /^ {2}http publish +(curl .+)$/.exec(lines[7] ?? '')?.[1] ?? '';
      expect(await runPrinted(curl)).toEqual({
        results: [{ id: '2', delivered: 1, subscribers: 1, queued: 0 }],
      });
      expect((await client.waitForFrames(3))[2]).toBe(
        '{"topic":"demo","message":"hello over HTTP","id":"2"}',
      );
      await client.close();

      // The publishes above (the demo's and ours) show up in a summary line, never one line each.
      await expect
        .poll(() => stdout, { timeout: 10_000, interval: 100 })
        .toMatch(/^topic-bridge, last \d+ s: [1-9]\d* publish(es)?, [1-9]\d* deliver(y|ies), /m);
      // After the ready block, until Ctrl-C: summary lines only, no handler line at info.
      const outputLines = stdout.split('\n');
      const blockEnd = outputLines.findIndex((line) => line.startsWith('From now on:')) + 1;
      const afterBlock = outputLines.slice(blockEnd).filter((line) => line !== '');
      expect(afterBlock.filter((line) => !line.startsWith('topic-bridge, last '))).toEqual([]);

      child.kill('SIGINT');
      const [code] = await exited;
      expect(code).toBe(0);
      expect(stdout).toContain('topic-bridge: stopped.');
      expect(await isPortFree(wsPort)).toBe(true);
      expect(await isPortFree(dashboardPort)).toBe(true);
      expect(await isPortFree(httpPort)).toBe(true);
    },
    STACK_START_TIMEOUT_MS,
  );
});
