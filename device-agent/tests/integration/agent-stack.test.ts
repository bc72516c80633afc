import { spawn } from 'node:child_process';
import path from 'node:path';
import { connect } from '@topic-bridge/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type LocalStack, startLocalStack } from '../../../cloud/local/stack.js';
import type { Agent } from '../../src/agent.js';
import { agentConfig, gatedWebSocket, recordingSubscriber, testAgent } from '../support/agent-harness.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/temp-dir.js';

const SUPPORT = path.resolve(import.meta.dirname, '../support');

/**
 * Every reading goes through serverless-offline (a Lambda invocation, a DynamoDB query, a post, an ack): about
 * 5 a second on a 2-core machine at load 30, so these counts decide how long a run takes. A few hundred show
 * an outage or a crash losing nothing as well as thousands would.
 */
const OUTAGE_READINGS = 400;
/** Of which this many are read before the outage… */
const READ_BEFORE_OUTAGE = 120;
/** …and this many reach the subscriber before the stack is stopped, so that the outage cuts a flowing stream. */
const DELIVERED_BEFORE_OUTAGE = 20;
/** Readings the crashing agent child reads, and how many it must have confirmed before it is killed. */
const CRASH_READINGS = 300;
const CONFIRMED_BEFORE_KILL = 200;

/**
 * A wait not under test: only a failing run waits it out. At 5 readings a second a backlog of a few hundred
 * drains in a minute or two, and each restart of the stack takes 20 s or more on a loaded machine; the two
 * long tests below are given 300 s for the same reason (80 s for the outage at load 30 with 2 busy loops).
 */
const DRAIN_TIMEOUT_MS = 180_000;

/** History is kept for these topics only (the subscribe --history case); other topics are unaffected. */
const STACK_HISTORY = { topics: ['cli-history/#'] };

