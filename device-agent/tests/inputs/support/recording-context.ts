import type { EmitResult, InputContext, InputLogger, Reading } from '../../../src/inputs/index.js';

/** One line an input logged. */
export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  message: string;
}

/**
 * The agent side of the Input interface, recording what inputs hand over. `answer` decides each emit's
 * result (accept at once by default); `hold` makes emits wait until `release` — as a slow or stuck queue.
 */
export class RecordingContext implements InputContext {
  readonly readings: Reading[] = [];
  readonly logs: LogLine[] = [];
  private held: (() => void)[] = [];
  private holding = false;
  private waiters: (() => void)[] = [];
  answer: (reading: Reading) => EmitResult = () => ({ accepted: true });

  readonly logger: InputLogger = {
    debug: (fields, message) => this.log('debug', fields, message),
    info: (fields, message) => this.log('info', fields, message),
    warn: (fields, message) => this.log('warn', fields, message),
    error: (fields, message) => this.log('error', fields, message),
  };

  readonly emit = async (reading: Reading): Promise<EmitResult> => {
    this.readings.push(reading);
    for (const wake of this.waiters.splice(0)) wake();
    if (this.holding) await new Promise<void>((resolve) => this.held.push(resolve));
    return this.answer(reading);
  };

  /** From now on, emits do not resolve until `release` (or never). */
  hold(): void {
    this.holding = true;
  }

  /** Resolves every held emit and stops holding. */
  release(): void {
    this.holding = false;
    for (const resolve of this.held.splice(0)) resolve();
  }

  /** Resolves once `count` readings were emitted in total; rejects after `timeoutMs` with what arrived. */
  async waitForReadings(count: number, timeoutMs = 10_000): Promise<Reading[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.readings.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `expected ${count} readings, got ${this.readings.length}: ${JSON.stringify(this.readings)}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.readings;
  }

  /**
   * Resolves once `count` lines at `level` were logged, so that a test waits for retries to happen instead of
   * sleeping and counting how many fit in the sleep (fewer do on a loaded machine); rejects after `timeoutMs`.
   */
  async waitForLogs(level: LogLine['level'], count: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.logs.filter((line) => line.level === level).length < count) {
      if (Date.now() > deadline) {
        throw new Error(`expected ${count} ${level} lines, got: ${JSON.stringify(this.logs)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Log lines at a level, as `message: reason` strings for exact assertions. */
  lines(level: LogLine['level']): string[] {
    return this.logs
      .filter((line) => line.level === level)
      .map((line) => (line.fields.reason ? `${line.message}: ${String(line.fields.reason)}` : line.message));
  }

  private log(level: LogLine['level'], fields: object, message: string): void {
    this.logs.push({ level, fields: fields as Record<string, unknown>, message });
  }
}
