/**
 * Time as the agent's parts receive it (STYLE habit 8): the clock and the timers come in as options, so that
 * tests run the inputs, the queue and the dispatcher on a fake clock instead of waiting on the wall clock.
 */

/** Timers a part schedules with; tests pass a fake (tests/support/fake-clock.ts) or use vitest's fake timers. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /**
   * Runs `callback` once the current turn's I/O callbacks have run, in the same wake-up of the event loop (Node's
   * `setImmediate`). Optional: where missing, callers use a 0 ms timeout, which sleeps a millisecond and wakes the
   * process again (on the development VM a wake-up of an idle process costs 50-200 µs of CPU).
   */
  setImmediate?(callback: () => void): unknown;
  clearImmediate?(handle: unknown): void;
}

/** Milliseconds since the epoch. */
export type Clock = () => number;

/** Node's timers, looked up at call time so that fake timers installed later (vi.useFakeTimers) apply. */
export const systemTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  setImmediate: (callback) => setImmediate(callback),
  clearImmediate: (handle) => clearImmediate(handle as NodeJS.Immediate),
};

/** Node's clock, looked up at call time for the same reason. */
export const systemClock: Clock = () => Date.now();

/**
 * Resolves after `ms`, or at once when `signal` aborts. The abort listener is removed when the timer fires:
 * a loop that sleeps once per frame must not leave one listener per sleep on a long-lived signal.
 */
export function sleep(timers: Timers, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = () => {
      timers.clearTimeout(handle);
      resolve();
    };
    const handle = timers.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
