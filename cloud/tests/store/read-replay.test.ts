import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DynamoServer, startDynamoServer } from '../../local/dynamo-server.js';
import { READ_CACHE_MAX_ENTRIES, ReadCache, readKey } from '../../local/read-cache.js';
import { LOCAL_REGION } from '../../src/aws/clients.js';
import { LOCAL_SIGNING_CREDENTIALS } from '../../src/aws/credentials.js';
import { createDynamoHttpClient, type DynamoHttpClient } from '../../src/aws/dynamodb-http/client.js';
import { ensureTable } from '../../src/aws/ensure-table.js';

const TABLE = 'ReplayTest';
const INDEX = 'TopicNameIndex';

const read = {
  operation: 'Query',
  body: '{"TableName":"T"}',
  contentType: 'application/x-amz-json-1.0',
  authorization:
    'AWS4-HMAC-SHA256 Credential=x/20261201/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=ab12',
  hasDate: true,
};

describe('readKey: which requests the local read cache may answer', () => {
  it('keys reads by operation, body, content type and authorization without its signature', () => {
    expect(readKey(read)).toBe(
      readKey({ ...read, authorization: read.authorization.replace('ab12', 'cd34') }),
    );
    expect(readKey(read)).not.toBe(readKey({ ...read, body: '{"TableName":"U"}' }));
    expect(readKey(read)).not.toBe(readKey({ ...read, operation: 'Scan' }));
    expect(readKey(read)).not.toBe(readKey({ ...read, contentType: 'application/json' }));
  });

  it('never keys a write, a control-plane call, or a request dynalite would refuse for its headers', () => {
    for (const operation of [
      'PutItem',
      'UpdateItem',
      'DeleteItem',
      'BatchWriteItem',
      'DescribeTable',
      'CreateTable',
    ])
      expect(readKey({ ...read, operation })).toBeUndefined();
    expect(readKey({ ...read, hasDate: false })).toBeUndefined();
    expect(readKey({ ...read, authorization: '' })).toBeUndefined();
  });
});

describe('ReadCache: an answer is kept only when nothing else happened while it was computed', () => {
  const answer = { body: '{}', contentType: 'application/x-amz-json-1.0', crc32: '1' };

  it('keeps an answer computed alone, and forgets everything when another operation arrives and ends', () => {
    const cache = new ReadCache();
    cache.beginRead('a')(answer);
    expect(cache.lookup('a')).toEqual(answer);
    const ended = cache.beginOther();
    expect(cache.lookup('a')).toBeUndefined();
    cache.beginRead('a')(answer); // computed while the write was in flight: not kept
    expect(cache.lookup('a')).toBeUndefined();
    ended();
    cache.beginRead('a')(answer);
    expect(cache.lookup('a')).toEqual(answer);
    expect({ hits: cache.hits, misses: cache.misses }).toEqual({ hits: 2, misses: 2 });
  });

  it('drops an answer when another operation arrived after the read did, even if it has ended since', () => {
    const cache = new ReadCache();
    const keep = cache.beginRead('a');
    cache.beginOther()();
    keep(answer);
    expect(cache.lookup('a')).toBeUndefined();
  });

  it(`holds at most READ_CACHE_MAX_ENTRIES (${READ_CACHE_MAX_ENTRIES}) answers, then starts again empty`, () => {
    const cache = new ReadCache();
    for (let n = 0; n <= READ_CACHE_MAX_ENTRIES; n++) cache.beginRead(`k${n}`)(answer);
    expect(cache.lookup('k0')).toBeUndefined();
    expect(cache.lookup(`k${READ_CACHE_MAX_ENTRIES}`)).toEqual(answer);
  });
});

