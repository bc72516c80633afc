import { validatePublishTopic } from '@topic-bridge/shared-types';
import { COMMON_KEYS, readName } from '../config-fields.js';
import { ConfigIssue, MappingReader } from '../config-reader.js';
import type { SimulatedInputConfig } from '../config-types.js';
import {
  DEFAULT_SIMULATED_AMPLITUDE,
  DEFAULT_SIMULATED_CENTER,
  DEFAULT_SIMULATED_DECIMALS,
  DEFAULT_SIMULATED_INTERVAL_SECONDS,
  DEFAULT_SIMULATED_NOISE,
  DEFAULT_SIMULATED_PERIOD_SECONDS,
  DEFAULT_SIMULATED_UNIT,
} from '../defaults.js';

const KEYS = [
  ...COMMON_KEYS,
  'topic',
  'topics',
  'intervalSeconds',
  'periodSeconds',
  'center',
  'amplitude',
  'noise',
  'unit',
  'decimals',
];

/** Validates a `simulated` input: its topic (or topics) and the shape of its sine. */
export function validateSimulatedConfig(raw: unknown, path: string): SimulatedInputConfig {
  const reader = MappingReader.of(raw, path);
  reader.rejectUnknownKeys(KEYS, 'a "simulated" input');
  const topics = readTopics(reader);
  return {
    type: 'simulated',
    name: readName(reader, `simulated:${topics[0]}`),
    topics,
    intervalSeconds: reader.number('intervalSeconds', {
      default: DEFAULT_SIMULATED_INTERVAL_SECONDS,
      positive: true,
    }),
    periodSeconds: reader.number('periodSeconds', {
      default: DEFAULT_SIMULATED_PERIOD_SECONDS,
      positive: true,
    }),
    center: reader.number('center', { default: DEFAULT_SIMULATED_CENTER }),
    amplitude: reader.number('amplitude', { default: DEFAULT_SIMULATED_AMPLITUDE, min: 0 }),
    noise: reader.number('noise', { default: DEFAULT_SIMULATED_NOISE, min: 0 }),
    unit: reader.optionalString('unit') ?? DEFAULT_SIMULATED_UNIT,
    decimals: reader.number('decimals', {
      default: DEFAULT_SIMULATED_DECIMALS,
      integer: true,
      min: 0,
      max: 12,
    }),
  };
}

function readTopics(reader: MappingReader): string[] {
  if (reader.has('topic') && reader.has('topics')) {
    throw new ConfigIssue(reader.pathOf('topics'), 'cannot be used together with "topic"; keep one');
  }
  const entries = reader.has('topic')
    ? [{ value: reader.raw.topic, path: reader.pathOf('topic') }]
    : reader.has('topics')
      ? reader.list('topics')
      : undefined;
  if (entries === undefined)
    throw new ConfigIssue(reader.pathOf('topic'), 'is required (or "topics", a list)');
  return entries.map(({ value, path }) => {
    const checked = validatePublishTopic(value);
    if (!checked.ok) throw new ConfigIssue(path, `is not a valid topic: ${checked.error.reason}`);
    return checked.value;
  });
}
