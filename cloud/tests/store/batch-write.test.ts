import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_WRITE_ATTEMPTS, batchWrite } from '../../src/aws/batch-write.js';
import { createDynamoClients, type DynamoClients } from '../../src/aws/sdk-clients.js';
import { StoreUnavailableError } from '../../src/errors.js';

/**
 * dynalite never returns UnprocessedItems (real DynamoDB does under throttling), so these tests use a tiny
 * scripted DynamoDB endpoint (a stand-in HTTP server) that leaves the first N items of each answer unprocessed.
 */
let clients: DynamoClients;
let stop: () => Promise<void>;
const received: Array<Array<{ PutRequest?: { Item: { connectionId: { S: string } } } }>> = [];
let leaveUnprocessed: (attempt: number) => number = () => 0;

beforeAll(async () => {
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const items = body.RequestItems.T;
    received.push(items);
    const unprocessed = items.slice(0, leaveUnprocessed(received.length - 1));
    response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
    response.end(JSON.stringify({ UnprocessedItems: unprocessed.length > 0 ? { T: unprocessed } : {} }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  clients = createDynamoClients(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  stop = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
});

afterAll(async () => {
  clients?.destroy();
  await stop?.();
});

const puts = (count: number) =>
  Array.from({ length: count }, (_, i) => ({ PutRequest: { Item: { connectionId: `c${i}` } } }));
const ids = (batch: (typeof received)[number]) => batch.map((item) => item.PutRequest?.Item.connectionId.S);
const noWait = { sleep: async () => {}, random: () => 0 };

describe('batchWrite with a scripted DynamoDB stand-in', () => {
  it('sends 25 items per request and resends exactly the unprocessed ones until none are left', async () => {
    received.length = 0;
    leaveUnprocessed = (attempt) => (attempt === 0 ? 3 : attempt === 1 ? 1 : 0);
    await batchWrite(clients.lean, 'T', puts(27), noWait);
    expect(received.map(ids)).toEqual([
      Array.from({ length: 25 }, (_, i) => `c${i}`),
      ['c0', 'c1', 'c2'],
      ['c0'],
      ['c25', 'c26'],
    ]);
  });

  it('gives up with StoreUnavailableError when items stay unprocessed', async () => {
    received.length = 0;
    leaveUnprocessed = () => 1;
    const failure = await batchWrite(clients.lean, 'T', puts(2), noWait).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StoreUnavailableError);
    expect((failure as Error).message).toBe(
      `DynamoDB left 1 write on "T" unprocessed after ${BATCH_WRITE_ATTEMPTS} attempts (throttled?)`,
    );
    expect(received).toHaveLength(BATCH_WRITE_ATTEMPTS);
  });
});
