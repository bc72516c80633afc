import { afterEach, describe, expect, it } from 'vitest';
import { MAX_PENDING_EMITS } from '../../src/inputs/defaults.js';
import {
  createInput,
  type EmitResult,
  type Input,
  type InputContext,
  type Reading,
  validateInputsConfig,
} from '../../src/inputs/index.js';
import { sleep } from '../../src/timers.js';
import { FakeClock } from '../support/fake-clock.js';
import { until } from '../support/script-server.js';
import { RecordingContext } from './support/recording-context.js';

/** The queue's fsync as the inputs see it: every emit answers `fsyncMs` later on the fake clock. */
function slowQueue(
  clock: FakeClock,
  fsyncMs: number | 'never',
): { context: InputContext; readings: Reading[] } {
  const recording = new RecordingContext();
  const context: InputContext = {
    logger: recording.logger,
    emit: async (reading): Promise<EmitResult> => {
      const answer = await recording.emit(reading);
      if (fsyncMs === 'never') await new Promise(() => {});
      else await sleep(clock, fsyncMs);
      return answer;
    },
  };
  return { context, readings: recording.readings };
}

function input(config: Record<string, unknown>, clock: FakeClock, extra: object = {}): Input {
  const validated = validateInputsConfig([config]);
  if (!validated.ok) throw new Error(validated.error.reason);
  return createInput(validated.value[0] as Parameters<typeof createInput>[0], {
    clock: clock.now,
    timers: clock,
    random: () => 0.5,
    stopGraceMs: 0,
    ...extra,
  });
}

/** Advances one poll interval at a time, waiting after each for the poll's real I/O (file read, process). */
async function runPolls(
  clock: FakeClock,
  readings: Reading[],
  polls: number,
  intervalMs: number,
): Promise<void> {
  await until(() => readings.length === 1, 'the first poll');
  for (let poll = 2; poll <= polls; poll++) {
    await clock.advance(intervalMs);
    await until(() => readings.length === poll, `poll ${poll} at ${clock.now()} ms`);
  }
}

describe('polled inputs keep their schedule while the queue fsyncs (fake clock)', () => {
  const started: { input: Input; clock: FakeClock }[] = [];
  afterEach(async () => {
    for (const { input: running, clock } of started.splice(0)) {
      // stop() waits up to stopGraceMs on the input's (fake) timers for the emits still pending.
      const stopping = running.stop();
      await clock.advance(1000);
      await stopping;
    }
  });

  it('simulated, every 50 ms with a 200 ms fsync: exactly 21 readings over 1 s (was about 6)', async () => {
    const clock = new FakeClock();
    const { context, readings } = slowQueue(clock, 200);
    const simulated = input({ type: 'simulated', topics: ['s/a'], intervalSeconds: 0.05 }, clock);
    started.push({ input: simulated, clock });
    await simulated.start(context);
    await runPolls(clock, readings, 21, 50);
    expect(readings.map((r) => r.readAt)).toEqual(Array.from({ length: 21 }, (_, i) => i * 50));
  });

  it('file, every 50 ms with a 200 ms fsync: exactly 21 readings over 1 s', async () => {
    const clock = new FakeClock();
    const { context, readings } = slowQueue(clock, 200);
    const file = input({ type: 'file', path: '/sensor', topic: 'f/t', intervalSeconds: 0.05 }, clock, {
      readTextFile: async () => ({ text: '42\n', truncated: false }),
    });
    started.push({ input: file, clock });
    await file.start(context);
    await runPolls(clock, readings, 21, 50);
    expect(readings.map((r) => r.readAt)).toEqual(Array.from({ length: 21 }, (_, i) => i * 50));
  });

  it('command, every 50 ms with a 200 ms fsync: exactly 11 runs over 0.5 s (a real process each)', async () => {
    const clock = new FakeClock();
    const { context, readings } = slowQueue(clock, 200);
    const command = input({ type: 'command', command: 'echo 7', topic: 'c/t', intervalSeconds: 0.05 }, clock);
    started.push({ input: command, clock });
    await command.start(context);
    await runPolls(clock, readings, 11, 50);
    expect(readings.map((r) => [r.readAt, r.message])).toEqual(
      Array.from({ length: 11 }, (_, i) => [i * 50, { value: 7 }]),
    );
  });

  it('the emit window bounds what is pending: with a queue that never answers, polling stops at the window', async () => {
    const clock = new FakeClock();
    const { context, readings } = slowQueue(clock, 'never');
    const simulated = input({ type: 'simulated', topics: ['s/a'], intervalSeconds: 0.05 }, clock);
    started.push({ input: simulated, clock });
    await simulated.start(context);
    for (let step = 0; step < 40; step++) await clock.advance(MAX_PENDING_EMITS * 2.5);
    expect(readings).toHaveLength(MAX_PENDING_EMITS);
  });
});
