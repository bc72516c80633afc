import { describe, expect, it } from 'vitest';
import { deadPort, runCli } from '../support/cli.js';
import { startScriptServer } from '../support/script-server.js';

describe('device-agent CLI: usage, errors and exit codes', () => {
  it('--help lists the commands and the exit codes (exit 0)', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('device-agent publish');
    expect(run.stdout).toContain('device-agent subscribe');
    expect(run.stdout).toContain(
      'Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error, 3 rejected by the bridge.',
    );
  });

  it('publish --help documents every option', async () => {
    const run = await runCli(['publish', '--help']);
    expect(run.code).toBe(0);
    for (const option of ['--url', '--topic', '--message', '--id', '--timeout-ms'])
      expect(run.stdout).toContain(option);
  });

  it('exits 2 naming what is wrong: no command, an unknown flag, a missing flag, bad JSON, a wildcard topic', async () => {
    const cases: [string[], string][] = [
      [
        [],
        'device-agent: Name a command: run, publish or subscribe.\nRun `device-agent --help` for usage.\n',
      ],
      [
        ['publish', '--url', 'ws://x', '--topic', 't', '--message', '1', '--bogus'],
        'device-agent: Unknown argument: bogus\nRun `device-agent publish --help` for usage.\n',
      ],
      [
        ['publish', '--topic', 't'],
        'device-agent: Missing required argument: url\nRun `device-agent publish --help` for usage.\n',
      ],
      [
        ['publish', '--url', 'http://x', '--topic', 't', '--message', '1'],
        'device-agent: --url must be a ws:// or wss:// URL, got "http://x"\nRun `device-agent publish --help` for usage.\n',
      ],
      [
        ['publish', '--url', 'ws://x', '--topic', 'a/#', '--message', '1'],
        'device-agent: --topic: topic "a/#" contains a wildcard ("+" or "#"); wildcards are only for subscriptions\nRun `device-agent publish --help` for usage.\n',
      ],
      [
        ['subscribe', '--url', 'ws://x', '--topic', 'a/#/b'],
        expect.stringContaining('device-agent: --topic "a/#/b": ') as unknown as string,
      ],
    ];
    for (const [args, message] of cases) {
      const run = await runCli(args);
      expect({ args, code: run.code, stderr: run.stderr }).toEqual({ args, code: 2, stderr: message });
    }
    const badJson = await runCli(['publish', '--url', 'ws://x', '--topic', 't'], { stdin: '{oops' });
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toMatch(/^device-agent: stdin is not valid JSON \(/);
  });

  it('exits 1 with a clear message when the bridge is unreachable', async () => {
    const port = await deadPort();
    const url = `ws://127.0.0.1:${port}`;
    const publish = await runCli([
      'publish',
      '--url',
      url,
      '--topic',
      't',
      '--message',
      '1',
      '--timeout-ms',
      '2000',
    ]);
    expect(publish).toEqual({
      code: 1,
      stdout: '',
      stderr: `device-agent: cannot connect to ${url}: the connection failed (ECONNREFUSED). Check the URL and that the bridge is running.\n`,
    });
    const subscribe = await runCli(['subscribe', '--url', url, '--topic', 't', '--timeout-ms', '2000']);
    expect(subscribe.code).toBe(1);
    expect(subscribe.stderr).toBe(
      `device-agent: cannot connect to ${url}: the connection failed (ECONNREFUSED). Check the URL and that the bridge is running.\n`,
    );
  });

  it('exits 3 when the bridge rejects the frame, and 1 when no ack comes in time', async () => {
    const server = await startScriptServer();
    try {
      server.behaviour.reply = (frame) => ({
        type: 'error',
        code: 'store_unavailable',
        reason: 'the store is down',
        id: frame.id as string,
      });
      const rejected = await runCli([
        'publish',
        '--url',
        server.url,
        '--topic',
        't',
        '--message',
        '{"a":1}',
        '--id',
        'x1',
      ]);
      expect(rejected).toEqual({
        code: 3,
        stdout: '',
        stderr: 'device-agent: the bridge rejected the frame: store_unavailable: the store is down\n',
      });
      server.behaviour.reply = () => ({ type: 'pong' });
      const silent = await runCli([
        'publish',
        '--url',
        server.url,
        '--topic',
        't',
        '--message',
        '1',
        '--timeout-ms',
        '300',
      ]);
      expect(silent).toEqual({
        code: 1,
        stdout: '',
        stderr: 'device-agent: no ack from the bridge within 300 ms\n',
      });
    } finally {
      await server.close();
    }
  });

  it('sends --token as the bearer subprotocol, and exits 1 naming the token options when the bridge answers 401', async () => {
    const server = await startScriptServer();
    try {
      server.behaviour.refuse = (h) => (h.protocols.includes('bearer.good.jwt.sig') ? undefined : 401);
      const args = ['publish', '--url', server.url, '--topic', 't', '--message', '1', '--id', 'tok-1'];
      const accepted = await runCli([...args, '--token', 'good.jwt.sig']);
      expect(accepted).toEqual({ code: 0, stdout: '{"id":"tok-1","delivered":1}\n', stderr: '' });
      const refused = await runCli([
        'subscribe',
        '--url',
        server.url,
        '--topic',
        't',
        '--token',
        'bad.jwt.sig',
      ]);
      expect(refused).toEqual({
        code: 1,
        stdout: '',
        stderr: `device-agent: cannot connect to ${server.url}: the bridge refused the connection (HTTP 401). Check --token or --token-file (and that the token grants these topics).\n`,
      });
      expect(server.handshakes.map((h) => h.protocols)).toEqual([
        ['topic-bridge.v1', 'bearer.good.jwt.sig'],
        ['topic-bridge.v1', 'bearer.bad.jwt.sig'],
      ]);
      const both = await runCli([...args, '--token', 'a', '--token-file', '/nonexistent']);
      expect(both).toMatchObject({
        code: 2,
        stderr: expect.stringContaining('give --token or --token-file, not both'),
      });
    } finally {
      await server.close();
    }
  });
});
