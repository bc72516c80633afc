import { fullJitterDelay } from '@topic-bridge/shared-types';
import { Timeouts } from './timeouts.js';
import { fetchToken, type TokenCheck, type TokenSource } from './token.js';
import type { Timers } from './types.js';

/** One connection the keeper holds: a WebSocket link, or any other transport (the agent's MQTT link). */
export interface KeptLink {
  /** Closes it on purpose; no `closed` report follows. Resolves once it has closed. */
  close(reason: string): Promise<void>;
}

/** How a link ended without being asked to. */
export interface LinkEnd {
  reason: string;
  /** The HTTP status that refused the handshake, when the transport tells it. */
  status?: number;
}

/** What a dialed link must report to the keeper. */
export interface DialReports {
  open(): void;
  closed(end: LinkEnd): void;
}

/** Pings: the keeper sends them, the owner reports each answer with `keeper.pong(link)`. */
export interface PingPolicy<L> {
  intervalMs: number;
  timeoutMs: number;
  send(link: L): void;
}

/** Renewal before a transport's maximum connection age (API Gateway's 2 hours). */
export interface RenewPolicy {
  afterMs: number;
  /** How long the old link may stay open after the new one took over (`keeper.drained(link)` ends it sooner). */
  drainMs: number;
  /** A failed renewal is tried again after this long; the old link keeps working meanwhile. */
  retryMs: number;
}

/** What a keeper needs. Every time, random and transport is injected. */
export interface KeeperOptions<L extends KeptLink> {
  /** Opens one link with this token (undefined: none); it reports `open` once and `closed` at most once. */
  dial(token: string | undefined, reports: DialReports): L;
  token?: TokenSource;
  /** Why this transport cannot carry the token, if it cannot (a final refusal: no dial is made). */
  tokenProblem?: (token: string) => string | undefined;
  timers: Timers;
  now(): number;
  random(): number;
  /** Full-jitter backoff: attempt n waits up to min(max, min × 2^n). */
  minReconnectDelayMs: number;
  maxReconnectDelayMs: number;
  /** A link up this long resets the backoff to its first step (a link that opens and drops at once does not). */
  stableAfterMs: number;
  /** A link not open after this long is abandoned and counts as a failed attempt. */
  connectTimeoutMs: number;
  ping?: PingPolicy<L>;
  renew?: RenewPolicy;
  /**
   * After a final refusal (401/403, an expired token, no token to be had), dial again after this long,
   * asking for the token again; undefined stays refused until `reconnect()`.
   */
  unauthorizedRetryMs?: number;
}

/** What the keeper tells its owner. */
export interface KeeperEvents<L> {
  /** A dial starts; `renewal` when the active link keeps working meanwhile. */
  dialing(attempt: number, renewal: boolean): void;
  /** A link became the active one (first connect, reconnect or renewal). */
  opened(link: L, renewed: boolean): void;
  /** A link ended (active, draining or dialing): what was in flight on it must go out again. */
  ended(link: L, end: LinkEnd): void;
  /** A reconnect is scheduled (`delayMs`), or under way (a renewal's link is taking over). */
  reconnecting(reason: string, attempt: number, delayMs?: number): void;
  /** A final refusal: no reconnect loop. `retryInMs` when `unauthorizedRetryMs` is set. */
  unauthorized(reason: string, status: number | undefined, retryInMs: number | undefined): void;
  report(cause: unknown): void;
}

/** HTTP statuses of a handshake that trying again cannot fix: the token is missing, bad, or not enough. */
export const FINAL_HANDSHAKE_STATUSES: readonly number[] = [401, 403];

type TimerName = 'reconnect' | 'connect' | 'ping' | 'pong' | 'renew' | 'drain' | 'stable';

/**
 * Keeps one connection alive through what the network and API Gateway do to it: reconnects with the
 * shared full-jitter backoff (reset once a link stayed up `stableAfterMs`), abandons a dial after
 * `connectTimeoutMs`, pings and drops a link whose pong does not come, renews before the connection age
 * limit by opening the new link first and closing the old one after a drain, asks for the token on every
 * dial, and tells final refusals (401/403, an expired token) from temporary failures.
 * The browser client and the device agent's links are built on it.
 */
