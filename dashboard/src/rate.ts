/** Counts events and reports their rate per second over a sliding window. */
export class RateMeter {
  #times: number[] = [];
  readonly #windowMs: number;

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  /** Records one event at `atMs`. */
  record(atMs: number): void {
    this.#times.push(atMs);
  }

  /** Events per second over the window ending at `nowMs`. */
  perSecond(nowMs: number): number {
    const since = nowMs - this.#windowMs;
    const firstKept = this.#times.findIndex((t) => t > since);
    this.#times = firstKept === -1 ? [] : this.#times.slice(firstKept);
    return this.#times.length / (this.#windowMs / 1000);
  }
}
