import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { IotCoreLink } from '../../src/iot/iot-core-link.js';
import { loadIotCoreTls } from '../../src/iot/iot-core-tls.js';
import type { IotCoreOutputSettings } from '../../src/iot/iot-output-config.js';
import type { LinkState } from '../../src/link/link.js';
import { recordingLogger } from '../support/script-server.js';
import { type MosquittoMtls, startMosquittoMtls } from './mosquitto-mtls.js';
import { createTestPki, type TestPki } from './tls-certificates.js';

const THING = 'gateway-01';

let dir: string;
let pki: TestPki;
let broker: MosquittoMtls;
let subscriber: MqttClient;
let received: { topic: string; payload: string }[];
const links: IotCoreLink[] = [];

async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; broker log:\n${broker.log.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function settings(overrides: Partial<IotCoreOutputSettings> = {}): IotCoreOutputSettings {
  return {
    endpoint: '127.0.0.1',
    port: broker.tlsPort,
    clientId: THING,
    topicPrefix: `sensors/${THING}`,
    ...pki.client(THING),
    caFile: pki.caFile,
    ...overrides,
  };
}

/** A link with its events recorded. */
async function startLink(overrides: Partial<IotCoreOutputSettings> = {}) {
  const chosen = settings(overrides);
  const logger = recordingLogger();
  const link = new IotCoreLink({
    settings: chosen,
    tls: await loadIotCoreTls(chosen),
    connect: mqtt.connect,
    logger,
    protocolVersion: 5,
    keepaliveSeconds: 30,
    connectTimeoutMs: 3000,
    backoff: { initialMs: 50, maxMs: 200, stableAfterMs: 1000 },
  });
  links.push(link);
  const events = {
    states: [] as [LinkState, string][],
    acks: [] as string[],
    rejects: [] as [string, string, string][],
    unacked: [] as string[],
  };
  link.on('state', (state, detail) => events.states.push([state, detail]));
  link.on('ack', (id) => events.acks.push(id));
  link.on('reject', (id, code, reason) => events.rejects.push([id, code, reason]));
  link.on('unacked', (ids) => events.unacked.push(...ids));
  link.start();
  return { link, events, logger };
}

function frame(id: string, topic = 'cpu/temp', message: unknown = { celsius: 41.5 }): string {
  return JSON.stringify({ topic, message, id, ts: 1_767_000_000_000, device: THING, seq: 1 });
}

async function connectSubscriber(): Promise<void> {
  subscriber = mqtt.connect(`mqtt://127.0.0.1:${broker.plainPort}`, {
    reconnectPeriod: 100,
    protocolVersion: 5,
  });
  subscriber.on('message', (topic, payload) => received.push({ topic, payload: payload.toString() }));
  await new Promise<void>((resolve) => subscriber.once('connect', () => resolve()));
  await subscriber.subscribeAsync('sensors/#', { qos: 1 });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iot-core-link-'));
  pki = await createTestPki(dir, [THING], ['rogue']);
  broker = await startMosquittoMtls(dir, pki);
  received = [];
  await connectSubscriber();
});

afterEach(async () => {
  await Promise.all(links.splice(0).map((link) => link.stop()));
  received.length = 0;
});

