import {
  COMMON_KEYS,
  readName,
  readOptionalTopic,
  readValueRule,
  VALUE_RULE_KEYS,
} from '../config-fields.js';
import { MappingReader } from '../config-reader.js';
import type { StdinInputConfig } from '../config-types.js';
import { DEFAULT_TEXT_PARSE } from '../defaults.js';

const KEYS = [...COMMON_KEYS, ...VALUE_RULE_KEYS, 'topic'];

/** Validates a `stdin` input: an optional fixed topic for plain values and the value rule. */
export function validateStdinConfig(raw: unknown, path: string): StdinInputConfig {
  const reader = MappingReader.of(raw, path);
  reader.rejectUnknownKeys(KEYS, 'a "stdin" input');
  const config: StdinInputConfig = {
    type: 'stdin',
    name: readName(reader, 'stdin'),
    ...readValueRule(reader, DEFAULT_TEXT_PARSE),
  };
  const topic = readOptionalTopic(reader, 'topic');
  if (topic !== undefined) config.topic = topic;
  return config;
}
