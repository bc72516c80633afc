import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type Agent, createAgent } from '../../src/agent.js';
import { loadConfig } from '../../src/config.js';
import type { Input, InputContext } from '../../src/inputs/input.js';
import { iotCoreLinkFactory } from '../../src/iot/iot-core-link-factory.js';
import { validateIotCoreOutput } from '../../src/iot/iot-core-output.js';
import { loadIotCoreTls } from '../../src/iot/iot-core-tls.js';
import { silentLogger } from '../../src/log.js';
import { type MosquittoMtls, startMosquittoMtls } from './mosquitto-mtls.js';
import { type CuttableRelay, startRelay } from './tcp-cut.js';
import { createTestPki, type TestPki } from './tls-certificates.js';

/**
 * The whole agent with the IoT Core output instead of the WebSocket link: its queue, dispatcher, acks
 * (PUBACKs) and counters, against mosquitto with mutual TLS, through an uplink outage (a relay between the
 * agent and the broker is cut and restored, so the subscriber's own connection is not disturbed; the
 * link's reconnect after a broker restart is tested in iot-core-link.test.ts).
 */

const THING = 'gateway-01';
const READINGS = 200;

let dir: string;
let pki: TestPki;
let broker: MosquittoMtls;
let relay: CuttableRelay;
let subscriber: MqttClient;
let agent: Agent | undefined;
let emittedCount = () => -1;
const received = new Map<string, number>();

async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${what}: ${JSON.stringify(agent?.snapshot())}, ${received.size} received, ${emittedCount()} emitted`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** An input that emits `count` readings as fast as the agent queues them. */
function burstInput(count: number): Input & { emitted: number } {
  const input = {
    name: 'test:burst',
    emitted: 0,
    async start(context: InputContext) {
      void (async () => {
        for (let i = 0; i < count; i++) {
          const result = await context.emit({ topic: 'cpu/temp', message: { i } });
          if (result.accepted) input.emitted += 1;
        }
      })();
    },
    async stop() {},
  };
  return input;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agent-iot-core-'));
  pki = await createTestPki(dir, [THING]);
  broker = await startMosquittoMtls(dir, pki);
  relay = await startRelay(broker.tlsPort);
  subscriber = mqtt.connect(`mqtt://127.0.0.1:${broker.plainPort}`, { reconnectPeriod: 100 });
  subscriber.on('message', (_topic, payload) => {
    const id = JSON.parse(payload.toString()).id as string;
    received.set(id, (received.get(id) ?? 0) + 1);
  });
  await new Promise<void>((resolve) => subscriber.once('connect', () => resolve()));
  await subscriber.subscribeAsync(`sensors/${THING}/#`, { qos: 1 });
});

