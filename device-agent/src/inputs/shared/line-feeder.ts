import type { ValueRule } from '../config-types.js';
import { MAX_READ_BYTES } from '../defaults.js';
import type { InputLogger } from '../input.js';
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
  let finish: (how: 'ended' | 'detached') => void = () => {};
  const ended = new Promise<'ended' | 'detached'>((resolve) => {
    finish = resolve;
  });
  const splitter = new LineSplitter(
    MAX_READ_BYTES,
    (line) => {
      lineNumber += 1;
      const parsed = parseLine(line, options.rule, options.topic);
      if (parsed === undefined) return;
      if (!parsed.ok) {
        logger.warn({ line: lineNumber, reason: parsed.reason }, 'bad input line skipped');
        return;
      }
      void window.submit({ ...parsed.value, readAt: options.clock() });
      if (window.full && !stream.isPaused()) {
        stream.pause();
        void window.whenRoom().then(() => {
          if (!detached) stream.resume();
        });
      }
    },
    (bytes) => {
      lineNumber += 1;
      logger.warn({ line: lineNumber, bytes }, `input line longer than ${MAX_READ_BYTES} bytes skipped`);
    },
  );
  const onData = (chunk: Buffer | string) =>
    splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  const release = (how: 'ended' | 'detached') => {
    detached = true;
    stream.removeListener('data', onData);
    stream.removeListener('end', onEnd);
    stream.removeListener('close', onEnd);
    finish(how);
  };
  const onEnd = () => {
    splitter.end();
    release('ended');
  };
  stream.on('data', onData);
  stream.on('end', onEnd);
  stream.on('close', onEnd);
  return { ended, detach: () => release('detached') };
}
