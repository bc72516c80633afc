import { buildConnectUrl } from '@topic-bridge/shared-types';
import { fullJitterDelay } from './backoff.js';
import { type ResolvedOptions, TOKEN_QUERY_PARAMETER } from './config.js';
import { Link } from './link.js';
import { Timeouts } from './timeouts.js';

/** What the keeper tells the client. */
export interface KeeperEvents {
  /** The filters the next connection should carry in its URL. */
  filters(): ReadonlySet<string>;
  /** A link became the active one (first connect, reconnect or renewal). */
  opened(link: Link, renewed: boolean): void;
  text(link: Link, raw: string): void;
  binary(): void;
  /** A link ended (active, draining or dialing): publishes in flight on it must go out again. */
  linkEnded(): void;
  /** A reconnect is scheduled (`delayMs`), or under way (a renewal's link took over). */
  reconnecting(reason: string, attempt: number, delayMs?: number): void;
  report(cause: unknown): void;
}

/**
 * Keeps one connection to the bridge alive through what API Gateway does: reconnects with full-jitter
 * backoff, pings before the idle timeout and drops a link whose pong does not come, and renews before the
 * 2-hour limit by opening the new link first and closing the old one after a short drain.
 */
export class ConnectionKeeper {
  #active: Link | undefined;
  #dialing: Link | undefined;
  readonly #draining = new Set<Link>();
  #attempt = 0;
  #stopped = false;
  readonly #timeouts: Timeouts<'reconnect' | 'ping' | 'pong' | 'renew' | 'drain'>;
  readonly #options: ResolvedOptions;
  readonly #events: KeeperEvents;

  constructor(options: ResolvedOptions, events: KeeperEvents) {
    this.#options = options;
    this.#events = events;
    this.#timeouts = new Timeouts(options.timers);
    this.#dial();
  }

  /** The link frames go out on, when one is open. */
  get active(): Link | undefined {
    return this.#active;
  }

  /** The links whose replies still count: the active one and those draining after a renewal. */
  live(): ReadonlySet<Link> {
    return new Set([...this.#draining, ...(this.#active ? [this.#active] : [])]);
  }

  /** Called on a pong: the link answered, so it is alive. */
  pong(link: Link): void {
    if (link === this.#active) this.#timeouts.clear('pong');
  }

  /** Closes every link and cancels every timer, for good. */
  stop(): void {
    this.#stopped = true;
    this.#timeouts.clearAll();
    for (const link of [this.#active, this.#dialing, ...this.#draining]) link?.close('client closed');
    this.#active = undefined;
    this.#dialing = undefined;
    this.#draining.clear();
  }

  #dial(): void {
    const filters = this.#events.filters();
    const { token } = this.#options;
    const url = buildConnectUrl(
      this.#options.url,
      [...filters],
      token ? { [TOKEN_QUERY_PARAMETER]: token } : {},
    );
    const link: Link = new Link(
      { ...this.#options, url, filters, report: (cause) => this.#events.report(cause) },
      {
        open: () => this.#onOpen(link),
        text: (raw) => this.#events.text(link, raw),
        binary: () => this.#events.binary(),
        closed: (reason) => this.#onEnded(link, reason),
      },
    );
    this.#dialing = link;
  }

  #onOpen(link: Link): void {
    this.#dialing = undefined;
    const previous = this.#active;
    this.#active = link;
    this.#attempt = 0;
    if (previous !== undefined) {
      // A renewal: the old link stays a moment to collect the acks of publishes sent on it.
      for (const older of [...this.#draining]) this.#endDrain(older);
      this.#draining.add(previous);
      this.#timeouts.set('drain', this.#options.renewDrainMs, () => this.#endDrain(previous));
    }
    this.#timeouts.clear('pong');
    this.#schedulePing();
    this.#timeouts.set('renew', this.#options.renewAfterMs, () => this.#renew());
    this.#events.opened(link, previous !== undefined);
  }

  #onEnded(link: Link, reason: string): void {
    if (this.#stopped) return;
    if (link === this.#dialing) {
      this.#dialing = undefined;
      if (this.#active === undefined) this.#scheduleReconnect(reason);
      else this.#timeouts.set('renew', this.#options.renewRetryMs, () => this.#renew());
    } else if (this.#draining.delete(link)) {
      this.#events.linkEnded();
    } else if (link === this.#active) {
      this.#active = undefined;
      for (const name of ['ping', 'pong', 'renew'] as const) this.#timeouts.clear(name);
      this.#events.linkEnded();
      // A renewal already under way becomes the reconnect; otherwise dial again after a backoff.
      if (this.#dialing === undefined) this.#scheduleReconnect(reason);
      else this.#events.reconnecting(reason, this.#attempt);
    }
  }

  #endDrain(link: Link): void {
    if (!this.#draining.has(link)) return;
    link.close('renewed');
    this.#onEnded(link, 'renewed');
  }

  #scheduleReconnect(reason: string): void {
    this.#attempt += 1;
    const { minReconnectDelayMs, maxReconnectDelayMs, random } = this.#options;
    const delayMs = fullJitterDelay(this.#attempt, minReconnectDelayMs, maxReconnectDelayMs, random);
    this.#timeouts.set('reconnect', delayMs, () => this.#dial());
    this.#events.reconnecting(reason, this.#attempt, delayMs);
  }

  #renew(): void {
    if (this.#active === undefined || this.#dialing !== undefined) return;
    this.#dial();
  }

  #schedulePing(): void {
    this.#timeouts.set('ping', this.#options.pingIntervalMs, () => {
      this.#active?.send(JSON.stringify({ action: 'ping' }));
      if (!this.#timeouts.has('pong')) {
        const { pongTimeoutMs } = this.#options;
        this.#timeouts.set('pong', pongTimeoutMs, () =>
          this.#dropActive(`no pong within ${pongTimeoutMs} ms`),
        );
      }
      this.#schedulePing();
    });
  }

  #dropActive(reason: string): void {
    const link = this.#active;
    if (link === undefined) return;
    link.close(reason);
    this.#onEnded(link, reason);
  }
}
