import { describe, expect, it } from 'vitest';
import { DESCRIBE_ERROR_MAX_CAUSES, describeError } from '../src/index.js';

class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

describe('describeError: one line for any thrown value', () => {
  it('gives the name and the message of an Error', () => {
    expect(describeError(new TypeError('boom'))).toBe('TypeError: boom');
    expect(describeError(new StoreUnavailableError('Query failed'))).toBe(
      'StoreUnavailableError: Query failed',
    );
  });

  it('follows the cause chain, each cause as "; caused by Name: message"', () => {
    const root = new Error('connect ECONNREFUSED 127.0.0.1:8000');
    const middle = new Error('Query failed after 3 attempts', { cause: root });
    const error = new StoreUnavailableError('the store is unavailable', { cause: middle });
    expect(describeError(error)).toBe(
      'StoreUnavailableError: the store is unavailable; caused by Error: Query failed after 3 attempts; ' +
        'caused by Error: connect ECONNREFUSED 127.0.0.1:8000',
    );
  });

  it('does not repeat a cause whose message the error already quotes', () => {
    const error = new Error('post to abc failed without a response (socket hang up)', {
      cause: new Error('socket hang up'),
    });
    expect(describeError(error)).toBe('Error: post to abc failed without a response (socket hang up)');
  });

  it('stops at a cycle and after DESCRIBE_ERROR_MAX_CAUSES causes', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(describeError(a)).toBe('Error: a; caused by Error: b');

    let deep: Error = new Error('level 0');
    for (let level = 1; level <= DESCRIBE_ERROR_MAX_CAUSES + 2; level++)
      deep = new Error(`level ${level}`, { cause: deep });
    const parts = describeError(deep).split('; caused by ');
    expect(parts).toHaveLength(DESCRIBE_ERROR_MAX_CAUSES + 2);
    expect(parts[0]).toBe(`Error: level ${DESCRIBE_ERROR_MAX_CAUSES + 2}`);
    expect(parts.at(-1)).toBe('…');
  });

  it("shows a code when the message is empty, and an AggregateError's first errors", () => {
    const refused = Object.assign(new AggregateError([], ''), { code: 'ECONNREFUSED' });
    expect(describeError(refused)).toBe('AggregateError: ECONNREFUSED');
    const both = new AggregateError(
      [new Error('connect ECONNREFUSED ::1:80'), new Error('connect ECONNREFUSED 127.0.0.1:80')],
      'all addresses failed',
    );
    expect(describeError(both)).toBe(
      'AggregateError: all addresses failed [Error: connect ECONNREFUSED ::1:80, Error: connect ECONNREFUSED 127.0.0.1:80]',
    );
    const many = new AggregateError(
      [1, 2, 3, 4, 5].map((n) => new Error(`e${n}`)),
      'many',
    );
    expect(describeError(many)).toBe('AggregateError: many [Error: e1, Error: e2, Error: e3, and 2 more]');
  });

  it('describes values that are not Errors as strings, objects as JSON', () => {
    expect(describeError('plain text')).toBe('plain text');
    expect(describeError(42)).toBe('42');
    expect(describeError(undefined)).toBe('undefined');
    expect(describeError(null)).toBe('null');
    expect(describeError({ code: 'E1', status: 500 })).toBe('{"code":"E1","status":500}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(describeError(cyclic)).toBe('[object Object]');
    expect(describeError(new Error('wrapped', { cause: 'a string cause' }))).toBe(
      'Error: wrapped; caused by a string cause',
    );
  });

  it('names an Error without a message by its name alone', () => {
    expect(describeError(new RangeError())).toBe('RangeError');
  });
});
