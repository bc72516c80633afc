import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import {
  decodeClaimsContext,
  ERROR_CODES,
  encodeClaimsContext,
  type Grants,
  isActionFrame,
  MAX_FILTERS_PER_CONNECTION,
  parseClientFrame,
  publishAllowed,
  subscribeAllowed,
  topicMatches,
  validateClaims,
  validateConnectFilters,
} from '@topic-bridge/shared-types';
import fc from 'fast-check';
import { type JWTPayload, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { isConnectionItem } from '../../src/aws/subscription-rows.js';
import { CLOCK_TOLERANCE_SECONDS } from '../../src/config.js';
import type { AuthorizerEvent } from '../../src/handlers/authorizer.js';
import type { HandlerResponse, WebSocketEvent } from '../../src/handlers/websocket-event.js';
import { TEST_SECRET, unsignedToken } from '../auth/tokens.js';
import { setHandlerEnvironment, useLocalStore } from './support/use-local-store.js';

/**
 * Hostile input, generated: thousands of tokens, connect requests and frames against the real handlers
 * (authorizer, $connect, $default) with a real dynalite and a recording @connections server. No handler
 * throws (except the authorizer's documented Error("Unauthorized")), each bad input gets its documented
 * answer, no frame reaches a connection it should not, and the table holds exactly the model's rows.
 */

const RUNS = { tokens: 1200, connects: 400, frames: 1000 };
/**
 * The frames' draw is seeded: the test also checks that every answer came up more than 5 times, and with a
 * fresh draw each run that coverage check failed once in this session's five full runs ('subscribed' drawn ≤ 5 times).
 */
const FRAMES_SEED = 20261201;

/** The frames alone take about 20 s on a quiet 2-core machine. */
const SUITE_TIMEOUT_MS = 180_000;
const TABLE = 'HostileTable';

type Handler = (event: WebSocketEvent) => Promise<HandlerResponse>;

const local = useLocalStore({ connections: true });
let connectHandler: Handler;
let messageHandler: Handler;
let authorizerHandler: (event: AuthorizerEvent) => Promise<unknown>;

/** What the table must hold: connection id → its filters. */
const model = new Map<string, Set<string>>();

beforeAll(async () => {
  setHandlerEnvironment(local, {
    table: TABLE,
    logLevel: 'error',
    authMode: 'on',
    extra: { AUTH_SECRET: TEST_SECRET },
  });
  delete process.env.IS_OFFLINE;
  connectHandler = (await import('../../src/handlers/connect.js')).handler;
  messageHandler = (await import('../../src/handlers/on-message-optimized.js')).handler;
  authorizerHandler = (await import('../../src/handlers/authorizer.js')).handler;
  // Subscribers that must receive exactly the publishes their filters match, and nothing else.
  const full = context({ publish: ['#'], subscribe: ['#'] });
  for (const [id, filters] of [
    ['watch-all', ['#']],
    ['watch-a', ['a/#']],
    ['watch-plus', ['+/b']],
    ['watch-exact', ['a/b/c']],
  ] as const) {
    expect(
      await connectHandler(event(id, full, { multiValueQueryStringParameters: { topicName: [...filters] } })),
    ).toEqual({
      statusCode: 200,
    });
    model.set(id, new Set(filters));
  }
});

function context(grants: Grants): Record<string, string> {
  const encoded = encodeClaimsContext({ sub: 'hostile', exp: 1_900_000_000, ...grants });
  if (!encoded.ok) throw new Error(encoded.error.reason);
  return { ...encoded.value, principalId: 'hostile' };
}

function event(
  connectionId: string,
  authorizer: unknown,
  extra: Partial<WebSocketEvent> = {},
): WebSocketEvent {
  return {
    requestContext: {
      connectionId,
      connectedAt: Date.now(),
      authorizer: authorizer as Record<string, unknown> | undefined,
    },
    ...extra,
  };
}

async function tableRows(): Promise<string[]> {
  const rows: string[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await local.clients.doc.send(
      new ScanCommand({ TableName: TABLE, ConsistentRead: true, ExclusiveStartKey: startKey }),
    );
    for (const item of page.Items ?? []) {
      // Subscription rows only: each connection's filter-count item is the store's own business.
      if (!isConnectionItem(String(item.topicFilter))) rows.push(`${item.connectionId} ${item.topicFilter}`);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return rows.sort();
}

function modelRows(): string[] {
  return [...model].flatMap(([id, filters]) => [...filters].map((filter) => `${id} ${filter}`)).sort();
}

// ---- generators: small alphabets, so that grants, filters and topics often meet ----
const level = fc.constantFrom('a', 'b', 'c', '', 'é');
const topic = fc
  .array(level, { minLength: 1, maxLength: 3 })
  .map((levels) => levels.join('/'))
  .filter((t) => t !== '');
const filter = fc
  .tuple(fc.array(fc.oneof(level, fc.constant('+')), { minLength: 1, maxLength: 3 }), fc.boolean())
  .map(([levels, hash]) => (hash ? [...levels, '#'] : levels).join('/'))
  .filter((f) => f !== '');
const hostileTopic = fc.oneof(
  topic,
  filter,
  fc.constantFrom('$SYS/x', 'a/#/b', 'a+', 'x'.repeat(300), 'a\u0007b', '\ud800', ''),
  fc.string({ maxLength: 12 }),
);
const hostileValue = fc.oneof(
  hostileTopic,
  fc.integer(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 2 }),
);
const mostly = <T, U>(usual: fc.Arbitrary<T>, rare: fc.Arbitrary<U>) =>
  fc.oneof({ arbitrary: usual, weight: 6 }, { arbitrary: rare, weight: 1 });
const grants: fc.Arbitrary<Grants> = fc.oneof(
  fc.record({
    publish: fc.uniqueArray(filter, { maxLength: 3 }),
    subscribe: fc.uniqueArray(filter, { maxLength: 3 }),
  }),
  fc.constant<Grants>({ publish: ['#'], subscribe: ['#'] }),
);
const id = fc.option(fc.oneof(fc.stringMatching(/^[a-z0-9]{1,8}$/), fc.constant(''), fc.integer()), {
  nil: undefined,
});

const frameBody: fc.Arbitrary<string> = fc.oneof(
  fc
    .record(
      { topic: mostly(topic, hostileValue), message: fc.jsonValue({ maxDepth: 3 }), id },
      { requiredKeys: ['topic'] },
    )
    .map((frame) => JSON.stringify(frame)),
  fc
    .record({
      action: mostly(
        fc.constantFrom('subscribe', 'unsubscribe', 'ping'),
        fc.constantFrom('publish', 'SUBSCRIBE', 7),
      ),
      topic: mostly(filter, hostileValue),
      id,
    })
    .map((frame) => JSON.stringify(frame)),
  fc
    .record({ topic, message: fc.integer() })
    .map(
      ({ topic: t, message }) =>
        `{"__proto__":{"action":"subscribe"},"topic":${JSON.stringify(t)},"message":${message}}`,
    ),
  fc
    .integer({ min: 30, max: 40 })
    .map((depth) => `{"topic":"a","message":${'['.repeat(depth)}${']'.repeat(depth)}}`),
  fc.string({ maxLength: 40 }),
  fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value) ?? 'null'),
);

