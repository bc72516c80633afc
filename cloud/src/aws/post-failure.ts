import {
  type PostError,
  PostFailedError,
  PostTimeoutError,
  StaleConnectionError,
  ThrottledError,
} from '../errors.js';

// Error names API Gateway and the SDK use for throttling; a 429 status is enough on its own.
const THROTTLING_NAMES = new Set([
  'LimitExceededException',
  'TooManyRequestsException',
  'ThrottlingException',
]);

/** What is known of a failed post, whichever client made it (the SDK or the lean HTTP path). */
export interface PostFailure {
  /** The HTTP status, when a response came. */
  status: number | undefined;
  /** The error type API Gateway named (`x-amzn-ErrorType`, the SDK error's `name`), or ''. */
  errorType: string;
  /** Set when our own per-post timeout aborted the post. */
  timedOutAfterMs: number | undefined;
  cause: unknown;
}

/**
 * The one classification of a failed post into the errors of errors.ts, by HTTP status first (serverless-offline
 * names a 410 `Unknown`), then by error type. Pure and SDK-free, so the SDK path
 * (connections-api.ts) and the lean path (connections-http.ts) translate identically.
 */
export function postErrorFor(failure: PostFailure, connectionId: string): PostError {
  const { status, errorType, timedOutAfterMs, cause } = failure;
  if (timedOutAfterMs !== undefined) return new PostTimeoutError(connectionId, timedOutAfterMs, { cause });
  if (status === 410) return new StaleConnectionError(connectionId, { cause });
  if (status === 429 || THROTTLING_NAMES.has(errorType))
    return new ThrottledError(connectionId, status, { cause });
  return new PostFailedError(connectionId, status, { cause });
}
