import {
  MAX_TOPIC_BYTES,
  MAX_TOPIC_LEVELS,
  MULTI_LEVEL_WILDCARD,
  RESERVED_TOPIC_PREFIX,
  SINGLE_LEVEL_WILDCARD,
  TOPIC_LEVEL_SEPARATOR,
} from './limits.js';
import { ok, type Rejection, type Result, reject } from './result.js';
import { utf8Bytes } from './utf8.js';

/**
 * The topic grammar, modelled on MQTT: levels separated by `/`; subscription filters may use `+` for one
 * whole level and `#` for the rest of the topic (last level only). Publish topics never contain wildcards.
 */

// C0 controls, DEL and C1 controls: invisible in logs and dashboards, and a common sign of garbage input.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

// A UTF-16 surrogate half without its partner: JSON escapes such as "\ud800" produce one inside valid UTF-8.
const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Levels of a topic or filter (separators plus one), counted without splitting it into strings. */
function levelCount(topic: string): number {
  let levels = 1;
  for (
    let at = topic.indexOf(TOPIC_LEVEL_SEPARATOR);
    at >= 0;
    at = topic.indexOf(TOPIC_LEVEL_SEPARATOR, at + 1)
  ) {
    levels += 1;
  }
  return levels;
}

function checkCommon(topic: unknown, what: string): Result<string> {
  if (typeof topic !== 'string') return reject('invalid_topic', `${what} must be a string`);
  if (topic.length === 0) return reject('invalid_topic', `${what} must not be empty`);
  if (utf8Bytes(topic) > MAX_TOPIC_BYTES) {
    return reject('invalid_topic', `${what} is longer than ${MAX_TOPIC_BYTES} bytes`);
  }
  if (CONTROL_CHARACTERS.test(topic)) return reject('invalid_topic', `${what} contains control characters`);
  if (UNPAIRED_SURROGATE.test(topic)) {
    return reject('invalid_topic', `${what} contains an unpaired surrogate (not valid Unicode text)`);
  }
  if (topic.startsWith(RESERVED_TOPIC_PREFIX)) {
    return reject('invalid_topic', `${what} must not start with "${RESERVED_TOPIC_PREFIX}" (reserved)`);
  }
  if (levelCount(topic) > MAX_TOPIC_LEVELS) {
    return reject('invalid_topic', `${what} has more than ${MAX_TOPIC_LEVELS} levels`);
  }
  return ok(topic);
}

/** Validates a topic to publish to: the common rules and no wildcards. */
export function validatePublishTopic(topic: unknown): Result<string> {
  const common = checkCommon(topic, 'topic');
  if (!common.ok) return common;
  if (common.value.includes(SINGLE_LEVEL_WILDCARD) || common.value.includes(MULTI_LEVEL_WILDCARD)) {
    return reject(
      'wildcard_in_publish_topic',
      `topic "${common.value}" contains a wildcard ("+" or "#"); wildcards are only for subscriptions`,
    );
  }
  return common;
}

/** Validates a subscription filter: the common rules, `+` only as a whole level, `#` only as the whole last level. */
export function validateTopicFilter(filter: unknown): Result<string> {
  const common = checkCommon(filter, 'topic filter');
  if (!common.ok) return common;
  const levels = common.value.split(TOPIC_LEVEL_SEPARATOR);
  for (const [index, level] of levels.entries()) {
    if (
      level.includes(MULTI_LEVEL_WILDCARD) &&
      (level !== MULTI_LEVEL_WILDCARD || index !== levels.length - 1)
    ) {
      return misplaced(common.value, '"#" must be the whole last level, as in "sensors/#"');
    }
    if (level.includes(SINGLE_LEVEL_WILDCARD) && level !== SINGLE_LEVEL_WILDCARD) {
      return misplaced(common.value, '"+" must be a whole level, as in "sensors/+/temperature"');
    }
  }
  return common;
}

function misplaced(filter: string, rule: string): { ok: false; error: Rejection } {
  return reject('invalid_topic', `topic filter "${filter}" has a misplaced wildcard: ${rule}`);
}

/** True when the filter contains `+` or `#`. Assumes a valid filter. */
export function isWildcardFilter(filter: string): boolean {
  return filter.includes(SINGLE_LEVEL_WILDCARD) || filter.includes(MULTI_LEVEL_WILDCARD);
}

/**
 * True when a valid publish topic matches a valid filter. As in MQTT, `sensors/#` also matches `sensors`
 * itself, and `+` matches an empty level.
 */
export function topicMatches(filter: string, topic: string): boolean {
  if (filter === topic) return true;
  const filterLevels = filter.split(TOPIC_LEVEL_SEPARATOR);
  const topicLevels = topic.split(TOPIC_LEVEL_SEPARATOR);
  for (let i = 0; i < filterLevels.length; i++) {
    const level = filterLevels[i];
    if (level === MULTI_LEVEL_WILDCARD) return true;
    if (i >= topicLevels.length) return false;
    if (level !== SINGLE_LEVEL_WILDCARD && level !== topicLevels[i]) return false;
  }
  return filterLevels.length === topicLevels.length;
}
