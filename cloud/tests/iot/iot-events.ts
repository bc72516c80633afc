/** IoT rule events exactly as the topic rule's SQL produces them (see cloud/src/core/iot-rule-event.ts). */

export const RECEIVED_AT = 1_767_225_600_123;

/** The event for one MQTT message: the payload bytes base64-encoded by `encode(*, 'base64')`. */
export function ruleEvent(
  mqttTopic: string,
  payload: string | Uint8Array,
  extra: Record<string, unknown> = {},
) {
  return {
    payloadBase64: Buffer.from(payload).toString('base64'),
    mqttTopic,
    receivedAt: RECEIVED_AT,
    clientId: 'gateway-01',
    traceId: '9b7e2f0c-3d1a-4c55-8f3e-1a2b3c4d5e6f',
    ...extra,
  };
}
