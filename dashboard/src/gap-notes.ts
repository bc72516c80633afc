import { timeOfDay } from './age.js';
import { element } from './dom.js';

/** What the page needs of the client's `gap` event (CatchUpGap in @topic-bridge/client). */
export interface GapReport {
  filter: string;
  /** The position catch-up asked from: a frame id, or epoch ms (client clock). */
  since: string | number | undefined;
  /** For people: why the missed frames could not all be fetched. */
  detail: string;
}

/** A time for a note: the time of day, with the date when it is not today's. */
function when(atMs: number, nowMs: number): string {
  const sameDay = new Date(atMs).toDateString() === new Date(nowMs).toDateString();
  return sameDay ? timeOfDay(atMs) : `${new Date(atMs).toLocaleDateString()} ${timeOfDay(atMs)}`;
}

/**
 * The note for a gap: "Data may be missing for F between A and B (detail)." A is the gap's `since` when it
 * is a time, else `lostAtMs` (when the page lost its connection); without either, "up to B".
 */
export function describeGap(gap: GapReport, lostAtMs: number | undefined, nowMs: number): string {
  const start = typeof gap.since === 'number' ? gap.since : lostAtMs;
  const span =
    start === undefined
      ? `up to ${when(nowMs, nowMs)}`
      : `between ${when(start, nowMs)} and ${when(nowMs, nowMs)}`;
  return `Data may be missing for ${gap.filter} ${span} (${gap.detail}).`;
}

/** The gap notes above the charts, newest first, at most `max`; each can be dismissed. */
export class GapNotes {
  readonly #list: HTMLUListElement;
  readonly #max: number;

  constructor(list: HTMLUListElement, max: number) {
    this.#list = list;
    this.#max = max;
  }

  /** Shows a note (as text, never as HTML). */
  add(text: string): void {
    const item = element('li', 'gap');
    const dismiss = element('button', 'remove', '×');
    dismiss.type = 'button';
    dismiss.setAttribute('aria-label', 'Dismiss this note');
    dismiss.addEventListener('click', () => item.remove());
    item.append(element('span', 'gap-text', text), dismiss);
    this.#list.prepend(item);
    while (this.#list.children.length > this.#max) this.#list.lastElementChild?.remove();
  }
}
