import type { InputLogger } from '../input.js';

/**
 * Logs a recurring problem (a file that cannot be read every 10 s) once when it starts or changes, at debug
 * level while it repeats, and once when it clears, so that a broken sensor does not flood the logs.
 */
export class ProblemLog {
  private current: string | undefined;

  constructor(private readonly logger: InputLogger) {}

  /** Reports a problem; `reason` tells repeats apart from new problems. */
  report(reason: string, fields: object, message: string): void {
    if (reason === this.current) {
      this.logger.debug({ ...fields, reason }, message);
      return;
    }
    this.current = reason;
    this.logger.warn({ ...fields, reason }, message);
  }

  /** Notes a success: logs once that the last problem is over. */
  clear(fields: object, message: string): void {
    if (this.current === undefined) return;
    this.logger.info({ ...fields, previous: this.current }, message);
    this.current = undefined;
  }
}
