/**
 * Bench: frames per second forwarded MQTT → agent → bridge, end to end: a publisher sends N QoS 1 messages to
 * aedes (in-process), the agent's MQTT input takes them, the durable queue fsyncs them in batches, the link
 * publishes them to the real local stack, and a subscriber on the bridge counts them (unique ids).
 * Run: npx tsx bench/agent-mqtt-bridge.ts [messages] [window]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { startLocalStack } from '../cloud/local/stack.js';
import { createAgent } from '../device-agent/src/agent.js';
import { createInput, type InputConfig, validateInputsConfig } from '../device-agent/src/inputs/index.js';
import { silentLogger } from '../device-agent/src/log.js';
import { startAedes } from '../device-agent/tests/inputs/support/brokers.js';
import { agentConfig, recordingSubscriber } from '../device-agent/tests/support/agent-harness.js';

const messages = Number(process.argv[2] ?? 2000);
const window = process.argv[3] ?? '64';
const dir = await mkdtemp(path.join(tmpdir(), 'agent-mqtt-bridge-'));
const broker = await startAedes();
const stack = await startLocalStack({ logLevel: 'warn' });
try {
  const inputs = validateInputsConfig([
    { type: 'mqtt', url: broker.url, subscriptions: [{ filter: 'plant/#', qos: 1 }] },
  ]);
  if (!inputs.ok) throw new Error(inputs.error.reason);
  const config = await agentConfig({
    'bridge-url': stack.wsUrl,
    'state-dir': dir,
    'device-id': 'mqtt-bench',
    'delivery-window': window,
    'delivery-pace-frames-per-second': '0',
  });
  const agent = createAgent({
    config,
    inputs: inputs.value.map((c: InputConfig) => createInput(c)),
    logger: silentLogger(),
  });
  const subscriber = await recordingSubscriber(stack.wsUrl, 'plant/#');
  await agent.start();
  while (agent.snapshot().linkState !== 'connected') await new Promise((resolve) => setTimeout(resolve, 20));
  const publisher = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: messages }, (_, i) =>
      publisher.publishAsync(`plant/${i % 10}/temp`, JSON.stringify({ i, c: 20 + (i % 7) }), { qos: 1 }),
    ),
  );
  const published = (performance.now() - started) / 1000;
  const ids = new Set<unknown>();
  while (ids.size < messages) {
    for (const frame of subscriber.frames.splice(0)) ids.add(frame.id);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    JSON.stringify({
      bench: 'agent-mqtt-bridge',
      broker: 'aedes',
      messages,
      window: Number(window),
      publishSeconds: +published.toFixed(2),
      seconds: +seconds.toFixed(2),
      framesPerSecond: Math.round(messages / seconds),
      counters: agent.snapshot().counters,
    }),
  );
  await publisher.endAsync();
  await agent.stop();
  subscriber.close();
} finally {
  await stack.stop();
  await broker.stop();
  await rm(dir, { recursive: true, force: true });
}
