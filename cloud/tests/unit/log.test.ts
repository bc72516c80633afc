import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';

describe('createLogger', () => {
  it('writes one JSON line per call at or above its level', () => {
    const lines: string[] = [];
    const logger = createLogger(
      'info',
      (line) => lines.push(line),
      () => new Date(0),
    );
    logger.debug('hidden');
    logger.info('publish', { delivered: 2 });
    logger.error('bad', { code: 'x' });
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { time: '1970-01-01T00:00:00.000Z', level: 'info', msg: 'publish', delivered: 2 },
      { time: '1970-01-01T00:00:00.000Z', level: 'error', msg: 'bad', code: 'x' },
    ]);
  });
});