afterAll(async () => {
  await subscriber?.endAsync(true);
  await broker?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('IoT Core output against mosquitto with mutual TLS', () => {
  it('publishes each frame at QoS 1 under the thing prefix and acks it on its PUBACK', async () => {
    const { link, events } = await startLink();
    await waitFor(() => link.state === 'connected', 'connected');
    expect(events.states.at(-1)).toEqual([
      'connected',
      `connected to 127.0.0.1:${broker.tlsPort} as ${THING}`,
    ]);
    const ids = Array.from({ length: 50 }, (_, i) => `f-${i}`);
    for (const id of ids) expect(link.send(id, frame(id))).toBe(true);

    await waitFor(() => events.acks.length === 50 && received.length === 50, '50 acks and 50 deliveries');
    expect([...events.acks].sort()).toEqual([...ids].sort());
    expect(received).toEqual(ids.map((id) => ({ topic: `sensors/${THING}/cpu/temp`, payload: frame(id) })));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(received).toHaveLength(50);
    expect(events.rejects).toEqual([]);
    expect(events.unacked).toEqual([]);
  });

  it('reports frames cut off by a broker outage as unacked, reconnects when it is back, and delivers again', async () => {
    const { link, events } = await startLink();
    await waitFor(() => link.state === 'connected', 'connected');
    const first = Array.from({ length: 20 }, (_, i) => `a-${i}`);
    for (const id of first) link.send(id, frame(id));
    await broker.stop();
    await waitFor(() => link.state === 'disconnected', 'disconnected');
    // Every frame sent before the outage ends exactly one way: acked, or reported unacked for resending.
    expect([...events.acks, ...events.unacked].sort()).toEqual([...first].sort());
    expect(events.acks.filter((id) => events.unacked.includes(id))).toEqual([]);
    expect(link.send('while-down', frame('while-down'))).toBe(false);

    await broker.restart();
    await waitFor(() => link.state === 'connected', 'reconnected', 15_000);
    await waitFor(() => subscriber.connected, 'subscriber reconnected');
    received.length = 0;
    const second = ['b-0', 'b-1', 'b-2'];
    for (const id of second) expect(link.send(id, frame(id))).toBe(true);
    await waitFor(
      () => second.every((id) => events.acks.includes(id)) && received.length === 3,
      'acks after restart',
    );
    expect(received.map((message) => JSON.parse(message.payload).id)).toEqual(second);
    expect(events.states.map(([state]) => state)).toContain('disconnected');
  });

  it('reports a client certificate signed by another CA as rejected, and never connects', async () => {
    const { link, events, logger } = await startLink(pki.client('rogue'));
    await waitFor(() => events.states.some(([state]) => state === 'disconnected'), 'a failed attempt');
    const [, detail] = events.states.find(([state]) => state === 'disconnected') as [LinkState, string];
    expect(detail).toBe(
      `the broker at 127.0.0.1:${broker.tlsPort} rejected the client certificate (TLS alert: unknown ca): use the ` +
        'certFile and keyFile that `device-agent provision` wrote, and check that the certificate is ACTIVE and ' +
        'signed by a CA the broker trusts',
    );
    expect(
      logger.lines.some((line) => line.level === 'warn' && line.message === `IoT Core output: ${detail}`),
    ).toBe(true);
    expect(events.states.map(([state]) => state)).not.toContain('connected');
    expect(link.send('x', frame('x'))).toBe(false);
  });

  it('reports a broker certificate that caFile does not vouch for', async () => {
    const { events } = await startLink({ caFile: undefined });
    await waitFor(() => events.states.some(([state]) => state === 'disconnected'), 'a failed attempt');
    const [, detail] = events.states.find(([state]) => state === 'disconnected') as [LinkState, string];
    expect(detail).toMatch(/^the certificate of 127\.0\.0\.1:\d+ is not trusted \([A-Z_]+\): check caFile/);
  });

  it('turns a PUBACK "Not authorized" (publishing outside its own prefix) into a reject, delivering nothing', async () => {
    const { link, events } = await startLink({ topicPrefix: 'sensors/gateway-02' });
    await waitFor(() => link.state === 'connected', 'connected');
    link.send('denied-1', frame('denied-1'));
    await waitFor(() => events.rejects.length === 1, 'the reject');
    expect(events.rejects).toEqual([
      [
        'denied-1',
        'invalid_topic',
        'not authorized to publish to "sensors/gateway-02/cpu/temp": the gateway policy allows only the thing\'s own topic prefix',
      ],
    ]);
    expect(events.acks).toEqual([]);
    expect(received).toEqual([]);
  });

  it('rejects, without publishing, a frame whose topic AWS IoT Core would refuse', async () => {
    const { link, events } = await startLink();
    await waitFor(() => link.state === 'connected', 'connected');
    expect(link.send('deep', frame('deep', 'a/b/c/d/e/f/g'))).toBe(true);
    expect(link.send('bad', 'not json')).toBe(true);
    await waitFor(() => events.rejects.length === 2, 'two rejects');
    expect(events.rejects).toEqual([
      [
        'deep',
        'invalid_topic',
        `MQTT topic "sensors/${THING}/a/b/c/d/e/f/g" has 8 "/"; AWS IoT Core allows at most 7`,
      ],
      ['bad', 'malformed_json', 'the frame is not valid JSON'],
    ]);
    // The link stays usable: a valid frame after the refused ones goes through.
    link.send('ok', frame('ok'));
    await waitFor(() => events.acks.includes('ok') && received.length === 1, 'the valid frame');
    expect(received.map((message) => message.topic)).toEqual([`sensors/${THING}/cpu/temp`]);
  });

  it('names the config key of a TLS file it cannot read', async () => {
    const error = await loadIotCoreTls(settings({ keyFile: join(dir, 'missing.key') })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      `config output.keyFile: cannot read ${join(dir, 'missing.key')} (ENOENT): run \`device-agent provision\` or correct the path`,
    );
  });
});
