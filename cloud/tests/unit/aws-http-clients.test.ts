import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DYNAMODB_MAX_ATTEMPTS,
  RETRY_QUOTA_TOKENS,
  THROTTLING_RETRY_BASE_MS,
  TRANSIENT_RETRY_BASE_MS,
  TRANSIENT_RETRY_COST,
} from '../../src/aws/aws-retry.js';
import { createDynamoHttpClient, type DynamoHttpClient } from '../../src/aws/dynamodb-http/client.js';
import { createLambdaDispatcher, invokePath } from '../../src/aws/lambda-dispatcher.js';
import { createSignedRequester } from '../../src/aws/signed-request.js';
import { readSecureParameter } from '../../src/aws/ssm-parameter.js';
import { storeCall } from '../../src/aws/store-errors.js';
import { FAN_OUT_JOB_KIND, type FanOutJob } from '../../src/core/fan-out-job.js';
import {
  AwsRequestError,
  HandoffError,
  KeyUnavailableError,
  StoreUnavailableError,
  TableMissingError,
} from '../../src/errors.js';
import { NodeSha256 } from '../support/node-sha256.js';

/**
 * The lean AWS clients (DynamoDB, Lambda Invoke, SSM GetParameter) against a real HTTP server on port 0 that
 * answers as AWS does (status, `__type` body, `x-amzn-ErrorType` header), scripted per request: what each
 * error becomes, what is retried and how long the waits are, and what goes over the wire.
 */

/** A request as the server saw it. */
interface Seen {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** How the server answers one request. */
type Answer = { status: number; body?: unknown; headers?: Record<string, string> } | 'reset' | 'hang';

const seen: Seen[] = [];
let script: Answer[] = [];
let server: Server;
let endpoint = '';
const hanging: ServerResponse[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const answer = script.shift() ?? { status: 200, body: {} };
      if (answer === 'reset') return req.socket.destroy();
      if (answer === 'hang') return hanging.push(res);
      const body = answer.body === undefined ? '' : JSON.stringify(answer.body);
      res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0', ...answer.headers });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen.length = 0;
  script = [];
});

/** Retry timing that does not wait. */
const NO_WAIT = { sleep: async () => {}, random: () => 0 };

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token-1' };
const REGION = 'eu-west-1';

/** The waits a client asked for, recorded instead of slept. */
function clientWithWaits(extra: { timeoutMs?: number; random?: () => number } = {}) {
  const waits: number[] = [];
  const client = createDynamoHttpClient({
    endpoint,
    region: REGION,
    credentials: async () => CREDENTIALS,
    timeoutMs: extra.timeoutMs,
    retryTiming: {
      sleep: async (ms) => {
        waits.push(ms);
      },
      random: extra.random ?? (() => 0.5),
    },
  });
  return { client, waits };
}

const dynamoError = (status: number, type: string, message = 'from the stand-in') => ({
  status,
  body: { __type: `com.amazonaws.dynamodb.v20120810#${type}`, message },
});

const getItem = (client: DynamoHttpClient) =>
  client.getItem({ TableName: 'T', Key: { connectionId: 'c1', topicFilter: 'a/b' } });

/** The store's translation of a failed call (store-errors.ts), as every store operation applies it. */
const viaStore = (call: () => Promise<unknown>) =>
  storeCall('GetItem', 'T', call).catch((error: unknown) => error);

