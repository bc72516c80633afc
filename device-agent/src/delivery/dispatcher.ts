import { isErrorCode, isRetryableError, type ReceivedErrorFrame } from '@topic-bridge/shared-types';
import { ACK_FAILED_RESENDS } from '../config-settings.js';
import type { InputLogger } from '../inputs/input.js';
import { backoffDelay } from '../link/backoff.js';
import type { Link } from '../link/link.js';
import type { AgentCounters } from '../metrics.js';
import { DataSignal } from '../queue/data-signal.js';
import type { FrameQueue } from '../queue/queue.js';
import { type Clock, sleep, systemClock, systemTimers, type Timers } from '../timers.js';
import type { DeadLetters } from './dead-letter.js';
import { Pacer } from './pacer.js';

export interface DispatcherOptions {
  queue: FrameQueue;
  link: Link;
  logger: InputLogger;
  counters: AgentCounters;
  deadLetters: DeadLetters;
  /** Most frames sent and not yet acknowledged at any time. */
  window: number;
  /** Frames per second at most (0 = unlimited): the pace at which a backlog drains. */
  paceFramesPerSecond: number;
  /** A frame with no ack after this long is sent again (the bridge may have lost it). */
  ackTimeoutMs: number;
  /** Delays before resending a frame refused with a retryable code (store_unavailable, internal). */
  retryBackoff: { initialMs: number; maxMs: number };
  /** The clock (default Date.now); tests inject a fake one with `timers`. */
  now?: Clock;
  /** Timers for pacing, retries and ack timeouts (default Node's). */
  timers?: Timers;
  /** Randomness of the retry backoff (default Math.random). */
  random?: () => number;
}

/** A frame read from the queue and not yet acknowledged. */
interface InFlight {
  position: number;
  text: string;
  /** When it was last put on the wire; undefined while it waits in the outbox. */
  sentAt: number | undefined;
  retries: number;
  /** Times it was sent again because its ack counted `failed` posts. */
  failedResends: number;
}

const decoder = new TextDecoder();
const SEND_RETRY_MS = 50;
const READ_RETRY_MS = 1000;
/** Ack timeouts are looked for this many times per `ackTimeoutMs` (a late frame is resent within 1.25×)… */
const ACK_CHECKS_PER_TIMEOUT = 4;
/** …but not more often than this. */
const ACK_CHECK_MIN_MS = 100;

/**
 * Moves frames from the queue to the link, oldest first, at most `window` unacknowledged at a time and at the
 * configured pace. A frame leaves the queue only when its ack arrives (at-least-once; the id lets receivers
 * drop duplicates); frames on a connection that closed, or without an ack in time, are sent again.
 */
export class Dispatcher {
  private readonly inFlight = new Map<string, InFlight>();
  /** Ids waiting to be sent, in order. An id may be stale (acknowledged meanwhile): skipped when taken. */
  private outbox: string[] = [];
  private cursor = 0;
  private readonly wakeup = new DataSignal();
  private readonly controller = new AbortController();
  private readonly pacer: Pacer;
  private readonly now: Clock;
  private readonly clock: Timers;
  private loop?: Promise<void>;
  private ackTimer?: unknown;
  /** Retry timers still to fire, cancelled on stop. */
  private readonly retryTimers = new Set<unknown>();

  constructor(private readonly options: DispatcherOptions) {
    this.now = options.now ?? systemClock;
    this.clock = options.timers ?? systemTimers;
    this.pacer = new Pacer(options.paceFramesPerSecond, Math.max(1, options.window), this.now);
  }

  /** Starts moving frames; returns at once. */
  start(): void {
    const { link } = this.options;
    link.on('ack', (id, _delivered, failed) => this.onAck(id, failed));
    link.on('reject', (id, code, reason) => void this.onReject(id, code, reason));
    link.on('unacked', (ids) => this.requeue(ids, 'its connection closed'));
    link.on('state', () => this.wakeup.notify());
    this.cursor = this.options.queue.stats().head;
    this.scheduleAckCheck();
    this.loop = this.run().catch((error: unknown) => {
      this.options.logger.error({ err: String(error) }, 'the dispatcher stopped on an unexpected error');
    });
  }

