import { type PublishFrame, topicMatches } from '@topic-bridge/shared-types';
import { Timeouts } from './timeouts.js';
import type { CatchUpGap, CaughtUp, Notice, ReplayKind, Timers } from './types.js';

/** Where a filter's stream was last seen: the id of the last frame delivered, or a time (client clock). */
type Position = { id: string } | { ms: number };

/** The `since` a history request carries, or none (the oldest kept). */
type Since = string | number | undefined;

/** One filter's history to fetch: missed frames after a reopen, or the newest ones when first held. */
interface Job {
  filter: string;
  kind: CaughtUp['kind'];
  /** History answers (pages) received so far. */
  pages: number;
  /** New history frames delivered so far. */
  delivered: number;
  /** The `since` of the first request, told in a gap event. */
  from: Since;
  /** `initial`: the last id received (the next page's `since`) and the newest frames kept so far. */
  cursor?: string;
  kept: PublishFrame[];
}

/** The one history request on the wire. */
interface InFlight<L> {
  job: Job;
  requestId: string;
  link: L;
  /** A frame with an id came in this page, so a next page can start after it. */
  advanced: boolean;
}

/** A live or retained frame held back while a filter it matches is being caught up. */
interface Held {
  frame: PublishFrame;
  replay: ReplayKind | undefined;
}

/** What catch-up needs from the client. */
export interface CatchUpDeps<L> {
  timers: Timers;
  now(): number;
  nextId(): string;
  /** The link requests go out on, when one is open. */
  active(): L | undefined;
  send(link: L, frame: object): boolean;
  /** The filters wanted now (a frame matching none of them is dropped). */
  wanted(): Iterable<string>;
  /** Drops a duplicate (by id) or emits the frame as a `message`; true when emitted. */
  deliver(frame: PublishFrame, replay: ReplayKind | undefined): boolean;
  gap(gap: CatchUpGap): void;
  caughtUp(done: CaughtUp): void;
  notice(notice: Notice): void;
}

/** The options catch-up runs with (ResolvedOptions' and the named constants). */
export interface CatchUpSettings {
  /** Fetch missed frames after a reopen. */
  catchUp: boolean;
  /** Newest stored frames to deliver when a filter is first held; 0: none. */
  initial: number;
  initialWindowMs: number | undefined;
  timeoutMs: number;
  maxPages: number;
  maxHeld: number;
}

/**
 * Per filter, the last position delivered; after a reopen, the frames missed since then, fetched with
 * `history` requests (one on the wire at a time, so the history frames of two overlapping filters cannot be
 * mixed up) and delivered oldest first, before the live and retained frames that arrived meanwhile.
 * Those are held back while a filter they match is being caught up, or while an earlier held frame shares a
 * filter with them, so every filter sees its frames in order; each is delivered once by id (the client's
 * RecentIds). A timeout or too many held frames gives up (a `gap`) rather than hold live frames for long.
 */
export class CatchUp<L> {
  readonly #positions = new Map<string, Position>();
  /** Filters the bridge keeps no history for (`history_not_enabled`): never asked again. */
  readonly #noHistory = new Set<string>();
  /** An older bridge without the `history` action. */
  #unsupported = false;
  #queue: Job[] = [];
  #inFlight: InFlight<L> | undefined;
  #held: Held[] = [];
  readonly #timeouts: Timeouts<'history'>;
  readonly #deps: CatchUpDeps<L>;
  readonly #settings: CatchUpSettings;

  constructor(deps: CatchUpDeps<L>, settings: CatchUpSettings) {
    this.#deps = deps;
    this.#settings = settings;
    this.#timeouts = new Timeouts(deps.timers);
  }

  /** True while a history request is out or waiting to go out. */
  get busy(): boolean {
    return this.#inFlight !== undefined || this.#queue.length > 0;
  }