describe('hostile input against the real handlers (fast-check, dynalite)', {
  timeout: SUITE_TIMEOUT_MS,
}, () => {
  it(`authorizer: ${RUNS.tokens} generated tokens are allowed exactly when valid, else refused with Error("Unauthorized")`, async () => {
    const secret = new TextEncoder().encode(TEST_SECRET);
    const nowSec = Math.floor(Date.now() / 1000);
    const claimsArb = fc.record(
      {
        sub: mostly(fc.string({ minLength: 1, maxLength: 20 }), fc.oneof(fc.constant(''), fc.integer())),
        exp: mostly(
          fc.integer({ min: nowSec + 600, max: nowSec + 86_400 }),
          fc.oneof(
            fc.integer({ min: nowSec - 86_400, max: nowSec - CLOCK_TOLERANCE_SECONDS - 60 }),
            fc.constant('soon'),
          ),
        ),
        publish: mostly(
          fc.array(filter, { maxLength: 3 }),
          fc.oneof(fc.array(hostileTopic, { maxLength: 3 }), fc.string()),
        ),
        subscribe: mostly(
          fc.array(filter, { maxLength: 3 }),
          fc.oneof(fc.array(hostileTopic, { maxLength: 3 }), fc.string()),
        ),
      },
      { requiredKeys: ['sub', 'exp'] },
    );
    const tokenCase = fc.oneof(
      claimsArb.map((claims) => ({ kind: 'signed' as const, claims })),
      fc.tuple(claimsArb, fc.nat()).map(([claims, at]) => ({ kind: 'tampered' as const, claims, at })),
      claimsArb.map((claims) => ({ kind: 'wrong-secret' as const, claims })),
      fc.constant({ kind: 'none' as const }),
      fc.string({ maxLength: 60 }).map((raw) => ({ kind: 'garbage' as const, raw })),
    );
    const transport = fc.constantFrom('query', 'subprotocol');
    let runs = 0;
    let allowed = 0;
    await fc.assert(
      fc.asyncProperty(tokenCase, transport, async (testCase, via) => {
        runs++;
        let token: string;
        if (testCase.kind === 'none') token = unsignedToken();
        else if (testCase.kind === 'garbage') token = testCase.raw;
        else {
          const key =
            testCase.kind === 'wrong-secret' ? new TextEncoder().encode(`${TEST_SECRET}-other`) : secret;
          token = await new SignJWT(testCase.claims as JWTPayload)
            .setProtectedHeader({ alg: 'HS256' })
            .sign(key);
          if (testCase.kind === 'tampered') {
            const [header, payload = '', signature] = token.split('.');
            const at = testCase.at % Math.max(1, payload.length - 1);
            const swapped = payload[at] === 'A' ? 'B' : 'A';
            token = `${header}.${payload.slice(0, at)}${swapped}${payload.slice(at + 1)}.${signature}`;
          }
        }
        const request: AuthorizerEvent =
          via === 'query'
            ? {
                methodArn: 'arn:aws:execute-api:us-east-1:1:api/bridge/$connect',
                queryStringParameters: { token },
              }
            : {
                methodArn: 'arn:aws:execute-api:us-east-1:1:api/bridge/$connect',
                headers: { 'Sec-WebSocket-Protocol': `topic-bridge.v1, bearer.${token}` },
              };
        const shouldAllow =
          testCase.kind === 'signed' &&
          validateClaims(testCase.claims).ok &&
          typeof testCase.claims.exp === 'number' &&
          testCase.claims.exp > nowSec;
        let outcome: unknown;
        try {
          outcome = await authorizerHandler(request);
        } catch (error) {
          expect(error).toEqual(new Error('Unauthorized'));
          expect(shouldAllow).toBe(false);
          return;
        }
        expect(shouldAllow).toBe(true);
        allowed++;
        const policy = outcome as { principalId: string; context: unknown };
        const decoded = decodeClaimsContext(policy.context);
        expect(decoded.ok).toBe(true);
        if (testCase.kind === 'signed' && decoded.ok) expect(decoded.value.sub).toBe(testCase.claims.sub);
      }),
      { numRuns: RUNS.tokens },
    );
    expect(runs).toBe(RUNS.tokens);
    // Both outcomes were exercised, so neither branch passes vacuously.
    expect(allowed).toBeGreaterThan(RUNS.tokens / 50);
    expect(allowed).toBeLessThan(RUNS.tokens / 2);
  });

  it(`$connect: ${RUNS.connects} generated query strings and contexts get 200/400/401/403 as documented, writing exactly the allowed rows`, async () => {
    const authorizerContext = mostly(
      grants.map((g) => context(g) as unknown),
      fc.oneof(
        fc.constantFrom(
          undefined,
          null,
          { principalId: 'x' },
          { sub: 's', exp: '1', publish: '{', subscribe: '[]' },
        ),
        fc.dictionary(fc.constantFrom('sub', 'exp', 'publish', 'subscribe'), fc.string({ maxLength: 10 })),
      ),
    );
    const seen: Record<number, number> = {};
    const protocols = fc.option(fc.constantFrom('topic-bridge.v1', 'bearer.x, topic-bridge.v1', 'chat', ''), {
      nil: undefined,
    });
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(mostly(filter, hostileTopic), { maxLength: 3 }),
        authorizerContext,
        protocols,
        async (filters, authorizer, offered) => {
          runs++;
          const connectionId = `conn-${runs}`;
          const response = await connectHandler(
            event(connectionId, authorizer, {
              multiValueQueryStringParameters: { topicName: filters },
              ...(offered === undefined ? {} : { headers: { 'sec-websocket-protocol': offered } }),
            }),
          );
          seen[response.statusCode] = (seen[response.statusCode] ?? 0) + 1;
          const claims = decodeClaimsContext(authorizer);
          const checked = validateConnectFilters(filters);
          const body = response.body === undefined ? undefined : JSON.parse(response.body);
          if (!claims.ok) {
            expect({ status: response.statusCode, code: body?.code }).toEqual({
              status: 401,
              code: 'forbidden',
            });
          } else if (!checked.ok) {
            expect({ status: response.statusCode, code: body?.code }).toEqual({
              status: 400,
              code: checked.error.code,
            });
          } else if (!checked.value.every((f) => subscribeAllowed(claims.value.subscribe, f))) {
            expect({ status: response.statusCode, code: body?.code }).toEqual({
              status: 403,
              code: 'forbidden',
            });
          } else {
            const answered = offered
              ?.split(',')
              .map((p) => p.trim())
              .includes('topic-bridge.v1');
            expect(response).toEqual(
              answered
                ? { statusCode: 200, headers: { 'Sec-WebSocket-Protocol': 'topic-bridge.v1' } }
                : { statusCode: 200 },
            );
            if (checked.value.length > 0) model.set(connectionId, new Set(checked.value));
          }
        },
      ),
      { numRuns: RUNS.connects },
    );
    expect(runs).toBe(RUNS.connects);
    console.info('connect outcomes by status', seen);
    for (const status of [200, 400, 401, 403])
      expect({ status, seen: (seen[status] ?? 0) > 10 }).toEqual({ status, seen: true });
    expect(await tableRows()).toEqual(modelRows());
  });

  it(`$default: ${RUNS.frames} generated frames get their documented answer, reach exactly the matching subscribers, and keep the table exact`, async () => {
    const sender = 'sender';
    let runs = 0;
    const answers: Record<string, number> = {};
    let deliveries = 0;
    await fc.assert(
      fc.asyncProperty(frameBody, grants, async (body, granted) => {
        runs++;
        local.server.reset();
        const response = await messageHandler(event(sender, context(granted), { body }));
        expect(response).toEqual({ statusCode: 200 });
        const parsed = parseClientFrame(body);
        const held = model.get(sender) ?? new Set<string>();
        const expectedReply = (() => {
          if (!parsed.ok) return { type: 'error', code: parsed.error.code };
          const frame = parsed.value;
          if (!isActionFrame(frame)) {
            return publishAllowed(granted.publish, frame.topic)
              ? frame.id === undefined
                ? undefined
                : { type: 'ack' }
              : { type: 'error', code: 'forbidden' };
          }
          if (frame.action === 'ping') return { type: 'pong' };
          if (frame.action === 'unsubscribe') {
            held.delete(frame.topic);
            return { type: 'unsubscribed', topic: frame.topic };
          }
          if (!subscribeAllowed(granted.subscribe, frame.topic)) return { type: 'error', code: 'forbidden' };
          if (!held.has(frame.topic) && held.size >= MAX_FILTERS_PER_CONNECTION)
            return { type: 'error', code: 'too_many_subscriptions' };
          held.add(frame.topic);
          return { type: 'subscribed', topic: frame.topic };
        })();
        if (held.size > 0) model.set(sender, held);
        else model.delete(sender);
        // Who must receive the frame itself: every connection whose filters match an allowed publish.
        const publishedTo =
          parsed.ok && !isActionFrame(parsed.value) && publishAllowed(granted.publish, parsed.value.topic)
            ? [...model]
                .filter(([, filters]) =>
                  [...filters].some((f) => topicMatches(f, (parsed.value as { topic: string }).topic)),
                )
                .map(([cid]) => cid)
            : [];
        const replies = local.server.deliveredTo(sender).filter((posted) => posted !== body);
        const answer =
          expectedReply === undefined ? 'none' : String(expectedReply.code ?? expectedReply.type);
        answers[answer] = (answers[answer] ?? 0) + 1;
        deliveries += publishedTo.length;
        if (expectedReply === undefined) expect(replies).toEqual([]);
        else {
          expect(replies).toHaveLength(1);
          const reply = JSON.parse(replies[0] ?? '{}') as Record<string, unknown>;
          expect(reply).toMatchObject(expectedReply);
          if (reply.type === 'error') expect(Object.keys(ERROR_CODES)).toContain(reply.code);
        }
        for (const cid of new Set(local.server.posts.map((post) => post.connectionId).concat(publishedTo))) {
          const frames = local.server.deliveredTo(cid).filter((posted) => cid !== sender || posted === body);
          expect({ cid, frames }).toEqual({ cid, frames: publishedTo.includes(cid) ? [body] : [] });
        }
      }),
      { numRuns: RUNS.frames, seed: FRAMES_SEED },
    );
    expect(runs).toBe(RUNS.frames);
    for (const answer of [
      'forbidden',
      'subscribed',
      'unsubscribed',
      'pong',
      'ack',
      'invalid_topic',
      'malformed_json',
      'nesting_too_deep',
      'not_an_object',
    ]) {
      expect({ answer, seen: (answers[answer] ?? 0) > 5 }).toEqual({ answer, seen: true });
    }
    expect(deliveries).toBeGreaterThan(50);
    expect(await tableRows()).toEqual(modelRows());
    console.info(
      `hostile inputs: ${RUNS.tokens} tokens, ${RUNS.connects} connects, ${RUNS.frames} frames`,
      answers,
      { deliveries },
    );
  });
});