describe('dynalite with read replay answers exactly as dynalite without it (real dynalite, both side by side)', () => {
  let replaying: DynamoServer;
  let plain: DynamoServer;
  let clients: DynamoHttpClient[];

  beforeAll(async () => {
    replaying = await startDynamoServer();
    plain = await startDynamoServer({ replayReads: false });
    clients = [replaying, plain].map((server) =>
      createDynamoHttpClient({
        endpoint: server.endpoint,
        region: LOCAL_REGION,
        credentials: async () => LOCAL_SIGNING_CREDENTIALS,
      }),
    );
    for (const client of clients) await ensureTable(client, { tableName: TABLE, indexName: INDEX });
  });

  afterAll(async () => {
    for (const client of clients ?? []) client.close();
    await Promise.all([replaying?.close(), plain?.close()]);
  });

  /** The same call on both servers; the answers (as the handlers see them) must be equal. */
  async function both<T>(call: (client: DynamoHttpClient) => Promise<T>): Promise<T> {
    const [withReplay, without] = await Promise.all(clients.map(call));
    expect(withReplay).toEqual(without);
    return withReplay as T;
  }

  const row = (connectionId: string, topicName: string) => ({
    connectionId,
    topicFilter: `$wildcard/${topicName}`,
    topicName,
    expiresAt: 2_000_000_000,
  });
  const query = (topicName: string) => (client: DynamoHttpClient) =>
    client.query({
      TableName: TABLE,
      IndexName: INDEX,
      KeyConditionExpression: '#k = :k AND #e > :now',
      ExpressionAttributeNames: { '#k': 'topicName', '#e': 'expiresAt' },
      ExpressionAttributeValues: { ':k': topicName, ':now': 1_000 },
      ReturnConsumedCapacity: 'INDEXES',
    });
  const ids = (items: ReadonlyArray<Record<string, unknown>>) =>
    items.map((item) => item.connectionId).sort();

  it('replays a repeated read, and never an answer older than the last write', async () => {
    await both((client) => client.putItem({ TableName: TABLE, Item: row('c1', 'k') }));
    expect(ids((await both(query('k'))).Items)).toEqual(['c1']);
    const hitsBefore = replaying.readCacheStats().hits;
    expect(ids((await both(query('k'))).Items)).toEqual(['c1']);
    expect(replaying.readCacheStats().hits).toBe(hitsBefore + 1);

    await both((client) => client.putItem({ TableName: TABLE, Item: row('c2', 'k') }));
    expect(ids((await both(query('k'))).Items)).toEqual(['c1', 'c2']);
    await both((client) =>
      client.deleteItem({ TableName: TABLE, Key: { connectionId: 'c1', topicFilter: '$wildcard/k' } }),
    );
    expect(ids((await both(query('k'))).Items)).toEqual(['c2']);
    expect(
      await both((client) =>
        client.getItem({ TableName: TABLE, Key: { connectionId: 'c2', topicFilter: '$wildcard/k' } }),
      ),
    ).toEqual(expect.objectContaining({ Item: expect.objectContaining({ connectionId: 'c2' }) }));
  });

  it('sees every write made while reads of the same key were in flight', async () => {
    for (let round = 0; round < 20; round++) {
      const topic = `race-${round}`;
      await both(query(topic));
      // A burst of reads with a write among them: whatever the reads saw, a read after the write sees it.
      await Promise.all([
        ...Array.from({ length: 5 }, () => Promise.all(clients.map(query(topic)))),
        both((client) => client.putItem({ TableName: TABLE, Item: row(`r${round}`, topic) })),
      ]);
      expect(ids((await both(query(topic))).Items)).toEqual([`r${round}`]);
    }
  });

  it('answers 503 while unavailable, cached key or not, and replays again once back', async () => {
    await both(query('k'));
    replaying.setAvailable(false);
    const down = createDynamoHttpClient({
      endpoint: replaying.endpoint,
      region: LOCAL_REGION,
      credentials: async () => LOCAL_SIGNING_CREDENTIALS,
      maxAttempts: 1,
    });
    try {
      await expect(query('k')(down)).rejects.toThrow();
    } finally {
      down.close();
      replaying.setAvailable(true);
    }
    expect(ids((await both(query('k'))).Items)).toEqual(['c2']);
  });
});