  /**
   * A link opened holding `filters` (its URL's). A filter seen before has a position: it is caught up from
   * there (a reconnect or renewal). A new one starts its position now and gets `history.initial`.
   */
  opened(filters: ReadonlySet<string>): void {
    for (const filter of filters) {
      if (this.#positions.has(filter)) {
        if (this.#settings.catchUp) this.#enqueue(filter, 'reconnect');
      } else {
        this.#firstHeld(filter);
      }
    }
    this.#pump();
  }

  /** A runtime subscription was confirmed: the filter is held from now on. */
  subscribed(filter: string): void {
    if (!this.#positions.has(filter)) this.#firstHeld(filter);
    this.#pump();
  }

  /** The filter was unsubscribed: forget it, and stop catching it up. */
  unsubscribed(filter: string): void {
    this.#positions.delete(filter);
    this.#queue = this.#queue.filter((job) => job.filter !== filter);
    if (this.#inFlight?.job.filter === filter) {
      this.#timeouts.clear('history');
      this.#inFlight = undefined;
    }
    this.#release();
    this.#pump();
  }

  /** A published frame (for a wanted filter) arrived on `link`, live or marked `replay`. */
  frame(link: L, frame: PublishFrame, replay: ReplayKind | undefined): void {
    if (replay === 'history') {
      this.#historyFrame(link, frame);
      return;
    }
    if (this.#blocked(this.#matching(frame.topic), this.#held.length)) {
      this.#held.push({ frame, replay });
      if (this.#held.length > this.#settings.maxHeld) {
        this.#abandonAll('timeout', `more than ${this.#settings.maxHeld} live frames waited for the history`);
      }
      return;
    }
    this.#deliverLive(frame, replay);
  }

  /** The summary that ends a history answer; false when it answers no request of ours. */
  summary(reply: { id?: string; more: boolean; sinceFound?: boolean }): boolean {
    const inFlight = this.#inFlight;
    if (inFlight === undefined || reply.id !== inFlight.requestId) return false;
    this.#timeouts.clear('history');
    this.#inFlight = undefined;
    const { job } = inFlight;
    if (reply.sinceFound === false && job.pages === 0 && typeof job.from === 'string') {
      this.#gap(
        job,
        'aged_out',
        `frame "${job.from}" is no longer in the bridge's history: older frames may be missing`,
      );
    }
    job.pages += 1;
    if (!reply.more) {
      this.#finish(job);
    } else if (job.pages >= this.#settings.maxPages || !inFlight.advanced) {
      this.#gap(job, 'incomplete', `more was missed than ${job.pages} history pages`);
      this.#finish(job);
    } else {
      this.#queue.unshift(job);
    }
    this.#pump();
    return true;
  }

  /** An error frame naming request `id`; false when it is not one of ours. */
  error(id: string, code: string, reason: string): boolean {
    const inFlight = this.#inFlight;
    if (inFlight === undefined || id !== inFlight.requestId) return false;
    this.#timeouts.clear('history');
    this.#inFlight = undefined;
    const { filter } = inFlight.job;
    if (code === 'unknown_action') {
      this.#unsupported = true;
      this.#deps.notice({
        code: 'history_unsupported',
        reason: 'the bridge does not know the "history" action (an older version): no catch-up',
      });
      this.#queue = [];
      this.#release();
      return true;
    }
    if (code === 'history_not_enabled') {
      this.#noHistory.add(filter);
      this.#deps.notice({
        code: 'history_not_enabled',
        filter,
        reason: `the bridge keeps no history for "${filter}": frames missed while disconnected are not fetched`,
      });
      this.#release();
    } else {
      this.#gap(inFlight.job, 'failed', `the history request was refused (${code}): ${reason}`);
      this.#finish(inFlight.job);
    }
    this.#pump();
    return true;
  }

  /** A link ended: a request out on it will not be answered, so it goes again on the next one. */
  linkEnded(link: L): void {
    const inFlight = this.#inFlight;
    if (inFlight === undefined || inFlight.link !== link) return;
    this.#timeouts.clear('history');
    this.#inFlight = undefined;
    const { job } = inFlight;
    if (job.kind === 'initial') {
      delete job.cursor;
      job.kept = [];
    }
    job.pages = 0;
    this.#queue.unshift(job);
    this.#pump();
  }

  /** The client closed: no more timers. */
  close(): void {
    this.#timeouts.clearAll();
    this.#queue = [];
    this.#inFlight = undefined;
    this.#held = [];
  }

  #firstHeld(filter: string): void {
    this.#positions.set(filter, { ms: this.#deps.now() });
    if (this.#settings.initial > 0) this.#enqueue(filter, 'initial');
  }

  #enqueue(filter: string, kind: Job['kind']): void {
    if (this.#unsupported || this.#noHistory.has(filter)) return;
    if (this.#inFlight?.job.filter === filter || this.#queue.some((job) => job.filter === filter)) return;
    this.#queue.push({ filter, kind, pages: 0, delivered: 0, from: undefined, kept: [] });
  }

  /** Sends the next request, when none is out and a link is open. */
  #pump(): void {
    if (this.#inFlight !== undefined) return;
    const job = this.#queue[0];
    const link = this.#deps.active();
    if (job === undefined || link === undefined) return;
    const since = this.#sinceFor(job);
    const requestId = this.#deps.nextId();
    const request = {
      action: 'history',
      topic: job.filter,
      ...(since === undefined ? {} : { since }),
      id: requestId,
    };
    if (!this.#deps.send(link, request)) return;
    this.#queue.shift();
    if (job.pages === 0) job.from = since;
    this.#inFlight = { job, requestId, link, advanced: false };
    const { timeoutMs } = this.#settings;
    this.#timeouts.set('history', timeoutMs, () =>
      this.#abandonAll('timeout', `no answer to the history request within ${timeoutMs} ms`),
    );
  }

  #sinceFor(job: Job): Since {
    if (job.kind === 'initial') {
      if (job.cursor !== undefined) return job.cursor;
      const windowMs = this.#settings.initialWindowMs;
      return windowMs === undefined ? undefined : this.#deps.now() - windowMs;
    }
    const position = this.#positions.get(job.filter);
    if (position === undefined) return undefined;
    return 'id' in position ? position.id : position.ms;
  }

  #historyFrame(link: L, frame: PublishFrame): void {
    const inFlight = this.#inFlight;
    // A history frame of no request out now: the answer of one given up (timeout), whose frames would now
    // come after newer ones. It is dropped; the gap event already said so.
    if (inFlight === undefined || inFlight.link !== link || !topicMatches(inFlight.job.filter, frame.topic))
      return;
    const { job } = inFlight;
    const id = typeof frame.id === 'string' ? frame.id : undefined;
    if (id !== undefined) inFlight.advanced = true;
    if (job.kind === 'initial') {
      if (id !== undefined) job.cursor = id;
      job.kept.push(frame);
      if (job.kept.length > this.#settings.initial) job.kept.shift();
      return;
    }
    if (id !== undefined) this.#positions.set(job.filter, { id });
    if (this.#deps.deliver(frame, 'history')) job.delivered += 1;
  }

  /** Ends a job: `initial` delivers what it kept; then the held frames it no longer blocks go out. */
  #finish(job: Job): void {
    this.#deliverKept(job);
    this.#release();
    this.#deps.caughtUp({ filter: job.filter, kind: job.kind, delivered: job.delivered });
  }

  /** `initial`: the newest frames kept, oldest first. */
  #deliverKept(job: Job): void {
    for (const frame of job.kept) {
      const id = typeof frame.id === 'string' ? frame.id : undefined;
      if (id !== undefined && this.#positions.has(job.filter)) this.#positions.set(job.filter, { id });
      if (this.#deps.deliver(frame, 'history')) job.delivered += 1;
    }
    job.kept = [];
  }

  /** Gives every pending job up (the bridge is too slow): gap events, then the held frames go out. */
  #abandonAll(reason: CatchUpGap['reason'], detail: string): void {
    this.#timeouts.clear('history');
    const jobs = [...(this.#inFlight ? [this.#inFlight.job] : []), ...this.#queue];
    this.#inFlight = undefined;
    this.#queue = [];
    for (const job of jobs) this.#gap(job, reason, detail);
    for (const job of jobs) this.#deliverKept(job);
    this.#release();
    for (const job of jobs)
      this.#deps.caughtUp({ filter: job.filter, kind: job.kind, delivered: job.delivered });
  }

  #gap(job: Job, reason: CatchUpGap['reason'], detail: string): void {
    this.#deps.gap({ filter: job.filter, since: job.from, reason, detail });
  }

  /** Delivers, in arrival order, each held frame that neither a pending filter nor an earlier held frame blocks. */
  #release(): void {
    const held = this.#held;
    this.#held = [];
    for (const entry of held) {
      const filters = this.#matching(entry.frame.topic);
      if (filters.length === 0) continue;
      if (this.#blocked(filters, this.#held.length)) this.#held.push(entry);
      else this.#deliverLive(entry.frame, entry.replay);
    }
  }

  /** True when a frame matching `filters` must wait: behind a pending filter, or the first `heldCount` held frames. */
  #blocked(filters: readonly string[], heldCount: number): boolean {
    if (filters.length === 0) return false;
    const pending = new Set([
      ...this.#queue.map((job) => job.filter),
      ...(this.#inFlight ? [this.#inFlight.job.filter] : []),
    ]);
    if (filters.some((filter) => pending.has(filter))) return true;
    for (let i = 0; i < heldCount; i++) {
      const held = this.#held[i];
      if (held !== undefined && filters.some((filter) => topicMatches(filter, held.frame.topic))) return true;
    }
    return false;
  }

  /** A live or retained frame goes out; a live one moves the position of every filter it matches. */
  #deliverLive(frame: PublishFrame, replay: ReplayKind | undefined): void {
    this.#deps.deliver(frame, replay);
    if (replay !== undefined) return;
    const position: Position = typeof frame.id === 'string' ? { id: frame.id } : { ms: this.#deps.now() };
    for (const filter of this.#matching(frame.topic)) {
      if (this.#positions.has(filter)) this.#positions.set(filter, position);
    }
  }

  #matching(topic: string): string[] {
    return [...this.#deps.wanted()].filter((filter) => topicMatches(filter, topic));
  }
}
