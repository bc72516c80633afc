import { describe, expect, it } from 'vitest';
import { translatePostError } from '../../src/aws/connections-api.js';
import { PostFailedError, PostTimeoutError, StaleConnectionError, ThrottledError } from '../../src/errors.js';
import {
  bodyOf,
  connectedAtOf,
  managementEndpointOf,
  topicFiltersOf,
} from '../../src/handlers/websocket-event.js';

const context = { connectionId: 'c', domainName: 'abc.execute-api.eu-west-1.amazonaws.com', stage: 'bridge' };

describe('reading API Gateway WebSocket events', () => {
  it('prefers the repeated topicName values, then the single one, then none', () => {
    expect(
      topicFiltersOf({
        requestContext: context,
        queryStringParameters: { topicName: 'b' },
        multiValueQueryStringParameters: { topicName: ['a', 'b'] },
      }),
    ).toEqual(['a', 'b']);
    expect(topicFiltersOf({ requestContext: context, queryStringParameters: { topicName: 'x' } })).toEqual([
      'x',
    ]);
    expect(topicFiltersOf({ requestContext: context, queryStringParameters: { other: 'x' } })).toEqual([]);
    expect(topicFiltersOf({ requestContext: context, queryStringParameters: null })).toEqual([]);
  });

  it('decodes base64 bodies and treats a missing body as empty', () => {
    expect(
      bodyOf({
        requestContext: context,
        body: Buffer.from('{"a":"é"}').toString('base64'),
        isBase64Encoded: true,
      }),
    ).toBe('{"a":"é"}');
    expect(bodyOf({ requestContext: context, body: null })).toBe('');
  });

  it('builds the management endpoint from the event unless one is configured', () => {
    expect(managementEndpointOf({ requestContext: context }, undefined)).toBe(
      'https://abc.execute-api.eu-west-1.amazonaws.com/bridge',
    );
    expect(managementEndpointOf({ requestContext: context }, 'http://127.0.0.1:3001')).toBe(
      'http://127.0.0.1:3001',
    );
    expect(() => managementEndpointOf({ requestContext: {} }, undefined)).toThrow(/CONNECTIONS_ENDPOINT/);
  });

  it('takes connectedAt from the event, else the fallback', () => {
    expect(connectedAtOf({ requestContext: { connectedAt: 5 } }, 9)).toBe(5);
    expect(connectedAtOf({ requestContext: {} }, 9)).toBe(9);
  });
});

describe('translatePostError', () => {
  const sdkError = (name: string, status?: number) =>
    Object.assign(new Error(name), {
      name,
      $metadata: status === undefined ? {} : { httpStatusCode: status },
    });

  it('decides on the HTTP status, not the name (serverless-offline names a 410 Unknown)', () => {
    expect(translatePostError(sdkError('Unknown', 410), 'c')).toBeInstanceOf(StaleConnectionError);
    expect(translatePostError(sdkError('GoneException', 410), 'c')).toBeInstanceOf(StaleConnectionError);
    expect(translatePostError(sdkError('Unknown', 429), 'c')).toBeInstanceOf(ThrottledError);
    expect(translatePostError(sdkError('LimitExceededException'), 'c')).toBeInstanceOf(ThrottledError);
    expect(translatePostError(sdkError('ForbiddenException', 403), 'c')).toBeInstanceOf(PostFailedError);
    expect(translatePostError(sdkError('ForbiddenException', 403), 'c').code).toBe('rejected');
    expect(translatePostError(sdkError('InternalServerError', 500), 'c').code).toBe('server_error');
    const hangUp = translatePostError(
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      'c',
    );
    expect(hangUp).toBeInstanceOf(PostFailedError);
    expect({ code: hangUp.code, retryable: hangUp.retryable }).toEqual({ code: 'reset', retryable: true });
    const timeout = translatePostError(new Error('aborted'), 'c', 300);
    expect(timeout).toBeInstanceOf(PostTimeoutError);
    expect(timeout.message).toBe('post to c took over 300 ms');
  });

  it('keeps the SDK error as the cause and carries a stable code', () => {
    const cause = sdkError('Unknown', 410);
    const error = translatePostError(cause, 'conn');
    expect({
      code: error.code,
      status: error.status,
      connectionId: error.connectionId,
      cause: error.cause,
    }).toEqual({
      code: 'gone',
      status: 410,
      connectionId: 'conn',
      cause,
    });
  });
});
