import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { createHistoryStore } from '../../src/aws/history-store.js';
import { createDynamoClients } from '../../src/aws/sdk-clients.js';
import { IotMessageRejectedError } from '../../src/core/iot-bridge.js';
import { handler, scanHandler } from '../../src/handlers/iot-bridge.js';
import { STACK_START_TIMEOUT_MS } from '../e2e/support/bridge-context.js';
import { openClient, settle, type TestClient } from '../e2e/support/test-client.js';
import { RECEIVED_AT, ruleEvent } from './iot-events.js';

/**
 * The iotBridge Lambda, invoked in this process with real IoT rule event shapes, against the local stack's
 * dynalite (subscriptions written by its real `$connect`) and its `@connections` endpoint (serverless-offline).
 */

let stack: LocalStack;
const clients: TestClient[] = [];
const savedEnv = { ...process.env };

beforeAll(async () => {
  stack = await startLocalStack({ logLevel: 'warn' });
  Object.assign(process.env, {
    TABLE_NAME: stack.tableName,
    TOPIC_INDEX_NAME: stack.indexName,
    DYNAMODB_ENDPOINT: stack.dynamoEndpoint,
    CONNECTIONS_ENDPOINT: `http://127.0.0.1:${stack.wsPort}`,
    IOT_TOPIC_FILTER: 'sensors/#',
    LOG_LEVEL: 'warn',
    // MQTT messages on history topics are kept like WebSocket publishes.
    HISTORY_TOPICS: 'sensors/+/kept/#',
    HISTORY_TABLE_NAME: stack.historyTableName,
  });
  delete process.env.IOT_TOPIC_TEMPLATE;
}, STACK_START_TIMEOUT_MS);

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

afterAll(async () => {
  process.env = savedEnv;
  await stack?.stop();
});

async function subscriber(filter: string): Promise<TestClient> {
  const client = await openClient(`${stack.wsUrl}?topicName=${encodeURIComponent(filter)}`);
  clients.push(client);
  return client;
}

/** The frame the bridge must deliver for a message on `mqttTopic`: built here by hand, field by field. */
function expectedFrame(mqttTopic: string, encoding: string, payload: unknown): string {
  return JSON.stringify({
    topic: mqttTopic,
    message: { mqttTopic, retained: false, encoding, payload },
    id: '9b7e2f0c-3d1a-4c55-8f3e-1a2b3c4d5e6f',
    ts: RECEIVED_AT,
    device: 'gateway-01',
  });
}

