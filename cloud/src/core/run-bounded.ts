/**
 * Runs `task` over every item with at most `limit` tasks in flight, and resolves once all have settled.
 * `limit` may be a function: it is read again whenever a task could start, so an adaptive limit takes effect
 * at once (a lower limit lets in-flight tasks finish and starts no new one until the count is under it).
 * Tasks must not reject: each one handles its own failure (the fan-out counts them).
 */
export function runBounded<T>(
  items: readonly T[],
  limit: number | (() => number),
  task: (item: T) => Promise<void>,
): Promise<void> {
  const limitNow = typeof limit === 'number' ? () => limit : limit;
  return new Promise((resolve) => {
    let next = 0;
    let inFlight = 0;
    const pump = (): void => {
      while (next < items.length && inFlight < Math.max(1, limitNow())) {
        const item = items[next++] as T;
        inFlight++;
        void task(item).then(settled);
      }
      if (next >= items.length && inFlight === 0) resolve();
    };
    const settled = (): void => {
      inFlight--;
      pump();
    };
    pump();
  });
}
