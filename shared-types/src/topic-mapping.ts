import {
  MAX_TOPIC_BYTES,
  MAX_TOPIC_LEVELS,
  MULTI_LEVEL_WILDCARD,
  RESERVED_TOPIC_PREFIX,
  SINGLE_LEVEL_WILDCARD,
  TOPIC_LEVEL_SEPARATOR,
} from './limits.js';
import type { JsonValue } from './protocol.js';
import { ok, type Result, reject } from './result.js';
import { topicMatches, validatePublishTopic, validateTopicFilter } from './topics.js';
import { utf8Bytes } from './utf8.js';

/**
 * Maps an MQTT topic to a bridge topic, for the device agent's MQTT input and the IoT Core bridge alike.
 * A mapping pairs an MQTT subscription filter with a template for the bridge topic:
 * - `+` in the template is the value the filter's `+` at the same position (first, second, …) matched;
 * - `#` (whole last level) is every level the filter's `#` matched, or nothing when it matched none;
 * - `{n}` is level n (1-based) of the MQTT topic, as `topic(n)` in an AWS IoT rule; it may sit inside a level.
 * So `sensors/#` → `site1/sensors/#` rewrites a prefix and `devices/+/+` → `site1/{2}/{3}` reorders levels.
 * A template equal to its filter (the default) leaves topics unchanged.
 */

/** One level of a compiled template. */
type TemplatePart =
  | { kind: 'text'; pieces: (string | number)[] } // a number is a 1-based MQTT topic level
  | { kind: 'plus'; ordinal: number } // the value of the filter's `+` number `ordinal` (0-based)
  | { kind: 'hash' };

/** A validated filter and template, ready to map topics. Build it with `compileTopicMapping`. */
export interface TopicMapping {
  readonly filter: string;
  readonly template: string;
  readonly parts: readonly TemplatePart[];
}

const PLACEHOLDER = /\{(\d+)\}/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Validates a filter and a bridge-topic template (absent: the topic is kept as it is) and compiles them.
 * Never throws; the reason names what is wrong in the template.
 */
export function compileTopicMapping(filter: unknown, template?: unknown): Result<TopicMapping> {
  const checkedFilter = validateTopicFilter(filter);
  if (!checkedFilter.ok) return checkedFilter;
  const filterText = checkedFilter.value;
  const templateText = template === undefined ? filterText : template;
  if (typeof templateText !== 'string' || templateText.length === 0) {
    return reject('invalid_topic', 'topic template must be a non-empty string such as "site1/sensors/#"');
  }
  const bad = (why: string) => reject('invalid_topic', `topic template "${templateText}" ${why}`);
  if (utf8Bytes(templateText) > MAX_TOPIC_BYTES) return bad(`is longer than ${MAX_TOPIC_BYTES} bytes`);
  if (CONTROL_CHARACTERS.test(templateText)) return bad('contains control characters');
  if (templateText.startsWith(RESERVED_TOPIC_PREFIX)) {
    return bad(`must not start with "${RESERVED_TOPIC_PREFIX}" (reserved)`);
  }
  const filterLevels = filterText.split(TOPIC_LEVEL_SEPARATOR);
  const filterPluses = filterLevels.filter((level) => level === SINGLE_LEVEL_WILDCARD).length;
  const filterHasHash = filterLevels.at(-1) === MULTI_LEVEL_WILDCARD;
  const levels = templateText.split(TOPIC_LEVEL_SEPARATOR);
  if (levels.length > MAX_TOPIC_LEVELS) return bad(`has more than ${MAX_TOPIC_LEVELS} levels`);
  const parts: TemplatePart[] = [];
  let pluses = 0;
  for (const [index, level] of levels.entries()) {
    if (level === MULTI_LEVEL_WILDCARD) {
      if (index !== levels.length - 1) return bad('has "#" before its last level');
      if (!filterHasHash) return bad(`uses "#" but the filter "${filterText}" does not end with "#"`);
      parts.push({ kind: 'hash' });
    } else if (level === SINGLE_LEVEL_WILDCARD) {
      if (pluses >= filterPluses) {
        return bad(`has more "+" levels than the filter "${filterText}" (${filterPluses})`);
      }
      parts.push({ kind: 'plus', ordinal: pluses++ });
    } else if (level.includes(SINGLE_LEVEL_WILDCARD) || level.includes(MULTI_LEVEL_WILDCARD)) {
      return bad('has "+" or "#" inside a level; a wildcard must be a whole level');
    } else {
      const pieces = parseLevel(level);
      if (typeof pieces === 'string') return bad(pieces);
      const highest = Math.max(0, ...pieces.filter((piece) => typeof piece === 'number'));
      if (!filterHasHash && highest > filterLevels.length) {
        return bad(
          `uses {${highest}} but topics matching "${filterText}" have ${filterLevels.length} levels`,
        );
      }
      parts.push({ kind: 'text', pieces });
    }
  }
  return ok({ filter: filterText, template: templateText, parts });
}

/** Splits a literal level into text and `{n}` placeholders, or says what is wrong with it. */
function parseLevel(level: string): (string | number)[] | string {
  const pieces: (string | number)[] = [];
  let last = 0;
  for (const match of level.matchAll(PLACEHOLDER)) {
    const levelNumber = Number(match[1]);
    if (levelNumber < 1 || levelNumber > MAX_TOPIC_LEVELS) {
      return `has {${match[1]}}; levels are numbered 1 to ${MAX_TOPIC_LEVELS}`;
    }
    if (match.index > last) pieces.push(level.slice(last, match.index));
    pieces.push(levelNumber);
    last = match.index + match[0].length;
  }
  if (last < level.length) pieces.push(level.slice(last));
  const text = pieces.filter((piece) => typeof piece === 'string').join('');
  if (text.includes('{') || text.includes('}')) return 'has a "{" or "}" that is not a placeholder like {1}';
  return pieces;
}

