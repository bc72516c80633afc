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

/** A post to a connection failed; `status` is the HTTP status when there was a response. */
export class PostError extends CloudError {
  override name = 'PostError';
  readonly connectionId: string;
  readonly status: number | undefined;

  constructor(
    code: string,
    connectionId: string,
    status: number | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.connectionId = connectionId;
    this.status = status;
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

/** The post did not finish within the configured timeout and was aborted. */
export class PostTimeoutError extends PostError {
  override name = 'PostTimeoutError';

  constructor(connectionId: string, timeoutMs: number, options?: { cause?: unknown }) {
    super('timeout', connectionId, undefined, `post to ${connectionId} took over ${timeoutMs} ms`, options);
  }
}

/** Any other failed post (a 4xx/5xx other than 410 and 429, a network error). */
export class PostFailedError extends PostError {
  override name = 'PostFailedError';

  constructor(connectionId: string, status: number | undefined, options?: { cause?: unknown }) {
    const shown = status === undefined ? 'without a response' : `with HTTP ${status}`;
    super('post_failed', connectionId, status, `post to ${connectionId} failed ${shown}`, options);
  }
}

/** Lambda refused a page for the fan-out worker (throttled, too large, not permitted) or was unreachable. */
export class HandoffError extends CloudError {
  override name = 'HandoffError';

  constructor(message: string, options?: { cause?: unknown }) {
    super('handoff_failed', message, options);
  }
}

/** The error's message, whatever was thrown. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
