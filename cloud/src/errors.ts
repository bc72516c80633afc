/**
 * The cloud's errors. SDK errors are translated into these where the SDK is called, so that the core decides
 * on `instanceof` and a stable `code`, never on an SDK error's `name` (serverless-offline reports a 410 as
 * `Unknown`, for example).
 */

/** Base of every topic-bridge cloud error: a stable `code` and the original `cause`. */
export class CloudError extends Error {
  override name = 'CloudError';
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A malformed environment variable; the message names it and says what is expected. */
export class ConfigError extends CloudError {
  override name = 'ConfigError';

  constructor(message: string) {
    super('config', message);
  }
}

/**
 * The token key could not be read (SSM Parameter Store failed or the parameter is missing), or is unusable
 * (an HS256 secret too short, a PEM key that does not parse). The message never contains the key itself.
 */
export class KeyUnavailableError extends CloudError {
  override name = 'KeyUnavailableError';

  constructor(message: string, options?: { cause?: unknown }) {
    super('key_unavailable', message, options);
  }
}

/** The reason sent with `store_unavailable`, over WebSocket and HTTP alike. */
export const STORE_UNAVAILABLE_REASON = "the bridge's store (DynamoDB) is unavailable; try again shortly";

/** DynamoDB failed, throttled us or could not be reached. Clients get `store_unavailable` and may retry. */
export class StoreUnavailableError extends CloudError {
  override name = 'StoreUnavailableError';

  constructor(message: string, options?: { cause?: unknown }) {
    super('store_unavailable', message, options);
  }
}

/** The table does not exist (ResourceNotFoundException): deploy the stack, or set ENSURE_TABLE=true locally. */
export class TableMissingError extends StoreUnavailableError {
  override name = 'TableMissingError';
}

/**
 * Why a post to `@connections` failed: the contract shared by every gateway (the SDK path and the lean HTTP
 * path classify identically through `classifyPostFailure`). `gone` and `rejected` are final; the others are
 * temporary and retried with full-jitter backoff within the publish's time budget.
 */
export const POST_ERROR_CODES = [
  'gone',
  'throttled',
  'timeout',
  'reset',
  'server_error',
  'rejected',
] as const;
/** One of POST_ERROR_CODES. */
export type PostErrorCode = (typeof POST_ERROR_CODES)[number];

/** The codes worth another attempt: the post may succeed on a later try (on a fresh socket for `reset`). */
export const RETRYABLE_POST_ERROR_CODES: ReadonlySet<PostErrorCode> = new Set([
  'throttled',
  'timeout',
  'reset',
  'server_error',
]);

// Error names API Gateway and the SDK use for throttling; a 429 status is enough on its own.
const THROTTLING_NAMES = new Set([
  'LimitExceededException',
  'TooManyRequestsException',
  'ThrottlingException',
]);

/** What is known of one failed post, whichever HTTP client made it. */
export interface PostFailure {
  /** The HTTP status, when a response arrived. */
  status?: number | undefined;
  /** The error's name (an SDK exception name such as `LimitExceededException`), when there is one. */
  errorName?: string | undefined;
  /** True when our own per-post timeout aborted the call. */
  timedOut?: boolean | undefined;
}

/**
 * The one classifier of failed posts (pure): our timeout first (an aborted call has no trustworthy status),
 * then the HTTP status, then the throttling names; no status at all means the socket failed (`reset`).
 */
export function classifyPostFailure(failure: PostFailure): PostErrorCode {
  if (failure.timedOut) return 'timeout';
  const { status } = failure;
  if (status === 410) return 'gone';
  if (status === 429 || THROTTLING_NAMES.has(failure.errorName ?? '')) return 'throttled';
  if (status === undefined) return 'reset';
  if (status >= 500) return 'server_error';
  return 'rejected';
}

/** A post to a connection failed; `status` is the HTTP status when there was a response. */
export class PostError extends CloudError {
  override name = 'PostError';
  declare readonly code: PostErrorCode;
  readonly connectionId: string;
  readonly status: number | undefined;

