/**
 * Remembers the last `capacity` ids seen, in a ring, so duplicates can be dropped with bounded memory:
 * the oldest id is forgotten when a new one arrives at capacity.
 */
export class RecentIds {
  readonly #ring: (string | undefined)[];
  readonly #known = new Set<string>();
  #next = 0;

  constructor(capacity: number) {
    this.#ring = new Array<string | undefined>(capacity).fill(undefined);
  }

  /** Records the id; returns false when it was already among the recent ones (a duplicate). */
  add(id: string): boolean {
    if (this.#known.has(id)) return false;
    const evicted = this.#ring[this.#next];
    if (evicted !== undefined) this.#known.delete(evicted);
    this.#ring[this.#next] = id;
    this.#known.add(id);
    this.#next = (this.#next + 1) % this.#ring.length;
    return true;
  }

  /** How many ids are remembered now. */
  get size(): number {
    return this.#known.size;
  }
}
