/**
 * Wakes readers waiting for new records. Both queues use it: `notify()` after records become readable,
 * `wait(signal)` from a reader that found nothing.
 */
export class DataSignal {
  private waiters = new Set<() => void>();

  /** Resolves on the next `notify()` or when the signal aborts. */
  wait(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Wakes every current waiter. */
  notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
