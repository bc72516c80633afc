import { type DestinationStream, type Logger, pino } from 'pino';

/** The agent's logger: pino, so that one JSON object per line goes to journald or a log shipper. */
export type AgentLogger = Logger;

/** Log levels accepted in the configuration. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** One of LOG_LEVELS. */
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerOptions {
  level: LogLevel;
  /** Where lines go; stdout by default. Tests pass a stream to read the lines back. */
  destination?: NodeJS.WritableStream;
}

/** The JSON logger: one object per line. */
export function createLogger(options: LoggerOptions): AgentLogger {
  const destination = options.destination ?? process.stdout;
  return pino({ level: options.level, base: { pid: process.pid } }, destination as DestinationStream);
}

/**
 * The logger `run` uses: JSON, or human-readable lines with `pretty` (a terminal). The pretty printer runs
 * in-process as a plain stream (not a pino transport thread), so that the single-file bundle works without
 * worker files next to it; it is loaded only when asked for, since a gateway logging JSON to journald never
 * needs it (it costs about 2 MB of memory).
 */
export async function openLogger(options: LoggerOptions & { pretty: boolean }): Promise<AgentLogger> {
  if (!options.pretty) return createLogger(options);
  const destination = options.destination ?? process.stdout;
  const { default: pretty } = await import('pino-pretty');
  const stream = pretty({ destination, colorize: destination === process.stdout, sync: true });
  return pino({ level: options.level, base: { pid: process.pid } }, stream);
}

/** A logger that drops everything, for library use and tests that do not read logs. */
export function silentLogger(): AgentLogger {
  return pino({ level: 'silent' });
}
