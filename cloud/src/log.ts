import { LOG_LEVELS, type LogLevel } from './config.js';

/** Structured fields of one log line. */
export type LogFields = Record<string, unknown>;

/** A logger writing one JSON object per line (CloudWatch Logs Insights reads the fields directly). */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** Creates a JSON-lines logger that drops lines below `level`; `write` defaults to stdout. */
export function createLogger(
  level: LogLevel,
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  now: () => Date = () => new Date(),
): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const emit =
    (at: LogLevel) =>
    (message: string, fields: LogFields = {}) => {
      if (LOG_LEVELS.indexOf(at) < threshold) return;
      write(JSON.stringify({ time: now().toISOString(), level: at, msg: message, ...fields }));
    };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/** A logger that writes nothing, for callers that do not want logs. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
