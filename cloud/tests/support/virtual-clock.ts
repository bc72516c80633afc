/**
 * A virtual clock for simulations (bench/fan-out-simulated.ts, the split-under-throttling test): `sleep` sets a
 * timer in a binary heap, and `run` fires them in time order, each once the real event loop has run every
 * promise chain the last ones woke (one setImmediate turn), so no wait takes real time and the order is exact.
 */
export class VirtualClock {
  now = 0;
  #heap: Array<{ at: number; seq: number; fire: () => void }> = [];
  #seq = 0;

  readonly sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => this.#push({ at: this.now + Math.max(0, ms), seq: this.#seq++, fire: resolve }));

  /** Runs the simulation until `done` settles. */
  async run(done: Promise<unknown>): Promise<void> {
    let finished = false;
    const finish = () => {
      finished = true;
    };
    done.then(finish, finish);
    for (;;) {
      // Let every promise chain the last timers woke run to its next wait (setImmediate runs after microtasks).
      await new Promise((resolve) => setImmediate(resolve));
      if (finished) return;
      const next = this.#pop();
      if (next === undefined) throw new Error('the simulation is stuck: nothing is waiting on the clock');
      this.now = next.at;
      next.fire();
      while (this.#heap.length > 0 && (this.#heap[0]?.at ?? Number.POSITIVE_INFINITY) <= this.now) {
        this.#pop()?.fire();
      }
    }
  }

  #less(a: number, b: number): boolean {
    const x = this.#heap[a] as { at: number; seq: number };
    const y = this.#heap[b] as { at: number; seq: number };
    return x.at < y.at || (x.at === y.at && x.seq < y.seq);
  }

  #swap(a: number, b: number): void {
    const heap = this.#heap;
    [heap[a], heap[b]] = [heap[b] as (typeof heap)[number], heap[a] as (typeof heap)[number]];
  }

  #push(timer: { at: number; seq: number; fire: () => void }): void {
    this.#heap.push(timer);
    let i = this.#heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(i, parent)) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  #pop(): { at: number; seq: number; fire: () => void } | undefined {
    const heap = this.#heap;
    if (heap.length === 0) return undefined;
    const top = heap[0];
    const last = heap.pop() as (typeof heap)[number];
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && this.#less(left, smallest)) smallest = left;
        if (right < heap.length && this.#less(right, smallest)) smallest = right;
        if (smallest === i) break;
        this.#swap(i, smallest);
        i = smallest;
      }
    }
    return top;
  }
}
