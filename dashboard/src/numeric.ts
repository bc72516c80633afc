import type { JsonValue } from '@topic-bridge/shared-types';

/** One numeric value to chart: its series name, the value, and its unit when the message names one. */
export interface Reading {
  series: string;
  value: number;
  /** The message's `unit` field (`"°C"`, `"%"`); absent when the message gives none. */
  unit?: string;
}

type JsonObject = { [key: string]: JsonValue };

const isObject = (value: JsonValue): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The reading inside an MQTT envelope (`{mqttTopic, retained, encoding: "json", payload}`, built by the
 * device agent's `mqtt` input and the IoT Core bridge), so a sensor behind MQTT charts like one published
 * directly; any other message as it is.
 */
export function unwrapEnvelope(message: JsonValue): JsonValue {
  if (
    isObject(message) &&
    typeof message.mqttTopic === 'string' &&
    message.encoding === 'json' &&
    'payload' in message
  )
    return message.payload ?? null;
  return message;
}

/**
 * The numeric values in a message: a number is the series named after the topic; an object gives one series
 * per numeric top-level field (`topic · field`), all in the object's `unit` when it has a non-empty string
 * one (the agent's simulated input sends `{ value, unit }`). Anything else (text, arrays, nested values)
 * gives nothing. An MQTT envelope is read through to its JSON payload.
 */
export function numericReadings(topic: string, message: JsonValue): Reading[] {
  const content = unwrapEnvelope(message);
  if (typeof content === 'number') return Number.isFinite(content) ? [{ series: topic, value: content }] : [];
  if (!isObject(content)) return [];
  const unit =
    typeof content.unit === 'string' && content.unit.trim() !== '' ? content.unit.trim() : undefined;
  const readings: Reading[] = [];
  for (const [field, value] of Object.entries(content)) {
    if (typeof value === 'number' && Number.isFinite(value))
      readings.push({ series: `${topic} · ${field}`, value, ...(unit === undefined ? {} : { unit }) });
  }
  return readings;
}
