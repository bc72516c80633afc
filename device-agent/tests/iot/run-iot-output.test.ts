import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { validateIotCoreOutput } from '../../src/iot/iot-core-output.js';
import { runCli } from '../support/cli.js';
import { type MosquittoMtls, startMosquittoMtls } from './mosquitto-mtls.js';
import { createTestPki, type TestPki } from './tls-certificates.js';

/** `device-agent run` with the `output:` section provision writes: readings go to IoT Core, not the WebSocket. */

const THING = 'gateway-01';

let dir: string;
let pki: TestPki;
let broker: MosquittoMtls;
let subscriber: MqttClient;
const received: { topic: string; frame: Record<string, unknown> }[] = [];

function outputSection(overrides: Record<string, string> = {}): string {
  const settings: Record<string, string> = {
    type: 'iot-core',
    endpoint: '127.0.0.1',
    port: String(broker.tlsPort),
    clientId: THING,
    topicPrefix: `sensors/${THING}`,
    certFile: pki.client(THING).certFile,
    keyFile: pki.client(THING).keyFile,
    caFile: pki.caFile,
    ...overrides,
  };
  return `output:\n${Object.entries(settings)
    .map(([key, value]) => `  ${key}: ${value}`)
    .join('\n')}\n`;
}

async function configFile(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'run-iot-output-'));
  pki = await createTestPki(dir, [THING]);
  broker = await startMosquittoMtls(dir, pki);
  subscriber = mqtt.connect(`mqtt://127.0.0.1:${broker.plainPort}`);
  subscriber.on('message', (topic, payload) =>
    received.push({ topic, frame: JSON.parse(payload.toString()) }),
  );
  await new Promise<void>((resolve) => subscriber.once('connect', () => resolve()));
  await subscriber.subscribeAsync('sensors/#', { qos: 1 });
});

afterAll(async () => {
  await subscriber?.endAsync(true);
  await broker?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('device-agent run with the IoT Core output', () => {
  it('publishes a simulated input to IoT Core (mosquitto, mutual TLS) until stopped, without a bridge URL', async () => {
    const file = await configFile(
      'run.yaml',
      `device:\n  id: ${THING}\nstate:\n  dir: ${dir}/state\nlog:\n  level: silent\nqueue:\n  fsyncIntervalMs: 10\n` +
        `inputs:\n  - type: simulated\n    topic: cpu/temp\n    intervalSeconds: 0.05\n${outputSection()}`,
    );
    const controller = new AbortController();
    const running = runCli(['run', '--config', file], { signal: controller.signal });
    const deadline = Date.now() + 15_000;
    while (received.length < 3 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort();
    expect(await running).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(
      received.slice(0, 3).map(({ topic, frame }) => [topic, frame.topic, frame.id, frame.device]),
    ).toEqual([
      [`sensors/${THING}/cpu/temp`, 'cpu/temp', `${THING}-0`, THING],
      [`sensors/${THING}/cpu/temp`, 'cpu/temp', `${THING}-1`, THING],
      [`sensors/${THING}/cpu/temp`, 'cpu/temp', `${THING}-2`, THING],
    ]);
  });

  it('exits 2 naming the key when a TLS file cannot be read', async () => {
    const missing = join(dir, 'missing.key');
    const file = await configFile(
      'bad.yaml',
      `device:\n  id: ${THING}\nstate:\n  dir: ${dir}/state-bad\nlog:\n  level: silent\n${outputSection({ keyFile: missing })}`,
    );
    expect(await runCli(['run', '--config', file])).toEqual({
      code: 2,
      stdout: '',
      stderr: `device-agent: config output.keyFile: cannot read ${missing} (ENOENT): run \`device-agent provision\` or correct the path\n`,
    });
  });

  it('validates the output section with the rest of the config, and refuses it where no output is supported', async () => {
    const file = await configFile(
      'check.yaml',
      `device:\n  id: ${THING}\n${outputSection({ clientId: 'a b' })}`,
    );
    const sources = { file, env: {}, flags: {}, validateInputs: () => ({ ok: true as const, value: [] }) };
    const checked = await loadConfig({ ...sources, validateOutput: validateIotCoreOutput });
    expect(checked.ok ? [] : checked.problems.map((p) => p.keyPath)).toEqual(['output.clientId']);
    const without = await loadConfig(sources);
    expect(without.ok ? [] : without.problems.map((p) => p.keyPath)).toEqual(['output', 'bridge.url']);
  });
});
