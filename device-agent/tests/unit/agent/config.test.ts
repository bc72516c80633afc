import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ConfigSources, formatProblems, loadConfig } from '../../../src/config.js';
import { DEFAULT_QUEUE_MAX_BYTES, envName, flagName } from '../../../src/config-settings.js';
import { tempDir } from '../../support/temp-dir.js';

const acceptInputs: ConfigSources['validateInputs'] = (raw) =>
  Array.isArray(raw) ? { ok: true, value: raw } : { ok: false, error: { reason: 'inputs must be a list' } };

describe('config', () => {
  const removers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const remove of removers.splice(0)) await remove();
  });
  async function file(name: string, text: string): Promise<string> {
    const { dir, remove } = await tempDir('config');
    removers.push(remove);
    await writeFile(path.join(dir, name), text);
    return path.join(dir, name);
  }
  const load = (sources: Partial<ConfigSources>) =>
    loadConfig({ env: {}, flags: {}, validateInputs: acceptInputs, ...sources });

  it('names env variables and flags after the key path', () => {
    expect(envName('bridge.pingIntervalMs')).toBe('DEVICE_AGENT_BRIDGE_PING_INTERVAL_MS');
    expect(flagName('queue.maxBytes')).toBe('queue-max-bytes');
  });

  it('takes the file, then the environment, then flags, with documented defaults for the rest', async () => {
    const yaml = await file(
      'a.yaml',
      'bridge:\n  url: ws://file:1\n  pingIntervalMs: 30000\ndevice:\n  id: from-file\nqueue:\n  fsyncIntervalMs: 50\ninputs:\n  - type: simulated\n',
    );
    const loaded = await load({
      file: yaml,
      env: {
        DEVICE_AGENT_BRIDGE_URL: 'ws://env:2',
        DEVICE_AGENT_DEVICE_ID: 'from-env',
        DEVICE_AGENT_HEALTH_ENABLED: 'true',
      },
      flags: { 'device-id': 'from-flag' },
    });
    if (!loaded.ok) throw new Error(formatProblems(loaded.problems));
    expect(loaded.config.bridge).toMatchObject({
      url: 'ws://env:2',
      pingIntervalMs: 30_000,
      backoffInitialMs: 500,
      backoffMaxMs: 30_000,
    });
    expect(loaded.config.device.id).toBe('from-flag');
    expect(loaded.config.queue).toEqual({
      kind: 'disk',
      maxBytes: DEFAULT_QUEUE_MAX_BYTES,
      fsyncIntervalMs: 50,
      segmentBytes: 4 * 1024 * 1024,
    });
    expect(loaded.config.health.enabled).toBe(true);
    expect(loaded.config.inputs).toEqual([{ type: 'simulated' }]);
  });

  it('reads JSON files too', async () => {
    const json = await file(
      'a.json',
      '{"bridge":{"url":"wss://x.example/bridge"},"queue":{"maxBytes":1048576}}',
    );
    const loaded = await load({ file: json });
    expect(loaded.ok && loaded.config.queue.segmentBytes).toBe(131_072);
  });

  it('reports every problem with its key path and source, before anything starts', async () => {
    const yaml = await file(
      'bad.yaml',
      'bridge:\n  url: http://nope\n  pingIntervalMs: 900000\n  pingInterval: 5\nqueue:\n  maxBytes: lots\nextra: 1\n',
    );
    const loaded = await load({ file: yaml, env: { DEVICE_AGENT_LOG_LEVEL: 'loud' } });
    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    expect(formatProblems(loaded.problems).split('\n')).toEqual([
      'config bridge.pingInterval: unknown key (known in bridge: url, token, tokenFile, tokenTransport, connectTimeoutMs, pingIntervalMs, pongTimeoutMs, renewAfterMs, renewDrainMs, backoffInitialMs, backoffMaxMs, stableAfterMs)',
      'config extra: unknown section (known: bridge, device, state, queue, delivery, health, log, inputs)',
      'config bridge.url: must be a ws:// or wss:// URL, got "http://nope" (from the config file)',
      'config queue.maxBytes: must be an integer from 65536 to 1099511627776, got "lots" (from the config file)',
      'config bridge.pingIntervalMs: must be an integer from 1000 to 540000, got 900000 (from the config file)',
      'config log.level: must be one of fatal, error, warn, info, debug, trace, silent, got "loud" (from DEVICE_AGENT_LOG_LEVEL)',
    ]);
  });

  it('requires the bridge URL, and says where to set it', async () => {
    const loaded = await load({});
    expect(!loaded.ok && formatProblems(loaded.problems)).toBe(
      'config bridge.url: is required (set bridge.url in the config file, DEVICE_AGENT_BRIDGE_URL, or --bridge-url)',
    );
  });

  it('reports an unreadable or unparsable file, inputs problems and cross-field conflicts', async () => {
    const missing = await load({ file: '/nonexistent/agent.yaml', flags: { 'bridge-url': 'ws://x' } });
    expect(!missing.ok && formatProblems(missing.problems)).toBe(
      'config (file): cannot read /nonexistent/agent.yaml: ENOENT',
    );
    const broken = await file('broken.yaml', 'bridge: [unclosed');
    const parsed = await load({ file: broken, flags: { 'bridge-url': 'ws://x' } });
    expect(!parsed.ok && parsed.problems[0]?.keyPath).toBe('(file)');
    const inputs = await file('inputs.yaml', 'inputs: {}\n');
    const badInputs = await load({ file: inputs, flags: { 'bridge-url': 'ws://x' } });
    expect(!badInputs.ok && formatProblems(badInputs.problems)).toBe('config inputs: inputs must be a list');
    const cross = await load({ flags: { 'bridge-url': 'ws://x', 'bridge-pong-timeout-ms': '60000' } });
    expect(!cross.ok && formatProblems(cross.problems)).toBe(
      'config bridge.pongTimeoutMs: must be shorter than bridge.pingIntervalMs',
    );
  });
});

describe('deploy/config.example.yaml', () => {
  it('is a valid configuration, inputs included', async () => {
    const { validateInputsConfig } = await import('../../../src/inputs/index.js');
    const file = path.resolve(import.meta.dirname, '../../../deploy/config.example.yaml');
    const loaded = await loadConfig({ file, env: {}, flags: {}, validateInputs: validateInputsConfig });
    if (!loaded.ok) throw new Error(formatProblems(loaded.problems));
    expect(loaded.config.inputs.map((input) => (input as { type: string }).type)).toEqual(['file', 'mqtt']);
  });
});
