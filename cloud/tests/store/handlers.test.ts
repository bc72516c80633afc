import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HandlerResponse, WebSocketEvent } from '../../src/handlers/websocket-event.js';

import { setHandlerEnvironment, useLocalStore } from './support/use-local-store.js';

type Handler = (event: WebSocketEvent) => Promise<HandlerResponse>;

const local = useLocalStore({ connections: true });
const handlers: Record<'connect' | 'disconnect' | 'scan' | 'query', Handler> = {} as never;
const TABLE = 'HandlerTable';

beforeAll(async () => {
  // The handlers read their environment once, at their first invocation, as on a Lambda cold start.
  // The behaviour without tokens; handlers-auth.test.ts covers it with them.
  setHandlerEnvironment(local, { table: TABLE, logLevel: 'error', authMode: 'off' });
  handlers.connect = (await import('../../src/handlers/connect.js')).handler;
  handlers.disconnect = (await import('../../src/handlers/disconnect.js')).handler;
  handlers.scan = (await import('../../src/handlers/on-message.js')).handler;
  handlers.query = (await import('../../src/handlers/on-message-optimized.js')).handler;
});

function event(connectionId: string, extra: Partial<WebSocketEvent> = {}): WebSocketEvent {
  return {
    requestContext: { connectionId, domainName: 'localhost', stage: 'local', connectedAt: Date.now() },
    ...extra,
  };
}

async function rows() {
  const output = await local.clients.doc.send(new ScanCommand({ TableName: TABLE, ConsistentRead: true }));
  return (output.Items ?? []).map((item) => `${item.connectionId} ${item.topicFilter}`).sort();
}

describe('the Lambda handlers, invoked with API Gateway events', () => {
  it('$connect creates the missing table, stores every repeated topicName, and accepts', async () => {
    const response = await handlers.connect(
      event('multi', {
        queryStringParameters: { topicName: 'room/#' },
        multiValueQueryStringParameters: { topicName: ['room/1', 'room/#'] },
      }),
    );
    expect(response).toEqual({ statusCode: 200 });
    expect(await rows()).toEqual(['multi $connection', 'multi room/#', 'multi room/1']);
  });

  it('$connect reads a single topicName, and accepts a connection without one as publish-only', async () => {
    expect(
      await handlers.connect(event('single', { queryStringParameters: { topicName: 'room/1' } })),
    ).toEqual({
      statusCode: 200,
    });
    expect(await handlers.connect(event('publisher'))).toEqual({ statusCode: 200 });
    expect(await rows()).toEqual([
      'multi $connection',
      'multi room/#',
      'multi room/1',
      'single $connection',
      'single room/1',
    ]);
  });

  it('$connect refuses an invalid filter with 400 and a clear body, writing nothing', async () => {
    const response = await handlers.connect(
      event('bad', { multiValueQueryStringParameters: { topicName: ['room/1', 'room/+x'] } }),
    );
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body ?? '')).toEqual({
      type: 'error',
      code: 'invalid_topic',
      reason:
        'topic filter "room/+x" has a misplaced wildcard: "+" must be a whole level, as in "sensors/+/temperature"',
    });
    expect(await rows()).toEqual([
      'multi $connection',
      'multi room/#',
      'multi room/1',
      'single $connection',
      'single room/1',
    ]);
  });

  it.each(['scan', 'query'] as const)(
    '$default (%s) fans a publish out and acks the sender',
    async (variant) => {
      const body = '{"topic":"room/1","message":"hello","id":"p1"}';
      expect(await handlers[variant](event('publisher', { body }))).toEqual({ statusCode: 200 });
      expect(local.server.deliveredTo('multi')).toEqual([body]);
      expect(local.server.deliveredTo('single')).toEqual([body]);
      expect(local.server.deliveredTo('publisher')).toEqual([
        '{"type":"ack","id":"p1","delivered":2,"subscribers":2,"queued":0}',
      ]);
    },
  );

  it('$default decodes a base64-encoded frame before handling it', async () => {
    const body = Buffer.from('{"action":"ping","id":"b"}').toString('base64');
    await handlers.query(event('publisher', { body, isBase64Encoded: true }));
    expect(local.server.deliveredTo('publisher')).toEqual(['{"type":"pong","id":"b"}']);
  });

  it('$default answers 200 and posts nothing when the event has no connection id', async () => {
    expect(await handlers.query({ requestContext: {}, body: '{"action":"ping"}' })).toEqual({
      statusCode: 200,
    });
    expect(local.server.posts).toEqual([]);
  });

  it('$disconnect deletes every row of the connection', async () => {
    expect(await handlers.disconnect(event('multi'))).toEqual({ statusCode: 200 });
    expect(await rows()).toEqual(['single $connection', 'single room/1']);
  });
});
