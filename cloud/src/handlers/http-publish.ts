import { FULL_ACCESS } from '@topic-bridge/shared-types';
import { authenticateBearer, type BearerOutcome } from '../auth/bearer.js';
import { createVerifier } from '../auth/key-source.js';
import type { LookupStrategy } from '../aws/find-subscribers.js';
import { readSecureParameter } from '../aws/ssm-parameter.js';
import { loadAuthorizerConfig, PUBLISH_TIME_BUDGET_MS } from '../config.js';
import { type HttpPublishResponse, handleHttpPublish } from '../core/http-publish.js';
import { createPublishOne } from '../core/http-publish-one.js';
import { ConfigError } from '../errors.js';
import { getHandoff } from './handoff.js';
import { getRuntime } from './runtime.js';
import { withRuntime } from './with-runtime.js';

/** The parts of an API Gateway HTTP API event (payload format 2.0) read here; serverless-offline sends the same. */
export interface HttpApiEvent {
  headers?: Record<string, string | undefined> | null;
  body?: string | null;
  isBase64Encoded?: boolean;
  requestContext?: { http?: { method?: string }; timeEpoch?: number };
}

/** A payload 2.0 answer: API Gateway sends it as is. */
export interface HttpApiResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

async function buildHttpPublishRuntime() {
  const runtime = getRuntime();
  const endpoint = runtime.config.connectionsEndpoint;
  if (endpoint === undefined) {
    throw new ConfigError(
      "CONNECTIONS_ENDPOINT must be set for HTTP publish (serverless.yml sets it to the WebSocket API's @connections URL)",
    );
  }
  // With auth on, the key is read (from SSM) once per cold start, as by the WebSocket's authorizer.
  const verifier =
    runtime.config.authMode === 'on'
      ? await createVerifier(loadAuthorizerConfig(), (name) => readSecureParameter(name))
      : undefined;
  return { ...runtime, logger: runtime.logger, endpoint, verifier, handoff: getHandoff(endpoint) };
}

type HttpPublishRuntime = Awaited<ReturnType<typeof buildHttpPublishRuntime>>;

/** Headers are case-insensitive; API Gateway lower-cases them for HTTP APIs, serverless-offline too. */
function headerOf(event: HttpApiEvent, name: string): string | undefined {
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === name && typeof value === 'string') return value;
  }
  return undefined;
}

function bodyOf(event: HttpApiEvent): string {
  const body = event.body ?? '';
  return event.isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
}

function authenticate(
  runtime: HttpPublishRuntime,
  authorization: string | undefined,
): Promise<BearerOutcome> {
  // Auth off: everything is allowed, as on the WebSocket (runtime.ts warned at cold start).
  if (runtime.verifier === undefined) return Promise.resolve({ ok: true, grants: FULL_ACCESS });
  return authenticateBearer(authorization, { verifier: runtime.verifier, logger: runtime.logger });
}

function toEvent(response: HttpPublishResponse): HttpApiResponse {
  return {
    statusCode: response.status,
    headers: { 'Content-Type': 'application/json', ...response.headers },
    body: JSON.stringify(response.body),
  };
}

/**
 * Builds `POST /publish` for one subscriber lookup (as onMessage, chosen by the `onMessage` parameter): the
 * bearer token verified here (no Lambda authorizer: see serverless.yml), then core/http-publish.ts. Every
 * frame goes through the same fan-out as `$default`, posting to the WebSocket API's `@connections`.
 */
export function createHttpPublishHandler(lookup: LookupStrategy) {
  return withRuntime({
    name: 'httpPublish',
    build: buildHttpPublishRuntime,
    async handle(event: HttpApiEvent, runtime): Promise<HttpApiResponse> {
      const publishOne = createPublishOne({
        store: runtime.store(lookup),
        gateway: runtime.gateway(runtime.endpoint),
        settings: runtime.config.fanOut,
        logger: runtime.logger,
        retryQuota: runtime.retryQuota,
        retained: { store: runtime.retained, ttlSeconds: runtime.config.retained.ttlSeconds },
        ...(runtime.handoff === undefined ? {} : { handoff: runtime.handoff }),
        ...(runtime.history === undefined
          ? {}
          : { history: { store: runtime.history, config: runtime.config.history } }),
      });
      const receivedAt = event.requestContext?.timeEpoch;
      const response = await handleHttpPublish(
        {
          method: event.requestContext?.http?.method ?? 'POST',
          authorization: headerOf(event, 'authorization'),
          body: bodyOf(event),
          receivedAtMs:
            typeof receivedAt === 'number' && Number.isFinite(receivedAt) ? receivedAt : Date.now(),
        },
        {
          authenticate: (authorization) => authenticate(runtime, authorization),
          publishOne,
          budgetMs: PUBLISH_TIME_BUDGET_MS,
        },
      );
      return toEvent(response);
    },
    fail: (error) =>
      toEvent({
        status: 500,
        headers: {},
        body: {
          error: {
            code: 'internal',
            reason:
              error instanceof Error && error.name === 'ConfigError'
                ? 'the bridge is misconfigured; see its logs'
                : 'the bridge failed unexpectedly; try again, and report it if it persists',
          },
        },
      }),
  });
}

/** HTTP publish with the Query lookup (the default). */
export const handler = createHttpPublishHandler('query');

/** HTTP publish with the Scan lookup (`--param="onMessage=scan"`). */
export const scanHandler = createHttpPublishHandler('scan');
