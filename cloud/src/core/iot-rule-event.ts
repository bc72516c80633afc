import { type JsonValue, ok, type Result, reject } from '@topic-bridge/shared-types';

/**
 * The event the topic rule hands the IoT bridge: the rule SQL's output, one JSON object per MQTT message.
 *
 *   SELECT encode(*, 'base64') AS payloadBase64, topic() AS mqttTopic, timestamp() AS receivedAt,
 *          clientid() AS clientId, traceid() AS traceId FROM 'sensors/#'
 *
 * The payload is always base64-encoded, JSON or not, so the bridge sees the device's exact bytes and decodes
 * them as the agent's MQTT input does (JSON, else UTF-8 text, else base64).
 */
export interface IotRuleEvent {
  payloadBase64: string;
  mqttTopic: string;
  /** When AWS IoT Core received the message (ms since the epoch). */
  receivedAt?: number;
  /** The publishing device's MQTT client id (the thing name for gateways). */
  clientId?: string;
  /** AWS IoT's id for the message: stable across Lambda's retries, so receivers can drop duplicates. */
  traceId?: string;
}

/** The rule SQL that produces IotRuleEvent, for a topic filter (serverless.yml builds the same string). */
export function iotRuleSql(topicFilter: string): string {
  return (
    "SELECT encode(*, 'base64') AS payloadBase64, topic() AS mqttTopic, timestamp() AS receivedAt, " +
    `clientid() AS clientId, traceid() AS traceId FROM '${topicFilter}'`
  );
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Checks a Lambda event against IotRuleEvent. Never throws; the reason names the field. */
export function parseIotRuleEvent(event: unknown): Result<IotRuleEvent> {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    return reject(
      'not_an_object',
      'the IoT rule event is not a JSON object: check the rule SQL (docs/IOT.md)',
    );
  }
  const fields = event as Record<string, JsonValue | undefined>;
  const { payloadBase64, mqttTopic, receivedAt, clientId, traceId } = fields;
  if (typeof mqttTopic !== 'string' || mqttTopic.length === 0) {
    return reject(
      'invalid_topic',
      'the IoT rule event has no "mqttTopic": the rule SQL must select topic() AS mqttTopic',
    );
  }
  if (typeof payloadBase64 !== 'string' || payloadBase64.length % 4 !== 0 || !BASE64.test(payloadBase64)) {
    return reject(
      'missing_message',
      'the IoT rule event has no base64 "payloadBase64": the rule SQL must select encode(*, \'base64\') AS payloadBase64',
    );
  }
  return ok({
    payloadBase64,
    mqttTopic,
    ...(typeof receivedAt === 'number' ? { receivedAt } : {}),
    ...(typeof clientId === 'string' && clientId !== '' ? { clientId } : {}),
    ...(typeof traceId === 'string' && traceId !== '' ? { traceId } : {}),
  });
}
