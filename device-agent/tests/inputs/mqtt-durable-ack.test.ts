import type { FileHandle } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { type Agent, createAgent } from '../../src/agent.js';
import { createInput, type Input, type MqttInput, validateInputsConfig } from '../../src/inputs/index.js';
import { silentLogger } from '../../src/log.js';
import { agentConfig } from '../support/agent-harness.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * The guarantee of a QoS 1 reading, end to end on a real broker (aedes) and the agent's real disk queue: the
 * broker gets the PUBACK only after the fsync that covers the reading; readings that arrive while an fsync runs
 * share the next one (group commit); and the MQTT input holds at most `maxInFlight` readings unanswered.
 * The queue's fsync is the real one, behind a gate the test holds.
 */

interface Rig {
  agent: Agent;
  publisher: mqtt.MqttClient;
  /** Message ids the broker received PUBACKs for from the agent, each with the queue's durable count then. */
  acks: { messageId: number; durable: number }[];
  /** The durable count when each fsync of a batch started (so batch sizes are the differences). */
  syncs: number[];
  /** Readings handed to the agent and not yet answered, now and at most. */
  emits: { outstanding: number; max: number; total: number };
  release(): void;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

async function rig(maxInFlight: number): Promise<Rig> {
  const broker = await Aedes.createBroker();
  const server: Server = createServer((socket) => broker.handle(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const url = `mqtt://127.0.0.1:${(server.address() as { port: number }).port}`;
  const { dir, remove } = await tempDir('durable-ack');
  cleanups.push(remove);
  const inputs = validateInputsConfig([
    {
      type: 'mqtt',
      url,
      clientId: 'agent-under-test',
      protocolVersion: 4,
      maxInFlight,
      subscriptions: [{ filter: 'sensors/#', qos: 1 }],
    },
  ]);
  if (!inputs.ok) throw new Error(inputs.error.reason);
  const mqttInput = createInput(inputs.value[0] as never) as MqttInput;
  const emits = { outstanding: 0, max: 0, total: 0 };
  // The real input, with its emits counted on their way to the real agent.
  const counted: Input = {
    name: mqttInput.name,
    start: (context) =>
      mqttInput.start({
        ...context,
        emit: async (reading) => {
          emits.total += 1;
          emits.outstanding += 1;
          emits.max = Math.max(emits.max, emits.outstanding);
          try {
            return await context.emit(reading);
          } finally {
            emits.outstanding -= 1;
          }
        },
      }),
    stop: () => mqttInput.stop(),
  };
  let open!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const syncs: number[] = [];
  let agent: Agent | undefined;
  agent = createAgent({
    // Nothing listens on the bridge's port: readings stay queued, which is all this test looks at.
    config: await agentConfig({ 'bridge-url': 'ws://127.0.0.1:9/none', 'state-dir': dir }),
    inputs: [counted],
    logger: silentLogger(),
    syncQueueFile: async (file: FileHandle) => {
      syncs.push(agent?.snapshot().queue.tail ?? -1);
      await gate;
      await file.sync();
    },
  });
  const acks: Rig['acks'] = [];
  broker.on('ack', (packet, client) => {
    if (client?.id === 'agent-under-test' && 'messageId' in packet && packet.messageId !== undefined)
      acks.push({ messageId: packet.messageId, durable: agent?.snapshot().queue.tail ?? -1 });
  });
  await agent.start();
  cleanups.push(async () => {
    open(); // a failed test may have left the fsync held: stopping flushes the queue through it
    await (agent as Agent).stop();
  });
  await mqttInput.subscribed();
  const publisher = await mqtt.connectAsync(url, { protocolVersion: 4, clientId: 'publisher' });
  cleanups.push(() => publisher.endAsync());
  return { agent, publisher, acks, syncs, emits, release: open };
}

/** Publishes `count` QoS 1 messages; resolves once the broker has them all (its PUBACKs to the publisher). */
async function publish(publisher: mqtt.MqttClient, count: number): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, (_, i) => publisher.publishAsync(`sensors/s${i}`, String(i), { qos: 1 })),
  );
}

describe('MQTT QoS 1 into the disk queue (aedes)', () => {
  it('sends no PUBACK before the fsync that covers the reading; readings that wait share one fsync', async () => {
    const { agent, publisher, acks, syncs, emits, release } = await rig(500);
    // One reading first: its batch's fsync starts, and is held.
    await publish(publisher, 1);
    await until('the first fsync', () => syncs.length === 1);
    // 19 more arrive while it is held: none may be acknowledged, and they wait for the next batch.
    await publish(publisher, 19);
    await until('20 readings handed to the agent', () => emits.total === 20 && emits.outstanding === 20);
    expect(acks).toEqual([]);
    expect(agent.snapshot().queue.tail).toBe(0);
    release();
    await until('20 PUBACKs at the broker', () => acks.length === 20);
    // In order, each one after its reading was durable (the k-th PUBACK with at least k records fsynced).
    for (const [index, ack] of acks.entries()) expect(ack.durable).toBeGreaterThanOrEqual(index + 1);
    expect(new Set(acks.map((a) => a.messageId)).size).toBe(20);
    // Group commit: the first reading's fsync, then the 19 that waited for it in one more (not 19 fsyncs).
    expect(syncs).toEqual([0, 1]);
    expect(agent.snapshot().queue.tail).toBe(20);
    expect(agent.snapshot().counters.read).toBe(20);
  });

  it('holds at most maxInFlight readings unanswered while the fsync is slow, then takes the rest', async () => {
    const { agent, publisher, acks, emits, release } = await rig(5);
    const published = publish(publisher, 20);
    await until('5 readings handed to the agent', () => emits.outstanding === 5);
    expect(acks).toEqual([]);
    release();
    await published;
    await until('20 PUBACKs at the broker', () => acks.length === 20);
    expect(emits).toEqual({ outstanding: 0, max: 5, total: 20 });
    for (const [index, ack] of acks.entries()) expect(ack.durable).toBeGreaterThanOrEqual(index + 1);
    expect(agent.snapshot().queue.tail).toBe(20);
  });
});