export class ConnectionKeeper<L extends KeptLink> {
  #active: L | undefined;
  #dialing: L | undefined;
  /** True while a token is being fetched for a dial. */
  #fetching = false;
  readonly #draining = new Set<L>();
  #attempt = 0;
  #stopped = false;
  #refused = false;
  /** The last final refusal, told again when the link that outlived it ends. */
  #refusal: { reason: string; status: number | undefined } | undefined;
  readonly #timeouts: Timeouts<TimerName>;
  readonly #options: KeeperOptions<L>;
  readonly #events: KeeperEvents<L>;

  constructor(options: KeeperOptions<L>, events: KeeperEvents<L>) {
    this.#options = options;
    this.#events = events;
    this.#timeouts = new Timeouts(options.timers);
  }

  /** Starts dialing. */
  start(): void {
    this.#dial(false);
  }

  /** The link frames go out on, when one is open. */
  get active(): L | undefined {
    return this.#active;
  }

  /** True after a final refusal, until a link opens again. */
  get refused(): boolean {
    return this.#refused;
  }

  /** The links whose replies still count: the active one and those draining after a renewal. */
  live(): ReadonlySet<L> {
    return new Set([...this.#draining, ...(this.#active ? [this.#active] : [])]);
  }

  /** Called on a pong: the link answered, so it is alive. */
  pong(link: L): void {
    if (link === this.#active) this.#timeouts.clear('pong');
  }

  /** A draining link has nothing left in flight: close it now rather than after the drain time. */
  drained(link: L): void {
    this.#endDrain(link, 'renewed');
  }

  /** After a final refusal: dial again now (asking for the token again). */
  reconnect(): void {
    if (this.#stopped || this.#active !== undefined || this.#dialing !== undefined || this.#fetching) return;
    this.#timeouts.clear('reconnect');
    this.#dial(false);
  }

  /** Closes every link and cancels every timer, for good; resolves once the links have closed. */
  async stop(reason = 'client closed'): Promise<void> {
    this.#stopped = true;
    this.#timeouts.clearAll();
    const links = [this.#active, this.#dialing, ...this.#draining];
    this.#active = undefined;
    this.#dialing = undefined;
    this.#draining.clear();
    await Promise.all(links.map((link) => link?.close(reason)));
  }

  #dial(renewal: boolean): void {
    if (this.#stopped) return;
    this.#events.dialing(this.#attempt, renewal);
    this.#fetching = true;
    const checked = fetchToken(this.#options.token, this.#options.now);
    if (checked instanceof Promise) {
      checked.then(
        (result) => this.#dialWith(result, renewal),
        (cause) => this.#events.report(cause),
      );
    } else {
      this.#dialWith(checked, renewal);
    }
  }

  #dialWith(checked: TokenCheck, renewal: boolean): void {
    this.#fetching = false;
    if (this.#stopped) return;
    const problem =
      checked.ok && checked.token !== undefined ? this.#options.tokenProblem?.(checked.token) : undefined;
    if (!checked.ok || problem !== undefined) {
      this.#refuse(checked.ok ? (problem as string) : checked.reason, undefined, renewal);
      return;
    }
    let link: L | undefined;
    const reports: DialReports = {
      open: () => {
        if (link !== undefined) this.#onOpen(link);
      },
      closed: (end) => {
        if (link !== undefined) this.#onEnded(link, end);
      },
    };
    try {
      link = this.#options.dial(checked.token, reports);
    } catch (cause) {
      this.#events.report(cause);
      this.#failedDial({ reason: `could not dial: ${String(cause)}` }, renewal);
      return;
    }
    this.#dialing = link;
    const dialed = link;
    const { connectTimeoutMs } = this.#options;
    this.#timeouts.set('connect', connectTimeoutMs, () => {
      if (this.#dialing !== dialed) return;
      void dialed.close('connect timeout');
      this.#onEnded(dialed, { reason: `the connection did not open within ${connectTimeoutMs} ms` });
    });
  }

  #onOpen(link: L): void {
    if (this.#stopped || link !== this.#dialing) return;
    this.#timeouts.clear('connect');
    this.#dialing = undefined;
    this.#refused = false;
    const previous = this.#active;
    this.#active = link;
    const renew = this.#options.renew;
    if (previous !== undefined) {
      // A renewal: the old link stays a moment to collect the acks of what was sent on it.
      for (const older of [...this.#draining]) this.#endDrain(older, 'renewed');
      this.#draining.add(previous);
      this.#timeouts.set('drain', renew?.drainMs ?? 0, () => this.#endDrain(previous, 'renewed'));
    }
    this.#timeouts.set('stable', this.#options.stableAfterMs, () => {
      this.#attempt = 0;
    });
    this.#timeouts.clear('pong');
    this.#schedulePing();
    if (renew !== undefined) this.#timeouts.set('renew', renew.afterMs, () => this.#renew());
    this.#events.opened(link, previous !== undefined);
  }

  #onEnded(link: L, end: LinkEnd): void {
    if (this.#stopped) return;
    if (link === this.#dialing) {
      this.#timeouts.clear('connect');
      this.#dialing = undefined;
      this.#events.ended(link, end);
      this.#failedDial(end, this.#active !== undefined);
    } else if (this.#draining.delete(link)) {
      this.#events.ended(link, end);
    } else if (link === this.#active) {
      this.#active = undefined;
      for (const name of ['ping', 'pong', 'renew', 'stable'] as const) this.#timeouts.clear(name);
      this.#events.ended(link, end);
      // A renewal already under way becomes the reconnect; otherwise dial again after a backoff.
      if (this.#dialing !== undefined || this.#fetching) this.#events.reconnecting(end.reason, this.#attempt);
      else if (this.#refused) this.#refuse(this.#refusal?.reason ?? end.reason, this.#refusal?.status, false);
      else this.#scheduleReconnect(end.reason);
    }
  }

  #failedDial(end: LinkEnd, renewal: boolean): void {
    if (end.status !== undefined && FINAL_HANDSHAKE_STATUSES.includes(end.status)) {
      this.#refuse(end.reason, end.status, renewal);
    } else if (renewal && this.#active !== undefined) {
      const retryMs = this.#options.renew?.retryMs ?? this.#options.maxReconnectDelayMs;
      this.#timeouts.set('renew', retryMs, () => this.#renew());
    } else {
      this.#scheduleReconnect(end.reason);
    }
  }

  /** A final refusal: tell the owner once per dial, and dial again only at the slow retry interval. */
  #refuse(reason: string, status: number | undefined, renewal: boolean): void {
    this.#refused = true;
    this.#refusal = { reason, status };
    const retryMs = this.#options.unauthorizedRetryMs;
    this.#events.unauthorized(reason, status, retryMs);
    // During a renewal the old link still works: only the renewal waits for a better token.
    if (renewal && this.#active !== undefined) {
      if (retryMs !== undefined) this.#timeouts.set('renew', retryMs, () => this.#renew());
      return;
    }
    if (this.#active === undefined) this.#scheduleRefusedRetry();
  }

  #scheduleRefusedRetry(): void {
    const retryMs = this.#options.unauthorizedRetryMs;
    if (retryMs !== undefined) this.#timeouts.set('reconnect', retryMs, () => this.#dial(false));
  }

  #endDrain(link: L, reason: string): void {
    if (!this.#draining.delete(link)) return;
    void link.close(reason);
    this.#events.ended(link, { reason });
  }

  #scheduleReconnect(reason: string): void {
    const { minReconnectDelayMs, maxReconnectDelayMs, random } = this.#options;
    const delayMs = fullJitterDelay(this.#attempt, minReconnectDelayMs, maxReconnectDelayMs, random);
    this.#attempt += 1;
    this.#timeouts.set('reconnect', delayMs, () => this.#dial(false));
    this.#events.reconnecting(reason, this.#attempt, delayMs);
  }

  #renew(): void {
    if (this.#active === undefined || this.#dialing !== undefined || this.#fetching) return;
    this.#dial(true);
  }

  #schedulePing(): void {
    const ping = this.#options.ping;
    if (ping === undefined) return;
    this.#timeouts.set('ping', ping.intervalMs, () => {
      const link = this.#active;
      if (link === undefined) return;
      if (!this.#timeouts.has('pong')) {
        ping.send(link);
        this.#timeouts.set('pong', ping.timeoutMs, () =>
          this.#dropActive(`no pong within ${ping.timeoutMs} ms`),
        );
      }
      this.#schedulePing();
    });
  }

  #dropActive(reason: string): void {
    const link = this.#active;
    if (link === undefined) return;
    void link.close(reason);
    this.#onEnded(link, { reason });
  }
}
