import type { Timers } from '../../src/timers.js';

interface Scheduled {
  at: number;
  order: number;
  callback: () => void;
}

/**
 * A clock and timers that move only when the test says so, injected into the part under test (the rest of
 * the process, real sockets included, keeps Node's timers). `advance` fires due timers in time order and lets
 * promise chains and pending I/O callbacks run between them, so async work started by a timer finishes before
 * the next one fires.
 */
export class FakeClock implements Timers {
  private time: number;
  private order = 0;
  private readonly scheduled = new Map<number, Scheduled>();

  constructor(start = 0) {
    this.time = start;
  }

  /** The clock function to inject. */
  readonly now = (): number => this.time;

  setTimeout(callback: () => void, ms: number): unknown {
    const id = ++this.order;
    this.scheduled.set(id, { at: this.time + Math.max(0, ms), order: id, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.scheduled.delete(handle as number);
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.scheduled.size;
  }

  /**
   * Steps the wall clock to `time` without firing anything, as NTP or a person would. Timers keep their
   * remaining delays (Node's timers run on a monotonic clock), so they move with it.
   */
  jumpTo(time: number): void {
    const delta = time - this.time;
    for (const scheduled of this.scheduled.values()) scheduled.at += delta;
    this.time = time;
  }

  /** Advances by `ms`, firing every timer due on the way (timers they schedule included). */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await settle();
      const next = [...this.scheduled.entries()]
        .filter(([, s]) => s.at <= end)
        .sort(([, a], [, b]) => a.at - b.at || a.order - b.order)[0];
      if (!next) break;
      this.scheduled.delete(next[0]);
      this.time = Math.max(this.time, next[1].at);
      next[1].callback();
    }
    this.time = end;
    await settle();
  }
}

/** Lets queued promise callbacks and ready I/O callbacks run (a few event-loop turns). */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}
