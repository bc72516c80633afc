import { COMMON_KEYS, readName, readTopic, readValueRule, VALUE_RULE_KEYS } from '../config-fields.js';
import { MappingReader } from '../config-reader.js';
import type { FileInputConfig } from '../config-types.js';
import { DEFAULT_FILE_INTERVAL_SECONDS, DEFAULT_FILE_PARSE } from '../defaults.js';

const KEYS = [...COMMON_KEYS, ...VALUE_RULE_KEYS, 'path', 'topic', 'intervalSeconds'];

/** Validates a `file` input: the path to poll, the topic, the interval and the value rule. */
export function validateFileConfig(raw: unknown, path: string): FileInputConfig {
  const reader = MappingReader.of(raw, path);
  reader.rejectUnknownKeys(KEYS, 'a "file" input');
  const filePath = reader.string('path');
  return {
    type: 'file',
    name: readName(reader, `file:${filePath}`),
    path: filePath,
    topic: readTopic(reader, 'topic'),
    intervalSeconds: reader.number('intervalSeconds', {
      default: DEFAULT_FILE_INTERVAL_SECONDS,
      positive: true,
    }),
    ...readValueRule(reader, DEFAULT_FILE_PARSE),
  };
}
