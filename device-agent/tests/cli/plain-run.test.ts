import { describe, expect, it } from 'vitest';
import { plainRunArgs } from '../../src/cli/main.js';

describe('plainRunArgs (run as the systemd unit starts it, without yargs)', () => {
  it('takes `run` alone and `run --config FILE` in both spellings', () => {
    expect(plainRunArgs(['run'])).toEqual({});
    expect(plainRunArgs(['run', '--config', '/etc/device-agent/config.yaml'])).toEqual({
      config: '/etc/device-agent/config.yaml',
    });
    expect(plainRunArgs(['run', '--config=/etc/a.yaml'])).toEqual({ config: '/etc/a.yaml' });
  });

  it('leaves every other form to yargs: flags, help, missing or odd values, other commands', () => {
    for (const argv of [
      [],
      ['publish', '--url', 'ws://x'],
      ['run', '--help'],
      ['run', '-h'],
      ['run', '--config'],
      ['run', '--config='],
      ['run', '--config', ''],
      ['run', '--config', '--help'],
      ['run', '--config', 'a.yaml', '--log-level', 'debug'],
      ['run', '--bridge-url', 'ws://127.0.0.1:1'],
      ['run', 'extra'],
    ]) {
      expect(plainRunArgs(argv), argv.join(' ')).toBeUndefined();
    }
  });
});