describe('lean DynamoDB client: what goes over the wire', () => {
  it('sends the JSON protocol with marshalled values and unmarshals the answer', async () => {
    const { client } = clientWithWaits();
    script = [
      {
        status: 200,
        body: { Attributes: { heldFilters: { SS: ['a/b', 'c/#'] }, expiresAt: { N: '1800007800' } } },
      },
    ];
    const output = await client.updateItem({
      TableName: 'T',
      Key: { connectionId: 'c1', topicFilter: '$connection' },
      UpdateExpression: 'ADD #h :set',
      ExpressionAttributeNames: { '#h': 'heldFilters' },
      ExpressionAttributeValues: { ':set': new Set(['a/b']), ':max': 32, ':none': undefined, ':ok': true },
      ReturnValues: 'UPDATED_OLD',
    });
    client.close();
    expect(output.Attributes).toEqual({ heldFilters: new Set(['a/b', 'c/#']), expiresAt: 1800007800 });
    const [request] = seen as [Seen];
    expect(request.path).toBe('/');
    expect(request.headers['x-amz-target']).toBe('DynamoDB_20120810.UpdateItem');
    expect(request.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(JSON.parse(request.body)).toEqual({
      TableName: 'T',
      Key: { connectionId: { S: 'c1' }, topicFilter: { S: '$connection' } },
      UpdateExpression: 'ADD #h :set',
      ExpressionAttributeNames: { '#h': 'heldFilters' },
      ExpressionAttributeValues: { ':set': { SS: ['a/b'] }, ':max': { N: '32' }, ':ok': { BOOL: true } },
      ReturnValues: 'UPDATED_OLD',
    });
  });

  it('signs x-amz-target and the content type exactly as @smithy/signature-v4 does', async () => {
    const { client } = clientWithWaits();
    await client.query({
      TableName: 'T',
      IndexName: 'TopicNameIndex',
      KeyConditionExpression: '#t = :t',
      ExpressionAttributeNames: { '#t': 'topicName' },
      ExpressionAttributeValues: { ':t': 'plant/3/temp' },
    });
    client.close();
    const [request] = seen as [Seen];
    const amzDate = String(request.headers['x-amz-date']);
    const signer = new SignatureV4({
      service: 'dynamodb',
      region: REGION,
      credentials: CREDENTIALS,
      sha256: NodeSha256,
      applyChecksum: false,
    });
    const signed = await signer.sign(
      {
        method: 'POST',
        protocol: 'http:',
        hostname: '127.0.0.1',
        path: '/',
        query: {},
        headers: {
          host: String(request.headers.host),
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'DynamoDB_20120810.Query',
        },
        body: request.body,
      },
      {
        signingDate: new Date(
          `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
        ),
      },
    );
    expect(request.headers.authorization).toBe(signed.headers.authorization);
    expect(request.headers.authorization).toContain(
      'SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target,',
    );
  });

  it('returns every page field unmarshalled, and UnprocessedItems as plain items', async () => {
    const { client } = clientWithWaits();
    script = [
      {
        status: 200,
        body: {
          Items: [{ connectionId: { S: 'c1' }, expiresAt: { N: '5' } }],
          LastEvaluatedKey: { connectionId: { S: 'c1' } },
          Count: 1,
          ConsumedCapacity: { TableName: 'T', CapacityUnits: 0.5 },
        },
      },
      {
        status: 200,
        body: { UnprocessedItems: { T: [{ DeleteRequest: { Key: { connectionId: { S: 'c2' } } } }] } },
      },
    ];
    const page = await client.scan({ TableName: 'T' });
    const written = await client.batchWriteItem({
      RequestItems: { T: [{ DeleteRequest: { Key: { connectionId: 'c2' } } }] },
    });
    client.close();
    expect(page).toEqual({
      Items: [{ connectionId: 'c1', expiresAt: 5 }],
      LastEvaluatedKey: { connectionId: 'c1' },
      Count: 1,
      ConsumedCapacity: { TableName: 'T', CapacityUnits: 0.5 },
    });
    expect(written.UnprocessedItems).toEqual({ T: [{ DeleteRequest: { Key: { connectionId: 'c2' } } }] });
    expect(JSON.parse(seen[1]?.body ?? '')).toEqual({
      RequestItems: { T: [{ DeleteRequest: { Key: { connectionId: { S: 'c2' } } } }] },
    });
  });
});

describe('lean DynamoDB client: errors and retries (the SDK client’s policy)', () => {
  it('does not retry ConditionalCheckFailedException and names it in errorType', async () => {
    const { client, waits } = clientWithWaits();
    script = [dynamoError(400, 'ConditionalCheckFailedException', 'The conditional request failed')];
    const error = await getItem(client).catch((failure: unknown) => failure);
    client.close();
    expect(error).toBeInstanceOf(AwsRequestError);
    expect(error).toMatchObject({
      errorType: 'ConditionalCheckFailedException',
      status: 400,
      kind: 'client',
    });
    expect(seen).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it.each([
    ['ProvisionedThroughputExceededException', 400],
    ['ThrottlingException', 400],
    ['RequestLimitExceeded', 400],
  ])(
    'retries %s with the throttling base, then the store reports store_unavailable',
    async (type, status) => {
      const { client, waits } = clientWithWaits();
      script = Array.from({ length: DYNAMODB_MAX_ATTEMPTS }, () => dynamoError(status, type));
      const error = await viaStore(() => getItem(client));
      client.close();
      expect(seen).toHaveLength(DYNAMODB_MAX_ATTEMPTS);
      // Full jitter with random() = 0.5: half of base × 2^n.
      expect(waits).toEqual([0, 1, 2].map((n) => (THROTTLING_RETRY_BASE_MS * 2 ** n) / 2));
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(error).toMatchObject({
        code: 'store_unavailable',
        message: `DynamoDB GetItem on "T" failed (HTTP ${status} ${type}: from the stand-in)`,
      });
      expect((error as Error).cause).toMatchObject({ errorType: type, kind: 'throttling' });
    },
  );

  it('retries InternalServerError (500) and 503 with the transient base, and succeeds when one attempt does', async () => {
    const { client, waits } = clientWithWaits();
    script = [
      dynamoError(500, 'InternalServerError'),
      { status: 503, body: { message: 'Service Unavailable' } },
      { status: 200, body: { Item: { connectionId: { S: 'c1' } } } },
    ];
    const output = await getItem(client);
    client.close();
    expect(output.Item).toEqual({ connectionId: 'c1' });
    expect(seen).toHaveLength(3);
    expect(waits).toEqual([TRANSIENT_RETRY_BASE_MS / 2, TRANSIENT_RETRY_BASE_MS]);
  });

  it('retries a connection reset, and a timed-out attempt, as transient', async () => {
    const { client, waits } = clientWithWaits({ timeoutMs: 200 });
    script = ['reset', 'hang', { status: 200, body: {} }];
    const output = await getItem(client);
    client.close();
    expect(output.Item).toBeUndefined();
    expect(seen).toHaveLength(3);
    expect(waits).toHaveLength(2);
  });

  it('gives up after every attempt failed without a response, as store_unavailable', async () => {
    const { client } = clientWithWaits();
    script = Array.from({ length: DYNAMODB_MAX_ATTEMPTS }, () => 'reset' as const);
    const error = await viaStore(() => getItem(client));
    client.close();
    expect(seen).toHaveLength(DYNAMODB_MAX_ATTEMPTS);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toBe('DynamoDB GetItem on "T" failed (no response)');
  });

  it('does not retry a 501 or a ValidationException, and translates ResourceNotFoundException to TableMissingError', async () => {
    const { client } = clientWithWaits();
    script = [
      { status: 501, body: { message: 'Not Implemented' } },
      dynamoError(400, 'ValidationException', 'One or more parameter values were invalid'),
      dynamoError(400, 'ResourceNotFoundException', 'Requested resource not found'),
    ];
    const notImplemented = await viaStore(() => getItem(client));
    const invalid = await viaStore(() => getItem(client));
    const missing = await viaStore(() => getItem(client));
    client.close();
    expect(seen).toHaveLength(3);
    expect((notImplemented as Error).cause).toMatchObject({ status: 501, kind: 'server' });
    expect(invalid).toBeInstanceOf(StoreUnavailableError);
    expect((invalid as Error).cause).toMatchObject({ errorType: 'ValidationException', kind: 'client' });
    expect(missing).toBeInstanceOf(TableMissingError);
  });

  it('stops retrying once the retry quota is spent (every call then makes one attempt)', async () => {
    const { client } = clientWithWaits();
    script = Array.from({ length: 200 }, () => dynamoError(500, 'InternalServerError'));
    let retries = 0;
    for (let call = 0; call < 20; call++) {
      const before = seen.length;
      await getItem(client).catch(() => undefined);
      retries += seen.length - before - 1;
    }
    expect(retries).toBe(Math.floor(RETRY_QUOTA_TOKENS / TRANSIENT_RETRY_COST));
    // Out of tokens: one attempt only, even for a retryable error.
    script = [dynamoError(500, 'InternalServerError'), { status: 200, body: {} }];
    const before = seen.length;
    await expect(getItem(client)).rejects.toBeInstanceOf(AwsRequestError);
    expect(seen.length - before).toBe(1);
    client.close();
  });
});

describe('Lambda Invoke (the fan-out hand-off) as one signed POST', () => {
  const job: FanOutJob = {
    kind: FAN_OUT_JOB_KIND,
    publishId: 'p1',
    page: 2,
    topic: 'a/b',
    endpoint: 'https://x',
    data: '{}',
    connectionIds: ['c1'],
  };
  const dispatcher = () =>
    createLambdaDispatcher(
      createSignedRequester({
        endpoint,
        region: REGION,
        service: 'lambda',
        credentials: async () => CREDENTIALS,
      }),
      'topic-bridge-bridge-fanOutWorker',
      NO_WAIT,
    );

  it('posts the event asynchronously (X-Amz-Invocation-Type: Event) and accepts 202', async () => {
    script = [{ status: 202 }];
    await dispatcher().dispatch(job);
    const [request] = seen as [Seen];
    expect(request.path).toBe(invokePath('topic-bridge-bridge-fanOutWorker'));
    expect(request.path).toBe('/2015-03-31/functions/topic-bridge-bridge-fanOutWorker/invocations');
    expect(request.headers['x-amz-invocation-type']).toBe('Event');
    expect(request.headers.authorization).toMatch(
      /\/eu-west-1\/lambda\/aws4_request, SignedHeaders=.*x-amz-invocation-type/,
    );
    expect(JSON.parse(request.body)).toMatchObject({ publishId: 'p1', page: 2 });
  });

  it('retries a throttle and a reset as the SDK did (3 attempts), then reports HandoffError; a 200 is not queued', async () => {
    const throttled = {
      status: 429,
      headers: { 'x-amzn-ErrorType': 'TooManyRequestsException' },
      body: { message: 'Rate exceeded' },
    };
    script = [{ status: 200 }, throttled, throttled, throttled, 'reset', { status: 202 }];
    const outcomes: unknown[] = [];
    for (let i = 0; i < 3; i++)
      outcomes.push(
        await dispatcher()
          .dispatch(job)
          .catch((e: unknown) => e),
      );
    expect(seen).toHaveLength(6);
    const [notQueued, gaveUp, recovered] = outcomes;
    expect(notQueued).toBeInstanceOf(HandoffError);
    expect((notQueued as Error).message).toBe(
      'topic-bridge-bridge-fanOutWorker answered 200 to page 2, not 202 (queued)',
    );
    expect(gaveUp).toBeInstanceOf(HandoffError);
    expect((gaveUp as Error).cause).toMatchObject({
      errorType: 'TooManyRequestsException',
      kind: 'throttling',
    });
    expect(recovered).toBeUndefined();
  });
});

describe('SSM GetParameter (the authorizer key) as one signed POST', () => {
  const requester = () =>
    createSignedRequester({ endpoint, region: REGION, service: 'ssm', credentials: async () => CREDENTIALS });

  it('asks for the decrypted value with the JSON 1.1 protocol and returns it', async () => {
    script = [
      { status: 200, body: { Parameter: { Name: '/k', Type: 'SecureString', Value: 'the-secret' } } },
    ];
    expect(await readSecureParameter('/k', requester)).toBe('the-secret');
    const [request] = seen as [Seen];
    expect(request.headers['x-amz-target']).toBe('AmazonSSM.GetParameter');
    expect(request.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(JSON.parse(request.body)).toEqual({ Name: '/k', WithDecryption: true });
  });

  it('names the error code, never AWS’s message, and refuses an empty value', async () => {
    script = [
      { status: 400, body: { __type: 'ParameterNotFound', message: 'echo of /k' } },
      { status: 200, body: { Parameter: { Value: '' } } },
    ];
    const missing = await readSecureParameter('/k', requester, NO_WAIT).catch((e: unknown) => e);
    const empty = await readSecureParameter('/k', requester, NO_WAIT).catch((e: unknown) => e);
    expect(seen).toHaveLength(2);
    expect(missing).toBeInstanceOf(KeyUnavailableError);
    expect((missing as Error).message).toBe(
      `could not read the token key from SSM parameter "/k" (ParameterNotFound); create it as a SecureString (SECURITY.md) and check the authorizer's role`,
    );
    expect(empty).toBeInstanceOf(KeyUnavailableError);
    expect((empty as Error).message).toContain('is empty');
  });
});
