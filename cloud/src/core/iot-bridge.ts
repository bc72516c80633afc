import {
  buildMqttEnvelope,
  type ErrorCode,
  encodePublishFrame,
  MAX_FRAME_BYTES,
  mapTopic,
  ok,
  type Result,
  reject,
  type TopicMapping,
  validateFrameId,
} from '@topic-bridge/shared-types';
import { CloudError, describeError } from '../errors.js';
import { type IotRuleEvent, parseIotRuleEvent } from './iot-rule-event.js';
import { type DeliverDeps, type DeliveryReport, deliver } from './publish.js';
import { type HistoryDeps, recordHistory } from './record-history.js';

/** An IoT rule event that cannot become a frame (bad shape, unmappable topic, too large). Retrying will not help. */
export class IotMessageRejectedError extends CloudError {
  override name = 'IotMessageRejectedError';
  readonly reason: string;

  constructor(code: ErrorCode, reason: string) {
    super(code, `IoT message rejected (${code}): ${reason}`);
    this.reason = reason;
  }
}

/** What the bridge needs: delivery (store, gateway, fan-out knobs, logger) and the topic mapping. */
export interface IotBridgeDeps extends DeliverDeps {
  mapping: TopicMapping;
  /** The topic history (absent: off): MQTT messages on history topics are kept like WebSocket publishes. */
  history?: HistoryDeps | undefined;
}

/** A frame built from one MQTT message: its bridge topic and its exact text. */
export interface IotFrame {
  topic: string;
  text: string;
}

/**
 * Builds the frame an MQTT message becomes, the same one the agent's MQTT input would send:
 * `{"topic","message"}` with the shared MQTT envelope as the message, plus `id` (AWS IoT's trace id), `ts`
 * (when IoT Core received it) and `device` (the MQTT client id) when the rule provided them.
 * Retained is always false: rules see each publish as it arrives, never a retained replay.
 */
export function buildIotFrame(event: IotRuleEvent, mapping: TopicMapping): Result<IotFrame> {
  const topic = mapTopic(mapping, event.mqttTopic);
  if (!topic.ok) return topic;
  const bytes = Buffer.from(event.payloadBase64, 'base64');
  const id = validateFrameId(event.traceId);
  const encoded = encodePublishFrame({
    topic: topic.value,
    message: buildMqttEnvelope(event.mqttTopic, bytes, false),
    ...(id.ok && id.value !== undefined ? { id: id.value } : {}),
    extra: { ts: event.receivedAt, device: event.clientId },
  });
  if (encoded.ok) return ok({ topic: topic.value, text: encoded.value.text });
  const { code, reason } = encoded.error;
  if (code === 'message_too_large') {
    return reject(
      code,
      `the frame for MQTT topic "${event.mqttTopic}" would be ${encoded.error.bytes} bytes (payload ${bytes.length} bytes); ` +
        `WebSocket subscribers can receive at most ${MAX_FRAME_BYTES}`,
    );
  }
  // The envelope is always JSON, so `invalid_message` cannot happen; were it to, it is the bridge's fault.
  return reject(code === 'invalid_message' ? 'internal' : code, reason);
}

/**
 * Carries one IoT rule event to the WebSocket subscribers of its bridge topic with the same fan-out as a
 * publish. Throws IotMessageRejectedError for an event that cannot become a frame, and the store's error
 * when subscribers cannot be looked up, so Lambda retries and then hands the event to the failure queue.
 */
export async function bridgeIotMessage(event: unknown, deps: IotBridgeDeps): Promise<DeliveryReport> {
  const parsed = parseIotRuleEvent(event);
  const frame = parsed.ok ? buildIotFrame(parsed.value, deps.mapping) : parsed;
  if (!frame.ok) {
    const { code, reason } = frame.error;
    const source = parsed.ok
      ? { mqttTopic: parsed.value.mqttTopic, clientId: parsed.value.clientId, traceId: parsed.value.traceId }
      : {};
    deps.logger.warn('iot message rejected', { code, reason, ...source });
    throw new IotMessageRejectedError(code, reason);
  }
  try {
    // As for a WebSocket publish: stored in the history (when its topic keeps one) before it is delivered.
    const id = parsed.ok ? validateFrameId(parsed.value.traceId) : undefined;
    const frameId = id?.ok ? id.value : undefined;
    const history = await recordHistory(frame.value.topic, frame.value.text, frameId, deps);
    try {
      return await deliver(frame.value.topic, frame.value.text, deps);
    } finally {
      await history.trimmed;
    }
  } catch (error) {
    deps.logger.error('iot message not delivered', { topic: frame.value.topic, error: describeError(error) });
    throw error;
  }
}