/** Waits on real time (these tests use no fake timers). */
async function waitFor(condition: () => boolean, what: string, timeoutMs = DRAIN_TIMEOUT_MS): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('device agent against the real local stack (serverless-offline + dynalite)', () => {
  let stack: LocalStack;
  const cleanups: (() => Promise<void> | void)[] = [];

  beforeAll(async () => {
    stack = await startLocalStack({ history: STACK_HISTORY });
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('publish waits for the ack, and subscribe prints each frame as one JSON line', async () => {
    const controller = new AbortController();
    cleanups.push(() => controller.abort());
    let ready = false;
    const subscriber = runCli(['subscribe', '--url', stack.wsUrl, '--topic', 'cli/+', '--count', '2'], {
      signal: controller.signal,
      onStderr: (text) => {
        ready ||= text.includes('subscribed');
      },
    });
    await waitFor(() => ready, 'subscriber ready');
    const first = await runCli([
      'publish',
      '--url',
      stack.wsUrl,
      '--topic',
      'cli/a',
      '--message',
      '{"c":21.5}',
      '--id',
      'p1',
    ]);
    expect(first).toEqual({ code: 0, stdout: '{"id":"p1","delivered":1}\n', stderr: '' });
    const second = await runCli(['publish', '--url', stack.wsUrl, '--topic', 'cli/b', '--id', 'p2'], {
      stdin: '"from stdin"\n',
    });
    expect(second).toEqual({ code: 0, stdout: '{"id":"p2","delivered":1}\n', stderr: '' });
    const result = await subscriber;
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      '{"topic":"cli/a","message":{"c":21.5},"id":"p1"}\n{"topic":"cli/b","message":"from stdin","id":"p2"}\n',
    );
  });

  it('subscribe prints the retained value of each matching topic first, marked "replay":"retained"', async () => {
    const publisher = connect({ url: stack.wsUrl, WebSocket });
    cleanups.push(() => publisher.close());
    await publisher.publish('cli-retained/door', 'closed', { id: 'rv-1', retain: true });
    const run = await runCli([
      'subscribe',
      '--url',
      stack.wsUrl,
      '--topic',
      'cli-retained/+',
      '--count',
      '1',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n').map((line) => (line === '' ? line : JSON.parse(line)))).toEqual([
      { topic: 'cli-retained/door', message: 'closed', id: 'rv-1', retain: true, replay: 'retained' },
      '',
    ]);
    expect(run.stdout).toMatch(/,"replay":"retained"\}\n$/);
  });

  it('subscribe --history N prints the N newest stored frames first, oldest first, marked "replay":"history"', async () => {
    const publisher = connect({ url: stack.wsUrl, WebSocket });
    cleanups.push(() => publisher.close());
    for (const i of [1, 2, 3, 4]) await publisher.publish(`cli-history/s${i % 2}`, i, { id: `hv-${i}` });
    const run = await runCli([
      'subscribe',
      '--url',
      stack.wsUrl,
      '--topic',
      'cli-history/+',
      '--history',
      '3',
      '--count',
      '3',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      [2, 3, 4]
        .map((i) => `{"topic":"cli-history/s${i % 2}","message":${i},"id":"hv-${i}","replay":"history"}\n`)
        .join(''),
    );
  });

  it('an outage: the stack stops while readings are read; after it restarts a subscriber gets every one', async () => {
    const { dir, remove } = await tempDir('outage');
    cleanups.push(remove);
    const { WebSocket, gate } = gatedWebSocket();
    const config = await agentConfig({
      'bridge-url': stack.wsUrl,
      'state-dir': dir,
      'device-id': 'outage',
      'queue-fsync-interval-ms': '10',
      'delivery-pace-frames-per-second': '500',
      'bridge-backoff-max-ms': '1000',
    });
    const beforeOutage = await recordingSubscriber(stack.wsUrl, 'outage/#');
    cleanups.push(() => beforeOutage.close());
    const agent: Agent = testAgent(config, WebSocket);
    cleanups.push(() => agent.stop());
    await agent.start();
    const emitRange = async (from: number, to: number) => {
      for (let i = from; i < to; i += 20) {
        const batch = Array.from({ length: Math.min(20, to - i) }, (_, k) =>
          agent.emit({ topic: `outage/s${(i + k) % 3}`, message: { i: i + k } }),
        );
        expect((await Promise.all(batch)).every((r) => r.accepted)).toBe(true);
      }
    };
    await emitRange(0, READ_BEFORE_OUTAGE);
    await waitFor(
      () => beforeOutage.frames.length >= DELIVERED_BEFORE_OUTAGE,
      'frames flowing before the outage',
    );
    const port = stack.wsPort;
    await stack.stop();
    gate.open = false;
    await emitRange(READ_BEFORE_OUTAGE, OUTAGE_READINGS);
    stack = await startLocalStack({ wsPort: port, history: STACK_HISTORY });
    // The test's subscriber reconnects first; only then may the agent reach the bridge again.
    const afterOutage = await recordingSubscriber(stack.wsUrl, 'outage/#');
    cleanups.push(() => afterOutage.close());
    gate.open = true;
    await waitFor(() => agent.snapshot().queue.depth === 0, 'backlog drained');
    // The agent's last ack and the subscriber's last frame travel on two different sockets: the ack may be read
    // first. A marker published after the last ack reaches the subscriber on its own socket after every frame
    // posted to it before, so once the marker is in, every delivered reading is in too.
    const marker = await runCli([
      'publish',
      '--url',
      stack.wsUrl,
      '--topic',
      'outage/end',
      '--message',
      '"end"',
      '--id',
      'end',
    ]);
    expect(marker).toEqual({ code: 0, stdout: '{"id":"end","delivered":1}\n', stderr: '' });
    await waitFor(() => afterOutage.frames.some((f) => f.id === 'end'), 'the end marker');
    const readings = afterOutage.frames.filter((f) => f.id !== 'end');
    expect(readings.length).toBe(afterOutage.frames.length - 1);
    const frames = [...beforeOutage.frames, ...readings];
    expect(new Set(frames.map((f) => f.id))).toEqual(
      new Set(Array.from({ length: OUTAGE_READINGS }, (_, seq) => `outage-${seq}`)),
    );
    // A duplicate, if any, is the same reading: same id, same seq, same message.
    for (const frame of frames) expect(frame.id).toBe(`outage-${frame.seq}`);
    for (const frame of frames) expect(frame.message).toEqual({ i: frame.seq });
    expect(agent.snapshot().counters).toMatchObject({ read: OUTAGE_READINGS, dropped: 0, rejected: 0 });
  }, 300_000);

  it('kill -9 of an agent with a backlog on disk, then a restart: nothing it accepted is lost', async () => {
    const { dir, remove } = await tempDir('agent-crash');
    cleanups.push(remove);
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(SUPPORT, 'agent-child.ts'),
        dir,
        'ws://127.0.0.1:9',
        String(CRASH_READINGS),
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    cleanups.push(() => void child.kill('SIGKILL'));
    const confirmed: number[] = [];
    let buffered = '';
    await new Promise<void>((resolve, reject) => {
      child.once('exit', () => reject(new Error('the agent child exited early')));
      child.stdout?.on('data', (chunk: Buffer) => {
        const lines = (buffered + chunk.toString()).split('\n');
        buffered = lines.pop() as string;
        for (const line of lines) if (/^\d+$/.test(line)) confirmed.push(Number(line));
        if (confirmed.length >= CONFIRMED_BEFORE_KILL && child.exitCode === null) {
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)));
    const subscriber = await recordingSubscriber(stack.wsUrl, 'crash/#');
    cleanups.push(() => subscriber.close());
    const config = await agentConfig({
      'bridge-url': stack.wsUrl,
      'state-dir': dir,
      'device-id': 'crash',
      'delivery-pace-frames-per-second': '0',
    });
    const agent = testAgent(config);
    cleanups.push(() => agent.stop());
    await agent.start();
    const backlog = agent.snapshot().queue.depth;
    expect(backlog).toBeGreaterThanOrEqual(confirmed.length);
    await waitFor(() => agent.snapshot().queue.depth === 0, 'backlog drained');
    const received = new Set(subscriber.frames.map((f) => (f.message as { i: number }).i));
    expect(confirmed.filter((i) => !received.has(i))).toEqual([]);
    expect(received.size).toBe(backlog);
  }, 300_000);
});
