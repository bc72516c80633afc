import http from 'node:http';
import https from 'node:https';
import { AwsRequestError } from '../errors.js';
import type { SigningCredentials } from './credentials.js';
import { createPostSigner, type SigningExtras } from './sigv4.js';

/**
 * Signed POSTs to one AWS JSON API (DynamoDB, Lambda Invoke, SSM) over a keep-alive agent, without the SDK:
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

/** Creates a SignedRequester: a keep-alive agent and a signer (signing key cached per day) of its own. */
export function createSignedRequester(options: SignedRequestOptions): SignedRequester {
  const url = new URL(options.endpoint);
  const secure = url.protocol === 'https:';
  const transport = secure ? https : http;
  const agent = new transport.Agent({
    keepAlive: true,
    maxSockets: AWS_MAX_SOCKETS,
    timeout: secure ? AWS_IDLE_SOCKET_TIMEOUT_MS : LOCAL_IDLE_SOCKET_TIMEOUT_MS,
  });
  const signer = createPostSigner(options.region, options.service);
  const basePath = url.pathname.replace(/\/+$/, '');
  const port = url.port === '' ? undefined : Number(url.port);
  const timeoutMs = options.timeoutMs ?? AWS_REQUEST_TIMEOUT_MS;
  return {
    async send(request) {
      const body = Buffer.from(request.body, 'utf8');
      const path = `${basePath}${request.path}`;
      const headers = signer.sign(url.host, path, body, await options.credentials(), request.signing);
      headers.host = url.host;
      headers['content-length'] = String(body.length);
      return exchange(
        transport,
        { agent, host: url.hostname, port, path, method: 'POST', headers },
        body,
        request.what,
        timeoutMs,
      );
    },
    close: () => agent.destroy(),
  };
}

/** AWS's error code from a JSON error body (`__type`, maybe namespaced) or the `x-amzn-errortype` header. */
export function errorTypeOf(body: string, header: string | string[] | undefined): string {
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

function exchange(
  transport: typeof http | typeof https,
  request: http.RequestOptions,
  body: Buffer,
  what: string,
  timeoutMs: number,
): Promise<AwsResponse> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let timedOut = false;
    const fail = (error: AwsRequestError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(error);
    };
    const req = transport.request(request, (res) => {
      const status = res.statusCode ?? 0;
      const ok = status >= 200 && status < 300;
      const chunks: Buffer[] = [];
      let kept = 0;
      res.on('data', (chunk: Buffer) => {
        if (ok || kept < ERROR_BODY_LIMIT) {
          chunks.push(chunk);
          kept += chunk.length;
        }
      });
      res.on('error', (cause) => fail(new AwsRequestError(what, { timedOut }, { cause })));
      res.on('aborted', () => fail(new AwsRequestError(what, { timedOut })));
      res.on('end', () => {
        if (settled) return;
        const text = Buffer.concat(chunks).toString('utf8');
        if (ok) {
          settled = true;
          clearTimeout(timer);
          resolve({ status, body: text });
          return;
        }
        const errorType = errorTypeOf(text, res.headers['x-amzn-errortype']);
        fail(new AwsRequestError(what, { status, errorType, message: messageOf(text) }));
      });
    });
    const timer = setTimeout(() => {
      timedOut = true;
      req.destroy(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', (cause) => fail(new AwsRequestError(what, { timedOut }, { cause })));
    req.end(body);
  });
}
