import type { Timers } from './deps.js';

/**
 * Runs a task now and then every `intervalMs`, measured from the start of one run to the start of the next;
 * a run that overruns the interval delays the next instead of overlapping it.
 */
export class Poller {
  private timer: unknown;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(
    private readonly timers: Timers,
    private readonly clock: () => number,
    private readonly intervalMs: number,
    private readonly task: () => Promise<void>,
  ) {}

  /** Starts polling; the first run begins at once. */
  start(): void {
    this.stopped = false;
    this.run();
  }

  /** Stops polling and waits for a run in progress to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timers.clearTimeout(this.timer);
    await this.running;
  }

  private run(): void {
    if (this.stopped) return;
    const startedAt = this.clock();
    this.running = this.task().finally(() => {
      this.running = undefined;
      if (this.stopped) return;
      const delay = Math.max(0, startedAt + this.intervalMs - this.clock());
      this.timer = this.timers.setTimeout(() => this.run(), delay);
    });
  }
}
