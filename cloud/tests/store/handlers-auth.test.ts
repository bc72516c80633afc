import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { encodeClaimsContext, type TokenClaims } from '@topic-bridge/shared-types';
import { beforeAll, describe, expect, it } from 'vitest';
import { isConnectionItem } from '../../src/aws/subscription-rows.js';
import type { HandlerResponse, WebSocketEvent } from '../../src/handlers/websocket-event.js';
import { setHandlerEnvironment, useLocalStore } from './support/use-local-store.js';

type Handler = (event: WebSocketEvent) => Promise<HandlerResponse>;

const local = useLocalStore({ connections: true });
let connectHandler: Handler;
let messageHandler: Handler;
const TABLE = 'AuthHandlerTable';
const logLines: string[] = [];

beforeAll(async () => {
  setHandlerEnvironment(local, { table: TABLE, logLevel: 'warn', authMode: 'on' });
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string, ...rest: never[]) => {
    if (typeof chunk === 'string' && chunk.startsWith('{')) logLines.push(chunk);
    return write(chunk, ...rest);
  }) as typeof process.stdout.write;
  connectHandler = (await import('../../src/handlers/connect.js')).handler;
  messageHandler = (await import('../../src/handlers/on-message-optimized.js')).handler;
  // Creates the table (ENSURE_TABLE) with one full-access subscriber to `#` that sees every broadcast.
  await connectHandler(
    event('watcher', claims({ subscribe: ['#'] }), { queryStringParameters: { topicName: '#' } }),
  );
});

function claims(grants: Partial<TokenClaims>): Record<string, string> {
  const encoded = encodeClaimsContext({
    sub: 'tester',
    exp: 1_900_000_000,
    publish: [],
    subscribe: [],
    ...grants,
  });
  if (!encoded.ok) throw new Error(encoded.error.reason);
  return { ...encoded.value, principalId: 'tester' };
}

function event(
  connectionId: string,
  authorizer: Record<string, string> | undefined,
  extra: Partial<WebSocketEvent> = {},
): WebSocketEvent {
  return {
    requestContext: {
      connectionId,
      domainName: 'localhost',
      stage: 'local',
      connectedAt: Date.now(),
      authorizer,
    },
    ...extra,
  };
}

async function rows() {
  const output = await local.clients.doc.send(new ScanCommand({ TableName: TABLE, ConsistentRead: true }));
  // Subscription rows only: each connection's filter-count item (`$connection`) is the store's own business.
  return (output.Items ?? [])
    .filter((item) => !isConnectionItem(String(item.topicFilter)))
    .map((item) => `${item.connectionId} ${item.topicFilter}`)
    .sort();
}

describe('the handlers with authorization on', () => {
  it('$connect stores filters inside the grants and answers the offered topic-bridge.v1 subprotocol', async () => {
    const response = await connectHandler(
      event('sub-a', claims({ subscribe: ['plant/+/temp'] }), {
        queryStringParameters: { topicName: 'plant/3/temp' },
        headers: { 'Sec-WebSocket-Protocol': 'topic-bridge.v1, bearer.x.y.z' },
      }),
    );
    expect(response).toEqual({ statusCode: 200, headers: { 'Sec-WebSocket-Protocol': 'topic-bridge.v1' } });
    expect(await connectHandler(event('plain', claims({})))).toEqual({ statusCode: 200 });
    expect(await rows()).toEqual(['sub-a plant/3/temp', 'watcher #']);
  });

  it('$connect refuses a filter outside the grants with 403 and writes nothing, not even the allowed ones', async () => {
    const response = await connectHandler(
      event('greedy', claims({ subscribe: ['plant/+/temp'] }), {
        multiValueQueryStringParameters: { topicName: ['plant/3/temp', 'plant/#'] },
      }),
    );
    expect(response.statusCode).toBe(403);
    expect(JSON.parse(response.body ?? '')).toEqual({
      type: 'error',
      code: 'forbidden',
      reason: 'your token does not allow subscribing to "plant/#"; its subscribe grants: ["plant/+/temp"]',
    });
    expect(await rows()).toEqual(['sub-a plant/3/temp', 'watcher #']);
  });

  it('$connect refuses with 401 when no claims reached it (an authorizer not wired), writing nothing', async () => {
    for (const authorizer of [undefined, { principalId: 'x' }]) {
      const response = await connectHandler(
        event('nobody', authorizer, { queryStringParameters: { topicName: 'a' } }),
      );
      expect(response.statusCode).toBe(401);
      expect(JSON.parse(response.body ?? '')).toMatchObject({ type: 'error', code: 'forbidden' });
    }
    expect(await rows()).toEqual(['sub-a plant/3/temp', 'watcher #']);
  });

  it('$default answers forbidden with the frame id to a publish or subscribe outside the grants; nothing stored or broadcast', async () => {
    const grants = claims({ publish: ['plant/3/#'], subscribe: ['plant/3/#'] });
    await messageHandler(
      event('limited', grants, { body: '{"topic":"plant/4/temp","message":1,"id":"p1"}' }),
    );
    await messageHandler(
      event('limited', grants, { body: '{"action":"subscribe","topic":"plant/#","id":"s1"}' }),
    );
    expect(local.server.deliveredTo('limited')).toEqual([
      JSON.stringify({
        type: 'error',
        code: 'forbidden',
        reason: 'your token does not allow publishing to "plant/4/temp"',
        id: 'p1',
      }),
      JSON.stringify({
        type: 'error',
        code: 'forbidden',
        reason: 'your token does not allow subscribing to "plant/#"',
        id: 's1',
      }),
    ]);
    expect(local.server.deliveredTo('watcher')).toEqual([]);
    expect(await rows()).toEqual(['sub-a plant/3/temp', 'watcher #']);
    // Inside the grants, the same connection goes on working.
    const allowed = '{"topic":"plant/3/temp","message":2,"id":"p2"}';
    await messageHandler(event('limited', grants, { body: allowed }));
    await messageHandler(
      event('limited', grants, { body: '{"action":"subscribe","topic":"plant/3/+","id":"s2"}' }),
    );
    expect(local.server.deliveredTo('watcher')).toEqual([allowed]);
    expect(local.server.deliveredTo('sub-a')).toEqual([allowed]);
    expect(local.server.deliveredTo('limited').slice(2)).toEqual([
      '{"type":"ack","id":"p2","delivered":2,"subscribers":2,"queued":0}',
      '{"type":"subscribed","topic":"plant/3/+","id":"s2","retained":0}',
    ]);
    expect(await rows()).toEqual(['limited plant/3/+', 'sub-a plant/3/temp', 'watcher #']);
  });

  it('$default allows nothing on a connection without valid claims', async () => {
    await messageHandler(event('nobody', undefined, { body: '{"topic":"a","message":1,"id":"n1"}' }));
    expect(local.server.deliveredTo('nobody')).toEqual([
      JSON.stringify({
        type: 'error',
        code: 'forbidden',
        reason: 'your token does not allow publishing to "a"',
        id: 'n1',
      }),
    ]);
    expect(local.server.deliveredTo('watcher')).toEqual([]);
  });

  it('never warns that authorization is off', () => {
    expect(logLines.filter((line) => line.includes('authorization is OFF'))).toEqual([]);
  });
});
