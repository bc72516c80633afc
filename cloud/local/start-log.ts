/**
 * What `npm start` makes of the handlers' JSON log lines (cloud/src/log.ts): at `info`, one summary line per
 * interval (publishes, deliveries, failed posts, connections, warnings and errors since the last one) and
 * every warning or error as it happens; at `debug`, every handler line as well (each publish, each connect).
 * serverless-offline's own chatter (lines that are not JSON) is dropped at both levels.
 */

/** The levels of `npm start`'s output (TOPIC_BRIDGE_LOG_LEVEL). */
export const START_LOG_LEVELS = ['info', 'debug'] as const;

/** One of START_LOG_LEVELS. */
export type StartLogLevel = (typeof START_LOG_LEVELS)[number];

/** A handler's log line, as cloud/src/log.ts writes it: `{"time","level","msg",…fields}`. */
export interface HandlerLine {
  level: string;
  msg: string;
  fields: Record<string, unknown>;
}

/** Parses one line of the handlers' output; undefined for anything that is not one of their JSON lines. */
export function parseHandlerLine(line: string): HandlerLine | undefined {
  if (!line.startsWith('{')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const { level, msg, ...fields } = parsed as Record<string, unknown>;
  if (typeof level !== 'string' || typeof msg !== 'string') return undefined;
  return { level, msg, fields };
}

/**
 * One handler line for a person: `08:15:02Z warn  store unavailable  code=store_unavailable error="…"`
 * (the time of day in UTC, the level, the message, then each field; strings quoted only when they hold spaces).
 */
export function formatHandlerLine(line: HandlerLine): string {
  const { time, ...fields } = line.fields;
  const clock = typeof time === 'string' && time.length >= 19 ? `${time.slice(11, 19)}Z ` : '';
  const pairs = Object.entries(fields).map(([key, value]) => {
    const text = typeof value === 'string' && !/[\s"]/.test(value) ? value : JSON.stringify(value);
    return `${key}=${text}`;
  });
  return `${clock}${line.level.padEnd(5)} ${line.msg}${pairs.length === 0 ? '' : `  ${pairs.join(' ')}`}`;
}

/** What happened in one interval. */
export interface Tally {
  publishes: number;
  /** Posts that reached a subscriber. */
  deliveries: number;
  /** Posts that failed (not counting gone connections), by error code. */
  failedPosts: number;
  failures: Record<string, number>;
  /** Connections found gone (410) during fan-outs; their rows were removed. */
  gone: number;
  connects: number;
  disconnects: number;
  warnings: number;
  errors: number;
}

const emptyTally = (): Tally => ({
  publishes: 0,
  deliveries: 0,
  failedPosts: 0,
  failures: {},
  gone: 0,
  connects: 0,
  disconnects: 0,
  warnings: 0,
  errors: 0,
});

const count = (value: unknown): number =>
  typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;

/** Adds one handler line to a tally (mutates it). */
export function addToTally(tally: Tally, line: HandlerLine): void {
  if (line.level === 'warn') tally.warnings++;
  if (line.level === 'error') tally.errors++;
  if (line.msg === 'connect') tally.connects++;
  if (line.msg === 'disconnect') tally.disconnects++;
  if (line.msg !== 'publish') return;
  tally.publishes++;
  tally.deliveries += count(line.fields.delivered);
  tally.failedPosts += count(line.fields.failed);
  tally.gone += count(line.fields.gone);
  const failures = line.fields.failures;
  if (typeof failures !== 'object' || failures === null) return;
  for (const [code, times] of Object.entries(failures)) {
    tally.failures[code] = (tally.failures[code] ?? 0) + count(times);
  }
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The summary line of one interval, e.g. `topic-bridge, last 60 s: 180 publishes, 360 deliveries, …`. */
export function formatSummary(tally: Tally, elapsedMs: number): string {
  const causes = Object.entries(tally.failures)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, times]) => `${code} ${times}`)
    .join(', ');
  const parts = [
    plural(tally.publishes, 'publish', 'publishes'),
    plural(tally.deliveries, 'delivery', 'deliveries'),
    `${plural(tally.failedPosts, 'failed post')}${causes === '' ? '' : ` (${causes})`}`,
    `${tally.gone} gone`,
    plural(tally.connects, 'connect'),
    plural(tally.disconnects, 'disconnect'),
    plural(tally.warnings, 'warning'),
    plural(tally.errors, 'error'),
  ];
  return `topic-bridge, last ${Math.round(elapsedMs / 1000)} s: ${parts.join(', ')}`;
}

/** Timers, injected so that tests run the interval on a fake clock. */
export interface IntervalTimer {
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

const globalTimer: IntervalTimer = {
  setInterval: (callback, ms) => setInterval(callback, ms),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

/** How `npm start`'s log is made. */
export interface StartLogOptions {
  level: StartLogLevel;
  /** How often the summary line is printed. */
  intervalMs: number;
  /** Where summaries (and, at debug, every handler line) go. */
  info(line: string): void;
  /** Where warnings and errors go, as they happen. */
  error(line: string): void;
  timer?: IntervalTimer;
  /** Milliseconds clock, for the length of each interval; default Date.now. */
  now?: () => number;
}

/** `npm start`'s log: feed it every output line of the stack; stop it before exiting. */
export interface StartLog {
  accept(line: string): void;
  /** Starts the summary interval (once the ready block is printed, so that no summary comes before it). */
  startSummaries(): void;
  /** Stops the interval, printing a last summary of what the current interval saw so far (if summaries ran). */
  stop(): void;
}

/** Creates the line router; summaries start with `startSummaries()`. */
export function createStartLog(options: StartLogOptions): StartLog {
  const timer = options.timer ?? globalTimer;
  const now = options.now ?? Date.now;
  let tally = emptyTally();
  let since = now();
  let handle: unknown;
  const summarize = () => {
    const at = now();
    options.info(formatSummary(tally, at - since));
    tally = emptyTally();
    since = at;
  };
  return {
    accept(line) {
      const parsed = parseHandlerLine(line);
      if (parsed === undefined) return;
      addToTally(tally, parsed);
      if (parsed.level === 'warn' || parsed.level === 'error') options.error(formatHandlerLine(parsed));
      else if (options.level === 'debug') options.info(formatHandlerLine(parsed));
    },
    startSummaries() {
      if (handle !== undefined) return;
      since = now();
      handle = timer.setInterval(summarize, options.intervalMs);
    },
    stop() {
      if (handle === undefined) return;
      timer.clearInterval(handle);
      handle = undefined;
      // Nothing counted is dropped: the partial interval gets its summary too.
      summarize();
    },
  };
}
