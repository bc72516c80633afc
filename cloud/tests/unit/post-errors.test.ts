import { describe, expect, it } from 'vitest';
import {
  classifyPostFailure,
  POST_ERROR_CODES,
  postErrorFor,
  RETRYABLE_POST_ERROR_CODES,
} from '../../src/errors.js';

describe('classifyPostFailure (the one classifier of every gateway)', () => {
  it('maps each kind of failure to its contract code', () => {
    const cases: Array<[Parameters<typeof classifyPostFailure>[0], string]> = [
      [{ status: 410 }, 'gone'],
      [{ status: 410, errorName: 'GoneException' }, 'gone'],
      [{ status: 429 }, 'throttled'],
      [{ errorName: 'LimitExceededException' }, 'throttled'],
      [{ status: 400, errorName: 'TooManyRequestsException' }, 'throttled'],
      [{ timedOut: true }, 'timeout'],
      [{ timedOut: true, status: 500 }, 'timeout'],
      [{}, 'reset'],
      [{ errorName: 'Error' }, 'reset'],
      [{ status: 500 }, 'server_error'],
      [{ status: 502 }, 'server_error'],
      [{ status: 503 }, 'server_error'],
      [{ status: 400 }, 'rejected'],
      [{ status: 403, errorName: 'ForbiddenException' }, 'rejected'],
      [{ status: 413 }, 'rejected'],
    ];
    expect(cases.map(([failure]) => classifyPostFailure(failure))).toEqual(cases.map(([, code]) => code));
  });

  it('retries exactly the temporary codes: only gone and rejected are final', () => {
    expect(POST_ERROR_CODES.filter((code) => !RETRYABLE_POST_ERROR_CODES.has(code))).toEqual([
      'gone',
      'rejected',
    ]);
    expect(postErrorFor('c', { status: 503 }, undefined).retryable).toBe(true);
    expect(postErrorFor('c', { status: 410 }, undefined).retryable).toBe(false);
    expect(postErrorFor('c', { status: 404 }, undefined).retryable).toBe(false);
  });

  it('says in the message what happened, with the socket error when there was no response', () => {
    const reset = postErrorFor('c1', {}, Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    expect(reset.message).toBe('post to c1 failed without a response (read ECONNRESET)');
    expect(postErrorFor('c1', { status: 502 }, undefined).message).toBe('post to c1 failed with HTTP 502');
    expect(postErrorFor('c1', { timedOut: true, timeoutMs: 250 }, undefined).message).toBe(
      'post to c1 took over 250 ms',
    );
  });
});
