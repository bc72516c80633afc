import { type ErrorCode, isErrorCode, isRetryableError } from '@topic-bridge/shared-types';

/** Codes of failures found by the client itself (the bridge's own codes are in shared-types' ERROR_CODES). */
export type LocalErrorCode =
  | 'invalid_option'
  | 'invalid_message'
  | 'client_closed'
  | 'publish_timeout'
  | 'too_many_pending'
  | 'listener_failed'
  | 'unmatched_error_frame';

/**
 * Every code a client error may carry: the bridge's (including codes added after this version, kept as the
 * raw string) and the client's own.
 */
export type ClientErrorCode = ErrorCode | LocalErrorCode | (string & {});

/** Base of every topic-bridge client error: a stable `code`, `retryable`, and the original `cause`. */
export class TopicBridgeClientError extends Error {
  override name = 'TopicBridgeClientError';
  readonly code: ClientErrorCode;
  /** True when trying the same thing again later can succeed. */
  readonly retryable: boolean;

  constructor(code: ClientErrorCode, message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(message, options);
    this.code = code;
    this.retryable = options?.retryable ?? false;
  }
}

/** An option given to `connect()` is missing or malformed; the message names it. */
export class ClientConfigError extends TopicBridgeClientError {
  override name = 'ClientConfigError';
  readonly option: string;

  constructor(option: string, problem: string) {
    super('invalid_option', `connect(): option "${option}" ${problem}`);
    this.option = option;
  }
}

/** A topic, filter, id or message refused before sending, with the code the bridge would have answered. */
export class InvalidArgumentError extends TopicBridgeClientError {
  override name = 'InvalidArgumentError';
}

/**
 * The bridge answered with an error frame; `code` is its stable code, `reason` its explanation. A code this
 * version does not know is kept as is, and not retryable (nothing says trying again would help).
 */
export class BridgeRejectionError extends TopicBridgeClientError {
  override name = 'BridgeRejectionError';
  readonly reason: string;

  constructor(code: ErrorCode | (string & {}), reason: string) {
    const retryable = isErrorCode(code) && isRetryableError(code);
    super(code, `the bridge refused the frame (${code}): ${reason}`, { retryable });
    this.reason = reason;
  }
}

/** The client was closed before the request settled. */
export class ClientClosedError extends TopicBridgeClientError {
  override name = 'ClientClosedError';

  constructor() {
    super('client_closed', 'the client was closed; create a new one with connect() to go on');
  }
}

/** No ack came in time (the bridge may or may not have delivered the frame). */
export class PublishTimeoutError extends TopicBridgeClientError {
  override name = 'PublishTimeoutError';

  constructor(id: string, timeoutMs: number) {
    super(
      'publish_timeout',
      `no ack for publish ${id} within ${timeoutMs} ms; the bridge may be unreachable (it may still have delivered it)`,
      { retryable: true },
    );
  }
}

/** An event listener threw; reported on the `error` event so that it never breaks the socket's handlers. */
export class ListenerError extends TopicBridgeClientError {
  override name = 'ListenerError';

  constructor(event: string, cause: unknown) {
    super('listener_failed', `a "${event}" listener threw: ${String(cause)}`, { cause });
  }
}
