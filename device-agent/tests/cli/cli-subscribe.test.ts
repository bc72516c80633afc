import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { type ScriptServer, startScriptServer } from '../support/script-server.js';

/** Waits on real time (the CLI runs with real timers). */
async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const send = (server: ScriptServer, socket: number, frame: object | string) =>
  server.sockets[socket]?.send(typeof frame === 'string' ? frame : JSON.stringify(frame));

/** What the CLI sent on one socket, ids left out (they are generated). */
const sent = (server: ScriptServer, socket: number) =>
  server.received.filter((r) => r.socket === socket).map(({ frame: { id: _id, ...rest } }) => rest);

describe('device-agent subscribe: retained values, history and catch-up (against a scripted bridge)', () => {
  let server: ScriptServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('prints the retained value first, marked "replay":"retained", and live frames exactly as before', async () => {
    const s = await startScriptServer();
    server = s;
    s.behaviour.reply = (frame) => {
      if (frame.action !== 'retained') return undefined;
      queueMicrotask(() => send(s, 0, '{"topic":"s/a","message":21.5,"id":"r1","replay":"retained"}'));
      return { type: 'retained', topic: frame.topic, id: frame.id, count: 1 };
    };
    const run = runCli(['subscribe', '--url', s.url, '--topic', 's/+', '--count', '2']);
    await waitFor(() => sent(s, 0).length === 1, 'the retained request');
    send(s, 0, { topic: 's/b', message: { c: 1 }, id: 'live-1' });
    const result = await run;
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      '{"topic":"s/a","message":21.5,"id":"r1","replay":"retained"}\n{"topic":"s/b","message":{"c":1},"id":"live-1"}\n',
    );
    expect(sent(s, 0)).toEqual([{ action: 'retained', topic: 's/+' }]);
  });

  it('after a reconnect prints what was missed, marked "replay":"history", before the live frames', async () => {
    const s = await startScriptServer();
    server = s;
    s.behaviour.reply = (frame) => {
      if (frame.action === 'retained')
        return { type: 'retained', topic: frame.topic, id: frame.id, count: 0 };
      if (frame.action !== 'history') return undefined;
      const socket = s.sockets.length - 1;
      queueMicrotask(() => {
        // A live frame first (it must wait), then the history and its summary.
        send(s, socket, { topic: 'h', message: 3, id: 'm3' });
        send(s, socket, '{"topic":"h","message":2,"id":"m2","replay":"history"}');
        send(s, socket, '{"topic":"h","message":3,"id":"m3","replay":"history"}');
        send(s, socket, { type: 'history', topic: 'h', id: frame.id, count: 2, more: false });
        send(s, socket, { topic: 'h', message: 4, id: 'm4' });
      });
      return undefined;
    };
    const run = runCli(['subscribe', '--url', s.url, '--topic', 'h', '--count', '4']);
    await waitFor(() => sent(s, 0).length === 1, 'the first connection');
    send(s, 0, { topic: 'h', message: 1, id: 'm1' });
    await waitFor(() => s.received.length === 1 && s.sockets.length === 1, 'settled');
    await new Promise((resolve) => setTimeout(resolve, 50));
    s.sockets[0]?.terminate();
    const result = await run;
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        '{"topic":"h","message":1,"id":"m1"}',
        '{"topic":"h","message":2,"id":"m2","replay":"history"}',
        '{"topic":"h","message":3,"id":"m3","replay":"history"}',
        '{"topic":"h","message":4,"id":"m4"}',
        '',
      ].join('\n'),
    );
    expect(sent(s, 1)).toEqual([
      { action: 'retained', topic: 'h' },
      { action: 'history', topic: 'h', since: 'm1' },
    ]);
  });

  it('--no-retained and --no-catch-up send neither request; --history N asks first and says when the bridge keeps none', async () => {
    const s = await startScriptServer();
    server = s;
    const run = runCli([
      'subscribe',
      '--url',
      s.url,
      '--topic',
      'q',
      '--count',
      '1',
      '--no-retained',
      '--no-catch-up',
    ]);
    await waitFor(() => s.sockets.length === 1, 'the connection');
    await new Promise((resolve) => setTimeout(resolve, 100));
    send(s, 0, { topic: 'q', message: 'live', id: 'q1' });
    expect(await run).toMatchObject({ code: 0, stdout: '{"topic":"q","message":"live","id":"q1"}\n' });
    expect(sent(s, 0)).toEqual([]);

    s.behaviour.reply = (frame) =>
      frame.action === 'history'
        ? { type: 'error', code: 'history_not_enabled', reason: 'no history', id: frame.id }
        : undefined;
    const controller = new AbortController();
    let stderr = '';
    const asked = runCli(['subscribe', '--url', s.url, '--topic', 'q', '--history', '5', '--no-retained'], {
      signal: controller.signal,
      onStderr: (written) => {
        stderr = written;
      },
    });
    await waitFor(
      () => s.received.some((r) => r.socket === 1 && r.frame.action === 'history'),
      'the request',
    );
    // Stopped once it has said so, not after a fixed 100 ms a loaded machine may not give it.
    await waitFor(() => stderr.includes('keeps no history'), 'the notice on stderr');
    controller.abort();
    const result = await asked;
    expect(sent(s, 1)).toEqual([{ action: 'history', topic: 'q' }]);
    expect(result.stderr).toContain(
      'device-agent: the bridge keeps no history for "q": frames missed while disconnected are not fetched\n',
    );
  });

  it('exits 2 on a bad --history', async () => {
    const run = await runCli(['subscribe', '--url', 'ws://x', '--topic', 't', '--history', '-1']);
    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'device-agent: --history must be an integer from 0 to 1000\nRun `device-agent subscribe --help` for usage.\n',
    });
  });
});