  constructor(
    code: PostErrorCode,
    connectionId: string,
    status: number | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.connectionId = connectionId;
    this.status = status;
  }

  /** True when another attempt may succeed (see RETRYABLE_POST_ERROR_CODES). */
  get retryable(): boolean {
    return RETRYABLE_POST_ERROR_CODES.has(this.code);
  }
}

/** HTTP 410: the connection is gone; its rows must be deleted. Final, never retried. */
export class StaleConnectionError extends PostError {
  override name = 'StaleConnectionError';

  constructor(connectionId: string, options?: { cause?: unknown }) {
    super('gone', connectionId, 410, `connection ${connectionId} is gone (HTTP 410)`, options);
  }
}

/** HTTP 429 / LimitExceededException / throttling: the account's `@connections` rate was exceeded. Retryable. */
export class ThrottledError extends PostError {
  override name = 'ThrottledError';

  constructor(connectionId: string, status: number | undefined, options?: { cause?: unknown }) {
    super('throttled', connectionId, status, `post to ${connectionId} was throttled`, options);
  }
}

/** The post did not finish within the configured timeout and was aborted. Retryable (it may arrive twice). */
export class PostTimeoutError extends PostError {
  override name = 'PostTimeoutError';

  constructor(connectionId: string, timeoutMs: number, options?: { cause?: unknown }) {
    super('timeout', connectionId, undefined, `post to ${connectionId} took over ${timeoutMs} ms`, options);
  }
}

/**
 * A post that failed without a response (`reset`: ECONNRESET, socket hang up, EPIPE, ECONNREFUSED), with a
 * 5xx (`server_error`; both retryable) or with another 4xx (`rejected`; final).
 */
export class PostFailedError extends PostError {
  override name = 'PostFailedError';

  constructor(
    code: 'reset' | 'server_error' | 'rejected',
    connectionId: string,
    status: number | undefined,
    options?: { cause?: unknown },
  ) {
    const shown = status === undefined ? 'without a response' : `with HTTP ${status}`;
    const cause = options?.cause instanceof Error ? ` (${options.cause.message})` : '';
    super(code, connectionId, status, `post to ${connectionId} failed ${shown}${cause}`, options);
  }
}

/**
 * The PostError for a failed post, classified by `classifyPostFailure`: every gateway builds its errors here,
 * so that the fan-out sees the same class and code for the same failure whatever client made the call.
 */
export function postErrorFor(
  connectionId: string,
  failure: PostFailure & { timeoutMs?: number },
  cause: unknown,
): PostError {
  const code = classifyPostFailure(failure);
  const options = { cause };
  switch (code) {
    case 'gone':
      return new StaleConnectionError(connectionId, options);
    case 'throttled':
      return new ThrottledError(connectionId, failure.status, options);
    case 'timeout':
      return new PostTimeoutError(connectionId, failure.timeoutMs ?? 0, options);
    default:
      return new PostFailedError(code, connectionId, failure.status, options);
  }
}

/**
 * A request of the handlers' HTTP client (aws/http1/) got no complete answer: the socket failed or closed, the
 * answer could not be parsed, or none came within the request's timeout (`timedOut`). Callers translate it into
 * their own error (a post's `reset`/`timeout`, an AWS call's transient failure).
 */
export class HttpTransportError extends CloudError {
  override name = 'HttpTransportError';
  readonly timedOut: boolean;

  constructor(message: string, timedOut: boolean, cause?: unknown) {
    super('http_transport', message, cause === undefined ? undefined : { cause });
    this.timedOut = timedOut;
  }
}

/** Lambda refused a page for the fan-out worker (throttled, too large, not permitted) or was unreachable. */
export class HandoffError extends CloudError {
  override name = 'HandoffError';

