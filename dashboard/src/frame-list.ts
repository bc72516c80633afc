import type { JsonValue } from '@topic-bridge/shared-types';
import { MAX_MESSAGE_CHARS } from './config.js';
import { element } from './dom.js';

/** One line of the frame list. */
export interface ShownFrame {
  atMs: number;
  /** The topic, or a label such as "invalid frame" for what is not a message. */
  label: string;
  text: string;
  kind: 'message' | 'invalid' | 'error';
  /** Short notes shown before the message, such as how its time was chosen or that it is retained. */
  tags?: readonly string[];
}

/** A message as text: strings as they are, anything else as JSON; cut to MAX_MESSAGE_CHARS. */
export function describeMessage(message: JsonValue): string {
  const text = typeof message === 'string' ? message : JSON.stringify(message);
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text;
}

/**
 * The list of received frames, newest first and bounded. Every piece of text is set with textContent:
 * a message containing HTML shows as that HTML's text and never becomes markup.
 */
export class FrameList {
  #unrendered: ShownFrame[] = [];
  readonly #list: HTMLOListElement;
  readonly #max: number;

  constructor(list: HTMLOListElement, max: number) {
    this.#list = list;
    this.#max = max;
  }

  /** Queues a frame for the next render. */
  add(frame: ShownFrame): void {
    this.#unrendered.push(frame);
    if (this.#unrendered.length > this.#max) this.#unrendered.shift();
  }

  /** Shows the queued frames at the top and drops the oldest past the bound. */
  render(): void {
    if (this.#unrendered.length === 0) return;
    const fragment = document.createDocumentFragment();
    for (const frame of this.#unrendered.reverse()) fragment.append(this.#item(frame));
    this.#unrendered = [];
    this.#list.prepend(fragment);
    while (this.#list.children.length > this.#max) this.#list.lastElementChild?.remove();
  }

  #item(frame: ShownFrame): HTMLLIElement {
    const item = element('li', `frame ${frame.kind}`);
    const time = element('time', 'at', new Date(frame.atMs).toLocaleTimeString(undefined, { hour12: false }));
    time.dateTime = new Date(frame.atMs).toISOString();
    const payload = element('span', 'payload');
    for (const tag of frame.tags ?? []) payload.append(element('span', 'tag', tag), ' ');
    payload.append(element('code', undefined, frame.text));
    item.append(time, element('span', 'topic', frame.label), payload);
    return item;
  }
}
