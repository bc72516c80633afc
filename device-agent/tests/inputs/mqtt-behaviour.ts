import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createInput, type MqttInput, validateInputsConfig } from '../../src/inputs/index.js';
import type { TestBroker } from './support/brokers.js';
import { RecordingContext } from './support/recording-context.js';

let nextId = 0;

/**
 * The MQTT input's behaviour, run against every broker: aedes in-process (MQTT 3.1.1) and Debian's mosquitto
 * (MQTT 5). Each test uses its own topics and client ids, so tests share one broker per file.
 */
export function mqttInputSuite(name: string, startBroker: () => Promise<TestBroker>, expectedVersion: 4 | 5) {
  describe(`mqtt input against ${name}`, () => {
    let broker: TestBroker;
    let publisher: MqttClient;
    const running: MqttInput[] = [];

    beforeAll(async () => {
      broker = await startBroker();
      publisher = await mqtt.connectAsync(broker.url, { protocolVersion: 4, reconnectPeriod: 50 });
    });
    afterEach(async () => {
      await Promise.all(running.splice(0).map((input) => input.stop()));
    });
    afterAll(async () => {
      await publisher?.endAsync(true);
      await broker?.stop();
    });

    /** A validated config for this broker, through the same path as the agent's config loader. */
    function inputFor(subscriptions: unknown[], extra: Record<string, unknown> = {}): MqttInput {
      const validated = validateInputsConfig([
        {
          type: 'mqtt',
          url: broker.url,
          clientId: `test-${process.pid}-${nextId++}`,
          subscriptions,
          reconnectMinSeconds: 0.05,
          reconnectMaxSeconds: 0.2,
          ...extra,
        },
      ]);
      if (!validated.ok) throw new Error(validated.error.reason);
      const config = validated.value[0];
      if (config?.type !== 'mqtt') throw new Error('not an mqtt config');
      return createInput(config, { stopGraceMs: 100 }) as MqttInput;
    }

    async function started(input: MqttInput, context: RecordingContext): Promise<MqttInput> {
      running.push(input);
      await input.start(context);
      await input.subscribed();
      return input;
    }

    async function stopped(input: MqttInput): Promise<void> {
      running.splice(running.indexOf(input), 1);
      await input.stop();
    }

    /** A copy of an input's config under the same client id: the same gateway, restarted. */
    function sameSession(input: MqttInput, subscriptions: unknown[]): MqttInput {
      return inputFor(subscriptions, { clientId: input.clientId });
    }

    const stripTime = (context: RecordingContext) => context.readings.map(({ readAt: _, ...rest }) => rest);

    it(`speaks MQTT ${expectedVersion === 5 ? '5' : '3.1.1'} in auto mode`, async () => {
      const context = new RecordingContext();
      const input = await started(inputFor([{ filter: 'version/#' }]), context);
      expect(input.protocolVersion).toBe(expectedVersion);
      const fellBack = context.lines('info').includes('the broker does not speak MQTT 5; using MQTT 3.1.1');
      expect(fellBack).toBe(expectedVersion === 4);
    });

    it('maps wildcard topics and carries JSON, text and binary payloads', async () => {
      const t = `t${nextId++}`;
      const context = new RecordingContext();
      await started(
        inputFor([
          { filter: `${t}/sensors/#`, topic: `site1/${t}/#` },
          { filter: `${t}/devices/+/telemetry`, topic: `site1/{3}/{1}` },
        ]),
        context,
      );
      await publisher.publishAsync(`${t}/sensors/kitchen/temp`, '{"v":21.5}', { qos: 1 });
      await publisher.publishAsync(`${t}/unrelated`, 'ignored', { qos: 1 });
      await publisher.publishAsync(`${t}/sensors/hall`, 'door open', { qos: 1 });
      await publisher.publishAsync(`${t}/devices/d7/telemetry`, Buffer.from([0xff, 0x00, 0x80]), { qos: 0 });
      await context.waitForReadings(3);
      await publisher.publishAsync(`${t}/sensors`, '7', { qos: 1 });
      await context.waitForReadings(4);
      expect(stripTime(context)).toEqual([
        {
          topic: `site1/${t}/kitchen/temp`,
          message: {
            mqttTopic: `${t}/sensors/kitchen/temp`,
            retained: false,
            encoding: 'json',
            payload: { v: 21.5 },
          },
        },
        {
          topic: `site1/${t}/hall`,
          message: {
            mqttTopic: `${t}/sensors/hall`,
            retained: false,
            encoding: 'text',
            payload: 'door open',
          },
        },
        {
          topic: `site1/d7/${t}`,
          message: {
            mqttTopic: `${t}/devices/d7/telemetry`,
            retained: false,
            encoding: 'base64',
            payload: '/wCA',
          },
        },
        {
          topic: `site1/${t}`,
          message: { mqttTopic: `${t}/sensors`, retained: false, encoding: 'json', payload: 7 },
        },
      ]);
      expect(context.readings.every((reading) => typeof reading.readAt === 'number')).toBe(true);
    });

    it('flags retained messages and not live ones', async () => {
      const t = `t${nextId++}`;
      await publisher.publishAsync(`${t}/state`, 'on', { qos: 1, retain: true });
      const context = new RecordingContext();
      await started(inputFor([{ filter: `${t}/#` }]), context);
      await context.waitForReadings(1);
      await publisher.publishAsync(`${t}/state`, 'off', { qos: 1 });
      await context.waitForReadings(2);
      expect(context.readings.map((reading) => reading.message)).toEqual([
        { mqttTopic: `${t}/state`, retained: true, encoding: 'text', payload: 'on' },
        { mqttTopic: `${t}/state`, retained: false, encoding: 'text', payload: 'off' },
      ]);
      await publisher.publishAsync(`${t}/state`, '', { qos: 1, retain: true }); // clear the retained message
    });

    it('skips and logs a message whose topic maps to an invalid bridge topic, and acknowledges it', async () => {
      const t = `t${nextId++}`;
      const subscriptions = [{ filter: `${t}/+`, topic: 'out/+' }];
      const context = new RecordingContext();
      const input = await started(inputFor(subscriptions), context);
      const long = 'x'.repeat(300);
      await publisher.publishAsync(`${t}/${long}`, '1', { qos: 1 });
      await publisher.publishAsync(`${t}/ok`, '2', { qos: 1 });
      await context.waitForReadings(1);
      expect(stripTime(context)).toEqual([
        { topic: 'out/ok', message: { mqttTopic: `${t}/ok`, retained: false, encoding: 'json', payload: 2 } },
      ]);
      expect(context.lines('warn')).toEqual([
        `MQTT message skipped: MQTT topic "${t}/${long}" maps to an invalid bridge topic: topic is longer than 256 bytes`,
      ]);
      await stopped(input);
      // Both were acknowledged: a restarted session gets nothing again, only the next new message.
      const again = new RecordingContext();
      await started(sameSession(input, subscriptions), again);
      await publisher.publishAsync(`${t}/next`, '3', { qos: 1 });
      await again.waitForReadings(1);
      expect(again.readings.map((reading) => reading.topic)).toEqual(['out/next']);
    });

    it('receives QoS 1 messages published while it was stopped (persistent session)', async () => {
      const t = `t${nextId++}`;
      const subscriptions = [{ filter: `${t}/#` }];
      const first = await started(inputFor(subscriptions), new RecordingContext());
      await stopped(first);
      for (let i = 0; i < 5; i++) await publisher.publishAsync(`${t}/n`, String(i), { qos: 1 });
      const context = new RecordingContext();
      await started(sameSession(first, subscriptions), context);
      await context.waitForReadings(5);
      await publisher.publishAsync(`${t}/end`, '"end"', { qos: 1 });
      await context.waitForReadings(6);
      expect(context.readings.map((reading) => (reading.message as { payload: unknown }).payload)).toEqual([
        0,
        1,
        2,
        3,
        4,
        'end',
      ]);
    });

    it('does not acknowledge QoS 1 messages until emit resolves: the broker delivers them again', async () => {
      const t = `t${nextId++}`;
      const subscriptions = [{ filter: `${t}/#` }];
      const stuck = new RecordingContext();
      stuck.hold(); // the agent's queue never answers
      const first = await started(inputFor(subscriptions), stuck);
      for (let i = 0; i < 3; i++) await publisher.publishAsync(`${t}/n`, String(i), { qos: 1 });
      await stuck.waitForReadings(3);
      await stopped(first); // the grace period passes with the emits still pending
      const context = new RecordingContext();
      await started(sameSession(first, subscriptions), context);
      await context.waitForReadings(3);
      await publisher.publishAsync(`${t}/end`, '"end"', { qos: 1 });
      await context.waitForReadings(4);
      expect(context.readings.map((reading) => (reading.message as { payload: unknown }).payload)).toEqual([
        0,
        1,
        2,
        'end',
      ]);
      stuck.release();
    });

    it('acknowledges in order once the held emits resolve, so nothing comes back', async () => {
      const t = `t${nextId++}`;
      const subscriptions = [{ filter: `${t}/#` }];
      const slow = new RecordingContext();
      slow.hold();
      const first = await started(inputFor(subscriptions), slow);
      for (let i = 0; i < 3; i++) await publisher.publishAsync(`${t}/n`, String(i), { qos: 1 });
      await slow.waitForReadings(3);
      slow.release();
      await stopped(first);
      const context = new RecordingContext();
      await started(sameSession(first, subscriptions), context);
      await publisher.publishAsync(`${t}/end`, '"end"', { qos: 1 });
      await context.waitForReadings(1);
      expect(context.readings.map((reading) => (reading.message as { payload: unknown }).payload)).toEqual([
        'end',
      ]);
    });

    it('leaves a message the agent cannot take now (retryable) unacknowledged, and acks a permanent refusal', async () => {
      const t = `t${nextId++}`;
      const subscriptions = [{ filter: `${t}/#` }];
      const stopping = new RecordingContext();
      stopping.answer = (reading) =>
        (reading.message as { payload: unknown }).payload === 'big'
          ? { accepted: false, reason: 'too large' }
          : { accepted: false, reason: 'the agent is not running', retryable: true };
      const first = await started(inputFor(subscriptions), stopping);
      await publisher.publishAsync(`${t}/n`, 'big', { qos: 1 });
      await publisher.publishAsync(`${t}/n`, 'later', { qos: 1 });
      await stopping.waitForReadings(2);
      await stopped(first);
      expect(stopping.lines('warn')).toEqual(['reading refused by the agent; skipped: too large']);
      expect(stopping.lines('info')).toContain(
        'the agent cannot take a reading now: the agent is not running',
      );
      const context = new RecordingContext();
      await started(sameSession(first, subscriptions), context);
      await context.waitForReadings(1);
      await publisher.publishAsync(`${t}/end`, 'end', { qos: 1 });
      await context.waitForReadings(2);
      expect(context.readings.map((reading) => (reading.message as { payload: unknown }).payload)).toEqual([
        'later',
        'end',
      ]);
    });

    it('holds at most maxInFlight readings unanswered, then reads on', async () => {
      const t = `t${nextId++}`;
      const context = new RecordingContext();
      context.hold();
      await started(inputFor([{ filter: `${t}/#` }], { maxInFlight: 3 }), context);
      for (let i = 0; i < 10; i++) await publisher.publishAsync(`${t}/n`, String(i), { qos: 1 });
      await context.waitForReadings(3);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(context.readings).toHaveLength(3);
      context.release();
      await context.waitForReadings(10);
      expect(context.readings.map((reading) => (reading.message as { payload: unknown }).payload)).toEqual([
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
      ]);
    });

    it('reconnects after a broker restart and receives again', async () => {
      const t = `t${nextId++}`;
      const context = new RecordingContext();
      await started(inputFor([{ filter: `${t}/#` }]), context);
      await publisher.publishAsync(`${t}/a`, '1', { qos: 1 });
      await context.waitForReadings(1);
      await broker.stop();
      await broker.restart();
      // The publisher reconnects too; publish until the input has resubscribed and the message arrives.
      const deadline = Date.now() + 15_000;
      while (context.readings.length < 2 && Date.now() < deadline) {
        if (publisher.connected) await publisher.publishAsync(`${t}/b`, '2', { qos: 1 }).catch(() => {});
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(context.readings.length).toBeGreaterThanOrEqual(2);
      expect(context.readings.slice(1).every((reading) => reading.topic === `${t}/b`)).toBe(true);
      expect(context.lines('info').filter((line) => line === 'connected to the MQTT broker')).toHaveLength(2);
    });
  });
}
