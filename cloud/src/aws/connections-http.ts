import { FAN_OUT_MAX_CONCURRENCY } from '../config.js';
import type { ConnectionGateway } from '../core/gateway.js';
import { HttpTransportError, postErrorFor } from '../errors.js';
import type { SigningCredentials } from './credentials.js';
import { createConnectionPool, type HttpResponse } from './http1/index.js';
import { readErrorAnswer } from './signed-request.js';
import { createPostSigner, uriEscape } from './sigv4.js';

/**
 * Sockets kept open to one `@connections` endpoint: as many as the fan-out's largest concurrency, so that
 * posts never queue for a socket inside the pool (queueing there would hide throttling from the fan-out).
 */
export const MAX_SOCKETS_PER_ENDPOINT = FAN_OUT_MAX_CONCURRENCY;

/**
 * How long an idle keep-alive socket to a local `http://` endpoint is kept: below Node's and hapi's
 * (serverless-offline's) 5 s server keep-alive timeout, so we close an idle socket before the server does and
 * never write a post into a socket the server has just closed (which fails with no response: FACTS.md, "Posts
 * that fail without a response").
 */
export const IDLE_SOCKET_TIMEOUT_MS = 4_000;

/**
 * The same for API Gateway (`https://`): longer, because a fan-out opens up to FAN_OUT_MAX_CONCURRENCY sockets
 * and each TLS handshake costs milliseconds of CPU, so publishes a few seconds apart should find them open. A
 * socket API Gateway closed meanwhile fails with `reset` and is retried on a fresh socket (post-with-retry.ts).
 */
export const TLS_IDLE_SOCKET_TIMEOUT_MS = 30_000;

/** Bytes of an error response's body kept for the error's cause (API Gateway's are a short JSON message). */
const ERROR_BODY_LIMIT = 1_024;

/** What the lean post path needs. */
export interface HttpConnectionsOptions {
  /** `https://{api-id}.execute-api.{region}.amazonaws.com/{stage}`, or serverless-offline's `http://127.0.0.1:{port}`. */
  endpoint: string;
  /** The region the API lives in (AWS_REGION in Lambda); part of the signature's scope. */
  region: string;
  /** Credentials to sign with, asked for on every post (the provider caches them). */
  credentials: () => Promise<SigningCredentials>;
  /** How requests are signed: sigv4Signer unless given (the CPU benchmark compares the SDK's and aws4fetch's). */
  signer?: RequestSigner;
}

/** One request to sign: what SigV4 covers. */
export interface RequestToSign {
  url: URL;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * Returns every header to send but content-length (host, content-type and the signature's), as a new object the
 * caller may add to; `service`/`region` are fixed at creation.
 */
export type RequestSigner = (request: RequestToSign) => Promise<Record<string, string>>;

/** The default RequestSigner: the hand-written SigV4 of sigv4.ts, with the credentials of the provider. */
export function sigv4Signer(
  region: string,
  credentials: () => Promise<SigningCredentials>,
  service = 'execute-api',
): RequestSigner {
  const signer = createPostSigner(region, service);
  // URL's getters are not free and every post of a gateway has the same URL: its host is read once.
  let lastUrl: URL | undefined;
  let host = '';
  return async ({ url, path, body }) => {
    if (url !== lastUrl) {
      lastUrl = url;
      host = url.host;
    }
    const headers = signer.sign(host, path, body, await credentials());
    headers.host = host;
    return headers;
  };
}

/** A ConnectionGateway over keep-alive sockets of its own; `close()` ends them. */
export interface HttpConnectionsGateway extends ConnectionGateway {
  close(): void;
}

/**
 * The lean post path: `POST {endpoint}/@connections/{id}` signed with SigV4 (sigv4.ts: signing key cached per
 * day, body hashed once per frame), sent over the keep-alive sockets of http1/ (a request written and its
 * answer parsed by hand: a quarter of `http.request`'s CPU), without the SDK client's middleware stack. Same
 * contract as createConnectionsGateway: each post is aborted after `timeoutMs`, and a failure becomes a
 * PostError through errors.ts's postErrorFor, the classifier the SDK path uses too (410 → gone, 429 →
 * throttled, no response → reset, 5xx → server_error, other 4xx → rejected).
 */
export function createHttpConnectionsGateway(options: HttpConnectionsOptions): HttpConnectionsGateway {
  const url = new URL(options.endpoint);
  const secure = url.protocol === 'https:';
  const pool = createConnectionPool({
    origin: url,
    maxSockets: MAX_SOCKETS_PER_ENDPOINT,
    idleTimeoutMs: secure ? TLS_IDLE_SOCKET_TIMEOUT_MS : IDLE_SOCKET_TIMEOUT_MS,
  });
  const sign = options.signer ?? sigv4Signer(options.region, options.credentials);
  const basePath = url.pathname.replace(/\/+$/, '');
  const host = url.host;
  let lastData: string | undefined;
  let lastBody = Buffer.alloc(0);
  return {
    async post(connectionId, data, timeoutMs, postOptions) {
      // A fan-out posts one frame to many connections: encode it once (and let the signer hash it once).
      if (data !== lastData) {
        lastData = data;
        lastBody = Buffer.from(data, 'utf8');
      }
      const body = lastBody;
      const path = `${basePath}/@connections/${encodeConnectionId(connectionId)}`;
      const headers = await sign({
        url,
        path,
        headers: { host, 'content-type': 'application/octet-stream' },
        body,
      });
      let response: HttpResponse;
      try {
        response = await pool.request({
          method: 'POST',
          path,
          headers,
          body,
          timeoutMs,
          freshSocket: postOptions?.freshSocket === true,
        });
      } catch (cause) {
        const timedOut = cause instanceof HttpTransportError && cause.timedOut;
        throw postErrorFor(connectionId, { timedOut, timeoutMs }, cause);
      }
      const { status } = response;
      if (status >= 200 && status < 300) return;
      const { text, errorType } = readErrorAnswer(response, ERROR_BODY_LIMIT);
      const cause = new Error(`HTTP ${status} ${errorType} ${text}`.trim());
      throw postErrorFor(connectionId, { status, errorName: errorType, timedOut: false, timeoutMs }, cause);
    },
    close: () => pool.close(),
  };
}

/** Encodes a connection id as a path segment the way the SDK does (API Gateway ids end in `=`). */
export function encodeConnectionId(connectionId: string): string {
  return uriEscape(connectionId);
}
