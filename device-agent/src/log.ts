import { type DestinationStream, type Logger, pino } from 'pino';
import pretty from 'pino-pretty';

/** The agent's logger: pino, so that one JSON object per line goes to journald or a log shipper. */
export type AgentLogger = Logger;

/** Log levels accepted in the configuration. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** One of LOG_LEVELS. */
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerOptions {
  level: LogLevel;
  /** Human-readable lines instead of JSON (a terminal); by default when stdout is a TTY. */
  pretty: boolean;
  /** Where lines go; stdout by default. Tests pass a stream to read the lines back. */
  destination?: NodeJS.WritableStream;
}

/**
 * Builds the logger. The pretty printer runs in-process as a plain stream (not a pino transport thread), so
 * that the single-file bundle works without worker files next to it.
 */
export function createLogger(options: LoggerOptions): AgentLogger {
  const destination = options.destination ?? process.stdout;
  const base = { level: options.level, base: { pid: process.pid } };
  if (options.pretty) {
    const stream = pretty({ destination, colorize: destination === process.stdout, sync: true });
    return pino(base, stream);
  }
  return pino(base, destination as DestinationStream);
}

/** A logger that drops everything, for library use and tests that do not read logs. */
export function silentLogger(): AgentLogger {
  return pino({ level: 'silent' });
}
