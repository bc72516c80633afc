import type { Timers } from '../../src/index.js';

interface Scheduled {
  id: number;
  at: number;
  callback: () => void;
}

/**
 * Timers driven by the test: `advance(ms)` runs every timer due within `ms`, in time order, and moves the
 * clock. Only the client gets these; sockets and servers keep Node's real timers.
 */
export class ManualTimers implements Timers {
  #now = 1_700_000_000_000;
  #nextId = 1;
  #scheduled: Scheduled[] = [];

  readonly now = (): number => this.#now;

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.#nextId++;
    this.#scheduled.push({ id, at: this.#now + ms, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#scheduled = this.#scheduled.filter((timer) => timer.id !== handle);
  }

  /** How many timers are pending. */
  get pending(): number {
    return this.#scheduled.length;
  }

  /** Moves the clock by `ms`, running each timer that falls due, including timers those timers set. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      const due = this.#scheduled
        .filter((timer) => timer.at <= end)
        .sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (due === undefined) break;
      this.#scheduled = this.#scheduled.filter((timer) => timer !== due);
      this.#now = Math.max(this.#now, due.at);
      due.callback();
    }
    this.#now = end;
  }
}
