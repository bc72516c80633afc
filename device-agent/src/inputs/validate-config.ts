import { ok, type Result } from '@topic-bridge/shared-types';
import { validateCommandConfig } from './command/command-config.js';
import { ConfigIssue } from './config-reader.js';
import { INPUT_TYPES, type InputConfig } from './config-types.js';
import { validateFileConfig } from './file/file-config.js';
import { validateMqttConfig } from './mqtt/mqtt-config.js';
import { validateSimulatedConfig } from './simulated/simulated-config.js';
import { validateStdinConfig } from './stdin/stdin-config.js';

/** Why the `inputs:` list was refused: the key path, what is wrong with it, and both as one sentence. */
export interface InputsConfigProblem {
  /** e.g. `inputs[2].intervalSeconds` */
  keyPath: string;
  /** e.g. `must be a positive number, not -1` */
  problem: string;
  /** `keyPath` and `problem` together: `inputs[2].intervalSeconds must be a positive number, not -1`. */
  reason: string;
}

/**
 * Validates the agent config's `inputs:` list and fills in every default (`inputs/defaults.ts`). An absent
 * list is an empty one. Never throws: the first problem found is returned with its key path.
 */
export function validateInputsConfig(raw: unknown): Result<InputConfig[], InputsConfigProblem> {
  try {
    return ok(validateList(raw));
  } catch (error) {
    if (!(error instanceof ConfigIssue)) throw error;
    return { ok: false, error: { keyPath: error.keyPath, problem: error.problem, reason: error.message } };
  }
}

function validateList(raw: unknown): InputConfig[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new ConfigIssue('inputs', 'must be a list of inputs, each with a "type"');
  const configs = raw.map((item, index) => validateOne(item, `inputs[${index}]`));
  const seen = new Map<string, number>();
  for (const [index, config] of configs.entries()) {
    const earlier = seen.get(config.name);
    if (earlier !== undefined) {
      throw new ConfigIssue(
        `inputs[${index}].name`,
        `"${config.name}" is already the name of inputs[${earlier}]; give each input its own "name"`,
      );
    }
    seen.set(config.name, index);
  }
  const stdinInputs = configs.flatMap((config, index) => (config.type === 'stdin' ? [index] : []));
  if (stdinInputs.length > 1) {
    throw new ConfigIssue(`inputs[${stdinInputs[1]}].type`, '"stdin" may be used by one input only');
  }
  return configs;
}

function validateOne(raw: unknown, path: string): InputConfig {
  const type = (raw as { type?: unknown } | null)?.type;
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw) && type === undefined) {
    throw new ConfigIssue(`${path}.type`, `is required (one of ${INPUT_TYPES.join(', ')})`);
  }
  switch (type) {
    case 'mqtt':
      return validateMqttConfig(raw, path);
    case 'file':
      return validateFileConfig(raw, path);
    case 'command':
      return validateCommandConfig(raw, path);
    case 'stdin':
      return validateStdinConfig(raw, path);
    case 'simulated':
      return validateSimulatedConfig(raw, path);
    default:
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        throw new ConfigIssue(path, 'must be a mapping with a "type" such as {type: simulated}');
      }
      throw new ConfigIssue(
        `${path}.type`,
        `must be one of ${INPUT_TYPES.join(', ')}, not ${JSON.stringify(type)}`,
      );
  }
}
