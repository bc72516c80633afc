import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { startScriptServer, until } from '../support/script-server.js';
import { tempDir } from '../support/temp-dir.js';

describe('device-agent run', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });
  async function workDir(): Promise<string> {
    const { dir, remove } = await tempDir('run');
    cleanups.push(remove);
    return dir;
  }
  async function configFile(dir: string, text: string): Promise<string> {
    await writeFile(path.join(dir, 'agent.yaml'), text);
    return path.join(dir, 'agent.yaml');
  }

  it('takes --token as bridge.token, never repeats its value in an error, and refuses a token with a token file', async () => {
    const dir = await workDir();
    const base = ['run', '--bridge-url', 'ws://127.0.0.1:1', '--state-dir', `${dir}/state`];
    const spaced = await runCli([...base, '--token', 'secret with spaces']);
    expect(spaced).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'device-agent: config bridge.token: must be a token without spaces (a JWT), got (the value is not shown) (from --bridge-token)\n',
    });
    const both = await runCli([...base, '--token', 'a.b.c', '--token-file', `${dir}/token`]);
    expect(both).toEqual({
      code: 2,
      stdout: '',
      stderr: 'device-agent: config bridge.token: give bridge.token or bridge.tokenFile, not both\n',
    });
  });

  it('exits 2 before starting anything, naming every bad key and where it came from', async () => {
    const dir = await workDir();
    const file = await configFile(
      dir,
      `bridge:\n  url: ws://127.0.0.1:1\nstate:\n  dir: ${dir}/state\nqueue:\n  maxBytes: 10\n`,
    );
    const run = await runCli(['run', '--config', file, '--bridge-ping-interval-ms', 'often'], {
      env: { DEVICE_AGENT_LOG_LEVEL: 'chatty' },
    });
    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'device-agent: config queue.maxBytes: must be an integer from 65536 to 1099511627776, got 10 (from the config file)\n' +
        'config bridge.pingIntervalMs: must be an integer from 1000 to 540000, got "often" (from --bridge-ping-interval-ms)\n' +
        'config log.level: must be one of fatal, error, warn, info, debug, trace, silent, got "chatty" (from DEVICE_AGENT_LOG_LEVEL)\n',
    });
  });

  it('exits 2 naming the key path inside the inputs list', async () => {
    const file = await configFile(
      await workDir(),
      'bridge:\n  url: ws://127.0.0.1:1\ninputs:\n  - type: simulated\n    topic: a/b\n    intervalSeconds: -1\n',
    );
    const run = await runCli(['run', '--config', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^device-agent: config inputs\[0\]\.intervalSeconds: .+\n$/);
  });

  it('exits 2 when the bridge URL is missing, saying how to set it', async () => {
    const run = await runCli(['run', '--state-dir', '/tmp/unused']);
    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'device-agent: config bridge.url: is required (set bridge.url in the config file, DEVICE_AGENT_BRIDGE_URL, or --bridge-url)\n',
    });
  });

  it('exits 1 when the state directory cannot be created', async () => {
    // The state directory would be inside a regular file: mkdir fails with ENOTDIR.
    const dir = await workDir();
    const file = await configFile(dir, 'bridge:\n  url: ws://127.0.0.1:1\nlog:\n  level: silent\n');
    const run = await runCli(['run', '--config', file, '--state-dir', `${file}/state`]);
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr: `device-agent: cannot open the queue in ${file}/state/queue (ENOTDIR); check that state.dir is a writable directory\n`,
    });
  });

  it('runs a simulated input to the bridge until SIGINT/SIGTERM (the signal), then exits 0', async () => {
    const server = await startScriptServer();
    cleanups.push(() => server.close());
    const dir = await workDir();
    const file = await configFile(
      dir,
      `bridge:\n  url: ${server.url}\ndevice:\n  id: pi-test\nstate:\n  dir: ${dir}/state\nlog:\n  level: silent\nqueue:\n  fsyncIntervalMs: 10\ninputs:\n  - type: simulated\n    topic: demo/temp\n    intervalSeconds: 0.05\n`,
    );
    const controller = new AbortController();
    const running = runCli(['run', '--config', file], { signal: controller.signal });
    await until(
      () => server.received.filter((r) => 'topic' in r.frame).length >= 3,
      'three readings',
      5_000_000,
    );
    controller.abort();
    expect(await running).toEqual({ code: 0, stdout: '', stderr: '' });
    const frames = server.received.filter((r) => 'topic' in r.frame).map((r) => r.frame);
    expect(frames.slice(0, 3).map((f) => [f.topic, f.id, f.device, f.seq])).toEqual([
      ['demo/temp', 'pi-test-0', 'pi-test', 0],
      ['demo/temp', 'pi-test-1', 'pi-test', 1],
      ['demo/temp', 'pi-test-2', 'pi-test', 2],
    ]);
    expect(typeof frames[0]?.ts).toBe('number');
  });
});