  /** Stops sending; in-flight frames stay in the queue and are sent again after a restart. */
  async stop(): Promise<void> {
    this.controller.abort();
    this.clock.clearTimeout(this.ackTimer);
    for (const timer of this.retryTimers) this.clock.clearTimeout(timer);
    this.retryTimers.clear();
    this.wakeup.notify();
    await this.loop;
  }

  /** Frames sent and not yet acknowledged (for metrics and tests). */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  private async run(): Promise<void> {
    const { signal } = this.controller;
    while (!signal.aborted) {
      if (this.options.link.state !== 'connected') {
        await this.wakeup.wait(signal);
        continue;
      }
      const id = this.nextToSend();
      if (id === undefined) {
        if (this.inFlight.size >= this.options.window) await this.wakeup.wait(signal);
        else if (!(await this.readMoreSafely())) await this.waitForWork(signal);
        continue;
      }
      const delay = this.pacer.delayMs();
      if (delay > 0) {
        this.outbox.unshift(id);
        await this.sleep(delay);
        continue;
      }
      // A socket closing under a link still marked connected refuses the frame: wait for the state to settle.
      if (!this.send(id)) await this.sleep(SEND_RETRY_MS);
    }
  }

  /** Reads more frames; a read error (a file gone under us) is logged and retried, never fatal. */
  private async readMoreSafely(): Promise<boolean> {
    try {
      return await this.readMore();
    } catch (error) {
      this.options.logger.error({ err: String(error) }, 'cannot read from the queue; retrying in 1 s');
      await this.sleep(READ_RETRY_MS);
      return true;
    }
  }

  private nextToSend(): string | undefined {
    while (this.outbox.length > 0) {
      const id = this.outbox.shift() as string;
      const entry = this.inFlight.get(id);
      if (entry && entry.sentAt === undefined) return id;
    }
    return undefined;
  }

  private send(id: string): boolean {
    const entry = this.inFlight.get(id) as InFlight;
    if (!this.options.link.send(id, entry.text)) {
      this.outbox.unshift(id);
      return false;
    }
    this.pacer.take();
    entry.sentAt = this.now();
    this.options.counters.sent += 1;
    return true;
  }

  /** Reads the next frames from the queue into the outbox; false when there are none. */
  private async readMore(): Promise<boolean> {
    const records = await this.options.queue.read(this.cursor, this.options.window - this.inFlight.size);
    for (const record of records) {
      this.cursor = record.position + 1;
      const text = decoder.decode(record.data);
      // Records written by an agent before ids were stored carry none: parse the frame for those only.
      const id = record.id ?? frameId(text);
      if (id === undefined) {
        this.options.logger.error({ position: record.position }, 'a queued frame has no id; removing it');
        this.options.queue.ack(record.position);
        continue;
      }
      this.inFlight.set(id, {
        position: record.position,
        text,
        sentAt: undefined,
        retries: 0,
        failedResends: 0,
      });
      this.outbox.push(id);
    }
    return records.length > 0;
  }

  /**
   * Waits for new records or a wakeup (an ack, a state change), whichever comes first. The other wait is left
   * to end by itself at its next notify (no AbortController per wait: see DataSignal); at most one is left per
   * wakeup, and every data append or wakeup ends all of its kind.
   */
  private async waitForWork(signal: AbortSignal): Promise<void> {
    await Promise.race([this.options.queue.waitForData(this.cursor, signal), this.wakeup.wait(signal)]);
  }

  /** Sleeps on the dispatcher's timers; stopping wakes it, and a finished sleep leaves no listener behind. */
  private sleep(ms: number): Promise<void> {
    return sleep(this.clock, ms, this.controller.signal);
  }

