import type { Timers } from './types.js';

/** Named one-shot timers over the injected Timers: setting a name again replaces its earlier timer. */
export class Timeouts<Name extends string> {
  readonly #handles = new Map<Name, unknown>();
  readonly #timers: Timers;

  constructor(timers: Timers) {
    this.#timers = timers;
  }

  /** Runs `callback` after `ms`, replacing any pending timer of the same name. */
  set(name: Name, ms: number, callback: () => void): void {
    this.clear(name);
    this.#handles.set(
      name,
      this.#timers.setTimeout(() => {
        this.#handles.delete(name);
        callback();
      }, ms),
    );
  }

  /** True while the named timer is pending. */
  has(name: Name): boolean {
    return this.#handles.has(name);
  }

  /** Cancels the named timer, if pending. */
  clear(name: Name): void {
    if (!this.#handles.has(name)) return;
    this.#timers.clearTimeout(this.#handles.get(name));
    this.#handles.delete(name);
  }

  /** Cancels every pending timer. */
  clearAll(): void {
    for (const name of [...this.#handles.keys()]) this.clear(name);
  }
}
