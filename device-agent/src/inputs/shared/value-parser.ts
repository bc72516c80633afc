import { type JsonValue, validatePublishTopic } from '@topic-bridge/shared-types';
import type { ValueRule } from '../config-types.js';
import { SCALED_VALUE_PRECISION } from '../defaults.js';

/** A parsed message, or a sentence saying why the text was not one. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

function shown(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

/** Applies scale, offset and rounding to a number read from a sensor. */
export function scaleNumber(raw: number, rule: ValueRule): number {
  let value = raw;
  if (rule.scale !== 1 || rule.offset !== 0) {
    value = Number((raw * rule.scale + rule.offset).toPrecision(SCALED_VALUE_PRECISION));
  }
  return rule.decimals === undefined ? value : Number(value.toFixed(rule.decimals));
}

function wrap(value: JsonValue, rule: ValueRule): JsonValue {
  return rule.unit === undefined ? { value } : { value, unit: rule.unit };
}

/**
 * Turns text (a file's content, a command's output, a line) into a message by the rule: numbers become
 * `{ value, unit? }` after scaling; `json` keeps the parsed JSON; `auto` tries a number, then a JSON object
 * or list (kept as is) or scalar (wrapped), then plain text (wrapped).
 */
export function parseValue(text: string, rule: ValueRule): Parsed<JsonValue> {
  const trimmed = text.trim();
  if (rule.parse === 'text') return { ok: true, value: wrap(trimmed, rule) };
  if (NUMBER.test(trimmed)) return { ok: true, value: wrap(scaleNumber(Number(trimmed), rule), rule) };
  if (rule.parse === 'number') return { ok: false, reason: `${shown(trimmed)} is not a number` };
  let json: JsonValue;
  try {
    json = JSON.parse(trimmed) as JsonValue;
  } catch {
    if (rule.parse === 'json') return { ok: false, reason: `${shown(trimmed)} is not valid JSON` };
    return { ok: true, value: wrap(trimmed, rule) };
  }
  if (rule.parse === 'json' || (typeof json === 'object' && json !== null)) return { ok: true, value: json };
  return { ok: true, value: wrap(json, rule) };
}

/** A reading parsed from one line of a stream: its topic and message. */
export interface LineReading {
  topic: string;
  message: JsonValue;
}

/**
 * Parses one line of stdin or of a streaming command: `{"topic":…,"message":…}` names its own topic; any
 * other line is a value for the fixed topic. Blank lines yield `undefined`.
 */
export function parseLine(
  line: string,
  rule: ValueRule,
  fixedTopic?: string,
): Parsed<LineReading> | undefined {
  const trimmed = line.trim();
  if (trimmed.length === 0) return undefined;
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      parsed = undefined;
    }
    const routed = parsed as { topic?: unknown; message?: unknown } | undefined;
    if (routed !== undefined && typeof routed.topic === 'string' && routed.message !== undefined) {
      const topic = validatePublishTopic(routed.topic);
      if (!topic.ok) return { ok: false, reason: `the line's ${topic.error.reason}` };
      return { ok: true, value: { topic: topic.value, message: routed.message as JsonValue } };
    }
  }
  if (fixedTopic === undefined) {
    return {
      ok: false,
      reason: `${shown(trimmed)} is not {"topic":…,"message":…} and the input has no "topic" for plain values`,
    };
  }
  const value = parseValue(trimmed, rule);
  return value.ok ? { ok: true, value: { topic: fixedTopic, message: value.value } } : value;
}
