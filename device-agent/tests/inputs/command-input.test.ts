import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createInput, type Input, validateInputsConfig } from '../../src/inputs/index.js';
import { tempDir } from '../support/temp-dir.js';
import { RecordingContext } from './support/recording-context.js';

/** Real processes with short intervals (fake timers cannot drive a child process). */
describe('command input', () => {
  let dir: { dir: string; remove: () => Promise<void> };
  const inputs: Input[] = [];
  beforeEach(async () => {
    dir = await tempDir('command-input');
  });
  afterEach(async () => {
    await Promise.all(inputs.splice(0).map((input) => input.stop()));
    await dir.remove();
  });

  function commandInput(config: Record<string, unknown>): Input {
    const validated = validateInputsConfig([{ type: 'command', ...config }]);
    if (!validated.ok) throw new Error(validated.error.reason);
    const input = createInput(validated.value[0] as Parameters<typeof createInput>[0]);
    inputs.push(input);
    return input;
  }

  const waitFor = (check: () => void) => vi.waitFor(check, { timeout: 10_000, interval: 20 });

  it('poll: runs every interval and parses stdout as a number or JSON', async () => {
    const counter = path.join(dir.dir, 'count');
    await writeFile(counter, '0');
    const script = `n=$(cat ${counter}); echo $((n+1)) > ${counter}; if [ $n = 0 ]; then echo 4200; else echo '{"n":'$n'}'; fi`;
    const context = new RecordingContext();
    await commandInput({ command: script, topic: 'gw/cmd', intervalSeconds: 0.05, scale: 0.01 }).start(
      context,
    );
    await context.waitForReadings(3);
    expect(context.readings.slice(0, 3).map((reading) => [reading.topic, reading.message])).toEqual([
      ['gw/cmd', { value: 42 }],
      ['gw/cmd', { n: 1 }],
      ['gw/cmd', { n: 2 }],
    ]);
  });

  it('poll: a failing command is logged with its stderr, once while it keeps failing', async () => {
    const context = new RecordingContext();
    await commandInput({ command: 'echo broken >&2; exit 3', topic: 'gw/cmd', intervalSeconds: 0.05 }).start(
      context,
    );
    await waitFor(() => expect(context.logs.length).toBeGreaterThanOrEqual(3));
    expect(context.lines('warn')).toEqual([
      'the command gave no reading; will run it again at the next interval: the command exited with code 3; stderr: broken',
    ]);
    expect(context.readings).toEqual([]);
  });

  it('poll: a command that hangs is killed after timeoutSeconds', async () => {
    const context = new RecordingContext();
    await commandInput({ command: ['sleep', '30'], topic: 'gw/cmd', timeoutSeconds: 0.2 }).start(context);
    await waitFor(() =>
      expect(context.lines('warn')).toEqual([
        'the command gave no reading; will run it again at the next interval: the command did not finish within 0.2 s and was killed',
      ]),
    );
  });

  it('stream: one reading per line, JSON lines route themselves, bad lines skipped', async () => {
    const context = new RecordingContext();
    const lines = [
      '21.5',
      '{"topic":"gw/other","message":{"ok":true}}',
      '{"topic":"bad/#","message":1}',
      'hello',
    ];
    const script = `printf '${lines.join('\\n')}\\n'; sleep 30`;
    await commandInput({ command: script, mode: 'stream', topic: 'gw/line', unit: 'V' }).start(context);
    await context.waitForReadings(3);
    expect(context.readings.map((reading) => [reading.topic, reading.message])).toEqual([
      ['gw/line', { value: 21.5, unit: 'V' }],
      ['gw/other', { ok: true }],
      ['gw/line', { value: 'hello', unit: 'V' }],
    ]);
    expect(context.lines('warn')).toEqual([
      `bad input line skipped: the line's topic "bad/#" contains a wildcard ("+" or "#"); wildcards are only for subscriptions`,
    ]);
  });

  it('stream: restarts a command that exits, with backoff', async () => {
    const context = new RecordingContext();
    const input = commandInput({
      command: 'echo 1; exit 0',
      mode: 'stream',
      topic: 'gw/line',
      restartMinSeconds: 0.05,
      restartMaxSeconds: 0.1,
    });
    await input.start(context);
    await context.waitForReadings(3);
    const restarts = context.logs.filter(
      (line) => line.message === 'the command exited with code 0; restarting it',
    );
    expect(restarts.length).toBeGreaterThanOrEqual(2);
    for (const line of restarts) {
      expect(line.fields.delayMs).toBeGreaterThanOrEqual(50);
      expect(line.fields.delayMs).toBeLessThanOrEqual(100);
    }
  });

  it('stream: stop kills the whole process group', async () => {
    const pidFile = path.join(dir.dir, 'pid');
    const context = new RecordingContext();
    const input = commandInput({
      command: `sleep 30 & echo $! > ${pidFile}; echo 1; wait`,
      mode: 'stream',
      topic: 't',
    });
    await input.start(context);
    await context.waitForReadings(1);
    const grandchild = Number(await readFile(pidFile, 'utf8'));
    expect(isAlive(grandchild)).toBe(true);
    await input.stop();
    await waitFor(() => expect(isAlive(grandchild)).toBe(false));
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
