import { afterEach, describe, expect, it } from 'vitest';
import { createAgent } from '../../../src/agent.js';
import { createInput, type SimulatedInputConfig, validateInputsConfig } from '../../../src/inputs/index.js';
import { silentLogger } from '../../../src/log.js';
import { agentConfig, gatedWebSocket } from '../../support/agent-harness.js';
import { FakeClock } from '../../support/fake-clock.js';
import { until } from '../../support/script-server.js';
import { tempDir } from '../../support/temp-dir.js';

/**
 * The report, end to end: a `simulated` input every 0.05 s in an agent whose disk queue fsyncs every
 * 200 ms read about 5 values per second instead of 20. The agent, its disk queue (real files) and the input
 * share one fake clock; the bridge is unreachable, so every reading stays queued and is counted there.
 */
describe('agent with a simulated input every 50 ms and a 200 ms queue fsync (fake clock, real disk queue)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('queues exactly 21 readings over 1 s: polls keep their schedule', async () => {
    const clock = new FakeClock(Date.UTC(2026, 11, 1));
    const { dir, remove } = await tempDir('poll-pace');
    cleanups.push(remove);
    const validated = validateInputsConfig([
      { type: 'simulated', topics: ['pace/t'], intervalSeconds: 0.05 },
    ]);
    if (!validated.ok) throw new Error(validated.error.reason);
    const input = createInput(validated.value[0] as SimulatedInputConfig, {
      clock: clock.now,
      timers: clock,
      stopGraceMs: 0,
    });
    const gated = gatedWebSocket();
    gated.gate.open = false;
    const config = await agentConfig({
      'bridge-url': 'ws://127.0.0.1:9/',
      'state-dir': dir,
      'device-id': 'pace',
      'queue-fsync-interval-ms': '200',
    });
    const agent = createAgent({
      config,
      inputs: [input],
      logger: silentLogger(),
      WebSocket: gated.WebSocket,
      now: clock.now,
      timers: clock,
      clockSynced: () => true,
    });
    cleanups.push(async () => {
      const stopping = agent.stop();
      await clock.advance(1000);
      await stopping;
    });
    await agent.start();
    const queued = () => agent.snapshot().queue.depth;
    await until(() => queued() === 1, 'the first poll');
    for (let poll = 2; poll <= 21; poll++) {
      await clock.advance(50);
      await until(() => queued() === poll, `poll ${poll} at ${clock.now()}`);
    }
    expect(queued()).toBe(21);
    await clock.advance(200);
    await until(() => agent.snapshot().counters.read >= 21, 'the last fsync');
    expect(agent.snapshot().queue.tail).toBeGreaterThanOrEqual(21);
  });
});
