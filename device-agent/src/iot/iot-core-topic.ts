import {
  type ErrorCode,
  TOPIC_LEVEL_SEPARATOR,
  utf8Bytes,
  validatePublishTopic,
} from '@topic-bridge/shared-types';

/** AWS IoT Core's limits on a topic name (its quotas page): 256 UTF-8 bytes and at most 7 slashes. */
export const IOT_CORE_MAX_TOPIC_BYTES = 256;
/** Most `/` in an AWS IoT Core topic name. */
export const IOT_CORE_MAX_TOPIC_SLASHES = 7;

/** The MQTT topic for a frame topic, or why AWS IoT Core would refuse it. */
export type IotCoreTopic = { ok: true; value: string } | { ok: false; code: ErrorCode; reason: string };

/** Builds `<prefix>/<topic>` and checks it against the bridge's grammar and AWS IoT Core's limits. */
export function checkIotCoreTopic(prefix: string, topic: unknown): IotCoreTopic {
  const valid = validatePublishTopic(topic);
  if (!valid.ok) return { ok: false, ...valid.error };
  const mqttTopic = `${prefix}${TOPIC_LEVEL_SEPARATOR}${valid.value}`;
  if (utf8Bytes(mqttTopic) > IOT_CORE_MAX_TOPIC_BYTES) {
    return {
      ok: false,
      code: 'invalid_topic',
      reason: `MQTT topic "${mqttTopic.slice(0, 80)}…" is over AWS IoT Core's ${IOT_CORE_MAX_TOPIC_BYTES}-byte limit`,
    };
  }
  const slashes = mqttTopic.split(TOPIC_LEVEL_SEPARATOR).length - 1;
  if (slashes > IOT_CORE_MAX_TOPIC_SLASHES) {
    return {
      ok: false,
      code: 'invalid_topic',
      reason: `MQTT topic "${mqttTopic}" has ${slashes} "/"; AWS IoT Core allows at most ${IOT_CORE_MAX_TOPIC_SLASHES}`,
    };
  }
  return { ok: true, value: mqttTopic };
}
