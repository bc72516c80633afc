import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createInput, validateInputsConfig } from '../../src/inputs/index.js';
import { tempDir } from '../support/temp-dir.js';
import { RecordingContext } from './support/recording-context.js';

describe('file input (fake timers, a real file)', () => {
  let dir: { dir: string; remove: () => Promise<void> };
  beforeEach(async () => {
    dir = await tempDir('file-input');
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(async () => {
    vi.useRealTimers();
    await dir.remove();
  });

  function fileInput(file: string, extra: Record<string, unknown> = {}) {
    const validated = validateInputsConfig([
      { type: 'file', path: file, topic: 'gw/cpu', intervalSeconds: 10, scale: 0.001, unit: '°C', ...extra },
    ]);
    if (!validated.ok) throw new Error(validated.error.reason);
    return createInput(validated.value[0] as Parameters<typeof createInput>[0]);
  }

  /** Lets the file reads (real I/O) finish while the fake clock stands still. */
  async function settle(context: RecordingContext, count: number) {
    await vi.waitFor(() => expect(context.readings.length).toBe(count), { timeout: 5_000, interval: 5 });
  }

  it('reads at start and every interval, scaled, with the unit and the read time', async () => {
    const file = path.join(dir.dir, 'temp');
    await writeFile(file, '45123\n');
    const context = new RecordingContext();
    const input = fileInput(file);
    await input.start(context);
    await settle(context, 1);
    await writeFile(file, '46000\n');
    await vi.advanceTimersByTimeAsync(10_000);
    await settle(context, 2);
    await input.stop();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(context.readings).toEqual([
      { topic: 'gw/cpu', message: { value: 45.123, unit: '°C' }, readAt: 1_000_000 },
      { topic: 'gw/cpu', message: { value: 46, unit: '°C' }, readAt: 1_010_000 },
    ]);
  });

  it('logs a read error once, keeps polling, and logs the recovery', async () => {
    const file = path.join(dir.dir, 'missing');
    const context = new RecordingContext();
    const input = fileInput(file);
    await input.start(context);
    await vi.waitFor(() => expect(context.logs.length).toBe(1), { timeout: 5_000, interval: 5 });
    await vi.advanceTimersByTimeAsync(10_000);
    await vi.waitFor(() => expect(context.logs.length).toBe(2), { timeout: 5_000, interval: 5 });
    await writeFile(file, 'oops');
    await vi.advanceTimersByTimeAsync(10_000);
    await vi.waitFor(() => expect(context.logs.length).toBe(3), { timeout: 5_000, interval: 5 });
    await writeFile(file, '1000');
    await vi.advanceTimersByTimeAsync(10_000);
    await settle(context, 1);
    await input.stop();
    expect(
      context.logs.map((line) => [line.level, line.message, line.fields.reason ?? line.fields.previous]),
    ).toEqual([
      ['warn', 'cannot read the file; will try again at the next interval', 'ENOENT'],
      ['debug', 'cannot read the file; will try again at the next interval', 'ENOENT'],
      ['warn', 'cannot parse the file content; skipped', '"oops" is not a number'],
      ['info', 'the file reads again', '"oops" is not a number'],
    ]);
    expect(context.readings.map((reading) => reading.message)).toEqual([{ value: 1, unit: '°C' }]);
  });

  it('logs the agent refusing a reading and goes on', async () => {
    const file = path.join(dir.dir, 'temp');
    await writeFile(file, '1');
    const context = new RecordingContext();
    context.answer = () => ({ accepted: false, reason: 'too large' });
    const input = fileInput(file);
    await input.start(context);
    await settle(context, 1);
    await vi.waitFor(() =>
      expect(context.lines('warn')).toEqual(['reading refused by the agent; skipped: too large']),
    );
    await input.stop();
  });
});
