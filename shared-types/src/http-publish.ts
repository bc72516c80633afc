import type { ErrorCode } from './error-codes.js';

/**
 * HTTP publish: `POST /publish` with one publish frame, or `{"frames":[…]}`, as the body (docs/PROTOCOL.md,
 * "HTTP publish"). Each frame is validated exactly as a WebSocket frame is and answered with one result, in
 * order; these are the request's own limits, answers and codes.
 */

/** The path of HTTP publish on the bridge's HTTP API. */
export const HTTP_PUBLISH_PATH = '/publish';

/**
 * Largest request body, in UTF-8 bytes (2 MiB): 16 frames of the largest size, or 25 of 80 KB. API Gateway's
 * HTTP APIs take 10 MB, but Lambda takes at most 6 MB of event, in which the body is a JSON string: every `"`
 * and `\` of the body is escaped to two bytes there, so a 2 MiB body fits even when made of nothing else.
 */
export const MAX_HTTP_PUBLISH_BODY_BYTES = 2 * 1024 * 1024;

/**
 * Codes of a refused HTTP request (the whole body, in `{"error":{"code","reason"}}`), besides the WebSocket's
 * own codes it shares (malformed_json, not_an_object, nesting_too_deep, forbidden, internal).
 */
export const HTTP_PUBLISH_ERROR_CODES = {
  /** `frames` is not an array, is empty, or the batch body has fields besides `frames` (HTTP 400). */
  invalid_batch: { retryable: false },
  /** More than MAX_HTTP_PUBLISH_FRAMES frames in one request (HTTP 400): split the batch. */
  too_many_frames: { retryable: false },
  /** The body is over MAX_HTTP_PUBLISH_BODY_BYTES (HTTP 413): send fewer or smaller frames per request. */
  body_too_large: { retryable: false },
  /** No `Authorization: Bearer` token, or one that is invalid or expired (HTTP 401). */
  unauthorized: { retryable: false },
  /** Only POST is served on the publish path (HTTP 405). */
  method_not_allowed: { retryable: false },
  /**
   * Per frame: the request's time budget ran out before this frame was published (a fan-out slowed down by
   * throttling); nothing was sent for it, so sending it again is safe.
   */
  not_attempted: { retryable: true },
} as const;

/** A code only HTTP publish answers with. */
export type HttpOnlyErrorCode = keyof typeof HTTP_PUBLISH_ERROR_CODES;

/** Any code an HTTP publish answer can carry: the WebSocket's and HTTP's own. */
export type HttpPublishErrorCode = ErrorCode | HttpOnlyErrorCode;

/** A code and a sentence that tells a person what to do. */
export interface HttpError {
  code: HttpPublishErrorCode;
  reason: string;
}

/** The body of every refused request (status 4xx/5xx). */
export interface HttpErrorBody {
  error: HttpError;
}

/** One published frame: the counts of its fan-out, as in the WebSocket's ack. `id` only when the frame had one. */
export interface HttpPublishDelivered {
  id?: string;
  delivered: number;
  subscribers: number;
  queued: number;
  /** As in the ack: present only when posts failed past every retry; publish the frame again (same id). */
  failed?: number;
}

/** One refused frame: nothing was broadcast for it. `id` when the frame had a valid one. */
export interface HttpPublishRefused {
  id?: string;
  error: HttpError;
}

/** The answer to one frame of the request, in the request's order. */
export type HttpPublishResult = HttpPublishDelivered | HttpPublishRefused;

/** The body of a 200 answer: one result per frame, in order (one for a single-frame body too). */
export interface HttpPublishAnswer {
  results: HttpPublishResult[];
}
