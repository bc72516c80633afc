import type { EmitResult, InputContext, Reading } from '../input.js';
import type { Timers } from './deps.js';

/** What became of a reading handed to the agent: `failed` readings may be delivered again by their source. */
export type EmitOutcome = 'accepted' | 'refused' | 'failed';

/**
 * Hands readings to the agent without waiting for each one, so that many share one queue fsync, while
 * keeping at most `limit` unanswered: readers wait for room before reading more. Refusals and failures are
 * logged here, once, for every input.
 */
export class EmitWindow {
  private pending = 0;
  private roomWaiters: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly context: InputContext,
    private readonly limit: number,
  ) {}

  /** Readings handed over and not yet answered. */
  get size(): number {
    return this.pending;
  }

  /** True when `limit` readings are unanswered: stop reading until `whenRoom` resolves. */
  get full(): boolean {
    return this.pending >= this.limit;
  }

  /**
   * Hands one reading to the agent and logs a refusal or failure. Plain promise callbacks, not an async
   * function: one reading each, so the async function's frame was garbage per reading.
   */
  submit(reading: Reading): Promise<EmitOutcome> {
    this.pending += 1;
    let answer: Promise<EmitResult>;
    try {
      answer = this.context.emit(reading);
    } catch (error) {
      answer = Promise.reject(error);
    }
    // Only the topic is kept for the log line while the reading waits for its fsync: the reading itself (its
    // message and payload) can then be collected before a young-generation collection promotes it.
    const topic = reading.topic;
    return answer.then(
      (result) => this.answered(topic, result),
      (error: unknown) => this.failed(topic, error),
    );
  }

  private answered(topic: string, result: EmitResult): EmitOutcome {
    this.settled();
    if (result.accepted) return 'accepted';
    if (result.retryable) {
      this.context.logger.info({ topic, reason: result.reason }, 'the agent cannot take a reading now');
      return 'failed';
    }
    this.context.logger.warn({ topic, reason: result.reason }, 'reading refused by the agent; skipped');
    return 'refused';
  }

  private failed(topic: string, error: unknown): EmitOutcome {
    this.settled();
    const reason = error instanceof Error ? error.message : String(error);
    this.context.logger.error({ topic, reason }, 'the agent failed to queue a reading');
    return 'failed';
  }

  private settled(): void {
    this.pending -= 1;
    this.wake();
  }

  private wake(): void {
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const wake of waiters) wake();
  }

  /**
   * Hands one reading over without waiting for its answer, after waiting for room: what a poll calls, so
   * that the next poll keeps its schedule while the queue fsyncs (the window, not the fsync, bounds what is
   * pending). The outcome is logged by `submit`.
   */
  async handOver(reading: Reading): Promise<void> {
    await this.whenRoom();
    if (!this.closed) void this.submit(reading);
  }

  /**
   * Stops taking readings: a poll waiting for room returns at once without handing its reading over (the
   * input is stopping; a reading never handed over was never accepted). Readings already handed over are
   * still answered (`drain` waits for them).
   */
  close(): void {
    this.closed = true;
    this.wake();
  }

  /** Resolves once fewer than `limit` readings are unanswered. */
  async whenRoom(): Promise<void> {
    while (!this.closed && this.pending >= this.limit) {
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    }
  }

  /** Resolves once every reading is answered, or after `graceMs`; true when all were answered. */
  async drain(timers: Timers, graceMs: number): Promise<boolean> {
    let timer: unknown;
    const deadline = new Promise<boolean>((resolve) => {
      timer = timers.setTimeout(() => resolve(false), graceMs);
    });
    const settled = (async () => {
      while (this.pending > 0) await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
      return true;
    })();
    const drained = await Promise.race([settled, deadline]);
    timers.clearTimeout(timer);
    return drained;
  }
}
