import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createInput, type StdinInput, validateInputsConfig } from '../../src/inputs/index.js';
import { RecordingContext } from './support/recording-context.js';

function stdinInput(stdin: PassThrough, extra: Record<string, unknown> = {}): StdinInput {
  const validated = validateInputsConfig([{ type: 'stdin', ...extra }]);
  if (!validated.ok) throw new Error(validated.error.reason);
  return createInput(validated.value[0] as Parameters<typeof createInput>[0], {
    stdin,
    clock: () => 5,
  }) as StdinInput;
}

describe('stdin input', () => {
  it('reads JSON lines and plain values; bad lines are logged with their number and skipped', async () => {
    const stdin = new PassThrough();
    const context = new RecordingContext();
    const input = stdinInput(stdin, { topic: 'gw/plain' });
    await input.start(context);
    stdin.write('{"topic":"a/b","message":{"v":1}}\n12.5\n{"topic":"$x","message":1}\n\n');
    stdin.end('{"topic":"c","message":"last"}');
    await input.ended();
    await input.stop();
    expect(context.readings).toEqual([
      { topic: 'a/b', message: { v: 1 }, readAt: 5 },
      { topic: 'gw/plain', message: { value: 12.5 }, readAt: 5 },
      { topic: 'c', message: 'last', readAt: 5 },
    ]);
    expect(
      context.logs.map((line) => [line.level, line.message, line.fields.line, line.fields.reason]),
    ).toEqual([
      ['warn', 'bad input line skipped', 3, `the line's topic must not start with "$" (reserved)`],
      ['info', 'standard input ended; this input reads nothing more', undefined, undefined],
    ]);
  });

  it('without a topic, plain values are bad lines', async () => {
    const stdin = new PassThrough();
    const context = new RecordingContext();
    const input = stdinInput(stdin);
    await input.start(context);
    stdin.end('42\n');
    await input.ended();
    await input.stop();
    expect(context.readings).toEqual([]);
    expect(context.lines('warn')).toEqual([
      'bad input line skipped: "42" is not {"topic":…,"message":…} and the input has no "topic" for plain values',
    ]);
  });

  it('pauses reading while the agent has 100 readings unanswered, and reads on when they are', async () => {
    const stdin = new PassThrough();
    const context = new RecordingContext();
    context.hold();
    const input = stdinInput(stdin, { topic: 't' });
    await input.start(context);
    stdin.end(`${Array.from({ length: 250 }, (_, i) => i).join('\n')}\n`);
    await context.waitForReadings(100);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(context.readings).toHaveLength(100);
    context.release();
    await context.waitForReadings(250);
    await input.ended();
    await input.stop();
    expect(context.readings.map((reading) => (reading.message as { value: number }).value)).toEqual(
      Array.from({ length: 250 }, (_, i) => i),
    );
  });
});
