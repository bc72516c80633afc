import {
  COMMON_KEYS,
  readName,
  readOptionalTopic,
  readValueRule,
  VALUE_RULE_KEYS,
} from '../config-fields.js';
import { ConfigIssue, MappingReader } from '../config-reader.js';
import type { CommandInputConfig } from '../config-types.js';
import {
  DEFAULT_COMMAND_INTERVAL_SECONDS,
  DEFAULT_COMMAND_MODE,
  DEFAULT_COMMAND_TIMEOUT_SECONDS,
  DEFAULT_RESTART_MAX_SECONDS,
  DEFAULT_RESTART_MIN_SECONDS,
  DEFAULT_TEXT_PARSE,
} from '../defaults.js';

const KEYS = [
  ...COMMON_KEYS,
  ...VALUE_RULE_KEYS,
  'command',
  'mode',
  'topic',
  'intervalSeconds',
  'timeoutSeconds',
  'restartMinSeconds',
  'restartMaxSeconds',
  'cwd',
];

/** Validates a `command` input: the command, its mode (`poll` or `stream`), timing and the value rule. */
export function validateCommandConfig(raw: unknown, path: string): CommandInputConfig {
  const reader = MappingReader.of(raw, path);
  reader.rejectUnknownKeys(KEYS, 'a "command" input');
  const command = readCommand(reader);
  const mode = reader.oneOf('mode', ['poll', 'stream'] as const, DEFAULT_COMMAND_MODE);
  const config: CommandInputConfig = {
    type: 'command',
    name: readName(reader, `command:${Array.isArray(command) ? command.join(' ') : command}`),
    command,
    mode,
    intervalSeconds: reader.number('intervalSeconds', {
      default: DEFAULT_COMMAND_INTERVAL_SECONDS,
      positive: true,
    }),
    timeoutSeconds: reader.number('timeoutSeconds', {
      default: DEFAULT_COMMAND_TIMEOUT_SECONDS,
      positive: true,
    }),
    restartMinSeconds: reader.number('restartMinSeconds', {
      default: DEFAULT_RESTART_MIN_SECONDS,
      positive: true,
    }),
    restartMaxSeconds: reader.number('restartMaxSeconds', {
      default: DEFAULT_RESTART_MAX_SECONDS,
      positive: true,
    }),
    ...readValueRule(reader, DEFAULT_TEXT_PARSE),
  };
  if (config.restartMaxSeconds < config.restartMinSeconds) {
    throw new ConfigIssue(reader.pathOf('restartMaxSeconds'), 'must not be less than restartMinSeconds');
  }
  const topic = readOptionalTopic(reader, 'topic');
  if (topic !== undefined) config.topic = topic;
  else if (mode === 'poll') throw new ConfigIssue(reader.pathOf('topic'), 'is required in "poll" mode');
  const cwd = reader.optionalString('cwd');
  if (cwd !== undefined) config.cwd = cwd;
  return config;
}

function readCommand(reader: MappingReader): string | string[] {
  const value = reader.raw.command;
  if (Array.isArray(value)) {
    if (value.length === 0 || !value.every((part) => typeof part === 'string' && part.length > 0)) {
      throw new ConfigIssue(reader.pathOf('command'), 'must be a non-empty list of non-empty strings');
    }
    return value as string[];
  }
  return reader.string('command');
}