afterAll(async () => {
  await agent?.stop();
  await subscriber?.endAsync(true);
  await relay?.close();
  await broker?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('the agent with the IoT Core output (mosquitto, mutual TLS)', () => {
  it('delivers every reading, acked by PUBACK, through an uplink outage, with its counters', async () => {
    // The output section exactly as `device-agent provision` writes it, pointed at the test broker.
    const snippet = parse(
      [
        'output:',
        '  type: iot-core',
        '  endpoint: 127.0.0.1',
        `  port: ${relay.port}`,
        `  clientId: ${THING}`,
        `  topicPrefix: sensors/${THING}`,
        `  certFile: ${pki.client(THING).certFile}`,
        `  keyFile: ${pki.client(THING).keyFile}`,
        `  caFile: ${pki.caFile}`,
      ].join('\n'),
    ) as { output: unknown };
    const output = validateIotCoreOutput(snippet.output);
    if (!output.ok) throw new Error(output.error.problem);
    const loaded = await loadConfig({
      env: {},
      flags: {
        'bridge-url': 'ws://127.0.0.1:9',
        'device-id': THING,
        'state-dir': join(dir, 'state'),
        'bridge-backoff-initial-ms': '50',
        'bridge-backoff-max-ms': '300',
        'delivery-ack-timeout-ms': '5000',
        // emit() resolves once the batch holding the reading is fsynced: a short interval keeps the burst quick.
        'queue-fsync-interval-ms': '5',
        // Paced, so that most readings are still queued when the uplink is cut.
        'delivery-pace-frames-per-second': '200',
      },
      validateInputs: () => ({ ok: true, value: [] }),
    });
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    const input = burstInput(READINGS);
    emittedCount = () => input.emitted;
    agent = createAgent({
      config: loaded.config,
      inputs: [input],
      logger: silentLogger(),
      createLink: iotCoreLinkFactory(output.value, await loadIotCoreTls(output.value)),
    });
    await agent.start();
    const running = agent;
    await waitFor(() => running.snapshot().counters.acked >= 20, 'the first acks');

    await relay.cut();
    const ackedBeforeOutage = running.snapshot().counters.acked;
    expect(ackedBeforeOutage).toBeLessThan(READINGS / 2);
    await waitFor(() => running.snapshot().linkState === 'disconnected', 'the link to notice the outage');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await relay.restore();

    await waitFor(() => running.snapshot().counters.acked === READINGS, `${READINGS} acks`, 30_000);
    await waitFor(() => received.size === READINGS, `${READINGS} distinct readings at the subscriber`);
    const snapshot = running.snapshot();
    expect(input.emitted).toBe(READINGS);
    expect([...received.keys()].sort()).toEqual(
      Array.from({ length: READINGS }, (_, i) => `${THING}-${i}`).sort(),
    );
    expect(snapshot.counters).toMatchObject({ read: READINGS, acked: READINGS, rejected: 0, dropped: 0 });
    expect(snapshot.counters.connects).toBeGreaterThanOrEqual(2);
    expect(snapshot.queue.depth).toBe(0);
    // At-least-once: a frame the broker got but whose PUBACK the cut lost is sent again, with the same id.
    const duplicates = [...received.values()].filter((count) => count > 1).length;
    expect(duplicates).toBeLessThanOrEqual(snapshot.counters.resent);
    console.info(
      `IoT Core output through an uplink outage: ${READINGS} readings, ${READINGS - ackedBeforeOutage} still queued at the cut, ${snapshot.counters.resent} resent, ${duplicates} duplicates seen`,
    );
  }, 60_000);

  it('accepts the output section provision writes, and names the key of a bad one', async () => {
    const written = `${dir}/iot-output.yaml`;
    await import('node:fs/promises').then((fs) =>
      fs.writeFile(
        written,
        'output:\n  type: iot-core\n  endpoint: abc-ats.iot.eu-west-1.amazonaws.com\n  port: 8883\n  clientId: gateway-01\n' +
          '  topicPrefix: sensors/gateway-01\n  certFile: /etc/device-agent/iot/certificate.pem.crt\n' +
          '  keyFile: /etc/device-agent/iot/private.pem.key\n  caFile: /etc/device-agent/iot/AmazonRootCA1.pem\n',
      ),
    );
    const section = (parse(await readFile(written, 'utf8')) as { output: unknown }).output;
    expect(validateIotCoreOutput(section)).toEqual({
      ok: true,
      value: {
        endpoint: 'abc-ats.iot.eu-west-1.amazonaws.com',
        port: 8883,
        clientId: 'gateway-01',
        topicPrefix: 'sensors/gateway-01',
        certFile: '/etc/device-agent/iot/certificate.pem.crt',
        keyFile: '/etc/device-agent/iot/private.pem.key',
        caFile: '/etc/device-agent/iot/AmazonRootCA1.pem',
      },
    });
    expect(validateIotCoreOutput({ ...(section as object), clientId: 'a/b' })).toEqual({
      ok: false,
      error: {
        keyPath: 'output.clientId',
        problem:
          'the thing name "a/b" is not valid: use 1 to 128 letters, digits, ":", "_" or "-" (it becomes the MQTT client id and a topic level, e.g. gateway-01)',
      },
    });
    expect(validateIotCoreOutput({ ...(section as object), keyFile: undefined })).toEqual({
      ok: false,
      error: {
        keyPath: 'output.keyFile',
        problem: 'is required: a non-empty string (device-agent provision writes it)',
      },
    });
  });
});
