import { ListenerError } from './errors.js';
import type { ClientEvents } from './types.js';

type Listener<K extends keyof ClientEvents> = (payload: ClientEvents[K]) => void;

/**
 * A small typed event emitter whose `emit` never throws: a throwing listener is reported on `error`
 * (or re-thrown in a microtask when nothing listens there), so user code never breaks the socket's handlers.
 */
export class Emitter {
  readonly #listeners = new Map<keyof ClientEvents, Set<Listener<never>>>();

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof ClientEvents>(event: K, listener: Listener<K>): () => void {
    let set = this.#listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener as Listener<never>);
    return () => this.off(event, listener);
  }

  /** Removes a listener. */
  off<K extends keyof ClientEvents>(event: K, listener: Listener<K>): void {
    this.#listeners.get(event)?.delete(listener as Listener<never>);
  }

  /** Calls every listener of `event` with `payload`; never throws. */
  emit<K extends keyof ClientEvents>(event: K, payload: ClientEvents[K]): void {
    for (const listener of [...(this.#listeners.get(event) ?? [])]) {
      try {
        (listener as Listener<K>)(payload);
      } catch (cause) {
        if (event === 'error') continue;
        // Reported on `error`; with nobody listening there, re-thrown outside the socket's handler, so
        // the bug shows up like any uncaught exception instead of disappearing.
        if (this.#listeners.get('error')?.size) this.emit('error', new ListenerError(event, cause));
        else
          queueMicrotask(() => {
            throw cause;
          });
      }
    }
  }
}
