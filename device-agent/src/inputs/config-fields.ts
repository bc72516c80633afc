import { validatePublishTopic } from '@topic-bridge/shared-types';
import { ConfigIssue, type MappingReader } from './config-reader.js';
import { PARSE_MODES, type ParseMode, type ValueRule } from './config-types.js';
import { DEFAULT_OFFSET, DEFAULT_SCALE } from './defaults.js';

/** Readers for the keys several inputs share: `name`, topics and the value rule. */

/** The keys every input accepts. */
export const COMMON_KEYS = ['type', 'name'] as const;

/** The keys of a value rule (`parse`, `scale`, …). */
export const VALUE_RULE_KEYS = ['parse', 'scale', 'offset', 'decimals', 'unit'] as const;

/** The input's `name`, or a default built from its type and what it reads. */
export function readName(reader: MappingReader, fallback: string): string {
  return reader.optionalString('name') ?? fallback;
}

/** A topic that must be a valid bridge publish topic. */
export function readTopic(reader: MappingReader, key: string): string {
  const topic = reader.string(key);
  const checked = validatePublishTopic(topic);
  if (!checked.ok) throw new ConfigIssue(reader.pathOf(key), `is not a valid topic: ${checked.error.reason}`);
  return topic;
}

/** An optional bridge publish topic. */
export function readOptionalTopic(reader: MappingReader, key: string): string | undefined {
  return reader.has(key) ? readTopic(reader, key) : undefined;
}

/** Reads `parse`, `scale`, `offset`, `decimals` and `unit`, refusing number rules where no number is parsed. */
export function readValueRule(reader: MappingReader, defaultParse: ParseMode): ValueRule {
  const parse = reader.oneOf('parse', PARSE_MODES, defaultParse);
  const rule: ValueRule = {
    parse,
    scale: reader.number('scale', { default: DEFAULT_SCALE }),
    offset: reader.number('offset', { default: DEFAULT_OFFSET }),
  };
  const decimals = reader.optionalNumber('decimals', { integer: true, min: 0, max: 12 });
  if (decimals !== undefined) rule.decimals = decimals;
  const unit = reader.optionalString('unit');
  if (unit !== undefined) rule.unit = unit;
  const numberKeys = ['scale', 'offset', 'decimals'].filter((key) => reader.has(key));
  if ((parse === 'json' || parse === 'text') && numberKeys.length > 0) {
    throw new ConfigIssue(
      reader.pathOf(numberKeys[0] as string),
      `applies to numbers only; use parse: number or auto, or remove it (parse is "${parse}")`,
    );
  }
  if (parse === 'json' && unit !== undefined) {
    throw new ConfigIssue(
      reader.pathOf('unit'),
      'cannot be added to JSON messages; remove it or use parse: auto',
    );
  }
  return rule;
}
