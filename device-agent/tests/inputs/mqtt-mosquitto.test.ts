import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { createInput, type MqttInput, validateInputsConfig } from '../../src/inputs/index.js';
import { tempDir } from '../support/temp-dir.js';
import { mqttInputSuite } from './mqtt-behaviour.js';
import { startMosquitto, type TestBroker } from './support/brokers.js';
import { RecordingContext } from './support/recording-context.js';

const dirs: { remove: () => Promise<void> }[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => dir.remove()));
});

async function mosquitto(persistence: boolean): Promise<TestBroker> {
  const dir = await tempDir('mosquitto');
  dirs.push(dir);
  return startMosquitto(dir.dir, { persistence });
}

mqttInputSuite('mosquitto (MQTT 5)', () => mosquitto(false), 5);

describe('mqtt input against a mosquitto that restarts with its sessions on disk', () => {
  it('receives QoS 1 messages queued while the agent was away, across the broker restart', async () => {
    const broker = await mosquitto(true);
    const configs = validateInputsConfig([
      {
        type: 'mqtt',
        url: broker.url,
        clientId: `persist-${process.pid}`,
        protocolVersion: 5,
        subscriptions: [{ filter: 'plant/+/temp', topic: 'site9/+' }],
        reconnectMinSeconds: 0.05,
        reconnectMaxSeconds: 0.2,
      },
    ]);
    if (!configs.ok) throw new Error(configs.error.reason);
    const config = configs.value[0] as Parameters<typeof createInput>[0];
    const inputs: MqttInput[] = [];
    try {
      const first = createInput(config) as MqttInput;
      inputs.push(first);
      await first.start(new RecordingContext());
      await first.subscribed();
      await first.stop();
      const publisher = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
      for (let i = 0; i < 10; i++)
        await publisher.publishAsync(`plant/m${i}/temp`, String(20 + i), { qos: 1 });
      await publisher.endAsync();
      await broker.stop(); // mosquitto writes sessions and queued messages to disk
      await broker.restart();
      const context = new RecordingContext();
      const second = createInput(config) as MqttInput;
      inputs.push(second);
      await second.start(context);
      await context.waitForReadings(10);
      expect(
        context.readings.map((reading) => [reading.topic, (reading.message as { payload: number }).payload]),
      ).toEqual(Array.from({ length: 10 }, (_, i) => [`site9/m${i}`, 20 + i]));
    } finally {
      await Promise.all(inputs.map((input) => input.stop()));
      await broker.stop();
    }
  });
});
