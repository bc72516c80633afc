import { AwsRequestError, HttpTransportError } from '../errors.js';
import type { SigningCredentials } from './credentials.js';
import { createConnectionPool, type HttpResponse } from './http1/index.js';
import { createPostSigner, type SigningExtras } from './sigv4.js';

/**
 * Signed POSTs to one AWS JSON API (DynamoDB, Lambda Invoke, SSM) over keep-alive sockets (http1/), without the SDK:
 * the handlers' bundles carry no SDK client (docs/BENCHMARKS.md, "Cold start"). One attempt per call; a
 * failure rejects with an AwsRequestError classified by errors.ts's classifyAwsFailure, and retries are the
 * caller's (each wraps its calls in aws-retry.ts's Retrier, with the attempts its SDK client had).
 */

/** Longest wait for one attempt's answer before it is aborted (and counted as transient). */
export const AWS_REQUEST_TIMEOUT_MS = 10_000;

/**
 * How long an idle keep-alive socket to a local `http://` server is kept: under the 5 s keep-alive timeout of
 * Node servers (dynalite, serverless-offline), so that we never write into a socket the server has just closed.
 */
export const LOCAL_IDLE_SOCKET_TIMEOUT_MS = 4_000;

/**
 * The same for AWS (`https://`): longer, since each TLS handshake costs milliseconds of CPU and publishes a few
 * seconds apart should find their sockets open. A socket AWS closed meanwhile fails without a response, which
 * the DynamoDB client retries as transient (as the SDK does).
 */
export const AWS_IDLE_SOCKET_TIMEOUT_MS = 30_000;

/** Sockets per endpoint: a publish reads up to 11 index keys in parallel, a connect writes 2 batches. */
export const AWS_MAX_SOCKETS = 50;

/** Bytes of an error response kept (AWS's error bodies are a short JSON object). */
const ERROR_BODY_LIMIT = 4_096;

/** Where and how to call. */
export interface SignedRequestOptions {
  /** `https://dynamodb.eu-west-1.amazonaws.com`, or a local server (`http://127.0.0.1:PORT`). */
  endpoint: string;
  region: string;
  /** SigV4's service name: `dynamodb`, `lambda`, `ssm`. */
  service: string;
  /** Asked for on every call (the provider caches them: credentials.ts). */
  credentials: () => Promise<SigningCredentials>;
  timeoutMs?: number;
}

/** What a call answered: a 2xx, its body read. */
export interface AwsResponse {
  status: number;
  body: string;
}

/** One request: path (no query string), body, and the content type and headers to sign. */
export interface AwsRequest {
  path: string;
  body: string;
  signing: SigningExtras;
  /** For error messages: `DynamoDB Query`, `Lambda Invoke of topic-bridge-fanOutWorker`. */
  what: string;
}

/** Sends signed POSTs to one endpoint; `close()` ends its idle sockets. */
export interface SignedRequester {
  send(request: AwsRequest): Promise<AwsResponse>;
  close(): void;
}

/** The public endpoint of an AWS service in a region (`.amazonaws.com.cn` in the China regions). */
export function awsEndpoint(service: string, region: string): string {
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://${service}.${region}.${suffix}`;
}

/** Creates a SignedRequester: keep-alive sockets (http1/) and a signer (signing key cached per day) of its own. */
export function createSignedRequester(options: SignedRequestOptions): SignedRequester {
  const url = new URL(options.endpoint);
  const secure = url.protocol === 'https:';
  const pool = createConnectionPool({
    origin: url,
    maxSockets: AWS_MAX_SOCKETS,
    idleTimeoutMs: secure ? AWS_IDLE_SOCKET_TIMEOUT_MS : LOCAL_IDLE_SOCKET_TIMEOUT_MS,
  });
  const signer = createPostSigner(options.region, options.service);
  const basePath = url.pathname.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? AWS_REQUEST_TIMEOUT_MS;
  return {
    async send(request) {
      const body = Buffer.from(request.body, 'utf8');
      const path = `${basePath}${request.path}`;
      const headers = signer.sign(url.host, path, body, await options.credentials(), request.signing);
      headers.host = url.host;
      let response: HttpResponse;
      try {
        response = await pool.request({ method: 'POST', path, headers, body, timeoutMs });
      } catch (cause) {
        const timedOut = cause instanceof HttpTransportError && cause.timedOut;
        throw new AwsRequestError(request.what, { timedOut }, { cause });
      }
      const { status } = response;
      if (status >= 200 && status < 300) return { status, body: response.body.toString('utf8') };
      const { text, errorType } = readErrorAnswer(response, ERROR_BODY_LIMIT);
      throw new AwsRequestError(request.what, { status, errorType, message: messageOf(text) });
    },
    close: () => pool.close(),
  };
}

/** What an answer other than 2xx says: the start of its body (at most `limit` bytes) and AWS's error code. */
export function readErrorAnswer(response: HttpResponse, limit: number): { text: string; errorType: string } {
  const text = response.body.toString('utf8', 0, Math.min(response.body.length, limit));
  return { text, errorType: errorTypeOf(text, response.headers['x-amzn-errortype']) };
}

/** AWS's error code from the `x-amzn-errortype` header or a JSON error body (`__type`, maybe namespaced). */
function errorTypeOf(body: string, header: string | string[] | undefined): string {
  const fromHeader = (Array.isArray(header) ? header[0] : header)?.split(':')[0]?.trim();
  if (fromHeader) return fromHeader;
  const parsed = parseJson(body);
  const type = typeof parsed?.__type === 'string' ? parsed.__type : '';
  return type.slice(type.lastIndexOf('#') + 1);
}

function messageOf(body: string): string {
  const parsed = parseJson(body);
  const message = parsed?.message ?? parsed?.Message;
  return typeof message === 'string' ? message : '';
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
