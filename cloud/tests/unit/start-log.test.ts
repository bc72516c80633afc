import { describe, expect, it } from 'vitest';
import {
  createStartLog,
  formatHandlerLine,
  type IntervalTimer,
  parseHandlerLine,
  type StartLogLevel,
} from '../../local/start-log.js';
import { createLogger } from '../../src/log.js';

/** A timer whose interval fires only when the test says so. */
function manualTimer() {
  const callbacks = new Map<number, { callback: () => void; ms: number }>();
  let next = 1;
  const timer: IntervalTimer = {
    setInterval(callback, ms) {
      callbacks.set(next, { callback, ms });
      return next++;
    },
    clearInterval(handle) {
      callbacks.delete(handle as number);
    },
  };
  return {
    timer,
    intervals: () => [...callbacks.values()].map((entry) => entry.ms),
    fire: () => {
      for (const { callback } of callbacks.values()) callback();
    },
  };
}

/** A start log fed by the handlers' real logger (cloud/src/log.ts), with its output recorded. */
function setup(level: StartLogLevel) {
  const info: string[] = [];
  const errors: string[] = [];
  const clock = { ms: 1_000_000 };
  const manual = manualTimer();
  const log = createStartLog({
    level,
    intervalMs: 60_000,
    info: (line) => info.push(line),
    error: (line) => errors.push(line),
    timer: manual.timer,
    now: () => clock.ms,
  });
  const handlerLog = createLogger(
    'debug',
    (line) => log.accept(line),
    () => new Date(0),
  );
  const publish = (delivered: number, failed = 0, failures: Record<string, number> = {}, gone = 0) =>
    handlerLog.info('publish', {
      topic: 'demo/a',
      subscribers: delivered + failed + gone,
      delivered,
      gone,
      failed,
      failures,
    });
  return { log, handlerLog, publish, info, errors, clock, manual };
}

describe('createStartLog at info', () => {
  it('prints no per-publish line, and one summary per interval with the counts since the last one', () => {
    const { log, handlerLog, publish, info, errors, clock, manual } = setup('info');
    log.accept('Offline [http for websocket] listening on http://127.0.0.1:3001'); // serverless's chatter
    log.startSummaries();
    expect(manual.intervals()).toEqual([60_000]);
    handlerLog.info('connect', { connectionId: 'c1', filters: ['demo/#'] });
    publish(2);
    publish(1, 2, { reset: 1, timeout: 1 });
    publish(0, 0, {}, 1);
    handlerLog.debug('post failed', { connectionId: 'c2', code: 'reset' });
    expect(info).toEqual([]);

    clock.ms += 60_000;
    manual.fire();
    expect(info).toEqual([
      'topic-bridge, last 60 s: 3 publishes, 3 deliveries, 2 failed posts (reset 1, timeout 1), 1 gone, ' +
        '1 connect, 0 disconnects, 0 warnings, 0 errors',
    ]);

    // The next interval starts from zero.
    handlerLog.info('disconnect', { connectionId: 'c1', rowsRemoved: 1 });
    publish(1);
    clock.ms += 60_000;
    manual.fire();
    expect(info[1]).toBe(
      'topic-bridge, last 60 s: 1 publish, 1 delivery, 0 failed posts, 0 gone, 0 connects, 1 disconnect, ' +
        '0 warnings, 0 errors',
    );
    expect(errors).toEqual([]);
  });

  it('prints every warning and error as it happens, and counts them in the summary', () => {
    const { log, handlerLog, info, errors, clock, manual } = setup('info');
    log.startSummaries();
    handlerLog.warn('store unavailable', { code: 'store_unavailable' });
    handlerLog.error('message not handled', { error: 'TypeError: x' });
    expect(errors).toEqual([
      '00:00:00Z warn  store unavailable  code=store_unavailable',
      '00:00:00Z error message not handled  error="TypeError: x"',
    ]);
    clock.ms += 30_000;
    manual.fire();
    expect(info).toEqual([
      'topic-bridge, last 30 s: 0 publishes, 0 deliveries, 0 failed posts, 0 gone, 0 connects, 0 disconnects, ' +
        '1 warning, 1 error',
    ]);
  });

  it('prints no summary before startSummaries; stop prints the partial interval once, then nothing', () => {
    const { log, publish, info, clock, manual } = setup('info');
    log.stop(); // before startSummaries: nothing to summarize
    publish(1);
    expect(manual.intervals()).toEqual([]);
    log.startSummaries();
    log.startSummaries(); // a second call does not start a second interval
    expect(manual.intervals()).toEqual([60_000]);
    clock.ms += 12_000;
    log.stop();
    expect(manual.intervals()).toEqual([]);
    log.stop();
    manual.fire();
    expect(info).toEqual([
      'topic-bridge, last 12 s: 1 publish, 1 delivery, 0 failed posts, 0 gone, 0 connects, 0 disconnects, ' +
        '0 warnings, 0 errors',
    ]);
  });
});

describe('createStartLog at debug', () => {
  it('prints every handler line as well, summaries still', () => {
    const { log, handlerLog, publish, info, clock, manual } = setup('debug');
    log.startSummaries();
    log.accept('(λ: onMessage) RequestId: 1 Duration: 3 ms'); // still dropped: not a handler line
    publish(2);
    handlerLog.debug('post failed', { connectionId: 'c2', code: 'reset' });
    clock.ms += 60_000;
    manual.fire();
    expect(info).toEqual([
      '00:00:00Z info  publish  topic=demo/a subscribers=2 delivered=2 gone=0 failed=0 failures={}',
      '00:00:00Z debug post failed  connectionId=c2 code=reset',
      expect.stringMatching(/^topic-bridge, last 60 s: 1 publish, 2 deliveries, /),
    ]);
  });
});

describe('formatHandlerLine', () => {
  it('shows the time of day, level, message and each field, quoting only what needs it', () => {
    const line = parseHandlerLine(
      '{"time":"2026-12-01T08:15:02.345Z","level":"warn","msg":"store unavailable","code":"store_unavailable","error":"Error: 503 \\"busy\\"","attempts":2,"ids":["a","b"]}',
    );
    expect(line && formatHandlerLine(line)).toBe(
      '08:15:02Z warn  store unavailable  code=store_unavailable error="Error: 503 \\"busy\\"" attempts=2 ids=["a","b"]',
    );
  });
});

describe('parseHandlerLine', () => {
  it('takes the handlers JSON lines only', () => {
    expect(parseHandlerLine('{"time":"t","level":"info","msg":"publish","delivered":2}')).toEqual({
      level: 'info',
      msg: 'publish',
      fields: { time: 't', delivered: 2 },
    });
    for (const line of [
      '{not json',
      '["level","msg"]',
      '{"level":"info"}',
      'plain text',
      '{"level":1,"msg":"x"}',
    ]) {
      expect(parseHandlerLine(line)).toBeUndefined();
    }
  });
});
