import type { JsonValue, ReplayKind } from '@topic-bridge/shared-types';
import { describeAge, timeOfDay } from './age.js';
import { MAX_LATEST_TEXT_CHARS } from './config.js';
import type { Reading } from './numeric.js';

/** The latest value of one topic, as the "Latest values" panel shows it. */
export interface LatestValue {
  topic: string;
  /** The value as text ("21.5 °C", or the message). */
  text: string;
  /** The time it is plotted at (its `ts`, or its receipt time). */
  atMs: number;
  /** Whether `atMs` is only the receipt time of a frame whose own time is missing or untrusted. */
  approximate: boolean;
  /** Where it came from: `retained` or `history` (from the bridge's storage), absent when live. */
  replay?: ReplayKind;
}

/**
 * The latest value of each topic, bounded. A stored value (retained or history) stands until a live frame
 * of its topic replaces it, and never replaces a live one; among values of the same kind the later time
 * wins, so a late or replayed frame does not hide a newer one. Past `max` topics, the one updated longest
 * ago is dropped.
 */
export class LatestValues {
  readonly #byTopic = new Map<string, LatestValue>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  /** Records a value; true when it is now its topic's latest. */
  offer(value: LatestValue): boolean {
    const current = this.#byTopic.get(value.topic);
    if (current !== undefined && !replaces(value, current)) return false;
    this.#byTopic.delete(value.topic);
    this.#byTopic.set(value.topic, value);
    if (this.#byTopic.size > this.#max) {
      const oldest = this.#byTopic.keys().next().value;
      if (oldest !== undefined) this.#byTopic.delete(oldest);
    }
    return true;
  }

  /** Forgets the topics `keep` says no to (those no filter of the page matches any more). */
  retain(keep: (topic: string) => boolean): void {
    for (const topic of [...this.#byTopic.keys()]) if (!keep(topic)) this.#byTopic.delete(topic);
  }

  /** The latest values, by topic name. */
  list(): LatestValue[] {
    return [...this.#byTopic.values()].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
  }
}

function replaces(next: LatestValue, current: LatestValue): boolean {
  const nextLive = next.replay === undefined;
  const currentLive = current.replay === undefined;
  if (nextLive !== currentLive) return nextLive;
  return next.atMs >= current.atMs;
}

/**
 * A latest value's status line: `live · 12:03:04`, or for a stored one its kind and age
 * (`retained · 3 min ago`, `history · 40 s ago`; `age unknown` when its time is only the receipt time).
 */
export function describeLatest(
  value: Pick<LatestValue, 'atMs' | 'approximate' | 'replay'>,
  nowMs: number,
): string {
  if (value.replay === undefined) return `live · ${timeOfDay(value.atMs)}`;
  const age = value.approximate ? 'age unknown' : describeAge(Math.max(0, nowMs - value.atMs));
  return `${value.replay} · ${age}`;
}

/**
 * A message as one short line: its numeric readings with their units (`21.5 °C`; several fields named,
 * `temperature 21 · humidity 40`), else its text cut to MAX_LATEST_TEXT_CHARS.
 */
export function describeValue(topic: string, message: JsonValue, readings: readonly Reading[]): string {
  if (readings.length > 0) {
    const prefix = `${topic} · `;
    return readings
      .map((r) => {
        const field = r.series.startsWith(prefix) ? r.series.slice(prefix.length) : '';
        const shown = readings.length === 1 || field === '' ? '' : `${field} `;
        return `${shown}${r.value}${r.unit === undefined ? '' : ` ${r.unit}`}`;
      })
      .join(' · ');
  }
  const text = typeof message === 'string' ? message : JSON.stringify(message);
  return text.length > MAX_LATEST_TEXT_CHARS ? `${text.slice(0, MAX_LATEST_TEXT_CHARS)}…` : text;
}
