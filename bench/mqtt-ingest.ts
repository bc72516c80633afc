/**
 * Bench: readings per second from a local broker through the agent's MQTT input into a recording emit.
 * Brokers: Debian's mosquitto (MQTT 5) and aedes in-process (MQTT 3.1.1). For QoS 1 the emit either answers
 * at once, or in batches every 200 ms as the durable queue does with its batched fsync (the PUBACK waits for
 * that answer, so the in-flight window bounds throughput). Prints one JSON line per case.
 * Run: npx tsx bench/mqtt-ingest.ts [messages] [payloadBytes]
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import {
  createInput,
  type MqttInput,
  type Reading,
  validateInputsConfig,
} from '../device-agent/src/inputs/index.js';
import { startAedes, startMosquitto, type TestBroker } from '../device-agent/tests/inputs/support/brokers.js';

const burst = Number(process.argv[2] ?? 20_000);
const payloadBytes = Number(process.argv[3] ?? 100);
const BATCH_MS = 200;
const TIMEOUT_MS = 60_000;

type EmitMode = 'immediate' | `batched-${number}ms`;

/** The agent side: counts readings, answering at once or every BATCH_MS like a batched fsync. */
function recordingEmit(mode: EmitMode, onReading: (count: number) => void) {
  let count = 0;
  let pending: (() => void)[] = [];
  const answerBatch = () => {
    for (const resolve of pending.splice(0)) resolve();
  };
  const timer = mode === 'immediate' ? undefined : setInterval(answerBatch, BATCH_MS);
  return {
    emit: async (_reading: Reading) => {
      count += 1;
      onReading(count);
      if (mode !== 'immediate') await new Promise<void>((resolve) => pending.push(resolve));
      return { accepted: true as const };
    },
    close: () => {
      clearInterval(timer);
      for (const resolve of pending) resolve();
      pending = [];
    },
  };
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

type NamedBroker = TestBroker & { name: string };

async function measure(
  broker: NamedBroker,
  qos: 0 | 1,
  mode: EmitMode,
  maxInFlight: number,
  messages: number,
) {
  const validated = validateInputsConfig([
    {
      type: 'mqtt',
      url: broker.url,
      clientId: `bench-${qos}-${mode}-${maxInFlight}-${Date.now()}`,
      subscriptions: [{ filter: 'bench/#', topic: 'site/#', qos }],
      maxInFlight,
    },
  ]);
  if (!validated.ok) throw new Error(validated.error.reason);
  const input = createInput(validated.value[0] as Parameters<typeof createInput>[0]) as MqttInput;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  let received = 0;
  const recorder = recordingEmit(mode, (count) => {
    received = count;
    if (count === messages) done();
  });
  await input.start({ emit: recorder.emit, logger: silent });
  await input.subscribed();
  const publisher = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
  const payload = JSON.stringify({ value: 21.5, pad: 'x'.repeat(Math.max(0, payloadBytes - 28)) });
  const started = performance.now();
  for (let i = 0; i < messages; i++) publisher.publish(`bench/s${i % 10}/temp`, payload, { qos });
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, TIMEOUT_MS));
  await Promise.race([finished, timeout]);
  const seconds = (performance.now() - started) / 1000;
  recorder.close();
  await publisher.endAsync(true);
  await input.stop();
  return {
    bench: 'mqtt-ingest',
    broker: `${broker.name} (MQTT ${input.protocolVersion === 5 ? '5' : '3.1.1'})`,
    qos,
    emit: mode,
    maxInFlight,
    messages,
    received,
    seconds: Number(seconds.toFixed(2)),
    readingsPerSecond: Math.round(received / seconds),
  };
}

const dir = await mkdtemp(path.join(tmpdir(), 'mqtt-ingest-'));
const [defaultDir, tunedDir] = [path.join(dir, 'default'), path.join(dir, 'tuned')];
await Promise.all([mkdir(defaultDir), mkdir(tunedDir)]);
const brokers: NamedBroker[] = [
  { ...(await startMosquitto(defaultDir)), name: 'mosquitto' },
  {
    ...(await startMosquitto(tunedDir, { extraConfig: ['max_inflight_messages 1000'] })),
    name: 'mosquitto max_inflight_messages 1000',
  },
  { ...(await startAedes()), name: 'aedes' },
];
const batched: EmitMode = `batched-${BATCH_MS}ms`;
try {
  for (const broker of brokers) {
    if (broker.name === 'mosquitto' || broker.name === 'aedes') {
      console.log(JSON.stringify(await measure(broker, 0, 'immediate', 500, burst)));
      console.log(JSON.stringify(await measure(broker, 1, 'immediate', 500, burst)));
    }
    // Batched answers are slower by design: fewer messages keep the run short.
    for (const window of [100, 500]) {
      console.log(JSON.stringify(await measure(broker, 1, batched, window, Math.min(burst, 5_000))));
    }
  }
} finally {
  for (const broker of brokers) await broker.stop();
  await rm(dir, { recursive: true, force: true });
}