  constructor(message: string, options?: { cause?: unknown }) {
    super('handoff_failed', message, options);
  }
}

/** One line for any thrown value (name, message, cause chain): the one implementation is shared-types'. */
export { describeError } from '@topic-bridge/shared-types';

/**
 * How a failed call to an AWS JSON API (DynamoDB, Lambda Invoke, SSM) is retried, as the SDK's standard retry
 * mode classifies it: `throttling` and `transient` are retried (with different backoff bases), `server`
 * (a 5xx other than 500/502/503/504) and `client` (any other 4xx) are not.
 */
export type AwsFailureKind = 'throttling' | 'transient' | 'server' | 'client';

// The SDK's THROTTLING_ERROR_CODES (@smithy/core, service-error-classification), the ones AWS JSON APIs use.
const AWS_THROTTLING_TYPES = new Set([
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'LimitExceededException',
  'TransactionInProgressException',
]);
// The SDK's TRANSIENT_ERROR_CODES and TRANSIENT_ERROR_STATUS_CODES.
const AWS_TRANSIENT_TYPES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const AWS_TRANSIENT_STATUSES = new Set([500, 502, 503, 504]);

/** What is known of one failed AWS call: the status and error type when a response came, else neither. */
export interface AwsFailure {
  status?: number | undefined;
  /** AWS's error code (`ConditionalCheckFailedException`), '' when the response named none. */
  errorType?: string | undefined;
  /** True when our own per-attempt timeout aborted the call. */
  timedOut?: boolean | undefined;
}

/** The one classifier of failed AWS calls (pure), the SDK's rules: no response or a timeout is transient. */
export function classifyAwsFailure(failure: AwsFailure): AwsFailureKind {
  const { status, errorType = '' } = failure;
  if (failure.timedOut || status === undefined) return 'transient';
  if (status === 429 || AWS_THROTTLING_TYPES.has(errorType)) return 'throttling';
  if (AWS_TRANSIENT_TYPES.has(errorType) || AWS_TRANSIENT_STATUSES.has(status)) return 'transient';
  // DynamoDB's InternalServerError comes as a 500 (transient above); any other 5xx is not retried.
  return status >= 500 ? 'server' : 'client';
}

/**
 * A call to an AWS JSON API over our signed HTTP client failed. `errorType` is AWS's error code (what the SDK
 * puts in an error's `name`), '' without a response; callers that map codes (a failed condition, a missing
 * table) read it through `awsErrorType`, which also understands SDK errors.
 */
export class AwsRequestError extends CloudError {
  override name = 'AwsRequestError';
  readonly errorType: string;
  readonly status: number | undefined;
  readonly kind: AwsFailureKind;
  /** What went wrong without the call's name: `HTTP 400 ValidationException: …`, `no response`. */
  readonly detail: string;

  constructor(what: string, failure: AwsFailure & { message?: string }, options?: { cause?: unknown }) {
    const errorType = failure.errorType ?? '';
    const shown =
      failure.status === undefined
        ? failure.timedOut
          ? 'no answer in time'
          : 'no response'
        : `HTTP ${failure.status}${errorType ? ` ${errorType}` : ''}`;
    const detail = failure.message ? `: ${failure.message}` : '';
    super('aws_request', `${what} failed (${shown}${detail})`, options);
    this.detail = `${shown}${detail}`;
    this.errorType = errorType;
    this.status = failure.status;
    this.kind = classifyAwsFailure(failure);
  }

  /** True when the SDK's standard mode would try again. */
  get retryable(): boolean {
    return this.kind === 'throttling' || this.kind === 'transient';
  }
}

/** AWS's error code of a failed call, from our AwsRequestError or an SDK error (its `name`); '' otherwise. */
export function awsErrorType(error: unknown): string {
  if (error instanceof AwsRequestError) return error.errorType;
  return error instanceof Error ? error.name : '';
}
