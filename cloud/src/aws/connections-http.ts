import http from 'node:http';
import https from 'node:https';
import { FAN_OUT_MAX_CONCURRENCY } from '../config.js';
import type { ConnectionGateway } from '../core/gateway.js';
import { postErrorFor } from '../errors.js';
import type { SigningCredentials } from './credentials.js';
import { createPostSigner, uriEscape } from './sigv4.js';

/**
 * Sockets kept open to one `@connections` endpoint: as many as the fan-out's largest concurrency, so that
 * posts never queue for a socket inside the agent (queueing there would hide throttling from the fan-out).
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
  return async ({ url, path, body }) => {
    const headers = signer.sign(url.host, path, body, await credentials());
    headers.host = url.host;
    return headers;
  };
}

/** A ConnectionGateway over Node's own keep-alive http(s) agent; `close()` ends its idle sockets. */
export interface HttpConnectionsGateway extends ConnectionGateway {
  close(): void;
}

/**
 * The lean post path: `POST {endpoint}/@connections/{id}` signed with SigV4 (sigv4.ts: signing key cached per
 * day, body hashed once per frame), sent over a keep-alive agent, without the SDK client's middleware stack. Same contract as createConnectionsGateway: each post is aborted after `timeoutMs`, and a
 * failure becomes a PostError through errors.ts's postErrorFor, the classifier the SDK path uses too
 * (410 → gone, 429 → throttled, no response → reset, 5xx → server_error, other 4xx → rejected).
 */
export function createHttpConnectionsGateway(options: HttpConnectionsOptions): HttpConnectionsGateway {
  const url = new URL(options.endpoint);
  const secure = url.protocol === 'https:';
  const transport = secure ? https : http;
  const agent = new transport.Agent({
    keepAlive: true,
    maxSockets: MAX_SOCKETS_PER_ENDPOINT,
    timeout: secure ? TLS_IDLE_SOCKET_TIMEOUT_MS : IDLE_SOCKET_TIMEOUT_MS,
  });
  // For `freshSocket` posts (the retry of a `reset`): a socket of its own, closed after the answer. Node's
  // agent reuses even a non-keep-alive socket for queued requests unless maxSockets is unbounded.
  const freshAgent = new transport.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  const sign = options.signer ?? sigv4Signer(options.region, options.credentials);
  const basePath = url.pathname.replace(/\/+$/, '');
  const port = url.port === '' ? undefined : Number(url.port);
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
      const signed = await sign({
        url,
        path,
        headers: { host: url.host, 'content-type': 'application/octet-stream' },
        body,
      });
      // The signer returns a fresh object per request: add the length to it rather than copy it again.
      const headers = signed;
      headers['content-length'] = String(body.length);
      const viaAgent = postOptions?.freshSocket ? freshAgent : agent;
      await send(
        transport,
        { agent: viaAgent, host: url.hostname, port, path, method: 'POST', headers },
        body,
        {
          connectionId,
          timeoutMs,
        },
      );
    },
    close: () => {
      agent.destroy();
      freshAgent.destroy();
    },
  };
}

/** Encodes a connection id as a path segment the way the SDK does (API Gateway ids end in `=`). */
export function encodeConnectionId(connectionId: string): string {
  return uriEscape(connectionId);
}

/** Sends one request; resolves on a 2xx once its body has been read, else rejects with a PostError. */
function send(
  transport: typeof http | typeof https,
  request: http.RequestOptions,
  body: Buffer,
  post: { connectionId: string; timeoutMs: number },
): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let timedOut = false;
    const settle = (failure?: { status?: number; errorType?: string; cause: unknown }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (failure === undefined) return resolve();
      const { status, errorType, cause } = failure;
      const facts = { status, errorName: errorType, timedOut, timeoutMs: post.timeoutMs };
      reject(postErrorFor(post.connectionId, facts, cause));
    };
    const req = transport.request(request, (res) => {
      const status = res.statusCode ?? 0;
      const ok = status >= 200 && status < 300;
      res.on('error', (cause) => settle({ cause }));
      res.on('aborted', () => settle({ cause: new Error('response aborted') }));
      if (ok) {
        // A success's body is drained unread (serverless-offline sends none), so the socket can be reused.
        res.on('end', () => settle());
        res.resume();
        return;
      }
      const chunks: Buffer[] = [];
      let kept = 0;
      res.on('data', (chunk: Buffer) => {
        if (kept < ERROR_BODY_LIMIT) {
          chunks.push(chunk);
          kept += chunk.length;
        }
      });
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8').slice(0, ERROR_BODY_LIMIT);
        const errorType = errorTypeOf(res.headers['x-amzn-errortype']);
        settle({ status, errorType, cause: new Error(`HTTP ${status} ${errorType} ${text}`.trim()) });
      });
    });
    const timer = setTimeout(() => {
      timedOut = true;
      req.destroy(new Error(`no answer within ${post.timeoutMs} ms`));
    }, post.timeoutMs);
    req.on('error', (cause) => settle({ cause }));
    req.end(body);
  });
}

/** `x-amzn-ErrorType: LimitExceededException:http://…` → `LimitExceededException`. */
function errorTypeOf(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value?.split(':')[0]?.trim() ?? '';
}
