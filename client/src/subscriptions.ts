import { MAX_FILTERS_PER_CONNECTION, topicMatches } from '@topic-bridge/shared-types';
import { InvalidArgumentError, type TopicBridgeClientError } from './errors.js';

/** A change of subscription the client asked the bridge for. */
export type Change = 'subscribe' | 'unsubscribe';

/** An action frame that brings a connection's filters to the wanted set. */
export interface ChangeFrame {
  action: Change;
  topic: string;
  id: string;
}

interface Resolver {
  resolve(): void;
  reject(error: Error): void;
}

interface Waiter {
  change: Change;
  id: string;
  resolvers: Resolver[];
}

/**
 * The filters the client wants, and the changes not yet confirmed by the bridge. A change is confirmed by
 * the bridge's `subscribed` / `unsubscribed` reply, or by a new connection whose URL already reflects it.
 */
export class Subscriptions {
  readonly #wanted: Set<string>;
  readonly #waiters = new Map<string, Waiter>();

  constructor(initial: Iterable<string>) {
    this.#wanted = new Set(initial);
  }

  /** The filters wanted now. */
  get list(): string[] {
    return [...this.#wanted];
  }

  /** A copy of the wanted filters, for a connect URL. */
  snapshot(): ReadonlySet<string> {
    return new Set(this.#wanted);
  }

  /** True when a wanted filter matches the topic. */
  matches(topic: string): boolean {
    for (const filter of this.#wanted) if (topicMatches(filter, topic)) return true;
    return false;
  }

  /**
   * Records a wanted change. Returns the promise for the caller and the frame to send now when the change
   * is new; a change already wanted (or already pending) needs no frame.
   */
  request(change: Change, filter: string, id: string): { promise: Promise<void>; frame?: ChangeFrame } {
    const wanted = change === 'subscribe';
    const waiter = this.#waiters.get(filter);
    if (this.#wanted.has(filter) === wanted) {
      if (waiter?.change === change) return { promise: this.#join(waiter) };
      if (waiter === undefined) return { promise: Promise.resolve() };
    }
    if (wanted && this.#wanted.size >= MAX_FILTERS_PER_CONNECTION) {
      const error = new InvalidArgumentError(
        'too_many_subscriptions',
        `at most ${MAX_FILTERS_PER_CONNECTION} topic filters per connection; unsubscribe from one first`,
      );
      return { promise: Promise.reject(error) };
    }
    if (wanted) this.#wanted.add(filter);
    else this.#wanted.delete(filter);
    // The opposite change is superseded: its callers get what they asked for until this call changed it.
    for (const resolver of waiter?.resolvers ?? []) resolver.resolve();
    const next: Waiter = { change, id, resolvers: [] };
    this.#waiters.set(filter, next);
    return { promise: this.#join(next), frame: { action: change, topic: filter, id } };
  }

  /** Settles the waiter of a `subscribed` / `unsubscribed` reply. */
  confirm(change: Change, filter: string): void {
    const waiter = this.#waiters.get(filter);
    if (waiter?.change !== change) return;
    this.#waiters.delete(filter);
    for (const resolver of waiter.resolvers) resolver.resolve();
  }

  /** Undoes the change an error frame refused; returns false when the id is not a subscription change. */
  refuse(id: string, error: TopicBridgeClientError): boolean {
    for (const [filter, waiter] of this.#waiters) {
      if (waiter.id !== id) continue;
      this.#waiters.delete(filter);
      if (waiter.change === 'subscribe') this.#wanted.delete(filter);
      else this.#wanted.add(filter);
      for (const resolver of waiter.resolvers) resolver.reject(error);
      return true;
    }
    return false;
  }

  /**
   * For a connection that has just opened with `held` filters (those in its URL): settles the changes the
   * URL already made, and returns the frames that bring it to the wanted set.
   */
  reconcile(held: ReadonlySet<string>, nextId: () => string): ChangeFrame[] {
    const frames: ChangeFrame[] = [];
    const differing = new Set([...this.#wanted].filter((f) => !held.has(f)));
    for (const filter of held) if (!this.#wanted.has(filter)) differing.add(filter);
    for (const [filter, waiter] of this.#waiters) {
      if (!differing.has(filter)) this.confirm(waiter.change, filter);
    }
    for (const filter of differing) {
      const change: Change = this.#wanted.has(filter) ? 'subscribe' : 'unsubscribe';
      let waiter = this.#waiters.get(filter);
      if (waiter === undefined) {
        waiter = { change, id: nextId(), resolvers: [] };
        this.#waiters.set(filter, waiter);
      }
      frames.push({ action: change, topic: filter, id: waiter.id });
    }
    return frames;
  }

  /** Rejects every unconfirmed change (the client is closing). */
  rejectAll(error: Error): void {
    for (const waiter of this.#waiters.values())
      for (const resolver of waiter.resolvers) resolver.reject(error);
    this.#waiters.clear();
  }

  #join(waiter: Waiter): Promise<void> {
    return new Promise((resolve, reject) => waiter.resolvers.push({ resolve, reject }));
  }
}