  private onAck(id: string, failed: number): void {
    const entry = this.inFlight.get(id);
    if (!entry) {
      this.options.logger.debug({ id }, 'ack for an unknown id (a duplicate or an old frame): ignored');
      return;
    }
    // Some subscribers did not get it, past the bridge's own retries: send it again (the others drop the
    // copy by id), a bounded number of times, so that one subscriber that never accepts cannot hold the queue.
    if (failed > 0 && entry.failedResends < ACK_FAILED_RESENDS) {
      entry.failedResends += 1;
      this.retryLater(entry, id, `the bridge could not post it to ${failed} subscriber(s)`);
      return;
    }
    if (failed > 0) {
      this.options.logger.warn(
        { id, failed, resends: entry.failedResends },
        'the bridge still could not post a frame to some subscribers after every resend; keeping it acknowledged',
      );
    }
    this.inFlight.delete(id);
    this.options.queue.ack(entry.position);
    this.options.counters.acked += 1;
    this.options.counters.lastAckAt = this.now();
    this.wakeup.notify();
  }

  /** Sends an in-flight frame again after a backoff (the same one for retryable refusals and failed posts). */
  private retryLater(entry: InFlight, id: string, why: string): void {
    const delay = backoffDelay(entry.retries++, this.options.retryBackoff, this.options.random);
    this.options.logger.warn(
      { id, why, retryInMs: delay },
      'the bridge did not deliver a frame for now; retrying',
    );
    entry.sentAt = undefined;
    const timer = this.clock.setTimeout(() => {
      this.retryTimers.delete(timer);
      this.requeue([id], why);
    }, delay);
    this.retryTimers.add(timer);
  }

  private async onReject(id: string, code: ReceivedErrorFrame['code'], reason: string): Promise<void> {
    const entry = this.inFlight.get(id);
    if (!entry) return;
    // A code newer than this agent is final: nothing says that sending the frame again would help.
    if (isErrorCode(code) && isRetryableError(code)) {
      this.retryLater(entry, id, `retryable error ${code}: ${reason}`);
      return;
    }
    this.inFlight.delete(id);
    this.options.counters.rejected += 1;
    this.options.logger.error(
      { id, code, reason },
      'the bridge rejected a frame; moved to the dead-letter file',
    );
    await this.options.deadLetters.put({ frame: entry.text, code, reason }).catch((error: unknown) => {
      this.options.logger.error({ id, err: String(error) }, 'cannot write the dead-letter file');
    });
    this.options.queue.ack(entry.position);
    this.wakeup.notify();
  }

  private requeue(ids: string[], why: string): void {
    let count = 0;
    for (const id of ids) {
      const entry = this.inFlight.get(id);
      if (!entry) continue;
      entry.sentAt = undefined;
      this.outbox.push(id);
      count += 1;
    }
    if (count === 0) return;
    this.options.counters.resent += count;
    this.options.logger.debug({ count, why }, 'frames will be sent again');
    this.wakeup.notify();
  }

  /** Looks for frames without an ack a few times per ack timeout, until stopped. */
  private scheduleAckCheck(): void {
    const interval = Math.max(
      ACK_CHECK_MIN_MS,
      Math.floor(this.options.ackTimeoutMs / ACK_CHECKS_PER_TIMEOUT),
    );
    this.ackTimer = this.clock.setTimeout(() => {
      if (this.controller.signal.aborted) return;
      this.checkAckTimeouts();
      this.scheduleAckCheck();
    }, interval);
  }

  private checkAckTimeouts(): void {
    const now = this.now();
    // A frame sent "in the future" was sent before the clock stepped back: its timeout runs from now instead
    // of an hour from now.
    for (const entry of this.inFlight.values())
      if (entry.sentAt !== undefined && entry.sentAt > now) entry.sentAt = now;
    const limit = now - this.options.ackTimeoutMs;
    const late = [...this.inFlight]
      .filter(([, e]) => e.sentAt !== undefined && e.sentAt < limit)
      .map(([id]) => id);
    if (late.length > 0) this.requeue(late, 'no ack in time');
  }
}

/** The `id` of a queued frame (the agent always writes one), or undefined if the text is not such a frame. */
function frameId(text: string): string | undefined {
  try {
    const id = (JSON.parse(text) as { id?: unknown }).id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
