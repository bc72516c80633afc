import { readFile } from 'node:fs/promises';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInput, type MqttInput, validateInputsConfig } from '../../src/inputs/index.js';
import { createTestPki, type TestPki } from '../iot/tls-certificates.js';
import { tempDir } from '../support/temp-dir.js';
import { startMosquitto, type TestBroker } from './support/brokers.js';
import { RecordingContext } from './support/recording-context.js';

/** The mqtt input over mutual TLS: mosquitto requires a client certificate signed by the test CA (openssl). */
describe('mqtt input over mutual TLS (mosquitto)', () => {
  let dir: { dir: string; remove: () => Promise<void> };
  let pki: TestPki;
  let broker: TestBroker;

  beforeAll(async () => {
    dir = await tempDir('mqtt-tls');
    pki = await createTestPki(dir.dir, ['gw1', 'gw2']);
    broker = await startMosquitto(dir.dir, {
      tls: { caFile: pki.caFile, certFile: pki.serverCertFile, keyFile: pki.serverKeyFile },
    });
  });
  afterAll(async () => {
    await broker?.stop();
    await dir?.remove();
  });

  it('connects with caFile, certFile and keyFile and receives what another gateway publishes', async () => {
    const validated = validateInputsConfig([
      {
        type: 'mqtt',
        url: broker.url,
        clientId: 'tls-input',
        caFile: pki.caFile,
        ...pki.client('gw1'),
        subscriptions: [{ filter: 'sensors/+/#', topic: 'site/{2}/#' }],
      },
    ]);
    if (!validated.ok) throw new Error(validated.error.reason);
    const input = createInput(validated.value[0] as Parameters<typeof createInput>[0]) as MqttInput;
    const context = new RecordingContext();
    const gw2 = pki.client('gw2');
    const publisher = await mqtt.connectAsync(broker.url, {
      ca: await readFile(pki.caFile),
      cert: await readFile(gw2.certFile),
      key: await readFile(gw2.keyFile),
    });
    try {
      await input.start(context);
      await input.subscribed();
      await publisher.publishAsync('sensors/gw2/temp', '19.5', { qos: 1 });
      await context.waitForReadings(1);
      expect(context.readings.map(({ topic, message }) => ({ topic, message }))).toEqual([
        {
          topic: 'site/gw2/temp',
          message: { mqttTopic: 'sensors/gw2/temp', retained: false, encoding: 'json', payload: 19.5 },
        },
      ]);
    } finally {
      await publisher.endAsync();
      await input.stop();
    }
  });

  it('without a client certificate the broker refuses it: logged, retried, and stop still returns', async () => {
    const validated = validateInputsConfig([
      {
        type: 'mqtt',
        url: broker.url,
        caFile: pki.caFile,
        subscriptions: [{ filter: 'sensors/#' }],
        reconnectMinSeconds: 0.05,
        reconnectMaxSeconds: 0.1,
      },
    ]);
    if (!validated.ok) throw new Error(validated.error.reason);
    const input = createInput(validated.value[0] as Parameters<typeof createInput>[0]) as MqttInput;
    const context = new RecordingContext();
    await input.start(context);
    // The refusal, then a retry that fails the same way (a debug line: logged once, not at each attempt).
    await context.waitForLogs('debug', 1);
    await input.stop();
    const warnings = context.lines('warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^MQTT connection problem; reconnecting with backoff: /);
    expect(context.readings).toEqual([]);
  });
});