/**
 * Maps an MQTT topic through a compiled mapping. Rejected (never thrown) when the topic does not match the
 * filter, lacks a level the template names, or the result is not a valid bridge publish topic.
 */
export function mapTopic(mapping: TopicMapping, mqttTopic: string): Result<string> {
  if (typeof mqttTopic !== 'string' || mqttTopic.length === 0) {
    return reject('invalid_topic', 'the MQTT topic must be a non-empty string');
  }
  if (!topicMatches(mapping.filter, mqttTopic)) {
    return reject('invalid_topic', `MQTT topic "${mqttTopic}" does not match the filter "${mapping.filter}"`);
  }
  const topicLevels = mqttTopic.split(TOPIC_LEVEL_SEPARATOR);
  const filterLevels = mapping.filter.split(TOPIC_LEVEL_SEPARATOR);
  const plusValues = filterLevels.flatMap((level, i) =>
    level === SINGLE_LEVEL_WILDCARD ? [topicLevels[i]] : [],
  );
  const hashIndex = filterLevels.indexOf(MULTI_LEVEL_WILDCARD);
  const hashValue = hashIndex < 0 ? [] : topicLevels.slice(hashIndex);
  const out: string[] = [];
  for (const part of mapping.parts) {
    if (part.kind === 'hash') out.push(...hashValue);
    else if (part.kind === 'plus') out.push(plusValues[part.ordinal] ?? '');
    else {
      let level = '';
      for (const piece of part.pieces) {
        if (typeof piece === 'string') level += piece;
        else if (piece > topicLevels.length) {
          return reject(
            'invalid_topic',
            `template "${mapping.template}" needs level ${piece} but MQTT topic "${mqttTopic}" has ${topicLevels.length}`,
          );
        } else level += topicLevels[piece - 1];
      }
      out.push(level);
    }
  }
  const mapped = validatePublishTopic(out.join(TOPIC_LEVEL_SEPARATOR));
  if (!mapped.ok) {
    return reject(
      'invalid_topic',
      `MQTT topic "${mqttTopic}" maps to an invalid bridge topic: ${mapped.error.reason}`,
    );
  }
  return mapped;
}

/** Maps a topic with the first mapping whose filter matches it (configuration order), as MQTT delivers it once. */
export function mapTopicFirstMatch(mappings: readonly TopicMapping[], mqttTopic: string): Result<string> {
  const mapping = mappings.find((candidate) => topicMatches(candidate.filter, mqttTopic));
  if (mapping === undefined) {
    return reject('invalid_topic', `MQTT topic "${mqttTopic}" matches none of the configured filters`);
  }
  return mapTopic(mapping, mqttTopic);
}

/** How an MQTT payload is carried in a bridge message. */
export const MQTT_PAYLOAD_ENCODINGS = ['json', 'text', 'base64'] as const;
/** One of MQTT_PAYLOAD_ENCODINGS: parsed JSON, UTF-8 text, or base64 of bytes that are not UTF-8. */
export type MqttPayloadEncoding = (typeof MQTT_PAYLOAD_ENCODINGS)[number];

/**
 * The bridge message built from one MQTT message, identical from the device agent and the IoT Core bridge:
 * the actual MQTT topic, whether the broker sent it as retained, and the payload with its encoding.
 */
export type MqttEnvelope = {
  mqttTopic: string;
  retained: boolean;
  encoding: MqttPayloadEncoding;
  payload: JsonValue;
};

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes an MQTT payload: valid JSON as JSON (`"21.5"` becomes the number 21.5), other valid UTF-8 as text
 * (a leading byte-order mark is dropped), anything else as base64. Never throws.
 */
export function decodeMqttPayload(bytes: Uint8Array): { encoding: MqttPayloadEncoding; payload: JsonValue } {
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    return { encoding: 'base64', payload: bytesToBase64(bytes) };
  }
  try {
    return { encoding: 'json', payload: JSON.parse(text) as JsonValue };
  } catch {
    return { encoding: 'text', payload: text };
  }
}

/** Builds the bridge message for one MQTT message. */
export function buildMqttEnvelope(mqttTopic: string, bytes: Uint8Array, retained: boolean): MqttEnvelope {
  return { mqttTopic, retained, ...decodeMqttPayload(bytes) };
}

/** The payload bytes an envelope stands for (JSON re-serialised, so whitespace may differ from the original). */
export function mqttPayloadBytes(envelope: Pick<MqttEnvelope, 'encoding' | 'payload'>): Uint8Array {
  if (envelope.encoding === 'base64') {
    return Uint8Array.from(atob(String(envelope.payload)), (char) => char.charCodeAt(0));
  }
  const text = envelope.encoding === 'text' ? String(envelope.payload) : JSON.stringify(envelope.payload);
  return new TextEncoder().encode(text);
}

// btoa takes one character per byte; converting in chunks keeps the argument list of fromCharCode short.
function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let start = 0; start < bytes.length; start += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(start, start + 0x8000));
  }
  return btoa(binary);
}
