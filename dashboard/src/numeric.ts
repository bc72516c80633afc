import type { JsonValue } from '@topic-bridge/shared-types';

/** One numeric value to chart: its series name and the value. */
export interface Reading {
  series: string;
  value: number;
}

/**
 * The numeric values in a message: a number is the series named after the topic; an object gives one series
 * per numeric top-level field (`topic · field`). Anything else (text, arrays, nested values) gives nothing.
 */
export function numericReadings(topic: string, message: JsonValue): Reading[] {
  if (typeof message === 'number') return Number.isFinite(message) ? [{ series: topic, value: message }] : [];
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return [];
  const readings: Reading[] = [];
  for (const [field, value] of Object.entries(message)) {
    if (typeof value === 'number' && Number.isFinite(value))
      readings.push({ series: `${topic} · ${field}`, value });
  }
  return readings;
}
