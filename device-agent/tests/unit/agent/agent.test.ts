import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { MAX_FRAME_BYTES } from '@topic-bridge/shared-types';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Agent, createAgent } from '../../../src/agent.js';
import {
  agentConfig,
  capturedLogger,
  type LogLine,
  scriptedBridgeAndDir,
} from '../../support/agent-harness.js';
import { type ScriptServer, until } from '../../support/script-server.js';

describe('agent (scripted bridge on port 0)', () => {
  let server: ScriptServer;
  let agent: Agent | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  async function start(flags: Record<string, string> = {}): Promise<{ logs: LogLine[]; dir: string }> {
    const bed = await scriptedBridgeAndDir(cleanups, 'agent');
    server = bed.server;
    const { dir } = bed;
    const config = await agentConfig({
      'bridge-url': server.url,
      'state-dir': dir,
      'device-id': 'unit',
      'queue-fsync-interval-ms': '5',
      ...flags,
    });
    const { logger, logs } = capturedLogger('info');
    agent = createAgent({
      config,
      inputs: [],
      logger,
      WebSocket,
      clockSynced: () => true,
    });
    await agent.start();
    return { logs, dir };
  }

  it('refuses a reading whose frame is over the size limit at emit, with a log line naming topic and size', async () => {
    const { logs } = await start();
    const result = await agent?.emit({ topic: 'big/one', message: 'x'.repeat(MAX_FRAME_BYTES) });
    expect(result).toEqual({
      accepted: false,
      reason: expect.stringMatching(
        /^the frame would be \d+ bytes; the bridge accepts at most 131072 bytes \(topic big\/one\)$/,
      ),
    });
    await until(() => logs.some((l) => l.msg === 'reading refused, not queued'), 'log line');
    expect(logs.find((l) => l.msg === 'reading refused, not queued')).toMatchObject({
      level: 40,
      topic: 'big/one',
      reason: result?.accepted === false ? result.reason : '',
    });
    expect(agent?.snapshot().counters).toMatchObject({ refused: 1, read: 0, sent: 0 });
    expect(agent?.snapshot().queue.depth).toBe(0);
  });

  it('stamps, queues and sends readings; a rejected frame goes to dead-letters.jsonl and is counted', async () => {
    const { dir } = await start();
    server.behaviour.reply = (frame) =>
      (frame.message as { n?: number } | undefined)?.n === 1
        ? { type: 'error', code: 'invalid_topic', reason: 'refused here', id: frame.id as string }
        : undefined;
    for (let n = 0; n < 3; n++)
      expect(await agent?.emit({ topic: 'a/b', message: { n } })).toEqual({ accepted: true });
    await until(() => agent?.snapshot().queue.depth === 0, 'all handled', 5_000_000);
    const frames = server.received.filter((r) => 'topic' in r.frame).map((r) => r.frame);
    expect(frames.map((f) => [f.id, f.seq, f.device, f.message])).toEqual([
      ['unit-0', 0, 'unit', { n: 0 }],
      ['unit-1', 1, 'unit', { n: 1 }],
      ['unit-2', 2, 'unit', { n: 2 }],
    ]);
    expect(agent?.snapshot().counters).toMatchObject({ read: 3, sent: 3, acked: 2, rejected: 1 });
    const lines = (await readFile(path.join(dir, 'dead-letters.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      {
        at: expect.any(String),
        code: 'invalid_topic',
        reason: 'refused here',
        frame: expect.stringContaining('"id":"unit-1"'),
      },
    ]);
  });

  it('serves /healthz and /metrics on 127.0.0.1 when enabled', async () => {
    await start({ 'health-enabled': 'true', 'health-port': '0' });
    const port = agent?.healthPort;
    expect(port).toBeGreaterThan(0);
    await until(() => agent?.snapshot().linkState === 'connected', 'connected');
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({
      status: 'ok',
      connection: 'connected',
      queueDepth: 0,
      lastAckAgeMs: null,
    });
    expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).toContain(
      'device_agent_connects_total 1\n',
    );
  });

  it('answers a reading emitted after stop with a retryable refusal (an MQTT message is then redelivered)', async () => {
    await start();
    await agent?.stop();
    expect(await agent?.emit({ topic: 'a/b', message: 1 })).toEqual({
      accepted: false,
      reason: 'the agent is not running',
      retryable: true,
    });
  });
});
