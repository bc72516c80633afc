import { afterEach, describe, expect, it, vi } from 'vitest';
import { createInput, type SimulatedInputConfig, validateInputsConfig } from '../../src/inputs/index.js';
import { simulatedValue } from '../../src/inputs/simulated/simulated-input.js';
import { RecordingContext } from './support/recording-context.js';

function simulatedConfig(extra: Record<string, unknown>): SimulatedInputConfig {
  const validated = validateInputsConfig([{ type: 'simulated', ...extra }]);
  if (!validated.ok) throw new Error(validated.error.reason);
  return validated.value[0] as SimulatedInputConfig;
}

describe('simulated input', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('follows a sine around the center, one phase per topic, plus noise', () => {
    const config = simulatedConfig({
      topics: ['a', 'b'],
      periodSeconds: 40,
      center: 20,
      amplitude: 4,
      noise: 0.5,
    });
    expect(simulatedValue(config, 0, 0, 0.5)).toBe(20);
    expect(simulatedValue(config, 10_000, 0, 0.5)).toBe(24); // a quarter period: the crest
    expect(simulatedValue(config, 30_000, 0, 0.5)).toBe(16);
    expect(simulatedValue(config, 0, 1, 0.5)).toBe(20); // half a period later for the second topic
    expect(simulatedValue(config, 10_000, 1, 0.5)).toBe(16);
    expect(simulatedValue(config, 0, 0, 1)).toBe(20.5); // noise at its largest
    expect(simulatedValue(config, 0, 0, 0)).toBe(19.5);
  });

  it('emits { value, unit } for each topic every interval (fake timers)', async () => {
    vi.useFakeTimers({ now: 0 });
    const config = simulatedConfig({
      topics: ['demo/a', 'demo/b'],
      intervalSeconds: 5,
      periodSeconds: 20,
      noise: 0,
    });
    const context = new RecordingContext();
    const input = createInput(config, { random: () => 0.5 });
    await input.start(context);
    await vi.advanceTimersByTimeAsync(5_000);
    await vi.advanceTimersByTimeAsync(5_000);
    await input.stop();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(context.readings).toEqual([
      { topic: 'demo/a', message: { value: 21, unit: '°C' }, readAt: 0 },
      { topic: 'demo/b', message: { value: 21, unit: '°C' }, readAt: 0 },
      { topic: 'demo/a', message: { value: 24, unit: '°C' }, readAt: 5_000 },
      { topic: 'demo/b', message: { value: 18, unit: '°C' }, readAt: 5_000 },
      { topic: 'demo/a', message: { value: 21, unit: '°C' }, readAt: 10_000 },
      { topic: 'demo/b', message: { value: 21, unit: '°C' }, readAt: 10_000 },
    ]);
  });
});
