import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { createAgent } from '../../src/agent.js';
import { createInput, type MqttInput, validateInputsConfig } from '../../src/inputs/index.js';
import { silentLogger } from '../../src/log.js';
import { startMosquitto } from '../inputs/support/brokers.js';
import { agentConfig } from '../support/agent-harness.js';
import { realPause, type ScriptServer, startScriptServer } from '../support/script-server.js';
import { tempDir } from '../support/temp-dir.js';
import { FULL, printReport, tally } from './support/tally.js';

const WAIT_LIMIT_MS = 60_000;

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await realPause(10);
  }
}

/**
 * Fault 4: the MQTT broker (Debian's mosquitto, sessions persisted) restarts in the middle of a QoS 1 stream
 * from a publisher to the agent. Every message the broker acknowledged to the publisher (PUBACK) must reach the
 * agent's bridge. Sink: a fast local acking WebSocket server. Counted by the message's key at the sink.
 */
describe('scenario 4: the MQTT broker restarts under QoS 1 traffic', () => {
  const cleanups: (() => Promise<unknown> | undefined)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('loses no message the broker acknowledged, across the restart', async () => {
    const messages = FULL ? 3000 : 400;
    const { dir, remove } = await tempDir('broker-restart');
    cleanups.push(remove);
    const broker = await startMosquitto(dir, { persistence: true });
    cleanups.push(() => broker.stop());
    const sink: ScriptServer = await startScriptServer();
    cleanups.push(() => sink.close());

    const validated = validateInputsConfig([
      {
        type: 'mqtt',
        url: broker.url,
        clientId: `fault4-agent-${process.pid}`,
        protocolVersion: 5,
        subscriptions: [{ filter: 'fault4/#' }],
        reconnectMinSeconds: 0.05,
        reconnectMaxSeconds: 0.2,
      },
    ]);
    if (!validated.ok) throw new Error(validated.error.reason);
    const input = createInput(validated.value[0] as Parameters<typeof createInput>[0]) as MqttInput;
    const config = await agentConfig({
      'bridge-url': sink.url,
      'state-dir': `${dir}/agent`,
      'device-id': 'fault4',
      'queue-fsync-interval-ms': '20',
      // Unpaced, so that the recovery time measures the restart, not the default 100 frames/s drain.
      'delivery-pace-frames-per-second': '0',
    });
    const agent = createAgent({ config, inputs: [input], logger: silentLogger() });
    cleanups.push(() => agent.stop());
    await agent.start();
    await input.subscribed();

    const publisher = await mqtt.connectAsync(broker.url, {
      clientId: `fault4-pub-${process.pid}`,
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 50,
    });
    cleanups.push(() => publisher.endAsync(true));
    const acknowledged: string[] = [];
    const publishes: Promise<void>[] = [];
    let restartedAt = 0;
    for (let i = 0; i < messages; i++) {
      const key = `m${i}`;
      publishes.push(
        new Promise<void>((resolve) => {
          publisher.publish('fault4/readings', JSON.stringify({ key }), { qos: 1 }, (error) => {
            if (!error) acknowledged.push(key);
            resolve();
          });
        }),
      );
      if (i === Math.floor(messages / 2)) {
        await broker.stop();
        await broker.restart();
        restartedAt = Date.now();
      }
      if (i % 20 === 19) await realPause(5);
    }
    await Promise.all(publishes);
    const keys = () =>
      sink.received
        .filter((r) => 'topic' in r.frame)
        .map((r) => String((r.frame.message as { payload?: { key: string } }).payload?.key));
    await waitFor(() => {
      const seen = new Set(keys());
      return acknowledged.every((key) => seen.has(key));
    }, 'every acknowledged message at the sink');
    const recoveryMs = Date.now() - restartedAt;
    const counts = tally(acknowledged, keys());
    printReport({
      scenario: 'MQTT broker restart (QoS 1)',
      ...counts,
      lost: counts.lost.length,
      published: messages,
      recoveryMs,
    });
    expect(counts.lost).toEqual([]);
    expect(counts.sent).toBe(messages);
  }, 120_000);
});
