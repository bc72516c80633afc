import { ClientClosedError, PublishTimeoutError, TopicBridgeClientError } from './errors.js';
import type { Link } from './link.js';
import { Timeouts } from './timeouts.js';
import type { PublishResult, Timers } from './types.js';

interface Pending {
  text: string;
  /** The link the frame went out on last; undefined while it waits for a connection. */
  sentOn: Link | undefined;
  resolve(result: PublishResult): void;
  reject(error: Error): void;
}

/**
 * Publishes awaiting their ack. A publish survives reconnects: it is sent again, with the same id, on each
 * new connection until the bridge acks it, refuses it, or `publishTimeoutMs` passes since `publish()`.
 * Subscribers drop the copies by id.
 */
export class PendingPublishes {
  readonly #pending = new Map<string, Pending>();
  readonly #timeouts: Timeouts<string>;
  readonly #timeoutMs: number;
  readonly #max: number;

  constructor(timers: Timers, timeoutMs: number, max: number) {
    this.#timeouts = new Timeouts(timers);
    this.#timeoutMs = timeoutMs;
    this.#max = max;
  }

  /** True when a publish with this id awaits its ack. */
  has(id: string): boolean {
    return this.#pending.has(id);
  }

  /** Registers a publish; the caller then sends it with `sendUnsent`. */
  add(id: string, text: string): Promise<PublishResult> {
    if (this.#pending.size >= this.#max) {
      const message = `${this.#max} publishes already await their ack; wait for some to settle`;
      return Promise.reject(new TopicBridgeClientError('too_many_pending', message, { retryable: true }));
    }
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { text, sentOn: undefined, resolve, reject });
      this.#timeouts.set(id, this.#timeoutMs, () =>
        this.#settle(id, (p) => p.reject(new PublishTimeoutError(id, this.#timeoutMs))),
      );
    });
  }

  /** Sends, on `active`, every publish not in flight on a live link (`live`: the active and draining ones). */
  sendUnsent(active: Link | undefined, live: ReadonlySet<Link>): void {
    for (const pending of this.#pending.values()) {
      if (pending.sentOn !== undefined && live.has(pending.sentOn)) continue;
      pending.sentOn = active?.send(pending.text) ? active : undefined;
    }
  }

  /** Resolves the publish an ack names; false when none waits (an ack for a copy already acked). */
  ack(id: string, delivered: number, failed?: number): boolean {
    return this.#settle(id, (p) =>
      p.resolve(failed === undefined ? { id, delivered } : { id, delivered, failed }),
    );
  }

  /** Rejects the publish an error frame names; false when none waits. */
  fail(id: string, error: Error): boolean {
    return this.#settle(id, (p) => p.reject(error));
  }

  /** Rejects every pending publish (the client is closing). */
  rejectAll(): void {
    for (const id of [...this.#pending.keys()]) this.#settle(id, (p) => p.reject(new ClientClosedError()));
  }

  #settle(id: string, how: (pending: Pending) => void): boolean {
    const pending = this.#pending.get(id);
    if (pending === undefined) return false;
    this.#pending.delete(id);
    this.#timeouts.clear(id);
    how(pending);
    return true;
  }
}
