import type { ValueRule } from '../config-types.js';
import { MAX_READ_BYTES } from '../defaults.js';
import type { InputLogger, Reading } from '../input.js';
import type { EmitWindow } from './emit-window.js';
import { LineSplitter } from './line-splitter.js';
import { parseLine } from './value-parser.js';

export interface LineFeedOptions {
  rule: ValueRule;
  /** Topic for plain values; lines `{"topic":…,"message":…}` name their own. */
  topic: string | undefined;
  window: EmitWindow;
  logger: InputLogger;
  clock: () => number;
}

/** A stream being read line by line into readings. */
export interface LineFeed {
  /** Resolves when the stream ended, or was detached. */
  readonly ended: Promise<'ended' | 'detached'>;
  /** Stops reading from the stream without closing it. */
  detach(): void;
}

/**
 * Reads a stream line by line and hands every line as a reading to the agent; bad lines are logged with
 * their line number and skipped. Reading pauses while the agent has too many readings unanswered.
 */
export function feedLines(stream: NodeJS.ReadableStream, options: LineFeedOptions): LineFeed {
  const { window, logger } = options;
  let lineNumber = 0;
  let detached = false;
  let streamEnded = false;
  let pumping = false;
  const waiting: Reading[] = [];
  let finish: (how: 'ended' | 'detached') => void = () => {};
  const ended = new Promise<'ended' | 'detached'>((resolve) => {
    finish = resolve;
  });
  // Hands waiting readings over while the window has room; otherwise pauses the stream until it has.
  const pump = async () => {
    if (pumping) return;
    pumping = true;
    while (waiting.length > 0 && !detached) {
      if (window.full) {
        stream.pause();
        await window.whenRoom();
        continue;
      }
      void window.submit(waiting.shift() as Reading);
    }
    pumping = false;
    if (detached) return;
    if (streamEnded) release('ended');
    else stream.resume();
  };
  const splitter = new LineSplitter(
    MAX_READ_BYTES,
    (line) => {
      lineNumber += 1;
      const parsed = parseLine(line, options.rule, options.topic);
      if (parsed === undefined) return;
      if (!parsed.ok) logger.warn({ line: lineNumber, reason: parsed.reason }, 'bad input line skipped');
      else waiting.push({ ...parsed.value, readAt: options.clock() });
    },
    (bytes) => {
      lineNumber += 1;
      logger.warn({ line: lineNumber, bytes }, `input line longer than ${MAX_READ_BYTES} bytes skipped`);
    },
  );
  const onData = (chunk: Buffer | string) => {
    splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    void pump();
  };
  const release = (how: 'ended' | 'detached') => {
    detached = true;
    stream.removeListener('data', onData);
    stream.removeListener('end', onEnd);
    stream.removeListener('close', onEnd);
    finish(how);
  };
  const onEnd = () => {
    if (streamEnded) return;
    streamEnded = true;
    splitter.end();
    void pump();
  };
  stream.on('data', onData);
  stream.on('end', onEnd);
  stream.on('close', onEnd);
  return { ended, detach: () => release('detached') };
}
