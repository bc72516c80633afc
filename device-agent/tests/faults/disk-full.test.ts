import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { agentConfig, gatedWebSocket, testAgent } from '../support/agent-harness.js';
import { realPause, type ScriptServer, startScriptServer } from '../support/script-server.js';
import { mountTmpfs } from '../support/tmpfs.js';
import { FULL, printReport, tally } from './support/tally.js';

/** The tmpfs the test mounts: small enough to fill in a moment, large enough for a few queue segments. */
const TMPFS_BYTES = 1024 * 1024;
/** What the filler file leaves free once the agent has started. */
const LEFT_FREE_BYTES = 160 * 1024;
const WAIT_LIMIT_MS = 60_000;

async function waitFor(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await realPause(10);
  }
}

/**
 * Fault 6: the agent's disk fills up. The test mounts a 1 MiB tmpfs (it runs as root here; `mount` works on
 * these machines and in CI), puts the agent's state directory on it, and fills it with a file while the bridge
 * is unreachable, so readings pile up in the queue. Then space returns (the file is removed) and the bridge
 * comes back. Sink: a fast local acking WebSocket server; the link is gated to keep it unreachable at first.
 */
describe('scenario 6: the disk under the agent fills up', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('reports it on /healthz and /metrics, drops the oldest readings (counted), and recovers when space returns', async () => {
    const readings = FULL ? 8000 : 3000;
    const disk = await mountTmpfs(TMPFS_BYTES);
    cleanups.push(disk.unmount);
    const stateDir = path.join(disk.dir, 'state');
    await mkdir(stateDir);

    const sink: ScriptServer = await startScriptServer();
    cleanups.push(() => sink.close());
    const gated = gatedWebSocket();
    gated.gate.open = false;
    const config = await agentConfig({
      'bridge-url': sink.url,
      'state-dir': stateDir,
      'device-id': 'full',
      'queue-fsync-interval-ms': '5',
      'queue-max-bytes': String(4 * 1024 * 1024),
      'health-enabled': 'true',
      'health-port': '0',
      'bridge-backoff-initial-ms': '50',
      'bridge-backoff-max-ms': '200',
    });
    config.queue.segmentBytes = 32 * 1024;
    const agent = testAgent(config, gated.WebSocket);
    cleanups.push(() => agent.stop());
    await agent.start();
    const health = async () => {
      const response = await fetch(`http://127.0.0.1:${agent.healthPort}/healthz`);
      return { status: response.status, body: (await response.json()) as { reason?: string } };
    };
    const metric = async (name: string) => {
      const text = await (await fetch(`http://127.0.0.1:${agent.healthPort}/metrics`)).text();
      return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    };
    const filler = await disk.fill(LEFT_FREE_BYTES);

    const accepted: string[] = [];
    const padding = 'x'.repeat(200);
    let refused = 0;
    // In batches that share one fsync, as inputs hand readings over; the queue keeps their order.
    for (let first = 0; first < readings; first += 50) {
      const keys = Array.from({ length: Math.min(50, readings - first) }, (_, k) => `k${first + k}`);
      const results = await Promise.all(
        keys.map((key) => agent.emit({ topic: 'full/t', message: { key, padding } })),
      );
      results.forEach((result, k) => {
        if (result.accepted) accepted.push(keys[k] as string);
        else refused += 1;
      });
    }
    const whileFull = { health: await health(), diskFull: await metric('device_agent_queue_disk_full') };
    const dropped = agent.snapshot().counters.dropped;
    expect(whileFull.health.status).toBe(503);
    expect(whileFull.health.body.reason).toMatch(/^the disk holding the queue is full/);
    expect(whileFull.diskFull).toBe(1);
    expect(await metric('device_agent_queue_write_failures_total')).toBeGreaterThan(0);
    expect(dropped).toBeGreaterThan(0);
    expect(await metric('device_agent_readings_dropped_total')).toBe(dropped);

    // Space returns, then the bridge: the newest readings that were kept all arrive, in order.
    const freedAt = Date.now();
    await rm(filler);
    await agent.emit({ topic: 'full/t', message: { key: 'after', padding } }).then((r) => {
      if (r.accepted) accepted.push('after');
    });
    gated.gate.open = true;
    await waitFor(() => agent.snapshot().queue.depth === 0, 'the queue drained');
    await waitFor(async () => (await health()).status === 200, '/healthz healthy again');
    const recoveryMs = Date.now() - freedAt;
    expect(await metric('device_agent_queue_disk_full')).toBe(0);
    const keys = sink.received
      .filter((r) => 'topic' in r.frame)
      .map((r) => (r.frame.message as { key: string }).key);
    const counts = tally(accepted, keys);
    // Exactly the oldest `dropped` readings are missing: the queue's drop-oldest policy, never a random loss.
    expect(counts.lost).toEqual(accepted.slice(0, dropped));
    expect(keys.at(-1)).toBe('after');
    printReport({
      scenario: 'disk full (1 MiB tmpfs)',
      ...counts,
      lost: counts.lost.length,
      droppedByPolicy: dropped,
      refused,
      recoveryMs,
    });
  }, 120_000);
});