describe('iotBridge handler with IoT rule events against the local stack', () => {
  for (const [lookup, invoke] of [
    ['query', handler],
    ['scan', scanHandler],
  ] as const) {
    it(`delivers a JSON payload to matching subscribers only, exactly once (${lookup} lookup)`, async () => {
      // Levels of their own, so that rows of connections closed by earlier tests (their $disconnect may
      // still be running) never match this test's topic.
      const gateway = `gw-${lookup}`;
      const reading = `temp-${lookup}`;
      const topic = `sensors/${gateway}/cpu/${reading}`;
      const device = await subscriber(`sensors/${gateway}/#`);
      const anyDevice = await subscriber(`sensors/+/cpu/${reading}`);
      const otherDevice = await subscriber(`sensors/${gateway}-2/#`);
      const otherRoot = await subscriber('alarms/#');

      const report = await invoke(ruleEvent(topic, '{"celsius":41.5}'));

      const frame = expectedFrame(topic, 'json', { celsius: 41.5 });
      expect(await device.waitForFrames(1)).toEqual([frame]);
      expect(await anyDevice.waitForFrames(1)).toEqual([frame]);
      await settle();
      expect(device.frames).toHaveLength(1);
      expect(anyDevice.frames).toHaveLength(1);
      expect(otherDevice.frames).toEqual([]);
      expect(otherRoot.frames).toEqual([]);
      expect(report).toMatchObject({ topic, subscribers: 2, delivered: 2, gone: 0, failed: 0 });
    });
  }

  it('keeps a message on a history topic in the history, its trace id as the frame id', async () => {
    const topic = 'sensors/gateway-01/kept/temp';
    const client = await subscriber(topic);
    await handler(ruleEvent(topic, '{"celsius":20}'));
    const frame = expectedFrame(topic, 'json', { celsius: 20 });
    expect(await client.waitForFrames(1)).toEqual([frame]);
    const clients = createDynamoClients(stack.dynamoEndpoint);
    try {
      const history = createHistoryStore(clients.lean, {
        config: { tableName: stack.historyTableName, maxFrames: 100, maxAgeSeconds: 86_400 },
        logger: { warn: () => undefined },
      });
      const page = await history.read({
        filter: topic,
        since: { kind: 'oldest' },
        limit: 10,
        nowMs: Date.now(),
      });
      expect(page.rows.map((row) => [row.frame, row.frameId])).toEqual([
        [frame, '9b7e2f0c-3d1a-4c55-8f3e-1a2b3c4d5e6f'],
      ]);
    } finally {
      clients.destroy();
    }
  });

  it('carries binary payloads as base64 and text as text, as the agent does', async () => {
    const client = await subscriber('sensors/gateway-01/raw/#');
    const binary = Uint8Array.from([0xff, 0x00, 0x80, 0x01, 0xfe]);

    await handler(ruleEvent('sensors/gateway-01/raw/bytes', binary));
    await handler(ruleEvent('sensors/gateway-01/raw/text', 'on'));

    expect(await client.waitForFrames(2)).toEqual([
      expectedFrame('sensors/gateway-01/raw/bytes', 'base64', '/wCAAf4='),
      expectedFrame('sensors/gateway-01/raw/text', 'text', 'on'),
    ]);
  });

  it("carries a frame the agent's IoT Core output published, whole, as the envelope's payload", async () => {
    const client = await subscriber('sensors/gateway-01/#');
    const agentFrame = {
      topic: 'cpu/temp',
      message: { celsius: 40 },
      id: 'gateway-01-7',
      ts: 1,
      device: 'gateway-01',
      seq: 7,
    };

    await handler(ruleEvent('sensors/gateway-01/cpu/temp', JSON.stringify(agentFrame)));

    const [received] = await client.waitForFrames(1);
    expect(JSON.parse(received as string).message).toEqual({
      mqttTopic: 'sensors/gateway-01/cpu/temp',
      retained: false,
      encoding: 'json',
      payload: agentFrame,
    });
  });

  it('rejects bad events with a logged reason and a throw (so Lambda retries, then queues them), delivering nothing', async () => {
    const client = await subscriber('sensors/#');
    const logged: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((line) => {
      logged.push(String(line));
      return true;
    });
    const camera = new Uint8Array(100 * 1024).fill(0xff);
    const cameraFrameBytes = Buffer.byteLength(
      expectedFrame('sensors/gateway-01/camera', 'base64', Buffer.from(camera).toString('base64')),
    );
    const cases: [unknown, string, string][] = [
      [
        'not an object',
        'not_an_object',
        'the IoT rule event is not a JSON object: check the rule SQL (docs/IOT.md)',
      ],
      [
        { mqttTopic: 'sensors/gateway-01/x', payload: { a: 1 } },
        'missing_message',
        'the IoT rule event has no base64 "payloadBase64": the rule SQL must select encode(*, \'base64\') AS payloadBase64',
      ],
      [
        ruleEvent('alarms/gateway-01/door', '1'),
        'invalid_topic',
        'MQTT topic "alarms/gateway-01/door" does not match the filter "sensors/#"',
      ],
      [
        ruleEvent('sensors/gateway-01/camera', camera),
        'message_too_large',
        `the frame for MQTT topic "sensors/gateway-01/camera" would be ${cameraFrameBytes} bytes (payload 102400 bytes); ` +
          'WebSocket subscribers can receive at most 131072',
      ],
    ];
    for (const [event, code, reason] of cases) {
      const error = await handler(event).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IotMessageRejectedError);
      expect([(error as IotMessageRejectedError).code, (error as IotMessageRejectedError).reason]).toEqual([
        code,
        reason,
      ]);
    }
    const lines = logged.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map(({ level, msg, code }) => [level, msg, code])).toEqual(
      cases.map(([, code]) => ['warn', 'iot message rejected', code]),
    );
    expect(lines[2]).toMatchObject({ mqttTopic: 'alarms/gateway-01/door', clientId: 'gateway-01' });
    await settle();
    expect(client.frames).toEqual([]);
  });

  it('throws when the subscriber store is unavailable, so Lambda retries the event', async () => {
    await subscriber('sensors/gateway-01/#');
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    stack.setStoreAvailable(false);
    try {
      const error = await handler(ruleEvent('sensors/gateway-01/cpu/temp', '1')).catch((e: unknown) => e);
      expect((error as Error).name).toBe('StoreUnavailableError');
    } finally {
      stack.setStoreAvailable(true);
    }
  });
});
